package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kiban.dev/kiban/internal/amconfig"
	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// chatInbox is a chat webhook receiver on loopback: it keeps the text of
// every message posted to it, from kiban (Slack blocks with a text
// fallback) or from Alertmanager's slack_configs.
type chatInbox struct {
	mu   sync.Mutex
	msgs []string
}

func (c *chatInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m struct {
		Text        string
		Attachments []struct{ Title, Text string }
	}
	_ = json.Unmarshal(body, &m)
	text := m.Text
	for _, a := range m.Attachments {
		text += a.Title + " " + a.Text
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, r.URL.Path+" "+text)
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// has reports whether a message containing s arrived.
func (c *chatInbox) has(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func (c *chatInbox) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.msgs, "\n")
}

// TestIncidentEndToEnd is the whole path of an incident: a real
// Alertmanager, configured by kiban alertmanager config from the example
// catalog, sends a page for checkout to kiban; an incident opens for
// shop-checkout with the alert on its timeline and the team's chat (a
// receiver on loopback) hears of it; the alert resolves; the postmortem is
// written and published through the UI in headless Chromium; an overdue
// action item shows on the team page and goes out in the daily digest.
func TestIncidentEndToEnd(t *testing.T) {
	amBin := testenv.Alertmanager(t)
	b := newBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	inbox := &chatInbox{}
	chat := httptest.NewServer(inbox)
	t.Cleanup(chat.Close)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	getenv := func(k string) string {
		if k == "KIBAN_WEBHOOK_SHOP_CHECKOUT" {
			return chat.URL + "/kiban"
		}
		return ""
	}
	var ts *httptest.Server
	var srv *Server
	ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Handler().ServeHTTP(w, r) }))
	ts.Start()
	t.Cleanup(ts.Close)
	srv, err = New(ctx, Config{ConfigDir: "../../examples/acme", Store: st, Getenv: getenv, ExternalURL: ts.URL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	go srv.RunJobs(ctx)
	e := &env{srv: srv, ts: ts, store: st, dir: "../../examples/acme"}
	editor := e.token(t, store.RoleEditor)

	// Alertmanager's configuration comes from the catalog, with kiban's
	// webhook first and the team's chat from a secret file.
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets")
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"kiban-token": editor, "KIBAN_WEBHOOK_SHOP_CHECKOUT": chat.URL + "/alertmanager"} {
		if err := os.WriteFile(filepath.Join(secrets, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.Load(ctx, "../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := amconfig.Generate(cat, amconfig.Options{FallbackTeam: "sre", SecretsDir: secrets, KibanURL: ts.URL,
		GroupWait: "1s", GroupInterval: "1s", RepeatInterval: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	amYAML, err := amconfig.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	am := startAlertmanager(t, amBin, dir, string(amYAML))

	starts := time.Now().UTC().Add(-3 * time.Minute).Truncate(time.Second)
	post := func(ends *time.Time) {
		t.Helper()
		a := map[string]any{
			"labels": map[string]string{"alertname": "CheckoutErrorBudgetBurn", "service": "checkout", "team": "shop-checkout",
				"severity": "page"},
			"annotations": map[string]string{"summary": "Checkout is failing payments"},
			"startsAt":    starts,
		}
		if ends != nil {
			a["endsAt"] = *ends
		}
		body, _ := json.Marshal([]any{a})
		resp, err := http.Post(am+"/api/v2/alerts", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v2/alerts = %d", resp.StatusCode)
		}
	}
	detail := func() incident.Detail {
		var d incident.Detail
		e.getJSON(t, "/api/v1/incidents/1", &d)
		return d
	}
	hasEvent := func(kind string) bool {
		code, body := e.do(t, "GET", "/api/v1/incidents/1", "", "")
		return code == http.StatusOK && strings.Contains(body, `"kind": "`+kind+`"`)
	}

	// 1. The page opens an incident for the owning team, alert on its
	// timeline, and the team's chat hears of it.
	post(nil)
	waitFor(t, 30*time.Second, "an incident opens from the alert", func() bool { return hasEvent(store.EventAlertFiring) })
	d := detail()
	if d.Incident.Team != "shop-checkout" || d.Incident.Severity != 2 || d.Incident.Title != "Checkout is failing payments" ||
		len(d.Alerts) != 1 || d.Alerts[0].Receiver != "kiban" || !d.Incident.StartedAt.Equal(starts) {
		t.Fatalf("incident = %+v, alerts %+v", d.Incident, d.Alerts)
	}
	waitFor(t, 30*time.Second, "the team's chat gets kiban's message", func() bool {
		return inbox.has("/kiban SEV2 incident opened: INC-1 Checkout is failing payments")
	})
	waitFor(t, 30*time.Second, "the team's chat gets Alertmanager's page", func() bool {
		return inbox.has("/alertmanager") && inbox.has("CheckoutErrorBudgetBurn")
	})

	// 2. The alert resolves.
	ends := time.Now().UTC().Truncate(time.Second)
	post(&ends)
	waitFor(t, 30*time.Second, "the resolution reaches the timeline", func() bool { return hasEvent(store.EventAlertResolved) })

	// 3. In the browser: sign in, resolve the incident, write, review and
	// publish the postmortem.
	b.waitLoad("open login", chromedp.Navigate(ts.URL+"/login?next=/incidents/1"))
	b.step("type token", chromedp.SendKeys(chromedp.ID("login-token"), editor))
	b.waitLoad("sign in", chromedp.Submit(chromedp.ID("login-token")))
	if got := b.text("incident-title"); !strings.Contains(got, "Checkout is failing payments") {
		t.Fatalf("#incident-title = %q", got)
	}
	if got := b.text("timeline"); !strings.Contains(got, "CheckoutErrorBudgetBurn") {
		t.Errorf("#timeline lacks the alert: %q", got)
	}
	b.waitLoad("resolve", chromedp.Click(chromedp.ID("status-resolved")))
	if got := b.text("incident-status"); got != store.IncidentResolved {
		t.Fatalf("#incident-status = %q after resolving", got)
	}
	waitFor(t, 30*time.Second, "the team's chat hears of the resolution", func() bool {
		return inbox.has("/kiban Resolved: INC-1 Checkout is failing payments")
	})
	b.waitLoad("start postmortem", chromedp.Click(chromedp.ID("postmortem-start")))
	b.step("write root cause", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(() => {
			const ta = document.getElementById("postmortem-body");
			ta.value = ta.value.replace("## Root causes\n", "## Root causes\n\nThe payment provider rotated its TLS certificate chain; our pinned bundle lacked the new intermediate.\n");
			return true })()`)(ctx, tg)
		return chromedp.Void{}, err
	}))
	b.waitLoad("preview", chromedp.Click(chromedp.ID("postmortem-preview")))
	if got := b.text("preview"); !strings.Contains(got, "pinned bundle lacked the new intermediate") {
		t.Errorf("#preview = %q", got)
	}
	b.waitLoad("save", chromedp.Click(chromedp.ID("postmortem-save")))
	b.waitLoad("submit for review", chromedp.Click(chromedp.ID("submit-review")))
	b.waitLoad("publish", chromedp.Click(chromedp.ID("publish")))
	if got := b.text("postmortem-status"); got != "published" {
		t.Fatalf("#postmortem-status = %q", got)
	}
	if got := b.text("postmortem-html"); !strings.Contains(got, "pinned bundle lacked the new intermediate") {
		t.Errorf("published postmortem lacks the edit: %q", got)
	}
	waitFor(t, 30*time.Second, "the team's chat hears of the publication", func() bool {
		return inbox.has("/kiban Postmortem published: INC-1")
	})
	var lib struct{ Postmortems []json.RawMessage }
	e.getJSON(t, "/api/v1/postmortems?q=intermediate+certificate", &lib)
	if len(lib.Postmortems) != 1 {
		t.Errorf("the library finds %d postmortems for the root cause; want 1", len(lib.Postmortems))
	}

	// 4. An overdue action item shows on the team page and in the digest.
	due := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	if code, body := e.do(t, "POST", "/api/v1/incidents/1/action-items", editor,
		fmt.Sprintf(`{"title": "Monitor the provider's certificate chain", "owner": "shop-checkout", "type": "prevent", "due": %q}`, due)); code != http.StatusCreated {
		t.Fatalf("add action item = %d %s", code, body)
	}
	b.waitLoad("team page", chromedp.Navigate(ts.URL+"/teams/shop-checkout"))
	if got := b.text("overdue-actions"); !strings.Contains(got, "Monitor the provider's certificate chain") {
		t.Errorf("#overdue-actions = %q", got)
	}
	// The jobs queue the digest every minute; queue it now rather than
	// wait (it goes once a day whoever queues it).
	if _, err := srv.incidents.Digest(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv.FlushMessages(ctx)
	waitFor(t, 30*time.Second, "the digest reaches the team's chat", func() bool {
		return inbox.has("/kiban 1 overdue action item for shop-checkout")
	})
	shot(t, b.ctx, "team-page-overdue")
}
