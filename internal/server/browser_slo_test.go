package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// TestBrowserSLOs drives a real headless Chromium through what an on-call
// engineer does when a budget runs out: open the SLOs, find the worst one
// on top, filter by team, and open it to read its remaining budget, which
// must be what slostatus computes.
func TestBrowserSLOs(t *testing.T) {
	e := newEnv(t, "../../examples/acme")

	// 1% errors against checkout's 0.1% budget exhausts it; search is
	// healthy.
	editor := e.token(t, store.RoleEditor)
	ten := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e.postEvents(t, editor, "browser-1",
		eventJSON("checkout-availability", ten, 9900, 10000),
		eventJSON("checkout-availability", ten.Add(-48*time.Hour), 20000, 20000),
		eventJSON("search-availability", ten, 9995, 10000),
	)

	b := newBrowser(t)
	ctx, step, text, waitLoad := b.ctx, b.step, b.text, b.waitLoad
	rows := func() []string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ids, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#slos tbody tr')).map(r => r.dataset.slo)`))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}

	step("open the SLOs page", chromedp.Navigate(e.ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("global-search")))
	waitLoad("follow the SLOs link", chromedp.Click(chromedp.CSS(`header nav a[href="/slos"]`)))
	step("see the SLO table", chromedp.WaitVisible(chromedp.ID("slos")))
	if got := rows(); len(got) != 8 || got[0] != "checkout-availability" || got[1] != "search-availability" {
		t.Errorf("SLO rows = %v; want the exhausted checkout-availability first, then search-availability", got)
	}
	shot(t, ctx, "slos")

	// The team filter applies as soon as it changes (kiban.js).
	waitLoad("filter by team", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#filters select[name=team]');
			s.value = 'shop-checkout'; s.dispatchEvent(new Event('change')); return true })()`)(ctx, tg)
		return chromedp.Void{}, err
	}))
	if got := rows(); strings.Join(got, " ") != "checkout-availability checkout-journey checkout-latency" {
		t.Errorf("after filtering by shop-checkout, rows = %v", got)
	}
	if got := text("result-count"); !strings.HasPrefix(got, "3 of 8 SLOs") {
		t.Errorf("result count = %q; want 3 of 8 SLOs", got)
	}

	waitLoad("open checkout availability", chromedp.Click(chromedp.CSS(`#slos a.slo[href="/slos/checkout-availability"]`)))
	want, err := slostatus.Evaluate(context.Background(), e.store, e.srv.current().cat, sloByIDForTest(t, e, "checkout-availability"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// 100 errors in 30,000 requests: 0.333% against 0.1%, -233.3% left.
	if got := text("remaining-budget"); got != budgetPct(want.Remaining) || got != "-233.3%" {
		t.Errorf("#remaining-budget = %q; slostatus computes %s (want -233.3%%)", got, budgetPct(want.Remaining))
	}
	if got := text("slo-title"); !strings.HasPrefix(got, "Checkout API availability") {
		t.Errorf("title = %q", got)
	}
	if got := text("exhaustion"); got != "exhausted" {
		t.Errorf("time to exhaustion = %q; want exhausted", got)
	}
	// The burn-down is an accessible inline SVG with a tooltip per sample.
	chart, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`(() => {
		const svg = document.getElementById('burndown-chart');
		return [svg.getAttribute('role'), document.getElementById(svg.getAttribute('aria-labelledby').split(' ')[0]).textContent,
			svg.querySelectorAll('rect.hit title').length, svg.getBoundingClientRect().width > 600]
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(chart) != 4 || chart[0] != "img" || chart[1] != "Error budget burn-down" || chart[2] != float64(slostatus.DefaultPoints) || chart[3] != true {
		t.Errorf("burn-down chart = %v; want an img titled Error budget burn-down with %d samples, drawn wide", chart, slostatus.DefaultPoints)
	}
	shot(t, ctx, "checkout availability")

	// Every figure links to the JSON it was computed from.
	waitLoad("open the JSON", chromedp.Click(chromedp.CSS(`.figure a.fig[aria-describedby="budget-label"]`)))
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"remaining": -2.33`) || !strings.Contains(body, `"id": "checkout-availability"`) {
		t.Errorf("the budget figure's link shows:\n%.400s", body)
	}
}

func sloByIDForTest(t *testing.T, e *env, id string) *catalog.SLO {
	t.Helper()
	for _, s := range e.srv.current().cat.SLOs {
		if s.ID() == id {
			return s
		}
	}
	t.Fatalf("no SLO %s", id)
	return nil
}
