package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/testenv"
)

// TestBrowserServiceLookup drives a real headless Chromium through what a
// newcomer does first: open the services page, search, open a service and
// read its owner and responsibility matrix.
func TestBrowserServiceLookup(t *testing.T) {
	chromium := testenv.Chromium(t)
	e := newEnv(t, "../../examples/acme")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	// The browser lives as long as the test; each step has its own timeout.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// Start the browser on the long-lived context: the first action on a
	// context allocates the browser, and cancelling that context closes it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			shot(t, ctx, name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(id string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	// waitLoad runs an action that navigates and waits for the new page.
	waitLoad := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, a)); err != nil {
			shot(t, ctx, name)
			t.Fatalf("%s: %v", name, err)
		}
	}

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
