package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newIncident(title string, started time.Time, services ...string) Incident {
	return Incident{Title: title, Severity: 2, Status: IncidentInvestigating, Team: "shop-checkout",
		Services: services, OpenedBy: "token:test", StartedAt: started, OpenedAt: started.Add(3 * time.Minute)}
}

func TestIncidentLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		fakeClock(s, t0.Add(10*time.Minute))

		var id int64
		err := s.InTx(ctx, func(tx *Tx) error {
			in := newIncident("Checkout fails", t0, "checkout", "payments", "checkout")
			in.SLOs = []string{"checkout-availability"}
			var err error
			id, err = tx.InsertIncident(ctx, in)
			if err != nil {
				return err
			}
			_, err = tx.AddIncidentEvent(ctx, IncidentEvent{IncidentID: id, Kind: EventOpened, Actor: "token:test", Text: "opened"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"checkout", "payments"}, got.Services); diff != "" {
			t.Errorf("services (-want +got):\n%s", diff)
		}
		if !got.StartedAt.Equal(t0) || !got.Open() || got.AcknowledgedAt != nil {
			t.Errorf("stored incident = %+v", got)
		}

		// Update: status, services replaced, resolved time set.
		err = s.InTx(ctx, func(tx *Tx) error {
			i, err := tx.Incident(ctx, id)
			if err != nil {
				return err
			}
			res := t0.Add(time.Hour)
			i.Status, i.ResolvedAt, i.Services = IncidentResolved, &res, []string{"payments"}
			return tx.UpdateIncident(ctx, i)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.Incident(ctx, id)
		if got.Open() || got.ResolvedAt == nil || !got.ResolvedAt.Equal(t0.Add(time.Hour)) || len(got.Services) != 1 {
			t.Errorf("after update = %+v", got)
		}

		// Bad updates change nothing.
		err = s.InTx(ctx, func(tx *Tx) error {
			i, _ := tx.Incident(ctx, id)
			i.Severity = 7
			return tx.UpdateIncident(ctx, i)
		})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("severity 7: err = %v, want ErrInvalid", err)
		}
		if _, err := s.Incident(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Incident(999) err = %v", err)
		}

		events, err := s.IncidentEvents(ctx, id)
		if err != nil || len(events) != 1 || events[0].Kind != EventOpened {
			t.Errorf("timeline = %+v, %v", events, err)
		}

		// Queries.
		for _, tc := range []struct {
			q    IncidentQuery
			want int
		}{
			{IncidentQuery{}, 1},
			{IncidentQuery{Service: "payments"}, 1},
			{IncidentQuery{Service: "checkout"}, 0},
			{IncidentQuery{Status: "open"}, 0},
			{IncidentQuery{Status: IncidentResolved, Team: "shop-checkout"}, 1},
			{IncidentQuery{From: t0.Add(time.Minute)}, 0},
			{IncidentQuery{To: t0.Add(time.Minute), Severity: 2}, 1},
		} {
			got, err := s.Incidents(ctx, tc.q)
			if err != nil || len(got) != tc.want {
				t.Errorf("Incidents(%+v) = %d, %v; want %d", tc.q, len(got), err, tc.want)
			}
		}
	})
}

func TestIncidentAlertsLink(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		if _, err := s.RecordAlertDelivery(ctx, AlertDelivery{Status: AlertFiring, Actor: "test", Alerts: []IncomingAlert{
			{Fingerprint: "a1", Status: AlertFiring, AlertName: "HighErrorRate", StartsAt: t0, Service: "checkout", Team: "shop-checkout",
				Labels: map[string]string{"severity": "page"}},
		}}); err != nil {
			t.Fatal(err)
		}
		err := s.InTx(ctx, func(tx *Tx) error {
			alerts, err := tx.AlertsByFingerprint(ctx, []string{"a1", "unknown"})
			if err != nil || len(alerts) != 1 {
				t.Fatalf("AlertsByFingerprint = %v, %v", alerts, err)
			}
			if _, err := tx.OpenIncidentForService(ctx, "checkout"); !errors.Is(err, ErrNotFound) {
				t.Errorf("OpenIncidentForService before = %v", err)
			}
			id, err := tx.InsertIncident(ctx, newIncident("Errors", t0, "checkout"))
			if err != nil {
				return err
			}
			for want := range []bool{true, false} {
				linked, err := tx.LinkIncidentAlert(ctx, id, alerts[0].ID)
				if err != nil || linked != (want == 0) {
					t.Errorf("LinkIncidentAlert #%d = %v, %v", want, linked, err)
				}
			}
			open, err := tx.OpenIncidentForService(ctx, "checkout")
			if err != nil || open.ID != id {
				t.Errorf("OpenIncidentForService = %+v, %v", open, err)
			}
			ids, err := tx.IncidentsOfAlert(ctx, alerts[0].ID)
			if err != nil || len(ids) != 1 || ids[0] != id {
				t.Errorf("IncidentsOfAlert = %v, %v", ids, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		alerts, err := s.IncidentAlerts(ctx, 1)
		if err != nil || len(alerts) != 1 || alerts[0].Labels["severity"] != "page" {
			t.Errorf("IncidentAlerts = %+v, %v", alerts, err)
		}
	})
}

func savePM(t *testing.T, s *Store, p Postmortem, title string) (int, error) {
	t.Helper()
	var v int
	err := s.InTx(t.Context(), func(tx *Tx) error {
		var err error
		v, err = tx.SavePostmortem(t.Context(), p, title)
		return err
	})
	return v, err
}

func TestPostmortemsSearch(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		docs := []struct {
			title, service, body, cause string
			tags                        []string
		}{
			{"Checkout timeouts", "checkout", "The payment provider timed out; connection pools were exhausted.", "dependency", []string{"payments", "timeout"}},
			{"Search index stale", "search", "A reindex job failed silently after a schema change.", "change", []string{"batch"}},
			{"Login outage", "login", "An expired TLS certificate broke connections to the identity provider.", "expiry", nil},
		}
		for k, d := range docs {
			err := s.InTx(ctx, func(tx *Tx) error {
				id, err := tx.InsertIncident(ctx, newIncident(d.title, t0.Add(time.Duration(k)*24*time.Hour), d.service))
				if err != nil {
					return err
				}
				_, err = tx.SavePostmortem(ctx, Postmortem{IncidentID: id, Status: PostmortemPublished, Body: d.body,
					CauseCategory: d.cause, Tags: d.tags, Author: "token:test"}, d.title)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		titles := func(hits []PostmortemHit) []string {
			out := []string{}
			for _, h := range hits {
				out = append(out, h.Incident.Title)
			}
			return out
		}
		for _, tc := range []struct {
			q    PostmortemQuery
			want []string
		}{
			{PostmortemQuery{}, []string{"Login outage", "Search index stale", "Checkout timeouts"}},
			{PostmortemQuery{Text: "connections"}, []string{"Checkout timeouts", "Login outage"}}, // stemmed: connection, connections
			{PostmortemQuery{Text: "timeout"}, []string{"Checkout timeouts"}},                     // title weighs more
			{PostmortemQuery{Text: "certificate identity"}, []string{"Login outage"}},
			{PostmortemQuery{Text: "certificate payment"}, []string{}},
			{PostmortemQuery{Text: `"; DROP TABLE x; -- NEAR(`}, []string{}}, // no query syntax reaches the engine
			{PostmortemQuery{Text: "connections", Service: "login"}, []string{"Login outage"}},
			{PostmortemQuery{Tag: "batch"}, []string{"Search index stale"}},
			{PostmortemQuery{CauseCategory: "dependency"}, []string{"Checkout timeouts"}},
			{PostmortemQuery{Team: "nobody"}, []string{}},
			{PostmortemQuery{Status: PostmortemDraft}, []string{}},
		} {
			hits, err := s.SearchPostmortems(ctx, tc.q)
			if err != nil {
				t.Errorf("SearchPostmortems(%+v): %v", tc.q, err)
				continue
			}
			got := titles(hits)
			if tc.q.Text == "connections" && tc.q.Service == "" {
				// Both match; order by relevance may tie, so compare as sets.
				if len(got) == 2 && got[0] != tc.want[0] {
					got[0], got[1] = got[1], got[0]
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SearchPostmortems(%+v) (-want +got):\n%s", tc.q, diff)
			}
			if tc.q.Text != "" && len(hits) > 0 && hits[0].Snippet == "" {
				t.Errorf("SearchPostmortems(%+v): no snippet", tc.q)
			}
		}

		// Optimistic concurrency: a save from an old version is refused
		// and changes nothing.
		p, err := s.Postmortem(ctx, 1)
		if err != nil || p.Version != 1 || len(p.Tags) != 2 {
			t.Fatalf("Postmortem(1) = %+v, %v", p, err)
		}
		p.Body = "rewritten: the load balancer"
		if v, err := savePM(t, s, p, "Checkout timeouts"); err != nil || v != 2 {
			t.Fatalf("save v1 = %d, %v", v, err)
		}
		p.Body = "stale edit"
		if _, err := savePM(t, s, p, "Checkout timeouts"); !errors.Is(err, ErrConflictingVersion) {
			t.Errorf("stale save err = %v, want ErrConflictingVersion", err)
		}
		if hits, _ := s.SearchPostmortems(ctx, PostmortemQuery{Text: "balancer"}); len(hits) != 1 {
			t.Errorf("index not refreshed after save: %d hits", len(hits))
		}
		if hits, _ := s.SearchPostmortems(ctx, PostmortemQuery{Text: "stale edit"}); len(hits) != 0 {
			t.Errorf("refused save reached the index")
		}
		tags, causes, err := s.PostmortemFacets(ctx)
		if err != nil || len(tags) != 3 || len(causes) != 3 {
			t.Errorf("facets = %v %v %v", tags, causes, err)
		}
	})
}

func TestActionItems(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		clock := fakeClock(s, t0)
		var items []ActionItem
		err := s.InTx(ctx, func(tx *Tx) error {
			id, err := tx.InsertIncident(ctx, newIncident("Errors", t0, "checkout"))
			if err != nil {
				return err
			}
			for _, a := range []ActionItem{
				{Title: "Add retries", Owner: "jdoe", Team: "shop-checkout", Type: ActionMitigate, Due: "2026-11-10", Status: ActionOpen},
				{Title: "Alert on pool size", Owner: "sre", Team: "sre", Type: ActionPrevent, Due: "2026-11-20", Status: ActionOpen,
					TrackerURL: "https://tracker.example/SRE-1"},
				{Title: "Runbook", Owner: "shop-checkout", Team: "shop-checkout", Type: ActionProcess, Status: ActionOpen},
			} {
				a.IncidentID = id
				a, err := tx.InsertActionItem(ctx, a)
				if err != nil {
					return err
				}
				items = append(items, a)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []ActionItem{
			{Title: "", Owner: "x", Type: ActionPrevent, Status: ActionOpen},
			{Title: "x", Owner: "x", Type: "fix", Status: ActionOpen},
			{Title: "x", Owner: "x", Type: ActionPrevent, Status: ActionOpen, Due: "next week"},
			{Title: "x", Owner: "x", Type: ActionPrevent, Status: ActionOpen, TrackerURL: "javascript:alert(1)"},
		} {
			bad.IncidentID = 1
			err := s.InTx(ctx, func(tx *Tx) error { _, err := tx.InsertActionItem(ctx, bad); return err })
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("InsertActionItem(%+v) err = %v, want ErrInvalid", bad, err)
			}
		}
		overdue, err := s.ActionItems(ctx, ActionItemQuery{OverdueOn: "2026-11-15"})
		if err != nil || len(overdue) != 1 || overdue[0].Title != "Add retries" || !overdue[0].Overdue("2026-11-15") {
			t.Errorf("overdue = %+v, %v", overdue, err)
		}
		// Close the first late, the second on time.
		*clock = time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
		err = s.InTx(ctx, func(tx *Tx) error {
			for _, a := range items[:2] {
				a.Status = ActionDone
				if _, err := tx.UpdateActionItem(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		all, _ := s.ActionItems(ctx, ActionItemQuery{IncidentID: 1})
		var onTime []bool
		for _, a := range all {
			onTime = append(onTime, a.OnTime())
		}
		if diff := cmp.Diff([]bool{false, true, false}, onTime); diff != "" {
			t.Errorf("on time (-want +got):\n%s", diff)
		}
		if open, _ := s.ActionItems(ctx, ActionItemQuery{OpenOnly: true, Team: "shop-checkout"}); len(open) != 1 || open[0].Title != "Runbook" {
			t.Errorf("open items = %+v", open)
		}
	})
}

func TestOutbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		clock := fakeClock(s, t0)
		enqueue := func(m OutboxMessage) bool {
			var ok bool
			if err := s.InTx(ctx, func(tx *Tx) error { var err error; ok, err = tx.Enqueue(ctx, m); return err }); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		payload := json.RawMessage(`{"text":"hi"}`)
		for i := range 2 {
			if !enqueue(OutboxMessage{Team: "sre", Kind: "incident.opened", Payload: payload}) {
				t.Errorf("message %d without a dedup key was not queued", i)
			}
		}
		if !enqueue(OutboxMessage{Team: "sre", Kind: "digest", DedupKey: "digest:sre:2026-11-02", Payload: payload}) ||
			enqueue(OutboxMessage{Team: "sre", Kind: "digest", DedupKey: "digest:sre:2026-11-02", Payload: payload}) {
			t.Error("the second digest of a day must be dropped")
		}
		pending, err := s.ClaimMessages(ctx, t0, time.Minute, 10)
		if err != nil || len(pending) != 3 {
			t.Fatalf("claimed = %d, %v", len(pending), err)
		}
		// A second process gets nothing while the claims last.
		if again, err := s.ClaimMessages(ctx, t0, time.Minute, 10); err != nil || len(again) != 0 {
			t.Errorf("claimed twice: %d, %v", len(again), err)
		}
		var text struct{ Text string }
		if err := json.Unmarshal(pending[0].Payload, &text); err != nil || text.Text != "hi" {
			t.Errorf("payload = %s", pending[0].Payload)
		}
		next := t0.Add(time.Minute)
		if err := s.MarkSent(ctx, pending[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAttempt(ctx, pending[1].ID, "HTTP 500", &next); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAttempt(ctx, pending[2].ID, "HTTP 404", nil); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PendingMessages(ctx, t0, 10); len(p) != 0 {
			t.Errorf("pending right after = %d, want 0", len(p))
		}
		*clock = next
		if p, _ := s.PendingMessages(ctx, next, 10); len(p) != 1 || p[0].Attempts != 1 || p[0].LastError != "HTTP 500" {
			t.Errorf("pending after backoff = %+v", p)
		}
		all, err := s.Messages(ctx, "sre", 0)
		if err != nil || len(all) != 3 || all[2].SentAt == nil || all[0].FailedAt == nil {
			t.Errorf("messages = %+v, %v", all, err)
		}
	})
}
