package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
)

// TestBrowserServiceLookup drives a real headless Chromium through what a
// newcomer does first: open the services page, search, open a service and
// read its owner and responsibility matrix.
func TestBrowserServiceLookup(t *testing.T) {
	e := newEnv(t, "../../examples/acme")

	b := newBrowser(t)
	ctx, step, text, waitLoad := b.ctx, b.step, b.text, b.waitLoad

	step("open the services page", chromedp.Navigate(e.ts.URL+"/services"), chromedp.WaitVisible(chromedp.ID("services")))
	if got := text("result-count"); got != "25 services" {
		t.Errorf("result count = %q; want 25 services", got)
	}

	waitLoad("search", chromedp.SendKeys(chromedp.ID("search"), "payments"+kb.Enter))
	if got := text("result-count"); !strings.HasSuffix(got, " of 25 services") || got == "25 of 25 services" {
		t.Errorf("after searching, result count = %q; want a filtered count", got)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#services tbody tr')).map(r => r.dataset.service)`))
	if err != nil {
		t.Fatal(err)
	}
	if !contains(rows, "payments") || contains(rows, "search") {
		t.Errorf("search for payments lists %v", rows)
	}

	waitLoad("open the payments service", chromedp.Click(chromedp.CSS(`#services a.svc[href="/services/payments"]`)))
	if got := text("owner"); got != "Checkout & Payments" {
		t.Errorf("owner = %q; want Checkout & Payments", got)
	}
	matrix, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll('#responsibilities tbody tr')).map(r =>
			[r.dataset.concern, r.querySelector('td.team a').textContent.trim(), r.cells[2].textContent.trim()])`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"database-backup":    {"Checkout & Payments", "this service"},
		"security-patching":  {"Site Reliability Engineering", "this service"},
		"kubernetes-cluster": {"Site Reliability Engineering", "organisation default"},
		"app-alerts":         {"Checkout & Payments", "organisation default"},
	}
	got := map[string][2]string{}
	for _, row := range matrix {
		if _, ok := want[row[0]]; ok {
			got[row[0]] = [2]string{row[1], row[2]}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("responsibility matrix (-want +got):\n%s", diff)
	}
	shot(t, ctx, "payments")

	// The owner link leads to the team page with its members.
	waitLoad("open the owning team", chromedp.Click(chromedp.ID("owner")))
	if got := text("team-name"); !strings.HasPrefix(got, "Checkout & Payments") {
		t.Errorf("team page title = %q", got)
	}
	if got := text("members"); !strings.Contains(got, "Nina Schmidt") {
		t.Errorf("members = %q; want Nina Schmidt among them", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shot saves a screenshot of the page among the test's artifacts.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), strings.ReplaceAll(name, " ", "-")+".jpg")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
