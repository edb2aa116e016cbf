package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kiban.dev/kiban/internal/store"
)

// TestBrowserIncident drives a real headless Chromium through an incident
// as an on-call engineer meets it: sign in, declare the incident with the
// form, note what was done, resolve it, write the postmortem (the preview
// follows the typing, and the Preview button saves nothing), save, submit
// it for review and publish it, then find it in the library.
func TestBrowserIncident(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	b := newBrowser(t)
	ctx, step, text, waitLoad := b.ctx, b.step, b.text, b.waitLoad
	eval := func(name, js string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
			if err == nil && !ok {
				t.Errorf("%s: the script returned false", name)
			}
			return chromedp.Void{}, err
		}
	}

	waitLoad("open the sign-in page", chromedp.Navigate(e.ts.URL+"/login?next=/incidents"))
	step("type the token", chromedp.SendKeys(chromedp.ID("login-token"), editor))
	waitLoad("sign in", chromedp.Submit(chromedp.ID("login-token")))
	step("see the declare form", chromedp.WaitVisible(chromedp.ID("declare-title")))
	if got := text("session"); !strings.Contains(got, "test-editor") {
		t.Errorf("#session = %q; want the signed-in token", got)
	}

	step("fill the declare form",
		chromedp.SendKeys(chromedp.ID("declare-title"), "Card payments fail"),
		chromedp.SetValue(chromedp.ID("declare-severity"), "SEV2"),
		eval("pick services", `(() => { const s = document.getElementById("declare-services");
			for (const o of s.options) o.selected = o.value === "checkout" || o.value === "payments"; return true })()`),
		chromedp.SendKeys(chromedp.ID("declare-summary"), "5xx on /api/checkout since the 14:02 deploy"),
		chromedp.SendKeys(chromedp.ID("declare-commander"), "mtanaka"))
	shot(t, ctx, "declare")
	waitLoad("declare", chromedp.Click(chromedp.ID("declare-submit")))
	if got := text("incident-title"); got != "Card payments fail" {
		t.Fatalf("#incident-title = %q", got)
	}
	if got := text("incident-status"); got != store.IncidentInvestigating {
		t.Errorf("#incident-status = %q; want investigating", got)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/incidents/1") {
		t.Errorf("after declaring, the browser is at %s (%v); want /incidents/1", loc, err)
	}

	step("type a note", chromedp.SendKeys(chromedp.ID("note-text"), "Rolled back the 14:02 deploy"))
	waitLoad("add the note", chromedp.Click(chromedp.ID("note-submit")))
	if got := text("timeline"); !strings.Contains(got, "Rolled back the 14:02 deploy") {
		t.Errorf("#timeline = %q; want the note", got)
	}
	kinds, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#timeline > li.event')).map(li => li.className)`))
	if err != nil || !contains(kinds, "event event-opened") || !contains(kinds, "event event-note") {
		t.Errorf("timeline entries = %v (%v); want opened and note", kinds, err)
	}

	waitLoad("resolve", chromedp.Click(chromedp.ID("status-resolved")))
	if got := text("incident-status"); got != store.IncidentResolved {
		t.Fatalf("#incident-status = %q after resolving", got)
	}
	shot(t, ctx, "incident resolved")

	waitLoad("start the postmortem", chromedp.Click(chromedp.ID("postmortem-start")))
	step("see the editor", chromedp.WaitVisible(chromedp.ID("postmortem-body")))
	const cause = "A stale resolver cache kept the old payment gateway address."
	// The caret goes to the end of the root causes section, and the
	// sentence is typed there key by key.
	step("type the root cause",
		eval("place the caret", `(() => { const ta = document.getElementById("postmortem-body");
			const at = ta.value.indexOf("## Trigger"); ta.focus(); ta.setSelectionRange(at, at); return at > 0 })()`),
		chromedp.KeyEvent(cause+"\n\n"),
		chromedp.SetValue(chromedp.ID("postmortem-cause"), "dependency"),
		chromedp.SendKeys(chromedp.ID("postmortem-tags"), "dns, cache"))
	// kiban.js renders the preview while typing.
	step("the preview follows the typing", chromedp.Poll[chromedp.Void](`document.getElementById("preview").innerText.includes("stale resolver cache")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	waitLoad("preview", chromedp.Click(chromedp.ID("postmortem-preview")))
	if got := text("preview"); !strings.Contains(got, cause) {
		t.Errorf("#preview = %.300q; want the root cause", got)
	}
	if pm, err := e.store.Postmortem(t.Context(), 1); err != nil || pm.Version != 1 || strings.Contains(pm.Body, cause) {
		t.Errorf("the preview saved the postmortem (version %d, %v)", pm.Version, err)
	}
	body, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("postmortem-body")))
	if err != nil || !strings.Contains(body, cause) || !strings.HasPrefix(body, "# Postmortem: Card payments fail") {
		t.Errorf("after the preview, the editor holds %.200q (%v)", body, err)
	}
	shot(t, ctx, "postmortem preview")

	waitLoad("save", chromedp.Click(chromedp.ID("postmortem-save")))
	if got := text("postmortem-status"); got != store.PostmortemDraft {
		t.Errorf("#postmortem-status = %q; want draft", got)
	}
	if got := text("postmortem-html"); !strings.Contains(got, cause) {
		t.Errorf("#postmortem-html lacks the root cause: %.300q", got)
	}
	waitLoad("submit for review", chromedp.Click(chromedp.ID("submit-review")))
	if got := text("postmortem-status"); got != store.PostmortemInReview {
		t.Errorf("#postmortem-status = %q; want in_review", got)
	}
	waitLoad("publish", chromedp.Click(chromedp.ID("publish")))
	if got := text("postmortem-status"); got != store.PostmortemPublished {
		t.Fatalf("#postmortem-status = %q; want published", got)
	}
	shot(t, ctx, "postmortem published")
	pm, err := e.store.Postmortem(t.Context(), 1)
	if err != nil || pm.CauseCategory != "dependency" || strings.Join(pm.Tags, ",") != "cache,dns" || strings.Contains(pm.Body, "\r") {
		t.Errorf("stored postmortem: cause %q tags %v, CR %t (%v)", pm.CauseCategory, pm.Tags, strings.Contains(pm.Body, "\r"), err)
	}

	waitLoad("open the library", chromedp.Click(chromedp.CSS(`header nav a[href="/postmortems"]`)))
	step("search", chromedp.SendKeys(chromedp.ID("library-search"), "stale"))
	waitLoad("submit the search", chromedp.Submit(chromedp.ID("library-search")))
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#results li.hit mark')).map(m => m.textContent.toLowerCase())`))
	if err != nil || !contains(marks, "stale") {
		t.Errorf("marked words in the results = %v (%v); want stale", marks, err)
	}
	shot(t, ctx, "library")

	waitLoad("open the metrics", chromedp.Navigate(e.ts.URL+"/incidents/metrics"))
	step("see the metrics", chromedp.WaitVisible(chromedp.ID("metrics")))
	shot(t, ctx, "metrics")
	waitLoad("open the team", chromedp.Navigate(e.ts.URL+"/teams/shop-checkout"))
	if got := text("recent-incidents"); !strings.Contains(got, "INC-1") {
		t.Errorf("#recent-incidents = %.300q; want INC-1", got)
	}
	shot(t, ctx, "team")
}
