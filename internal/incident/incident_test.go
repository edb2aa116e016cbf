package incident

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/chat"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// env is a Manager on a fresh store with the testdata organisation and a
// clock the test moves.
type env struct {
	m     *Manager
	st    *store.Store
	cat   *catalog.Catalog
	clock *time.Time
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func forEachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, db := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(db, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "kiban.db")
			if db == store.DialectPostgres {
				url = testenv.PostgresURL(t)
			}
			st, err := store.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			cat, err := catalog.Load(t.Context(), "testdata/org")
			if err != nil {
				t.Fatal(err)
			}
			now := t0
			st.SetClock(func() time.Time { return now })
			m := New(Config{Store: st, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
				BaseURL: "https://kiban.example/"})
			fn(t, &env{m: m, st: st, cat: cat, clock: &now})
		})
	}
}

func (e *env) advance(d time.Duration) { *e.clock = e.clock.Add(d) }

func ptr[T any](v T) *T { return &v }

func kinds(t *testing.T, e *env, id int64) []string {
	t.Helper()
	events, err := e.st.IncidentEvents(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		out = append(out, ev.Kind+": "+ev.Text)
	}
	return out
}

func outbox(t *testing.T, e *env) []string {
	t.Helper()
	msgs, err := e.st.Messages(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(msgs) - 1; i >= 0; i-- {
		var m notify.Message
		if err := json.Unmarshal(msgs[i].Payload, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, msgs[i].Team+" "+msgs[i].Kind+": "+m.Text)
	}
	return out
}

func TestOpenByHand(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		for _, tc := range []struct {
			name string
			req  OpenRequest
			want string
		}{
			{"bad severity", OpenRequest{Title: "x", Severity: "SEV0"}, `severity "SEV0"`},
			{"no title", OpenRequest{Severity: "SEV2"}, "title is empty"},
			{"unknown service", OpenRequest{Title: "x", Severity: "2", Services: []string{"checkout"}}, `service "checkout" is not in the catalog`},
			{"unknown SLO", OpenRequest{Title: "x", Severity: "2", SLOs: []string{"nope"}}, `SLO "nope"`},
			{"future", OpenRequest{Title: "x", Severity: "2", StartedAt: ptr(t0.Add(time.Hour))}, "in the future"},
			{"start after open", OpenRequest{Title: "x", Severity: "2", StartedAt: ptr(t0), OpenedAt: ptr(t0.Add(-time.Hour))}, "started_at is after opened_at"},
		} {
			_, err := e.m.Open(ctx, "token:ada", tc.req)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v; want ErrInvalid with %q", tc.name, err, tc.want)
			}
		}
		if got, _ := e.st.Incidents(ctx, store.IncidentQuery{}); len(got) != 0 {
			t.Fatalf("refused requests stored %d incidents", len(got))
		}

		in, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: " Checkout errors ", Severity: "sev1",
			Services: []string{"checkout-api", "payments"}, Commander: "ada", SLOs: []string{"checkout-api-availability"},
			StartedAt: ptr(t0.Add(-20 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		if in.Title != "Checkout errors" || in.Severity != 1 || in.Team != "checkout" || in.Status != store.IncidentInvestigating ||
			in.AcknowledgedAt == nil || !in.AcknowledgedAt.Equal(t0) || !in.StartedAt.Equal(t0.Add(-20*time.Minute)) {
			t.Errorf("opened = %+v", in)
		}
		want := []string{"opened: Incident opened by hand", "role: Incident commander: ada"}
		if diff := cmp.Diff(want, kinds(t, e, in.ID)); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"checkout incident.opened: SEV1 incident opened: INC-1 Checkout errors"}, outbox(t, e)); diff != "" {
			t.Errorf("outbox (-want +got):\n%s", diff)
		}
		entries, err := e.st.ListAudit(ctx, store.AuditQuery{Action: "incident.open"})
		if err != nil || len(entries) != 1 || entries[0].Target != "incident/1" || entries[0].Actor != "token:ada" {
			t.Errorf("audit = %+v, %v", entries, err)
		}
		// A team without a chat webhook gets no message.
		if _, err := e.m.Open(ctx, "token:grace", OpenRequest{Title: "Slow search", Severity: "SEV4", Services: []string{"search-api"}}); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, e)); n != 1 {
			t.Errorf("outbox has %d messages; the search team has no webhook", n)
		}
	})
}

func TestLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		in, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "Checkout errors", Severity: "SEV2", Services: []string{"checkout-api"}})
		if err != nil {
			t.Fatal(err)
		}
		step := func(p Patch) store.Incident {
			t.Helper()
			e.advance(10 * time.Minute)
			got, err := e.m.Update(ctx, "token:ada", in.ID, p)
			if err != nil {
				t.Fatalf("Update(%+v): %v", p, err)
			}
			return got
		}
		step(Patch{Status: ptr(store.IncidentIdentified), Commander: ptr("ada"), Note: ptr("Bad deploy of 4.2")})
		step(Patch{Severity: ptr("SEV1")})
		got := step(Patch{Status: ptr(store.IncidentMonitoring)})
		if got.IdentifiedAt == nil || !got.IdentifiedAt.Equal(t0.Add(10*time.Minute)) || !got.MonitoringAt.Equal(t0.Add(30*time.Minute)) {
			t.Errorf("lifecycle times = %+v", got)
		}
		got = step(Patch{Status: ptr(store.IncidentResolved)})
		if !got.ResolvedAt.Equal(t0.Add(40 * time.Minute)) {
			t.Errorf("resolved at %v", got.ResolvedAt)
		}
		// Reopen clears the resolution; resolving again records the new one.
		got = step(Patch{Status: ptr(store.IncidentInvestigating)})
		if got.ResolvedAt != nil || !got.MonitoringAt.Equal(t0.Add(30*time.Minute)) {
			t.Errorf("reopened = %+v", got)
		}
		step(Patch{Status: ptr(store.IncidentResolved)})
		got = step(Patch{Status: ptr(store.IncidentClosed)})
		if !got.ResolvedAt.Equal(t0.Add(60*time.Minute)) || !got.ClosedAt.Equal(t0.Add(70*time.Minute)) {
			t.Errorf("closed = %+v", got)
		}
		// Closed is final for status, severity and roles; notes still go.
		for _, p := range []Patch{{Status: ptr(store.IncidentInvestigating)}, {Severity: ptr("SEV3")}, {Commander: ptr("grace")}} {
			if _, err := e.m.Update(ctx, "token:ada", in.ID, p); !errors.Is(err, ErrInvalid) {
				t.Errorf("Update of a closed incident = %v; want ErrInvalid", err)
			}
		}
		if _, err := e.m.AddNote(ctx, "token:ada", in.ID, "Customer emails answered", nil); err != nil {
			t.Errorf("note on a closed incident: %v", err)
		}
		if _, err := e.m.Update(ctx, "token:ada", in.ID, Patch{Status: ptr("fixed")}); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown status: %v", err)
		}
		want := []string{
			"opened: Incident opened by hand",
			"role: Incident commander: ada",
			"status: Investigating → Identified",
			"note: Bad deploy of 4.2",
			"severity: SEV2 → SEV1",
			"status: Identified → Monitoring",
			"status: Monitoring → Resolved",
			"status: Resolved → Investigating",
			"status: Investigating → Resolved",
			"status: Resolved → Closed",
			"note: Customer emails answered",
		}
		if diff := cmp.Diff(want, kinds(t, e, in.ID)); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		msgs := outbox(t, e)
		if len(msgs) != 8 || msgs[4] != "checkout incident.status: Resolved: INC-1 Checkout errors after 40m" ||
			msgs[6] != "checkout incident.status: Resolved: INC-1 Checkout errors after 1h" {
			t.Errorf("outbox = %q", msgs)
		}
	})
}

// deliver records an Alertmanager delivery and applies it to incidents,
// as the webhook handler does.
func deliver(t *testing.T, e *env, alerts ...store.IncomingAlert) AlertsResult {
	t.Helper()
	res, err := e.st.RecordAlertDelivery(t.Context(), store.AlertDelivery{Status: store.AlertFiring, Actor: "test", Alerts: alerts})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.m.HandleAlerts(t.Context(), res.Moved)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func alert(fp, name, service, team, status string, sev string) store.IncomingAlert {
	a := store.IncomingAlert{Fingerprint: fp, Status: status, AlertName: name, StartsAt: t0.Add(-5 * time.Minute),
		Labels: map[string]string{"alertname": name, "severity": sev, "service": service}, Service: service, Team: team,
		Annotations: map[string]string{"summary": name + " is high"}}
	if status == store.AlertResolved {
		end := t0.Add(30 * time.Minute)
		a.EndsAt = &end
	}
	return a
}

func TestAlertsOpenIncidents(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		// A ticket on a tier-1 service and a page on a tier-3 service
		// match no rule; an unowned alert neither.
		res := deliver(t, e,
			alert("f1", "Latency", "checkout-api", "checkout", store.AlertFiring, "ticket"),
			alert("f2", "Errors", "search-api", "search", store.AlertFiring, "page"),
			alert("f3", "Disk", "", "", store.AlertFiring, "page"))
		if len(res.Opened)+len(res.Updated) != 0 {
			t.Fatalf("no rule matches, got %+v", res)
		}
		// A page on a tier-1 service opens a SEV2 for the owning team.
		res = deliver(t, e, alert("f4", "CheckoutErrors", "checkout-api", "checkout", store.AlertFiring, "page"))
		if len(res.Opened) != 1 {
			t.Fatalf("result = %+v; want one incident opened", res)
		}
		id := res.Opened[0]
		in, _ := e.st.Incident(ctx, id)
		if in.Severity != 2 || in.Team != "checkout" || in.Rule != "page-tier-1" || in.Title != "CheckoutErrors is high" ||
			in.AcknowledgedAt != nil || !in.StartedAt.Equal(t0.Add(-5*time.Minute)) || in.OpenedBy != "rule:page-tier-1" {
			t.Errorf("opened = %+v", in)
		}
		// The same delivery again changes nothing.
		if res := deliver(t, e, alert("f4", "CheckoutErrors", "checkout-api", "checkout", store.AlertFiring, "page")); len(res.Opened)+len(res.Updated) != 0 {
			t.Errorf("repeat = %+v", res)
		}
		// Another alert of the service joins the open incident; so does a
		// ticket.
		e.advance(time.Minute)
		res = deliver(t, e, alert("f5", "CheckoutLatency", "checkout-api", "checkout", store.AlertFiring, "page"),
			alert("f1", "Latency", "checkout-api", "checkout", store.AlertResolved, "ticket"))
		if len(res.Opened) != 0 || len(res.Updated) != 1 {
			t.Errorf("second alert = %+v; want it joined", res)
		}
		// Resolution reaches the timeline; the incident stays open.
		res = deliver(t, e, alert("f4", "CheckoutErrors", "checkout-api", "checkout", store.AlertResolved, "page"))
		if len(res.Updated) != 1 {
			t.Errorf("resolved = %+v", res)
		}
		in, _ = e.st.Incident(ctx, id)
		if !in.Open() {
			t.Error("an alert resolved the incident; only people do")
		}
		want := []string{
			"alert_firing: Alert CheckoutErrors firing on checkout-api: CheckoutErrors is high",
			"alert_firing: Alert CheckoutLatency firing on checkout-api: CheckoutLatency is high",
			"opened: Incident opened by rule page-tier-1 from alert CheckoutErrors",
			"alert_resolved: Alert CheckoutErrors resolved on checkout-api: CheckoutErrors is high",
		}
		if diff := cmp.Diff(want, kinds(t, e, id)); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		alerts, _ := e.st.IncidentAlerts(ctx, id)
		if len(alerts) != 2 {
			t.Errorf("linked alerts = %d; want 2", len(alerts))
		}
		// A person's first action acknowledges it.
		e.advance(4 * time.Minute)
		in, err := e.m.Update(ctx, "token:ada", id, Patch{Commander: ptr("ada")})
		if err != nil || in.AcknowledgedAt == nil || !in.AcknowledgedAt.Equal(t0.Add(5*time.Minute)) {
			t.Errorf("ack = %+v, %v", in.AcknowledgedAt, err)
		}
		// Once it is resolved, a new page opens a new incident.
		if _, err := e.m.Update(ctx, "token:ada", id, Patch{Status: ptr(store.IncidentResolved)}); err != nil {
			t.Fatal(err)
		}
		res = deliver(t, e, alert("f6", "CheckoutErrors", "checkout-api", "checkout", store.AlertFiring, "page"))
		if len(res.Opened) != 1 || res.Opened[0] == id {
			t.Errorf("after resolution = %+v; want a new incident", res)
		}
	})
}

func TestPostmortemFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		in, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "Checkout errors", Severity: "SEV2", Services: []string{"checkout-api"},
			Summary: "Payments failed for 25 minutes.", StartedAt: ptr(t0.Add(-25 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		p, created, err := e.m.StartPostmortem(ctx, "token:ada", in.ID)
		if err != nil || !created || p.Status != store.PostmortemDraft || p.Version != 1 {
			t.Fatalf("start = %+v, %v, %v", p, created, err)
		}
		for _, s := range []string{"# Postmortem: Checkout errors", "## Root causes", "Payments failed for 25 minutes."} {
			if !strings.Contains(p.Body, s) {
				t.Errorf("template lacks %q", s)
			}
		}
		if _, created, _ := e.m.StartPostmortem(ctx, "token:ada", in.ID); created {
			t.Error("a second start created another draft")
		}
		// Publishing an open incident's postmortem is refused; so is
		// skipping review.
		if _, err := e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemPublished, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("publish a draft: %v", err)
		}
		orig := p.Body
		body := strings.Replace(orig, "## Where we got lucky", "## Lucky", 1)
		if _, err := e.m.SavePostmortem(ctx, "token:ada", in.ID, PostmortemEdit{Body: body, CauseCategory: "nope", Version: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad cause: %v", err)
		}
		p, err = e.m.SavePostmortem(ctx, "token:ada", in.ID, PostmortemEdit{Body: body, CauseCategory: "change", Tags: []string{"Deploy", "deploy", " payments"}, Version: 1})
		if err != nil || p.Version != 2 || !cmp.Equal(p.Tags, []string{"deploy", "payments"}) {
			t.Fatalf("save = %+v, %v", p, err)
		}
		if _, err := e.m.SavePostmortem(ctx, "token:grace", in.ID, PostmortemEdit{Body: "older edit", Version: 1}); !errors.Is(err, ErrConflict) {
			t.Errorf("stale save: %v; want ErrConflict", err)
		}
		if _, err := e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemInReview, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Update(ctx, "token:ada", in.ID, Patch{Status: ptr(store.IncidentResolved)}); err != nil {
			t.Fatal(err)
		}
		_, err = e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemPublished, nil)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Where we got lucky") {
			t.Errorf("publish without a section: %v", err)
		}
		if _, err := e.m.SavePostmortem(ctx, "token:ada", in.ID, PostmortemEdit{Body: orig, CauseCategory: "change", Tags: p.Tags}); err != nil {
			t.Fatal(err)
		}
		p, err = e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemPublished, nil)
		if err != nil || p.Status != store.PostmortemPublished || p.PublishedAt == nil {
			t.Fatalf("publish = %+v, %v", p, err)
		}
		md, err := e.m.ExportPostmortem(ctx, in.ID)
		if err != nil || !strings.HasPrefix(md, "---\n") || !strings.Contains(md, "## Root causes") {
			t.Errorf("export = %.200q, %v", md, err)
		}
		hits, err := e.st.SearchPostmortems(ctx, store.PostmortemQuery{Text: "payments failed", Status: store.PostmortemPublished})
		if err != nil || len(hits) != 1 {
			t.Errorf("library search = %d hits, %v", len(hits), err)
		}
		msgs := outbox(t, e)
		if last := msgs[len(msgs)-1]; last != "checkout postmortem.published: Postmortem published: INC-1 Checkout errors" {
			t.Errorf("last message = %q", last)
		}
	})
}

func TestActionItemsAndDigest(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		in, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "Checkout errors", Severity: "SEV2", Services: []string{"checkout-api"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			req      ActionItemRequest
			wantTeam string
		}{
			{ActionItemRequest{Title: "Retry payments", Owner: "ada", Type: "mitigate", Due: "2026-11-05"}, "checkout"},
			{ActionItemRequest{Title: "Index alert", Owner: "grace", Type: "prevent", Due: "2026-11-20"}, "search"},
			{ActionItemRequest{Title: "Game day", Owner: "search", Type: "process", Due: "2026-11-04", TrackerURL: "https://jira.example/OPS-1"}, "search"},
			{ActionItemRequest{Title: "Write a runbook", Owner: "someone-else", Type: "process"}, "checkout"},
		} {
			a, err := e.m.AddActionItem(ctx, "token:ada", in.ID, tc.req)
			if err != nil || a.Team != tc.wantTeam || a.Status != store.ActionOpen {
				t.Errorf("AddActionItem(%+v) = %+v, %v; want team %s", tc.req, a, err, tc.wantTeam)
			}
		}
		if _, err := e.m.AddActionItem(ctx, "token:ada", in.ID, ActionItemRequest{Title: "x", Owner: "ada", Type: "fix"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad type: %v", err)
		}
		if _, err := e.m.AddActionItem(ctx, "token:ada", 99, ActionItemRequest{Title: "x", Owner: "ada", Type: "prevent"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown incident: %v", err)
		}
		// On Nov 6 two items are overdue, one each for checkout and search;
		// only checkout has a webhook.
		*e.clock = time.Date(2026, 11, 6, 9, 0, 0, 0, time.UTC)
		for range 2 {
			teams, err := e.m.Digest(ctx, *e.clock)
			if err != nil {
				t.Fatal(err)
			}
			if len(teams) > 1 || (len(teams) == 1 && teams[0] != "checkout") {
				t.Errorf("digest teams = %v", teams)
			}
		}
		digests := 0
		for _, m := range outbox(t, e) {
			if strings.Contains(m, "actions.digest") {
				digests++
				if m != "checkout actions.digest: 1 overdue action item for checkout" {
					t.Errorf("digest = %q", m)
				}
			}
		}
		if digests != 1 {
			t.Errorf("%d digests; want exactly 1 a day", digests)
		}
		// Closing an item writes the timeline.
		done, err := e.m.UpdateActionItem(ctx, "token:ada", 1, ActionItemPatch{Status: ptr(store.ActionDone)})
		if err != nil || done.ClosedAt == nil || done.OnTime() {
			t.Errorf("done = %+v, %v (closed Nov 6, due Nov 5: late)", done, err)
		}
		if k := kinds(t, e, in.ID); k[len(k)-1] != "action_item: Action item done: Retry payments" {
			t.Errorf("timeline ends with %q", k[len(k)-1])
		}
	})
}

func TestMetrics(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		// Four October incidents of checkout: acknowledged after 1, 2, 3
		// and 10 minutes; mitigated after 10, 20, 30, 40; resolved after
		// 60, 60, 90, 600 minutes.
		oct := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
		for k, d := range []struct{ ack, mit, res int }{{1, 10, 60}, {2, 20, 60}, {3, 30, 90}, {10, 40, 600}} {
			start := oct.Add(time.Duration(k) * 24 * time.Hour)
			*e.clock = start
			in, err := e.m.Open(ctx, "rule:x", OpenRequest{Title: "x", Severity: []string{"SEV2", "SEV2", "SEV3", "SEV1"}[k],
				Services: []string{"checkout-api"}})
			if err != nil {
				t.Fatal(err)
			}
			// Opened by hand counts as acknowledged; reset it for this test
			// through a rule-like path: acknowledge by the first person.
			err = e.st.InTx(ctx, func(tx *store.Tx) error {
				x, _ := tx.Incident(ctx, in.ID)
				x.AcknowledgedAt = nil
				return tx.UpdateIncident(ctx, x)
			})
			if err != nil {
				t.Fatal(err)
			}
			*e.clock = start.Add(time.Duration(d.res) * time.Minute)
			for _, s := range []struct {
				after  int
				status string
			}{{d.ack, store.IncidentIdentified}, {d.mit, store.IncidentMonitoring}, {d.res, store.IncidentResolved}} {
				if _, err := e.m.Update(ctx, "token:ada", in.ID, Patch{Status: ptr(s.status), At: ptr(start.Add(time.Duration(s.after) * time.Minute))}); err != nil {
					t.Fatal(err)
				}
			}
		}
		*e.clock = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		if _, err := e.m.Open(ctx, "token:grace", OpenRequest{Title: "y", Severity: "SEV4", Services: []string{"search-api"}}); err != nil {
			t.Fatal(err)
		}
		got, err := e.m.Metrics(ctx, MetricsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Rows) != 2 || got.Total.Incidents != 5 {
			t.Fatalf("rows = %+v", got.Rows)
		}
		oc := got.Rows[1]
		if oc.Month != "2026-10" || oc.Team != "checkout" || oc.Incidents != 4 ||
			!cmp.Equal(oc.BySeverity, map[string]int{"SEV1": 1, "SEV2": 2, "SEV3": 1}) {
			t.Errorf("October row = %+v", oc)
		}
		minutes := func(s Stat) [2]float64 { return [2]float64{*s.Median / 60, *s.P90 / 60} }
		// Medians of even counts are the mean of the middle two; p90 by
		// linear interpolation: 0.9*3 = 2.7 → x[2] + 0.7*(x[3]-x[2]).
		for _, tc := range []struct {
			name string
			got  Stat
			want [2]float64
		}{
			{"TTA", oc.TTA, [2]float64{2.5, 3 + 0.7*7}},
			{"TTM", oc.TTM, [2]float64{25, 30 + 0.7*10}},
			{"TTR", oc.TTR, [2]float64{75, 90 + 0.7*510}},
		} {
			if tc.got.Count != 4 || cmp.Diff(tc.want, minutes(tc.got), cmpApprox) != "" {
				t.Errorf("%s = %v over %d; want %v", tc.name, minutes(tc.got), tc.got.Count, tc.want)
			}
		}
		bySvc, err := e.m.Metrics(ctx, MetricsQuery{By: "service", Service: "search-api"})
		if err != nil || len(bySvc.Rows) != 1 || bySvc.Rows[0].Service != "search-api" || bySvc.Rows[0].TTR.Median != nil {
			t.Errorf("by service = %+v, %v", bySvc.Rows, err)
		}
		if _, err := e.m.Metrics(ctx, MetricsQuery{By: "product"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("by product: %v", err)
		}
	})
}

var cmpApprox = cmp.Comparer(func(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 })

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		xs      []float64
		q, want float64
	}{
		{[]float64{5}, 0.5, 5},
		{[]float64{5}, 0.9, 5},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{1, 2, 3}, 0.5, 2},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9.1},
		{[]float64{0, 100}, 0.9, 90},
	} {
		if got := Quantile(tc.xs, tc.q); got-tc.want > 1e-9 || tc.want-got > 1e-9 {
			t.Errorf("Quantile(%v, %v) = %v; want %v", tc.xs, tc.q, got, tc.want)
		}
	}
}

// receiver is a chat webhook on loopback that answers with the next
// status of answers (200 once they run out).
type receiver struct {
	mu      sync.Mutex
	answers []int
	got     []notify.Message
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	body, _ := io.ReadAll(req.Body)
	code := http.StatusOK
	if len(r.answers) > 0 {
		code, r.answers = r.answers[0], r.answers[1:]
	}
	if code == http.StatusOK {
		var m notify.Message
		_ = json.Unmarshal(body, &m)
		r.got = append(r.got, m)
	}
	w.WriteHeader(code)
}

func TestDispatcher(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		rcv := &receiver{answers: []int{http.StatusInternalServerError}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		env := map[string]string{}
		d := &chat.Dispatcher{Store: e.st, Catalog: func() *catalog.Catalog { return e.cat }, Now: func() time.Time { return *e.clock },
			Getenv: func(k string) string { return env[k] }}
		if _, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "Checkout errors", Severity: "SEV2", Services: []string{"checkout-api"}}); err != nil {
			t.Fatal(err)
		}
		// The variable is unset: given up for good, with the reason.
		if n := d.Flush(ctx); n != 0 {
			t.Errorf("sent %d without a webhook", n)
		}
		msgs, _ := e.st.Messages(ctx, "checkout", 0)
		if msgs[0].FailedAt == nil || !strings.Contains(msgs[0].LastError, "TEST_WEBHOOK_CHECKOUT") {
			t.Errorf("message = %+v", msgs[0])
		}
		env["TEST_WEBHOOK_CHECKOUT"] = srv.URL + "/hook"
		if _, err := e.m.Update(ctx, "token:ada", 1, Patch{Status: ptr(store.IncidentResolved)}); err != nil {
			t.Fatal(err)
		}
		// 500 first: retried after the backoff, then delivered.
		if n := d.Flush(ctx); n != 0 {
			t.Errorf("first attempt sent %d", n)
		}
		e.advance(29 * time.Second)
		if n := d.Flush(ctx); n != 0 {
			t.Errorf("retried before the backoff")
		}
		e.advance(time.Second)
		if n := d.Flush(ctx); n != 1 {
			t.Errorf("retry sent %d; want 1", n)
		}
		if len(rcv.got) != 1 || !strings.HasPrefix(rcv.got[0].Text, "Resolved: INC-1 Checkout errors") {
			t.Errorf("received %+v", rcv.got)
		}
		// A webhook that refuses for good (404) is not retried.
		rcv.answers = []int{http.StatusNotFound}
		if _, err := e.m.AddNote(ctx, "token:ada", 1, "x", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Update(ctx, "token:ada", 1, Patch{Status: ptr(store.IncidentClosed)}); err != nil {
			t.Fatal(err)
		}
		d.Flush(ctx)
		e.advance(time.Hour)
		if n := d.Flush(ctx); n != 0 {
			t.Errorf("a 404 was retried")
		}
	})
}

// TestRecordAfterTheFact records a past incident: its times are the ones
// given, and nothing of it is announced in chat.
func TestRecordAfterTheFact(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		past := t0.AddDate(0, 0, -10)
		if _, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "x", Severity: "SEV3", Services: []string{"checkout-api"},
			OpenedAt: ptr(past), AcknowledgedAt: ptr(past.Add(-time.Minute))}); !errors.Is(err, ErrInvalid) {
			t.Errorf("acknowledged before opened: %v", err)
		}
		in, err := e.m.Open(ctx, "token:ada", OpenRequest{Title: "Old outage", Severity: "SEV3", Services: []string{"checkout-api"},
			StartedAt: ptr(past.Add(-5 * time.Minute)), OpenedAt: ptr(past), AcknowledgedAt: ptr(past.Add(4 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		if !in.AcknowledgedAt.Equal(past.Add(4 * time.Minute)) {
			t.Errorf("acknowledged at %v", in.AcknowledgedAt)
		}
		if _, err := e.m.Update(ctx, "token:ada", in.ID, Patch{Status: ptr(store.IncidentResolved), At: ptr(past.Add(time.Hour))}); err != nil {
			t.Fatal(err)
		}
		a, err := e.m.AddActionItem(ctx, "token:ada", in.ID, ActionItemRequest{Title: "Fix", Owner: "ada", Type: "prevent",
			Due: past.AddDate(0, 0, 3).Format(time.DateOnly), CreatedAt: ptr(past.Add(2 * time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.UpdateActionItem(ctx, "token:ada", a.ID, ActionItemPatch{Status: ptr(store.ActionDone), At: ptr(past)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("closed before it was created: %v", err)
		}
		a, err = e.m.UpdateActionItem(ctx, "token:ada", a.ID, ActionItemPatch{Status: ptr(store.ActionDone), At: ptr(past.AddDate(0, 0, 2))})
		if err != nil || !a.ClosedAt.Equal(past.AddDate(0, 0, 2)) || !a.OnTime() {
			t.Errorf("closed = %+v, %v", a, err)
		}
		if _, _, err := e.m.StartPostmortem(ctx, "token:ada", in.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemInReview, ptr(past.AddDate(0, 0, 1))); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.SetPostmortemStatus(ctx, "token:ada", in.ID, store.PostmortemDraft, ptr(past.Add(-time.Hour))); !errors.Is(err, ErrInvalid) {
			t.Errorf("review step before the incident opened: %v", err)
		}
		if msgs := outbox(t, e); len(msgs) != 0 {
			t.Errorf("a past incident was announced: %q", msgs)
		}
		// A change made now is announced again.
		if _, err := e.m.Update(ctx, "token:ada", in.ID, Patch{Status: ptr(store.IncidentClosed)}); err != nil {
			t.Fatal(err)
		}
		if msgs := outbox(t, e); len(msgs) != 1 {
			t.Errorf("closing now: %q", msgs)
		}
	})
}
