package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func TestAPIIncidents(t *testing.T) {
	forEachStore(t, "../../examples/acme", func(t *testing.T, e *env) {
		editor, viewer := e.token(t, store.RoleEditor), e.token(t, store.RoleViewer)
		open := `{"title": "Checkout fails", "severity": "SEV2", "services": ["checkout", "payments"], "commander": "jdoe",
			"slos": ["checkout-availability"], "started_at": "` + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + `"}`

		// Authentication and bad input change nothing.
		for _, tc := range []struct {
			name, method, path, token, body string
			want                            int
			msg                             string
		}{
			{"no token", "POST", "/api/v1/incidents", "", open, 401, "authentication required"},
			{"viewer", "POST", "/api/v1/incidents", viewer, open, 403, "needs editor"},
			{"not JSON", "POST", "/api/v1/incidents", editor, "title=x", 400, "body must be JSON"},
			{"unknown field", "POST", "/api/v1/incidents", editor, `{"title": "x", "severity": "SEV2", "sev": 1}`, 400, "unknown field"},
			{"bad severity", "POST", "/api/v1/incidents", editor, `{"title": "x", "severity": "P1"}`, 400, `P1`},
			{"unknown service", "POST", "/api/v1/incidents", editor, `{"title": "x", "severity": "SEV3", "services": ["chekout"]}`, 400, `chekout`},
			{"no incident", "GET", "/api/v1/incidents/42", "", "", 404, "incident not found"},
			{"bad id", "GET", "/api/v1/incidents/abc", "", "", 400, "positive number"},
			{"bad status filter", "GET", "/api/v1/incidents?status=done", "", "", 400, "status must be"},
			{"patch nothing", "PATCH", "/api/v1/incidents/1", editor, `{}`, 400, "nothing to change"},
			{"patch unknown", "PATCH", "/api/v1/incidents/1", editor, `{"status": "resolved"}`, 404, "incident not found"},
		} {
			before := e.auditCount(t)
			code, body := e.do(t, tc.method, tc.path, tc.token, tc.body)
			if code != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("%s: %s %s = %d %s; want %d with %q", tc.name, tc.method, tc.path, code, body, tc.want, tc.msg)
			}
			if after := e.auditCount(t); after != before {
				t.Errorf("%s: the audit log grew by %d", tc.name, after-before)
			}
		}

		code, body := e.do(t, "POST", "/api/v1/incidents", editor, open)
		if code != http.StatusCreated {
			t.Fatalf("open = %d %s", code, body)
		}
		in := decode[store.Incident](t, body)
		if in.ID != 1 || in.Team != "shop-checkout" || in.Severity != 2 || len(in.Services) != 2 {
			t.Errorf("opened = %+v", in)
		}
		id := fmt.Sprint(in.ID)

		steps := []struct{ method, path, body string }{
			{"PATCH", "/api/v1/incidents/INC-" + id, `{"status": "identified", "note": "Provider returns 503"}`},
			{"POST", "/api/v1/incidents/" + id + "/notes", `{"text": "Failover started"}`},
			{"PATCH", "/api/v1/incidents/" + id, `{"status": "monitoring", "customer_impact": "12% of payments failed"}`},
			{"PATCH", "/api/v1/incidents/" + id, `{"status": "resolved"}`},
			{"POST", "/api/v1/incidents/" + id + "/action-items", `{"title": "Second provider", "owner": "shop-checkout", "type": "prevent", "due": "2020-01-31"}`},
			{"POST", "/api/v1/incidents/" + id + "/action-items", `{"title": "Alert on provider errors", "owner": "sre", "type": "mitigate", "due": "2099-01-31", "tracker_url": "https://tracker.example/SRE-7"}`},
		}
		for _, s := range steps {
			if code, body := e.do(t, s.method, s.path, editor, s.body); code != http.StatusOK && code != http.StatusCreated {
				t.Fatalf("%s %s = %d %s", s.method, s.path, code, body)
			}
		}
		if code, body := e.do(t, "POST", "/api/v1/incidents/"+id+"/action-items", editor, `{"title": "x", "owner": "sre", "type": "fix"}`); code != 400 || !strings.Contains(body, `fix`) {
			t.Errorf("bad action item = %d %s", code, body)
		}

		var d incident.Detail
		e.getJSON(t, "/api/v1/incidents/"+id, &d)
		var kinds []string
		for _, ev := range d.Timeline {
			kinds = append(kinds, ev.Kind)
		}
		if got := strings.Join(kinds, ","); got != "opened,role,status,note,note,update,status,status,action_item,action_item" {
			t.Errorf("timeline kinds = %s", got)
		}
		if d.Incident.Status != store.IncidentResolved || d.Incident.CustomerImpact != "12% of payments failed" || len(d.ActionItems) != 2 ||
			len(d.SLOs) != 1 || d.SLOs[0].ID != "checkout-availability" || d.Postmortem != nil {
			t.Errorf("detail = %+v", d)
		}
		if d.SLOs[0].Consumed == nil && d.SLOs[0].Why == "" {
			t.Errorf("SLO impact says neither a figure nor why not: %+v", d.SLOs[0])
		}

		// Lists and filters.
		var list struct{ Incidents []store.Incident }
		for q, want := range map[string]int{"": 1, "?team=shop-checkout": 1, "?team=sre": 0, "?status=open": 0, "?status=resolved": 1,
			"?service=payments&severity=SEV2": 1, "?from=2099-01": 0} {
			e.getJSON(t, "/api/v1/incidents"+q, &list)
			if len(list.Incidents) != want {
				t.Errorf("GET /api/v1/incidents%s = %d; want %d", q, len(list.Incidents), want)
			}
		}
		var items struct {
			ActionItems []store.ActionItem `json:"action_items"`
		}
		e.getJSON(t, "/api/v1/action-items?overdue=true", &items)
		if len(items.ActionItems) != 1 || items.ActionItems[0].Title != "Second provider" || items.ActionItems[0].Team != "shop-checkout" {
			t.Errorf("overdue = %+v", items.ActionItems)
		}
		if code, body := e.do(t, "PATCH", "/api/v1/action-items/1", editor, `{"status": "done"}`); code != 200 || !strings.Contains(body, `"closed_at": "`) {
			t.Errorf("close item = %d %s", code, body)
		}

		// Postmortem: start, save, conflict, review, publish, export, search.
		code, body = e.do(t, "POST", "/api/v1/incidents/"+id+"/postmortem", editor, "")
		if code != http.StatusCreated {
			t.Fatalf("start postmortem = %d %s", code, body)
		}
		pm := decode[store.Postmortem](t, body)
		if code, _ := e.do(t, "POST", "/api/v1/incidents/"+id+"/postmortem", editor, ""); code != http.StatusOK {
			t.Errorf("second start = %d; want 200 with the existing draft", code)
		}
		text := strings.Replace(pm.Body, "## Root causes\n", "## Root causes\n\nThe payment provider's TLS endpoint rejected renegotiation.\n", 1)
		save := func(version int) (int, string) {
			b, _ := json.Marshal(incident.PostmortemEdit{Body: text, CauseCategory: "dependency", Tags: []string{"payments", "tls"}, Version: version})
			return e.do(t, "PUT", "/api/v1/incidents/"+id+"/postmortem", editor, string(b))
		}
		if code, body := save(pm.Version); code != 200 {
			t.Fatalf("save = %d %s", code, body)
		}
		if code, body := save(pm.Version); code != http.StatusConflict || !strings.Contains(body, "changed since you opened it") {
			t.Errorf("stale save = %d %s", code, body)
		}
		if code, body := e.do(t, "POST", "/api/v1/incidents/"+id+"/postmortem/status", editor, `{"status": "published"}`); code != 400 || !strings.Contains(body, "cannot become published") {
			t.Errorf("publish a draft = %d %s", code, body)
		}
		for _, st := range []string{"in_review", "published"} {
			if code, body := e.do(t, "POST", "/api/v1/incidents/"+id+"/postmortem/status", editor, `{"status": "`+st+`"}`); code != 200 {
				t.Fatalf("status %s = %d %s", st, code, body)
			}
		}
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/incidents/"+id+"/postmortem", nil)
		req.Header.Set("Accept", "text/markdown")
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "text/markdown; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "postmortem-INC-1.md") {
			t.Errorf("export headers = %v", resp.Header)
		}
		var lib struct {
			Postmortems []struct {
				Snippet string
				Tags    []string
				URL     string
			}
		}
		e.getJSON(t, "/api/v1/postmortems?q=renegotiation&team=shop-checkout&tag=tls&cause=dependency", &lib)
		if len(lib.Postmortems) != 1 || !strings.Contains(lib.Postmortems[0].Snippet, "«renegotiation»") {
			t.Errorf("library = %+v", lib.Postmortems)
		}
		e.getJSON(t, "/api/v1/postmortems?q=renegotiation&service=search", &lib)
		if len(lib.Postmortems) != 0 {
			t.Errorf("service filter ignored: %+v", lib.Postmortems)
		}

		// Metrics.
		var m incident.Metrics
		e.getJSON(t, "/api/v1/incidents/metrics?by=service", &m)
		if m.Total.Incidents != 1 || len(m.Rows) != 2 || m.Total.TTR.Median == nil || m.Total.ActionItems.Total != 2 {
			t.Errorf("metrics = %+v", m)
		}
		if code, _ := e.do(t, "GET", "/api/v1/incidents/metrics?from=last-year", "", ""); code != 400 {
			t.Errorf("bad from = %d", code)
		}
		if code, body := e.do(t, "DELETE", "/api/v1/incidents/1", editor, ""); code != http.StatusMethodNotAllowed || !strings.Contains(body, "PATCH") {
			t.Errorf("DELETE = %d %s", code, body)
		}
	})
}

// TestAlertmanagerOpensIncident posts a page for a tier-1 service: the
// catalog's rule opens a SEV2 for the owning team with the alert on its
// timeline, in the same transaction as the delivery.
func TestAlertmanagerOpensIncident(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	now := time.Now().UTC().Add(-10 * time.Minute).Format(time.RFC3339)
	body := `{"version": "4", "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "status": "firing", "receiver": "kiban",
		"groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093", "truncatedAlerts": 0,
		"alerts": [{"status": "firing", "labels": {"alertname": "CheckoutErrors", "service": "checkout", "severity": "page"},
		"annotations": {"summary": "Checkout answers 5xx"}, "startsAt": "` + now + `", "endsAt": "0001-01-01T00:00:00Z",
		"generatorURL": "", "fingerprint": "c0ffee"}]}`
	code, out := e.postWebhook(t, basic(editor), body)
	if code != 200 || !strings.Contains(out, `"opened": [`) {
		t.Fatalf("webhook = %d %s", code, out)
	}
	var d incident.Detail
	e.getJSON(t, "/api/v1/incidents/1", &d)
	if d.Incident.Title != "Checkout answers 5xx" || d.Incident.Severity != 2 || d.Incident.Team != "shop-checkout" ||
		d.Incident.Rule != "a-page-on-tier-1" || len(d.Alerts) != 1 || d.Timeline[0].Kind != store.EventAlertFiring {
		t.Errorf("incident = %+v", d)
	}
	// Resolution reaches the timeline, once.
	resolved := strings.NewReplacer(`"status": "firing"`, `"status": "resolved"`, `"endsAt": "0001-01-01T00:00:00Z"`,
		`"endsAt": "`+time.Now().UTC().Format(time.RFC3339)+`"`).Replace(body)
	for range 2 {
		if code, out := e.postWebhook(t, basic(editor), resolved); code != 200 {
			t.Fatalf("resolved = %d %s", code, out)
		}
	}
	e.getJSON(t, "/api/v1/incidents/1", &d)
	resolvedEvents := 0
	for _, ev := range d.Timeline {
		if ev.Kind == store.EventAlertResolved {
			resolvedEvents++
		}
	}
	if len(d.Timeline) != 3 || resolvedEvents != 1 || d.Incident.Status != store.IncidentInvestigating {
		t.Errorf("after resolution: %+v", d.Timeline)
	}
}
