package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// capture reads a webhook body captured from Alertmanager 0.25.
func capture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../alertintake/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type amResult struct {
	Alerts, Firing, Resolved, Unowned, Truncated int
}

// postWebhook sends body to POST /api/v1/alertmanager with auth set by
// setAuth (nil: no credentials).
func (e *env) postWebhook(t *testing.T, setAuth func(*http.Request), body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.ts.URL+"/api/v1/alertmanager", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Alertmanager/0.25.0")
	if setAuth != nil {
		setAuth(req)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func basic(tok string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth("alertmanager", tok) }
}

func (e *env) deliverOK(t *testing.T, setAuth func(*http.Request), body string) amResult {
	t.Helper()
	code, out := e.postWebhook(t, setAuth, body)
	if code != http.StatusOK {
		t.Fatalf("POST /api/v1/alertmanager = %d: %s", code, out)
	}
	var res amResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

type alertJSON struct {
	Fingerprint  string            `json:"fingerprint"`
	State        string            `json:"state"`
	AlertName    string            `json:"alertname"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"starts_at"`
	EndsAt       *time.Time        `json:"ends_at"`
	GeneratorURL string            `json:"generator_url"`
	GroupKey     string            `json:"group_key"`
	Receiver     string            `json:"receiver"`
	ExternalURL  string            `json:"external_url"`
	Service      string            `json:"service"`
	Team         string            `json:"team"`
	Unowned      bool              `json:"unowned"`
	Deliveries   int               `json:"deliveries"`
}

func (e *env) alerts(t *testing.T, query string) map[string]alertJSON {
	t.Helper()
	var out struct {
		Alerts []alertJSON `json:"alerts"`
	}
	e.getJSON(t, "/api/v1/alerts"+query, &out)
	m := map[string]alertJSON{}
	for _, a := range out.Alerts {
		m[a.Fingerprint] = a
	}
	return m
}

func (e *env) deliveries(t *testing.T) []store.AlertDeliveryRecord {
	t.Helper()
	d, err := e.store.AlertDeliveries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAPIAlertmanagerCaptures(t *testing.T) {
	forEachStore(t, "../../examples/acme", func(t *testing.T, e *env) {
		tok := e.token(t, store.RoleEditor)

		// Two alerts fire.
		got := e.deliverOK(t, bearer(tok), capture(t, "webhook-v4-firing-2-alerts.json"))
		if want := (amResult{Alerts: 2, Firing: 2}); got != want {
			t.Errorf("firing: %+v; want %+v", got, want)
		}
		as := e.alerts(t, "")
		a := as["15fa5e1381b5fb35"]
		if len(as) != 2 || a.State != "firing" || a.EndsAt != nil || a.Service != "checkout" || a.Team != "shop-checkout" || a.Unowned ||
			a.AlertName != "HighErrorRate" || a.Labels["instance"] != "checkout-1:8080" || a.Annotations["summary"] != "checkout 5xx ratio above 5%" ||
			a.Receiver != "sre-platform" || a.ExternalURL != "http://127.0.0.1:19093" || !strings.Contains(a.GroupKey, "HighErrorRate") ||
			!strings.HasPrefix(a.GeneratorURL, "http://prometheus.example.com/graph") || a.Deliveries != 1 {
			t.Errorf("after firing: %+v", as)
		}

		// The same notification again (a retry): no new state.
		e.deliverOK(t, bearer(tok), capture(t, "webhook-v4-firing-2-alerts.json"))
		again := e.alerts(t, "")
		for fp, a := range again {
			if a.State != "firing" || a.Deliveries != 2 || !a.StartsAt.Equal(as[fp].StartsAt) || a.EndsAt != nil {
				t.Errorf("after repeat: %+v", a)
			}
		}

		// Mixed: the group fires, but checkout-1 resolved.
		got = e.deliverOK(t, bearer(tok), capture(t, "webhook-v4-mixed-1-resolved-1-firing.json"))
		if want := (amResult{Alerts: 2, Firing: 1, Resolved: 1}); got != want {
			t.Errorf("mixed: %+v; want %+v", got, want)
		}
		as = e.alerts(t, "")
		if a := as["15fa5e1381b5fb35"]; a.State != "resolved" || a.EndsAt == nil || !a.EndsAt.Equal(time.Date(2026, 11, 21, 23, 16, 5, 0, time.UTC)) {
			t.Errorf("checkout-1 after mixed: %+v", a)
		}
		if a := as["0ae4f84e68c4f85c"]; a.State != "firing" {
			t.Errorf("checkout-2 after mixed: %+v", a)
		}

		// Resolved.
		got = e.deliverOK(t, bearer(tok), capture(t, "webhook-v4-resolved.json"))
		if want := (amResult{Alerts: 1, Resolved: 1}); got != want {
			t.Errorf("resolved: %+v; want %+v", got, want)
		}
		if n := len(e.alerts(t, "?state=firing")); n != 0 {
			t.Errorf("%d firing after resolved; want 0", n)
		}

		// Truncated by max_alerts: 1; through basic auth.
		got = e.deliverOK(t, basic(tok), capture(t, "webhook-v4-truncated-max_alerts-1.json"))
		if want := (amResult{Alerts: 1, Firing: 1, Truncated: 2}); got != want {
			t.Errorf("truncated: %+v; want %+v", got, want)
		}
		if a := e.alerts(t, "")["d36d9a45a75805fe"]; a.Service != "cart" || a.Team != "shop-checkout" || a.ExternalURL != "http://vm:19093" {
			t.Errorf("truncated alert: %+v", a)
		}

		// amtool: no generatorURL, service demo unknown to the catalog.
		got = e.deliverOK(t, bearer(tok), capture(t, "webhook-v4-amtool-no-generatorURL.json"))
		if want := (amResult{Alerts: 1, Firing: 1, Unowned: 1}); got != want {
			t.Errorf("amtool: %+v; want %+v", got, want)
		}
		unowned := e.alerts(t, "?unowned=true")
		if a, ok := unowned["2644f090a583fdd4"]; len(unowned) != 1 || !ok || a.GeneratorURL != "" || a.Service != "" || a.Team != "" {
			t.Errorf("unowned: %+v", unowned)
		}

		// Filters and order.
		if n := len(e.alerts(t, "?team=shop-checkout")); n != 3 {
			t.Errorf("team=shop-checkout: %d alerts; want 3", n)
		}
		if n := len(e.alerts(t, "?service=checkout&state=resolved")); n != 2 {
			t.Errorf("service=checkout&state=resolved: %d alerts; want 2", n)
		}
		var list struct{ Alerts []alertJSON }
		e.getJSON(t, "/api/v1/alerts?limit=1", &list)
		if len(list.Alerts) != 1 || list.Alerts[0].Fingerprint != "d36d9a45a75805fe" {
			t.Errorf("limit=1, newest first: %+v", list.Alerts)
		}
		for _, q := range []string{"?state=pending", "?limit=0", "?unowned=maybe"} {
			if code, body := e.do(t, "GET", "/api/v1/alerts"+q, "", ""); code != http.StatusBadRequest {
				t.Errorf("GET /api/v1/alerts%s = %d: %s", q, code, body)
			}
		}

		d := e.deliveries(t)
		if len(d) != 6 || d[1].Truncated != 2 || d[0].Actor != "token:test-editor" || d[2].Status != "resolved" {
			t.Errorf("deliveries: %+v", d)
		}
	})
}

func TestAPIAlertmanagerRefused(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor, viewer := e.token(t, store.RoleEditor), e.token(t, store.RoleViewer)
	body := capture(t, "webhook-v4-firing-2-alerts.json")
	for _, c := range []struct {
		name string
		auth func(*http.Request)
		body string
		code int
		want string
	}{
		{"no credentials", nil, body, http.StatusUnauthorized, "authentication required"},
		{"invalid bearer", bearer("kbn_nope"), body, http.StatusUnauthorized, "invalid or revoked token"},
		{"invalid basic", basic("kbn_nope"), body, http.StatusUnauthorized, "invalid or revoked token"},
		{"empty basic password", basic(""), body, http.StatusUnauthorized, "malformed Authorization header"},
		{"viewer", bearer(viewer), body, http.StatusForbidden, "this needs editor"},
		{"viewer basic", basic(viewer), body, http.StatusForbidden, "this needs editor"},
		{"malformed JSON", bearer(editor), body[:len(body)/2], http.StatusBadRequest, "not JSON"},
		{"version 3", bearer(editor), strings.Replace(body, `"version":"4"`, `"version":"3"`, 1), http.StatusBadRequest, `version \"3\"`},
		{"missing fingerprint", bearer(editor), strings.Replace(body, `"fingerprint":"0ae4f84e68c4f85c"`, `"fingerprint":""`, 1), http.StatusBadRequest, "alerts[1]: missing fingerprint"},
		{"missing labels", bearer(editor), `{"version":"4","status":"firing","alerts":[{"status":"firing","startsAt":"2026-11-21T23:13:59Z","fingerprint":"f"}]}`, http.StatusBadRequest, "missing labels"},
		{"too big", bearer(editor), `{"version":"4","receiver":"` + strings.Repeat("x", 4<<20) + `"}`, http.StatusRequestEntityTooLarge, "4 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := e.postWebhook(t, c.auth, c.body)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Errorf("= %d %s; want %d containing %q", code, out, c.code, c.want)
			}
		})
	}
	if n, d := len(e.alerts(t, "")), len(e.deliveries(t)); n != 0 || d != 0 {
		t.Errorf("stored %d alerts and %d deliveries; want none", n, d)
	}
	// Bearer works on other endpoints as before; basic auth only here.
	req, _ := http.NewRequest("POST", e.ts.URL+"/-/reload", nil)
	req.SetBasicAuth("x", editor)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /-/reload with basic auth = %d; want 401", resp.StatusCode)
	}
}

func TestAPIAlertmanagerOwnership(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	tok := e.token(t, store.RoleEditor)
	alert := func(fp, labels string) string {
		return `{"status":"firing","labels":{"alertname":"X",` + labels + `},"annotations":{},"startsAt":"2026-11-21T23:13:59Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"` + fp + `"}`
	}
	body := `{"version":"4","status":"firing","receiver":"kiban","groupKey":"{}:{}","truncatedAlerts":0,"alerts":[` +
		alert("a1", `"service":"checkout"`) + "," + alert("a2", `"sloth_service":"search"`) + "," +
		alert("a3", `"team":"sre"`) + "," + alert("a4", `"service":"nope","team":"nobody"`) + `]}`
	got := e.deliverOK(t, bearer(tok), body)
	if want := (amResult{Alerts: 4, Firing: 4, Unowned: 1}); got != want {
		t.Errorf("= %+v; want %+v", got, want)
	}
	as := e.alerts(t, "")
	for fp, want := range map[string][3]string{
		"a1": {"checkout", "shop-checkout", "false"},
		"a2": {"search", "shop-discovery", "false"},
		"a3": {"", "sre", "false"},
		"a4": {"", "", "true"},
	} {
		a := as[fp]
		if got := [3]string{a.Service, a.Team, fmt.Sprint(a.Unowned)}; got != want {
			t.Errorf("%s: service, team, unowned = %v; want %v", fp, got, want)
		}
	}
	// The unowned alert is flagged on the dashboard.
	if code, page := e.do(t, "GET", "/services", "", ""); code != 200 || !strings.Contains(page, `id="unowned-alerts"`) || !strings.Contains(page, "1 firing alert has no owner") {
		t.Errorf("GET /services = %d; want the unowned-alerts banner", code)
	}
}

// TestAlertmanagerIntegration runs a real Alertmanager whose webhook
// receiver is kiban, fires an alert through it and resolves it.
func TestAlertmanagerIntegration(t *testing.T) {
	bin := testenv.Alertmanager(t)
	e := newEnv(t, "../../examples/acme")
	tok := e.token(t, store.RoleEditor)

	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: kiban
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: kiban
    webhook_configs:
      - url: '%s/api/v1/alertmanager'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '%s'
`, e.ts.URL, tok)
	am := startAlertmanager(t, bin, dir, cfg)

	starts := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	post := func(ends *time.Time) {
		t.Helper()
		a := map[string]any{
			"labels":      map[string]string{"alertname": "KibanIntegration", "service": "checkout", "severity": "critical"},
			"annotations": map[string]string{"summary": "integration test"},
			"startsAt":    starts,
		}
		if ends != nil {
			a["endsAt"] = *ends
		}
		b, _ := json.Marshal([]any{a})
		resp, err := http.Post(am+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v2/alerts = %d: %s", resp.StatusCode, out)
		}
	}
	find := func() (alertJSON, bool) {
		var out struct{ Alerts []alertJSON }
		e.getJSON(t, "/api/v1/alerts?service=checkout", &out)
		for _, a := range out.Alerts {
			if a.AlertName == "KibanIntegration" {
				return a, true
			}
		}
		return alertJSON{}, false
	}

	post(nil)
	waitFor(t, 30*time.Second, "kiban lists the alert firing", func() bool {
		a, ok := find()
		return ok && a.State == "firing"
	})
	a, _ := find()
	if a.Team != "shop-checkout" || a.Unowned || a.Receiver != "kiban" || !a.StartsAt.Equal(starts) || a.Annotations["summary"] != "integration test" {
		t.Errorf("firing alert: %+v", a)
	}

	ends := time.Now().UTC().Add(-time.Second).Truncate(time.Second)
	post(&ends)
	waitFor(t, 30*time.Second, "kiban shows the alert resolved", func() bool {
		a, ok := find()
		return ok && a.State == "resolved"
	})
	a, _ = find()
	if a.EndsAt == nil || !a.EndsAt.Equal(ends) || a.Team != "shop-checkout" {
		t.Errorf("resolved alert: %+v", a)
	}
	if d := e.deliveries(t); len(d) < 2 || d[0].Actor != "token:test-editor" {
		t.Errorf("deliveries: %+v", d)
	}
}

// startAlertmanager runs a real Alertmanager with configuration cfg, its
// data in dir, on a free loopback port, and returns its URL once ready.
// Its log is shown if the test fails.
func startAlertmanager(t *testing.T, bin, dir, cfg string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	am := "http://" + addr
	waitFor(t, 30*time.Second, "Alertmanager ready", func() bool {
		resp, err := http.Get(am + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	return am
}

func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
