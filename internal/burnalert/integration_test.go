package burnalert

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/testenv"
)

// amAlert is an alert as Alertmanager shows it: GET /api/v2/alerts
// (gettableAlert) and webhook notifications share these fields.
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	// Status is an object in the API, a string in webhooks.
	Status    json.RawMessage `json:"status"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
}

func (a amAlert) state() string {
	var api struct {
		State string `json:"state"`
	}
	if json.Unmarshal(a.Status, &api) == nil {
		return api.State
	}
	var s string
	json.Unmarshal(a.Status, &s)
	return s
}

// amNotification is the body of Alertmanager's webhook (version 4).
type amNotification struct {
	Version  string    `json:"version"`
	Receiver string    `json:"receiver"`
	Status   string    `json:"status"`
	Alerts   []amAlert `json:"alerts"`
}

// TestCapturesDecode: the types above read what a real Alertmanager sent
// when the conformance captures were made (testdata/README.md).
func TestCapturesDecode(t *testing.T) {
	var alerts []amAlert
	readJSON(t, "api-v2-get-alerts.json", &alerts)
	if len(alerts) != 1 || alerts[0].state() != "active" || alerts[0].Labels["team"] != "core" || alerts[0].Receivers[0].Name != "sre-platform" {
		t.Errorf("GET /api/v2/alerts capture decodes as %+v", alerts)
	}
	var firing, resolved amNotification
	readJSON(t, "webhook-v4-firing-2-alerts.json", &firing)
	readJSON(t, "webhook-v4-resolved.json", &resolved)
	if firing.Version != "4" || firing.Status != "firing" || len(firing.Alerts) != 2 || firing.Alerts[0].state() != "firing" ||
		!firing.Alerts[0].EndsAt.IsZero() || firing.Alerts[0].Labels["team"] != "payments" {
		t.Errorf("firing webhook capture decodes as %+v", firing)
	}
	if resolved.Status != "resolved" || len(resolved.Alerts) != 1 || resolved.Alerts[0].state() != "resolved" || resolved.Alerts[0].EndsAt.IsZero() {
		t.Errorf("resolved webhook capture decodes as %+v", resolved)
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAlertmanager runs a real Alertmanager on a free loopback port, with
// clustering off, its data in a temporary directory and the config of
// testdata/alertmanager.yml sending every notification to webhookURL. It
// returns its base URL; the process is stopped when t ends.
func startAlertmanager(t *testing.T, webhookURL string) string {
	t.Helper()
	bin := testenv.Alertmanager(t)
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join("testdata", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, bytes.ReplaceAll(cfg, []byte("WEBHOOK_URL"), []byte(webhookURL)), 0o600); err != nil {
		t.Fatal(err)
	}
attempts:
	for attempt := 1; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		logs := &syncBuffer{}
		cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.path="+filepath.Join(dir, "data"),
			"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=debug")
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			select {
			case <-exited:
				return
			default:
			}
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		}
		t.Cleanup(func() {
			stop()
			if t.Failed() {
				t.Logf("alertmanager log:\n%s", logs)
			}
		})
		base := "http://" + addr
		deadline := time.Now().Add(30 * time.Second)
		for {
			select {
			case <-exited:
				if attempt < 3 && strings.Contains(logs.String(), "address already in use") {
					continue attempts // lost the port to another process
				}
				t.Fatalf("alertmanager exited at start:\n%s", logs)
			default:
			}
			if resp, err := http.Get(base + "/-/ready"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					t.Logf("alertmanager ready on %s", addr)
					return base
				}
			}
			if time.Now().After(deadline) {
				stop()
				t.Fatalf("alertmanager not ready after 30s:\n%s", logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// notifications records Alertmanager's webhook notifications.
type notifications struct {
	mu  sync.Mutex
	got []amNotification
}

func (n *notifications) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var x amNotification
	if err := json.NewDecoder(r.Body).Decode(&x); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	n.got = append(n.got, x)
	n.mu.Unlock()
}

// wait returns the first alert of a notification with status that
// matches, within 30s.
func (n *notifications) wait(t *testing.T, status string, match func(amAlert) bool) amAlert {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		for _, x := range n.got {
			for _, a := range x.Alerts {
				if x.Status == status && a.state() == status && match(a) {
					n.mu.Unlock()
					return a
				}
			}
		}
		n.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t.Fatalf("no %s notification in 30s; got %+v", status, n.got)
	return amAlert{}
}

// activeAlerts returns GET /api/v2/alerts.
func activeAlerts(t *testing.T, base string) []amAlert {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v2/alerts: %s: %s", resp.Status, b)
	}
	var out []amAlert
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("GET /api/v2/alerts: %v: %s", err, b)
	}
	return out
}

// TestRealAlertmanager: a burning SLO reaches a real Alertmanager with the
// owning team's label, Alertmanager notifies its webhook receiver, and when
// the burn is over the alert resolves there too; the team's chat gets one
// firing and one resolved message.
func TestRealAlertmanager(t *testing.T) {
	hooks := &notifications{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	base := startAlertmanager(t, hookSrv.URL+"/api/alertmanager/webhook")

	f := newFixture(t)
	am, err := notify.NewAlertmanager(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.ev.cfg.Alertmanagers = []*notify.Alertmanager{am}
	// Rounds 5 minutes apart: a firing alert's endsAt is 20 minutes after
	// its round, so the round 10 minutes ago still holds.
	f.ev.cfg.Interval = 5 * time.Minute
	f.ev.log = slog.New(slog.NewTextHandler(io.Discard, nil))

	// Real times, since Alertmanager compares them with its clock: the
	// burn (2%, 20x for 99.9%) ended 10 minutes ago; it is healthy since.
	now := time.Now().UTC()
	burnt := now.Add(-10 * time.Minute).Truncate(time.Minute)
	history(t, f.st, "checkout-availability", burnt)

	r := f.ev.Evaluate(context.Background(), burnt)
	if len(r.Firing) != 1 || r.Firing[0] != "checkout-availability/page" || r.Errors != 0 {
		t.Fatalf("round at the burn: %+v", r)
	}

	// Alertmanager holds it, with the team, for the receiver.
	var held amAlert
	deadline := time.Now().Add(10 * time.Second)
	for held.Labels == nil && time.Now().Before(deadline) {
		for _, a := range activeAlerts(t, base) {
			if a.Labels["alertname"] == "CheckoutAvailabilityBudgetBurn" {
				held = a
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if held.Labels == nil {
		t.Fatalf("GET /api/v2/alerts does not show the alert: %+v", activeAlerts(t, base))
	}
	if held.state() != "active" || held.Labels["team"] != "shop" || held.Labels["severity"] != "page" ||
		held.Labels["sloth_id"] != "checkout-availability" || len(held.Receivers) != 1 || held.Receivers[0].Name != "sre-platform" {
		t.Errorf("Alertmanager holds %+v", held)
	}
	if held.GeneratorURL != "https://kiban.example.com/slos/checkout-availability" || !held.StartsAt.Equal(burnt) {
		t.Errorf("generatorURL %q, startsAt %v; want the SLO page and %v", held.GeneratorURL, held.StartsAt, burnt)
	}

	// Alertmanager notifies its receiver after group_wait (1s).
	fired := hooks.wait(t, "firing", func(a amAlert) bool { return a.Labels["sloth_id"] == "checkout-availability" })
	if fired.Labels["team"] != "shop" || fired.Annotations["runbook_url"] != "https://runbooks.example.com/checkout" ||
		!strings.Contains(fired.Annotations["description"], "page-quick") {
		t.Errorf("firing notification: %+v", fired)
	}

	// Now: the 5m window is healthy again, so the alert resolves.
	r = f.ev.Evaluate(context.Background(), time.Now())
	if len(r.Firing) != 0 || r.Errors != 0 {
		t.Fatalf("round now: %+v", r)
	}
	res := hooks.wait(t, "resolved", func(a amAlert) bool { return a.Labels["sloth_id"] == "checkout-availability" })
	if res.Labels["team"] != "shop" || !res.StartsAt.Equal(burnt) || res.EndsAt.Before(now) {
		t.Errorf("resolved notification: %+v", res)
	}
	for _, a := range activeAlerts(t, base) {
		if a.Labels["alertname"] == "CheckoutAvailabilityBudgetBurn" && a.state() == "active" && a.EndsAt.After(time.Now()) {
			t.Errorf("Alertmanager still shows it firing: %+v", a)
		}
	}

	// The team's chat: one firing message and one resolved, nothing more.
	f.ev.Evaluate(context.Background(), time.Now())
	if n := f.chat.count(); n != 2 {
		t.Fatalf("chat got %d messages; want 2", n)
	}
	for i, want := range []string{"[FIRING:page] ", "[RESOLVED:page] "} {
		if m := f.chat.message(t, i); !strings.HasPrefix(m.Text, want) {
			t.Errorf("chat message %d = %q; want %s…", i, m.Text, want)
		}
	}
}
