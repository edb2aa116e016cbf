package burnalert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// tree is the catalog of the tests. %s is the owner of checkout.
const tree = `apiVersion: kiban.dev/v1
kind: Team
metadata: {name: shop}
spec:
  chat: {channel: "#shop", webhookEnv: SHOP_WEBHOOK}
---
apiVersion: kiban.dev/v1
kind: Team
metadata: {name: ops}
spec: {}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: checkout}
spec:
  owner: %s
  links: {runbook: "https://runbooks.example.com/checkout"}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: availability, title: Checkout availability}
spec:
  service: checkout
  objective: 99.9
  window: {rolling: 30d}
  sli:
    requests: {route: /api/checkout}
  alerting:
    labels: {tier: "1", severity: overridden}
    annotations: {dashboard: "https://grafana.example.com/d/checkout", templated: "{{$labels.sloth_id}}"}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: quiet}
spec:
  service: checkout
  objective: 99
  sli: {requests: {route: /api/quiet}}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: prom}
spec:
  service: checkout
  objective: 99.9
  sli:
    ratio:
      bad: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
    requests: {route: /api/prom}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: paused}
spec:
  service: checkout
  objective: 99.9
  sli: {requests: {route: /api/paused}}
  alerting:
    page: {disabled: true}
`

func parse(t *testing.T, owner string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: fmt.Appendf(nil, tree, owner)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// burn stores 1,000 requests a minute for key from `from` to `to`, with
// bad(m) errors in minute m.
func burn(t *testing.T, st *store.Store, key string, from, to time.Time, bad func(time.Time) int64) {
	t.Helper()
	var buckets []store.Bucket
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		buckets = append(buckets, store.Bucket{Key: key, Minute: m, Good: 1000 - bad(m), Total: 1000})
	}
	if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, buckets); err != nil {
		t.Fatal(err)
	}
}

// history stores, for key, two days at 0.05% errors (half the budget of
// 99.9%) until at-1h, an hour at 2% (a 20x burn) until at, and healthy
// traffic for 3 hours after at.
func history(t *testing.T, st *store.Store, key string, at time.Time) {
	burn(t, st, key, at.Add(-49*time.Hour), at.Add(3*time.Hour), func(m time.Time) int64 {
		switch {
		case !m.Before(at):
			return 0
		case !m.Before(at.Add(-time.Hour)):
			return 20
		case m.Minute()%2 == 0:
			return 1
		}
		return 0
	})
}

// receiver is an httptest server that records what is posted to it: an
// Alertmanager stub or a chat webhook.
type receiver struct {
	*httptest.Server
	status atomic.Int32 // answer; 200 when zero
	mu     sync.Mutex
	bodies [][]byte
	paths  []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.paths = append(r.paths, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		if s := r.status.Load(); s != 0 {
			w.WriteHeader(int(s))
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

// alerts decodes the i-th request as an Alertmanager POST.
func (r *receiver) alerts(t *testing.T, i int) []notify.Alert {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paths[i] != "POST /api/v2/alerts" {
		t.Fatalf("request %d is %s", i, r.paths[i])
	}
	var out []notify.Alert
	if err := json.Unmarshal(r.bodies[i], &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// chatMessage is a webhook body as a receiver sees it.
type chatMessage struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type     string            `json:"type"`
		Text     *notify.Text      `json:"text"`
		Fields   []notify.Text     `json:"fields"`
		Elements []json.RawMessage `json:"elements"`
	} `json:"blocks"`
}

func (r *receiver) message(t *testing.T, i int) chatMessage {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var m chatMessage
	if err := json.Unmarshal(r.bodies[i], &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// buttons returns the URLs of a message's buttons by their text.
func (m chatMessage) buttons() map[string]string {
	out := map[string]string{}
	for _, b := range m.Blocks {
		if b.Type == "actions" {
			for _, raw := range b.Elements {
				var e notify.Button
				json.Unmarshal(raw, &e)
				out[e.Text.Text] = e.URL
			}
		}
	}
	return out
}

// all is the text of every block and field.
func (m chatMessage) all() string {
	var s []string
	for _, b := range m.Blocks {
		if b.Text != nil {
			s = append(s, b.Text.Text)
		}
		for _, f := range b.Fields {
			s = append(s, f.Text)
		}
	}
	return strings.Join(s, "\n")
}

type fixture struct {
	st   *store.Store
	cat  atomic.Pointer[catalog.Catalog]
	am   *receiver
	chat *receiver
	hook string // the shop team's webhook URL, a secret
	logs *bytes.Buffer
	reg  *prometheus.Registry
	ev   *Evaluator
	at   time.Time
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{st: openStore(t), am: newReceiver(t), chat: newReceiver(t), logs: &bytes.Buffer{}, reg: prometheus.NewRegistry(),
		at: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	f.cat.Store(parse(t, "shop"))
	f.hook = f.chat.URL + "/services/T0SECRET/B0SECRET/XXSECRET"
	am, err := notify.NewAlertmanager(f.am.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	f.ev, err = New(Config{
		Store: f.st, Catalog: f.cat.Load, Alertmanagers: []*notify.Alertmanager{am},
		ExternalURL: "https://kiban.example.com/", Interval: time.Minute, Registerer: f.reg,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Getenv: func(k string) string {
			if k == "SHOP_WEBHOOK" {
				return f.hook
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(f.logs.String(), "SECRET") {
			t.Errorf("the logs show the webhook URL:\n%s", f.logs)
		}
	})
	return f
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// records returns the stored alert episodes of an SLO, newest first,
// without their ids.
func (f *fixture) records(t *testing.T, id string) []store.AlertRecord {
	t.Helper()
	got, err := f.st.Alerts(context.Background(), id, f.at.Add(-24*time.Hour), f.at.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].ID = 0
	}
	return got
}

func timePtr(t time.Time) *time.Time { return &t }

func (f *fixture) round(t *testing.T, at time.Time) Round {
	t.Helper()
	return f.ev.Evaluate(context.Background(), at)
}

// TestFiringResendResolve: a 20x burn fires the page alert; it goes to
// Alertmanager on every round with endsAt 4 intervals ahead, the team's chat
// gets one message, and once the burn stops one resolve goes to each.
func TestFiringResendResolve(t *testing.T) {
	f := newFixture(t)
	history(t, f.st, "checkout-availability", f.at)

	r := f.round(t, f.at)
	if diff := cmp.Diff([]string{"checkout-availability/page"}, r.Firing); diff != "" || r.Errors != 0 {
		t.Fatalf("round 1: firing (-want +got):\n%s errors %d\nlogs:\n%s", diff, r.Errors, f.logs)
	}
	// quiet and paused have no data; prom is Prometheus's.
	if r.SLOs != 3 || r.NoData != 2 {
		t.Errorf("round 1: %d SLOs evaluated, %d without data; want 3 and 2", r.SLOs, r.NoData)
	}
	if f.am.count() != 1 {
		t.Fatalf("Alertmanager got %d requests; want 1", f.am.count())
	}
	if diff := cmp.Diff([]store.AlertRecord{{SLOID: "checkout-availability", Severity: "page", Team: "shop", StartedAt: f.at}},
		f.records(t, "checkout-availability")); diff != "" {
		t.Errorf("round 1: stored alerts (-want +got):\n%s", diff)
	}
	got := f.am.alerts(t, 0)
	if len(got) != 1 {
		t.Fatalf("Alertmanager got %d alerts; want 1", len(got))
	}
	a := got[0]
	wantLabels := map[string]string{
		"alertname": "CheckoutAvailabilityBudgetBurn", "sloth_id": "checkout-availability", "sloth_service": "checkout",
		"sloth_slo": "availability", "sloth_severity": "page", "severity": "page", "team": "shop", "tier": "1",
	}
	if diff := cmp.Diff(wantLabels, a.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if !a.StartsAt.Equal(f.at) || !a.EndsAt.Equal(f.at.Add(4*time.Minute)) {
		t.Errorf("startsAt %v endsAt %v; want %v and 4m later", a.StartsAt, a.EndsAt, f.at)
	}
	if a.GeneratorURL != "https://kiban.example.com/slos/checkout-availability" {
		t.Errorf("generatorURL = %q", a.GeneratorURL)
	}
	if a.Annotations["runbook_url"] != "https://runbooks.example.com/checkout" ||
		a.Annotations["dashboard"] != "https://grafana.example.com/d/checkout" ||
		a.Annotations["summary"] != "checkout availability SLO error budget burn rate is over expected." {
		t.Errorf("annotations = %v", a.Annotations)
	}
	if _, ok := a.Annotations["templated"]; ok {
		t.Errorf("a Prometheus template annotation was sent: %v", a.Annotations)
	}
	for _, want := range []string{"page-quick: 20.00x over 1h and 20.00x over 5m (threshold 14.40x)", "Remaining error budget: ", "objective of 99.9%"} {
		if !strings.Contains(a.Annotations["description"], want) {
			t.Errorf("description %q lacks %q", a.Annotations["description"], want)
		}
	}
	if f.chat.count() != 1 {
		t.Fatalf("chat got %d messages; want 1", f.chat.count())
	}
	m := f.chat.message(t, 0)
	if !strings.HasPrefix(m.Text, "[FIRING:page] Checkout availability (checkout-availability)") || !strings.Contains(m.Text, "20.00x over 1h") {
		t.Errorf("fallback text = %q", m.Text)
	}
	if diff := cmp.Diff(map[string]string{"Open SLO": "https://kiban.example.com/slos/checkout-availability",
		"Runbook": "https://runbooks.example.com/checkout"}, m.buttons()); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	for _, want := range []string{"*Severity*\npage", "*Burn rate*\n20.00x over 1h", "*Remaining budget*\n"} {
		if !strings.Contains(m.all(), want) {
			t.Errorf("message lacks %q:\n%s", want, m.all())
		}
	}

	// Still burning a minute later: re-sent to Alertmanager with the same
	// start and a later end; no new chat message.
	r = f.round(t, f.at.Add(time.Minute))
	if len(r.Firing) != 1 || f.am.count() != 2 || f.chat.count() != 1 {
		t.Fatalf("round 2: firing %v, %d Alertmanager requests, %d chat messages; want 1, 2, 1", r.Firing, f.am.count(), f.chat.count())
	}
	a = f.am.alerts(t, 1)[0]
	if !a.StartsAt.Equal(f.at) || !a.EndsAt.Equal(f.at.Add(5*time.Minute)) {
		t.Errorf("re-sent: startsAt %v endsAt %v; want %v and +5m", a.StartsAt, a.EndsAt, f.at)
	}

	if n := len(f.records(t, "checkout-availability")); n != 1 {
		t.Errorf("round 2: %d stored alerts; want the one of round 1", n)
	}

	// Two hours later the burn is over: one resolve each.
	resolved := f.at.Add(2 * time.Hour)
	r = f.round(t, resolved)
	if len(r.Firing) != 0 || f.am.count() != 3 || f.chat.count() != 2 {
		t.Fatalf("round 3: firing %v, %d Alertmanager requests, %d chat messages; want none, 3, 2", r.Firing, f.am.count(), f.chat.count())
	}
	if diff := cmp.Diff([]store.AlertRecord{{SLOID: "checkout-availability", Severity: "page", Team: "shop", StartedAt: f.at, ResolvedAt: timePtr(resolved)}},
		f.records(t, "checkout-availability")); diff != "" {
		t.Errorf("round 3: stored alerts (-want +got):\n%s", diff)
	}
	a = f.am.alerts(t, 2)[0]
	if !a.StartsAt.Equal(f.at) || !a.EndsAt.Equal(resolved) || a.Labels["team"] != "shop" {
		t.Errorf("resolve: %+v; want startsAt %v, endsAt %v", a, f.at, resolved)
	}
	m = f.chat.message(t, 1)
	if !strings.HasPrefix(m.Text, "[RESOLVED:page] Checkout availability") || !strings.Contains(m.Text, "after 2h") {
		t.Errorf("resolved text = %q", m.Text)
	}
	if m.buttons()["Open SLO"] != "https://kiban.example.com/slos/checkout-availability" {
		t.Errorf("resolved buttons = %v", m.buttons())
	}

	// And then nothing.
	f.round(t, resolved.Add(time.Minute))
	f.round(t, resolved.Add(2*time.Minute))
	if f.am.count() != 3 || f.chat.count() != 2 || len(f.ev.alerts) != 0 {
		t.Errorf("after the resolve: %d Alertmanager requests, %d chat messages, %d alerts in memory; want 3, 2, 0",
			f.am.count(), f.chat.count(), len(f.ev.alerts))
	}

	want := map[string]float64{"alertmanager/success": 3, "alertmanager/failure": 0, "chat/success": 2, "chat/failure": 0}
	if diff := cmp.Diff(want, deliveries(t, f.reg)); diff != "" {
		t.Errorf("kiban_burnalert_deliveries_total (-want +got):\n%s", diff)
	}
}

// deliveries reads kiban_burnalert_deliveries_total by "target/result".
func deliveries(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "kiban_burnalert_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out[l["target"]+"/"+l["result"]] = m.GetCounter().GetValue()
		}
	}
	return out
}

// TestRetries: failed deliveries are retried next round; the team still gets
// one message per transition; a permanent chat failure is not retried.
func TestRetries(t *testing.T) {
	f := newFixture(t)
	history(t, f.st, "checkout-availability", f.at)

	f.am.status.Store(http.StatusServiceUnavailable)
	f.chat.status.Store(http.StatusInternalServerError)
	// The burn's 5m window stays over the threshold until at+1m.
	if r := f.round(t, f.at.Add(-time.Minute)); r.Errors != 2 || len(r.Firing) != 1 {
		t.Fatalf("round 1: %+v; want 2 errors and a firing alert", r)
	}
	f.am.status.Store(0)
	f.chat.status.Store(0)
	if r := f.round(t, f.at); r.Errors != 0 || len(r.Firing) != 1 {
		t.Fatalf("round 2: %+v", r)
	}
	if r := f.round(t, f.at.Add(time.Minute)); len(r.Firing) != 1 {
		t.Fatalf("round 3: %+v", r)
	}
	// Alertmanager: 3 attempts (1 failed); chat: 2 attempts (1 failed), so
	// one firing message delivered.
	if f.am.count() != 3 || f.chat.count() != 2 {
		t.Fatalf("%d Alertmanager requests, %d chat requests; want 3 and 2\n%s", f.am.count(), f.chat.count(), f.logs)
	}

	// At at+2m the 5m window is back under the threshold. The resolve
	// fails at Alertmanager, and chat refuses for good (404).
	resolved := f.at.Add(2 * time.Minute)
	f.am.status.Store(http.StatusBadGateway)
	f.chat.status.Store(http.StatusNotFound)
	if r := f.round(t, resolved); r.Errors != 2 {
		t.Fatalf("resolve round: %+v; want 2 errors", r)
	}
	f.am.status.Store(0)
	f.chat.status.Store(0)
	f.round(t, resolved.Add(time.Minute))
	f.round(t, resolved.Add(2*time.Minute))
	if f.am.count() != 5 || f.chat.count() != 3 {
		t.Fatalf("%d Alertmanager requests, %d chat requests; want 5 (the resolve once more) and 3 (no retry after a 404)",
			f.am.count(), f.chat.count())
	}
	if a := f.am.alerts(t, 4); len(a) != 1 || !a[0].EndsAt.Equal(resolved) {
		t.Errorf("retried resolve = %+v; want endsAt %v", a, resolved)
	}
	if !strings.Contains(f.logs.String(), "HTTP 404") || !strings.Contains(f.logs.String(), "giving up") {
		t.Errorf("logs lack the chat failure:\n%s", f.logs)
	}

	// A resolve is owed only until the last endsAt Alertmanager got: after
	// that it has resolved the alert itself.
	g := newFixture(t)
	history(t, g.st, "checkout-availability", g.at)
	g.round(t, g.at) // endsAt at+4m
	g.am.status.Store(http.StatusBadGateway)
	g.round(t, g.at.Add(2*time.Hour))
	g.am.status.Store(0)
	g.round(t, g.at.Add(2*time.Hour+time.Minute))
	if g.am.count() != 2 || len(g.ev.alerts) != 0 {
		t.Errorf("%d Alertmanager requests, %d alerts in memory; want 2 (no retry of an expired alert's resolve) and 0",
			g.am.count(), len(g.ev.alerts))
	}
}

// TestNoData: SLOs without data, with a disabled severity, or with a
// PromQL SLI (Prometheus alerts on those) send nothing.
func TestNoData(t *testing.T) {
	f := newFixture(t)
	// Full outages on the SLOs kiban must not alert on.
	for _, key := range []string{"checkout-prom", "checkout-paused"} {
		burn(t, f.st, key, f.at.Add(-2*time.Hour), f.at, func(time.Time) int64 { return 1000 })
	}
	for i := range 3 {
		r := f.round(t, f.at.Add(time.Duration(i)*time.Minute))
		// paused still pages nobody but opens a ticket: 100% errors
		// over 2h and 1d exceed 3x.
		if diff := cmp.Diff([]string{"checkout-paused/ticket"}, r.Firing); diff != "" {
			t.Fatalf("firing (-want +got):\n%s", diff)
		}
		if r.NoData != 2 { // availability and quiet
			t.Errorf("%d SLOs without data; want 2", r.NoData)
		}
	}
	for i := range f.am.count() {
		for _, a := range f.am.alerts(t, i) {
			if a.Labels["sloth_id"] != "checkout-paused" || a.Labels["severity"] != "ticket" {
				t.Errorf("sent %v", a.Labels)
			}
		}
	}

	// With nothing burning, nothing is sent at all.
	g := newFixture(t)
	for i := range 3 {
		if r := g.round(t, g.at.Add(time.Duration(i)*time.Minute)); len(r.Firing) != 0 || r.NoData != 3 {
			t.Fatalf("round %d: %+v", i, r)
		}
	}
	if g.am.count() != 0 || g.chat.count() != 0 {
		t.Errorf("%d Alertmanager requests and %d chat messages without data; want none", g.am.count(), g.chat.count())
	}
}

// TestCatalogChanges: an owner change while firing resolves the alert with
// the old team label and fires one with the new (Alertmanager identifies
// alerts by labels), without a second chat message; removing the SLO
// resolves it, and the team first told gets the resolve.
func TestCatalogChanges(t *testing.T) {
	f := newFixture(t)
	history(t, f.st, "checkout-availability", f.at)
	f.round(t, f.at)
	f.cat.Store(parse(t, "ops"))
	f.round(t, f.at.Add(time.Minute))
	got := f.am.alerts(t, 1)
	if len(got) != 2 {
		t.Fatalf("after the owner change Alertmanager got %d alerts; want 2", len(got))
	}
	byTeam := map[string]notify.Alert{}
	for _, a := range got {
		byTeam[a.Labels["team"]] = a
	}
	if a := byTeam["ops"]; !a.EndsAt.After(f.at.Add(time.Minute)) || !a.StartsAt.Equal(f.at) {
		t.Errorf("new alert = %+v; want firing since %v", a, f.at)
	}
	if a := byTeam["shop"]; !a.EndsAt.Equal(f.at.Add(time.Minute)) {
		t.Errorf("old alert = %+v; want resolved at %v", a, f.at.Add(time.Minute))
	}
	if f.chat.count() != 1 {
		t.Errorf("chat got %d messages; want 1", f.chat.count())
	}

	// The SLO leaves the catalog: resolved everywhere, the shop team told.
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(strings.SplitN(fmt.Sprintf(tree, "ops"), "kind: SLO", 2)[0] + "kind: Team\nmetadata: {name: x}\nspec: {}\n")}})
	if err != nil {
		t.Fatal(err)
	}
	f.cat.Store(c)
	f.round(t, f.at.Add(2*time.Minute))
	if a := f.am.alerts(t, 2); len(a) != 1 || a[0].Labels["team"] != "ops" || !a[0].EndsAt.Equal(f.at.Add(2*time.Minute)) {
		t.Errorf("after removal Alertmanager got %+v; want the ops alert resolved", a)
	}
	if f.chat.count() != 2 || !strings.HasPrefix(f.chat.message(t, 1).Text, "[RESOLVED:page]") {
		t.Errorf("chat got %d messages; want the resolve as the second", f.chat.count())
	}
	// One episode, recorded with the team it started with, resolved when
	// the SLO left the catalog.
	if diff := cmp.Diff([]store.AlertRecord{{SLOID: "checkout-availability", Severity: "page", Team: "shop", StartedAt: f.at, ResolvedAt: timePtr(f.at.Add(2 * time.Minute))}},
		f.records(t, "checkout-availability")); diff != "" {
		t.Errorf("stored alerts (-want +got):\n%s", diff)
	}
}

// TestAlertNameMatchesPromrules: kiban's alerts and the Prometheus rules of
// the same SLO share an alertname.
func TestAlertNameMatchesPromrules(t *testing.T) {
	const doc = `apiVersion: kiban.dev/v1
kind: Service
metadata: {name: %s}
spec: {owner: shop}
---
apiVersion: kiban.dev/v1
kind: SLO
metadata: {name: %s}
spec:
  service: %s
  objective: 99.9
  sli: {raw: {errorRatio: "avg_over_time(errors[{{.window}}])"}}
  alerting: {name: %q}
`
	var files []catalog.File
	for i, x := range [][3]string{
		{"checkout", "availability", ""},
		{"2fa-api", "login_latency-p99", ""},
		{"search", "latency", "SearchTooSlow"},
	} {
		body := fmt.Sprintf(doc, x[0], x[1], x[0], x[2])
		if i == 0 {
			body = "apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: shop}\nspec: {}\n---\n" + body
		}
		files = append(files, catalog.File{Name: fmt.Sprintf("%d.yaml", i), Data: []byte(body)})
	}
	c, err := catalog.Parse(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := promrules.Generate(c, promrules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]string{}
	for _, g := range gen {
		for _, grp := range g.Groups {
			for _, r := range grp.Rules {
				if r.Alert != "" {
					rules[g.ID] = r.Alert
				}
			}
		}
	}
	if len(rules) != 3 {
		t.Fatalf("alert rules = %v", rules)
	}
	// The alertname kiban sends is the rules' one.
	ev := &Evaluator{}
	for _, s := range c.SLOs {
		got := ev.build(c, s, slostatus.Status{}, slo.SeverityPage).Labels["alertname"]
		if got != rules[s.ID()] {
			t.Errorf("%s: alertname sent = %q; the rules say %q", s.ID(), got, rules[s.ID()])
		}
	}
}

func TestNewErrors(t *testing.T) {
	st := openStore(t)
	cat := func() *catalog.Catalog { return nil }
	for _, cfg := range []Config{
		{Catalog: cat},
		{Store: st},
		{Store: st, Catalog: cat, Interval: -time.Second},
		{Store: st, Catalog: cat, ExternalURL: "kiban.example.com"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Config{Store: st, Catalog: cat, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: st, Catalog: cat, Registerer: reg}); err == nil {
		t.Error("a second evaluator registered the same metrics")
	}
}

// TestRun: Run evaluates at once and stops with its context.
func TestRun(t *testing.T) {
	f := newFixture(t)
	history(t, f.st, "checkout-availability", f.at)
	f.ev.cfg.Now = func() time.Time { return f.at }
	f.ev.cfg.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.ev.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for f.am.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.am.count() < 3 || f.chat.count() != 1 {
		t.Errorf("%d Alertmanager requests and %d chat messages; want at least 3 and exactly 1", f.am.count(), f.chat.count())
	}
}
