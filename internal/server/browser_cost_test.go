package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kiban.dev/kiban/internal/cost"
)

// TestBrowserCost opens the cost view of September 2024 in a real
// headless Chromium, after importing the FOCUS sample: the effective
// total is cost.Build's, the daily chart has one bar per day with data,
// drawn wide, and a team's breakdown leads to that team's view.
func TestBrowserCost(t *testing.T) {
	e := newCostEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	b := newBrowser(t)
	b.step("open the cost view", chromedp.Navigate(e.ts.URL+"/services"), chromedp.WaitVisible(chromedp.ID("global-search")))
	b.waitLoad("follow the Cost link", chromedp.Click(chromedp.CSS(`header nav a[href="/cost"]`)))
	b.step("see how to import cost", chromedp.WaitVisible(chromedp.ID("cost-empty")), chromedp.WaitVisible(chromedp.CSS(`#filters input[name=month]`)))
	shot(t, b.ctx, "cost nothing imported")

	importSample(t, e)
	ctx := context.Background()
	want, err := cost.Build(ctx, e.store, cost.ReportQuery{From: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Catalog: e.srv.current().cat})
	if err != nil {
		t.Fatal(err)
	}

	b.waitLoad("open September 2024", chromedp.Navigate(e.ts.URL+"/cost?month=2024-09"))
	b.step("see the totals", chromedp.WaitVisible(chromedp.ID("cost-total-effective")))
	if got, w := b.text("cost-total-effective"), usd(want.Totals[0].Effective); got != w {
		t.Errorf("#cost-total-effective = %q; cost.Build says %q", got, w)
	}
	if got := b.text("cost-period"); got != "September 2024" {
		t.Errorf("#cost-period = %q", got)
	}

	sctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	chart, err := chromedp.Run(sctx, chromedp.Evaluate[[]any](`(() => {
		const svg = document.getElementById('cost-daily');
		const bars = Array.from(svg.querySelectorAll('rect.col'));
		return [svg.getAttribute('role'), document.getElementById(svg.getAttribute('aria-labelledby').split(' ')[0]).textContent,
			bars.length, new Set(bars.map(r => r.parentNode.dataset.key)).size,
			bars.every(r => r.getBoundingClientRect().height > 0), svg.getBoundingClientRect().width > 800,
			document.querySelectorAll('#cost-months rect.col').length]
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	days := float64(len(want.Daily))
	if len(chart) != 7 || chart[0] != "img" || chart[1] != "Effective cost by day (USD)" || chart[2] != days || chart[3] != days ||
		chart[4] != true || chart[5] != true || chart[6] != float64(1) {
		t.Errorf("daily chart = %v; want an img with %d visible bars, one per day, drawn wide, and one month bar", chart, len(want.Daily))
	}
	shot(t, b.ctx, "cost september 2024")

	// From the organisation to a team: its own view.
	b.waitLoad("open the shop team", chromedp.Click(chromedp.CSS(`#by-team a[href="/cost?month=2024-09&team=shop"]`)))
	shop, err := cost.Build(ctx, e.store, cost.ReportQuery{Team: "shop", From: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Catalog: e.srv.current().cat})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.text("cost-total-effective"); got != usd(shop.Totals[0].Effective) {
		t.Errorf("shop's #cost-total-effective = %q; want %s", got, usd(shop.Totals[0].Effective))
	}
	b.step("see the budget", chromedp.WaitVisible(chromedp.ID("cost-budget")))
	shot(t, b.ctx, "cost shop september 2024")

	b.waitLoad("open the team page", chromedp.Navigate(e.ts.URL+"/teams/shop"))
	if got := b.text("cost-last-month"); got != usd(shop.Totals[0].Effective) {
		t.Errorf("team page, last month = %q; want %s", got, usd(shop.Totals[0].Effective))
	}
	shot(t, b.ctx, "team shop")

	// A spike of brightpath shows on its cost view, newest first.
	addSpike(t, e)
	b.waitLoad("open brightpath's cost", chromedp.Navigate(e.ts.URL+"/cost?service=brightpath&month=2024-09"))
	rows, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#cost-anomalies tbody tr')).map(r => r.dataset.day + ' ' + r.dataset.service)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0] != "2024-09-20 brightpath" {
		t.Errorf("anomalies = %v; want brightpath's spike of 2024-09-20", rows)
	}
	shot(t, b.ctx, "cost brightpath september 2024")
	b.waitLoad("open a wrong month", chromedp.Navigate(e.ts.URL+"/cost?month=2024-13"))
	shot(t, b.ctx, "cost wrong month")
}
