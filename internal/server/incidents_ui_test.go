package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

// uiPost sends a form as a signed-in browser (cookie is a token's secret,
// or empty for none), without following the redirect.
func uiPost(t *testing.T, e *env, cookie, path string, form url.Values) sessionResp {
	t.Helper()
	return sessionDo(t, e.ts.URL, sessionReq{method: "POST", path: path, form: form, cookie: cookie})
}

// uiGet reads a page as a browser, signed in when cookie is set.
func uiGet(t *testing.T, e *env, cookie, path string) sessionResp {
	t.Helper()
	return sessionDo(t, e.ts.URL, sessionReq{method: "GET", path: path, cookie: cookie})
}

// wantRedirect fails unless r is a 303 to location.
func wantRedirect(t *testing.T, what string, r sessionResp, location string) {
	t.Helper()
	if r.code != http.StatusSeeOther || r.location != location {
		t.Fatalf("%s = %d to %q; want 303 to %q:\n%.2000s", what, r.code, r.location, location, r.body)
	}
}

// idText returns the text of the element with an id, which must hold
// text only, or "" when there is none.
func idText(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// openIncident declares an incident on checkout through the manager.
func openIncident(t *testing.T, e *env, title string) store.Incident {
	t.Helper()
	in, err := e.srv.incidents.Open(t.Context(), "test", incident.OpenRequest{Title: title, Severity: "SEV2",
		Services: []string{"checkout"}, SLOs: []string{"checkout-availability"}})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func getIncident(t *testing.T, e *env, id int64) store.Incident {
	t.Helper()
	in, err := e.store.Incident(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func countIncidents(t *testing.T, e *env) int {
	t.Helper()
	list, err := e.store.Incidents(t.Context(), store.IncidentQuery{Limit: store.MaxIncidentLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// TestIncidentFormsAuth checks that every form needs a session with an
// editor's token, and that a refused form changes nothing.
func TestIncidentFormsAuth(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	viewer, editor := e.token(t, store.RoleViewer), e.token(t, store.RoleEditor)
	in := openIncident(t, e, "Checkout is down")
	item, err := e.srv.incidents.AddActionItem(t.Context(), "test", in.ID, incident.ActionItemRequest{Title: "Fix", Owner: "shop-checkout", Type: "prevent"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.srv.incidents.StartPostmortem(t.Context(), "test", in.ID); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(in.ID, 10)
	forms := []struct {
		path string
		form url.Values
	}{
		{"/incidents", url.Values{"title": {"x"}, "severity": {"SEV3"}}},
		{"/incidents/" + id + "/status", url.Values{"status": {"resolved"}}},
		{"/incidents/" + id + "/roles", url.Values{"commander": {"x"}}},
		{"/incidents/" + id + "/details", url.Values{"title": {"x"}, "severity": {"SEV1"}}},
		{"/incidents/" + id + "/notes", url.Values{"text": {"x"}}},
		{"/incidents/" + id + "/action-items", url.Values{"title": {"x"}, "owner": {"sre"}, "type": {"process"}}},
		{"/action-items/" + strconv.FormatInt(item.ID, 10), url.Values{"status": {"done"}}},
		{"/incidents/" + id + "/postmortem", url.Values{}},
		{"/incidents/" + id + "/postmortem/status", url.Values{"status": {"in_review"}}},
		{"/incidents/" + id + "/postmortem/edit", url.Values{"body": {"x"}, "version": {"1"}}},
		{"/incidents/" + id + "/postmortem/preview", url.Values{"body": {"x"}}},
	}
	before := e.auditCount(t)
	for _, f := range forms {
		for _, tt := range []struct {
			name, cookie string
			want         int
			wantBody     string
		}{
			{"no session", "", http.StatusUnauthorized, "Sign in to do this"},
			{"viewer", viewer, http.StatusForbidden, "this needs editor"},
		} {
			t.Run(strings.TrimPrefix(f.path, "/")+" "+tt.name, func(t *testing.T) {
				r := uiPost(t, e, tt.cookie, f.path, f.form)
				if r.code != tt.want || !strings.Contains(r.body, tt.wantBody) {
					t.Errorf("POST %s = %d; want %d with %q:\n%.1000s", f.path, r.code, tt.want, tt.wantBody, r.body)
				}
			})
		}
	}
	if after := e.auditCount(t); after != before {
		t.Errorf("refused forms wrote %d audit entries", after-before)
	}
	// The editor opens the editor; without a session it asks to sign in.
	if r := uiGet(t, e, "", "/incidents/"+id+"/postmortem/edit"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login?next=") {
		t.Errorf("GET edit without session = %d to %q; want 303 to /login", r.code, r.location)
	}
	if r := uiGet(t, e, editor, "/incidents/"+id+"/postmortem/edit"); r.code != http.StatusOK {
		t.Errorf("GET edit as editor = %d", r.code)
	}
}

func TestIncidentPagesUI(t *testing.T) {
	forEachStore(t, "../../examples/acme", testIncidentPagesUI)
}

// testIncidentPagesUI declares an incident through the form, then drives
// it with the incident page's forms.
func testIncidentPagesUI(t *testing.T, e *env) {
	editor := e.token(t, store.RoleEditor)
	if r := uiGet(t, e, "", "/incidents"); r.code != http.StatusOK || !strings.Contains(r.body, "No incidents yet") ||
		!strings.Contains(r.body, `id="declare-form"`) || !strings.Contains(r.body, `href="/incidents" aria-current="page"`) {
		t.Fatalf("empty /incidents = %d:\n%.3000s", r.code, r.body)
	}

	// Refused declarations store nothing and show the form again.
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"bad severity", url.Values{"title": {"Checkout down"}, "severity": {"SEV9"}, "services": {"checkout"}}, "Severity &#34;SEV9&#34; is not SEV1"},
		{"no title", url.Values{"title": {" "}, "severity": {"SEV2"}}, "Title is empty"},
		{"unknown service", url.Values{"title": {"Checkout down"}, "severity": {"SEV2"}, "services": {"checkout, nope"}}, "Service &#34;nope&#34; is not in the catalog"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := uiPost(t, e, editor, "/incidents", tt.form)
			if r.code != http.StatusBadRequest || !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `id="declare-error"`) {
				t.Errorf("POST /incidents = %d; want 400 with %q:\n%.3000s", r.code, tt.want, r.body)
			}
			if n := countIncidents(t, e); n != 0 {
				t.Errorf("%d incidents stored after a refused declaration", n)
			}
			if tt.form.Get("title") != " " && !strings.Contains(r.body, `value="Checkout down"`) {
				t.Error("the form lost the title typed")
			}
		})
	}

	r := uiPost(t, e, editor, "/incidents", url.Values{"title": {"Card payments fail"}, "severity": {"SEV2"},
		"services": {"checkout", "payments"}, "summary": {"5xx on /api/checkout"}, "commander": {"mtanaka"}})
	wantRedirect(t, "declare", r, "/incidents/1")
	in := getIncident(t, e, 1)
	if in.Title != "Card payments fail" || in.Severity != 2 || in.Team != "shop-checkout" || in.Commander != "mtanaka" ||
		strings.Join(in.Services, ",") != "checkout,payments" || in.Status != store.IncidentInvestigating || in.OpenedBy != "token:test-editor" {
		t.Errorf("declared incident = %+v", in)
	}

	page := mustGet(t, e, "/incidents/1")
	for _, want := range []string{`id="incident-title">Card payments fail<`, `id="timeline"`, `class="event event-opened"`,
		`<button type="submit" name="status" value="resolved" id="status-resolved"`, `id="postmortem-start"`, `id="note-text"`,
		`id="note-submit"`, `<a href="/teams/shop-checkout" id="incident-team">`, `href="/services/payments"`} {
		if !strings.Contains(page, want) {
			t.Errorf("/incidents/1 lacks %s", want)
		}
	}
	if got := idText(page, "incident-status"); got != "investigating" {
		t.Errorf("#incident-status = %q", got)
	}

	changes := []struct {
		name, path string
		form       url.Values
		check      func(in store.Incident) bool
	}{
		{"status", "/incidents/1/status", url.Values{"status": {"identified"}, "note": {"bad deploy"}},
			func(in store.Incident) bool { return in.Status == store.IncidentIdentified && in.IdentifiedAt != nil }},
		{"roles", "/incidents/1/roles", url.Values{"commander": {"mtanaka"}, "scribe": {"rokafor"}, "communications": {""}},
			func(in store.Incident) bool { return in.Commander == "mtanaka" && in.Scribe == "rokafor" }},
		{"details", "/incidents/1/details", url.Values{"title": {"Card payments fail at checkout"}, "severity": {"SEV1"},
			"summary": {"5xx"}, "customer_impact": {"No card payments\r\nfor 20 min"}},
			func(in store.Incident) bool {
				return in.Title == "Card payments fail at checkout" && in.Severity == 1 && in.CustomerImpact == "No card payments\nfor 20 min"
			}},
		{"note", "/incidents/1/notes", url.Values{"text": {"Rolled back 1.4.2"}}, func(store.Incident) bool { return true }},
	}
	for _, c := range changes {
		r := uiPost(t, e, editor, c.path, c.form)
		wantRedirect(t, c.name, r, "/incidents/1")
		if in := getIncident(t, e, 1); !c.check(in) {
			t.Errorf("after the %s form: %+v", c.name, in)
		}
	}
	page = mustGet(t, e, "/incidents/1")
	if got := idText(page, "incident-status"); got != "identified" {
		t.Errorf("#incident-status = %q; want identified", got)
	}
	for _, want := range []string{`class="event event-status"`, `class="event event-note"`, "Rolled back 1.4.2", "Scribe: rokafor",
		`class="sev sev1" id="incident-severity">SEV1<`, `<li class="step done current" data-status="identified" aria-current="step">`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the forms, /incidents/1 lacks %s", want)
		}
	}

	// Refused changes show the page again with the reason.
	for _, tt := range []struct {
		name, path string
		form       url.Values
		code       int
		want       string
	}{
		{"empty note", "/incidents/1/notes", url.Values{"text": {"  "}}, 400, "The note is empty."},
		{"bad status", "/incidents/1/status", url.Values{"status": {"fixed"}}, 400, "Status &#34;fixed&#34; is not one of"},
		{"bad tracker", "/incidents/1/action-items", url.Values{"title": {"Alert on auth errors"}, "owner": {"shop-checkout"},
			"type": {"prevent"}, "tracker_url": {"javascript:alert(1)"}}, 400, "is not an http(s) URL"},
		{"unknown incident", "/incidents/99/notes", url.Values{"text": {"x"}}, 404, "There is no such incident"},
		{"not an ID", "/incidents/abc/notes", url.Values{"text": {"x"}}, 404, "IDs are numbers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := uiPost(t, e, editor, tt.path, tt.form)
			if r.code != tt.code || !strings.Contains(r.body, tt.want) {
				t.Errorf("POST %s = %d; want %d with %q:\n%.3000s", tt.path, r.code, tt.code, tt.want, r.body)
			}
		})
	}
	if r := uiPost(t, e, editor, "/incidents/1/action-items", url.Values{"title": {"Alert on auth errors"}, "owner": {"shop-checkout"},
		"type": {"prevent"}, "tracker_url": {"javascript:alert(1)"}}); !strings.Contains(r.body, `value="Alert on auth errors"`) {
		t.Error("a refused action item lost its title")
	}

	// Action items: add one, then close it from its status select.
	r = uiPost(t, e, editor, "/incidents/1/action-items", url.Values{"title": {"Alert on card auth errors"}, "owner": {"mtanaka"},
		"type": {"mitigate"}, "due": {"2020-01-10"}, "tracker_url": {"https://tracker.example/PAY-1"}})
	wantRedirect(t, "add action item", r, "/incidents/1")
	items, err := e.store.ActionItems(t.Context(), store.ActionItemQuery{IncidentID: 1})
	if err != nil || len(items) != 1 || items[0].Title != "Alert on card auth errors" || items[0].Due != "2020-01-10" || items[0].Status != store.ActionOpen {
		t.Fatalf("action items = %+v, %v", items, err)
	}
	aid := strconv.FormatInt(items[0].ID, 10)
	if page := mustGet(t, e, "/incidents/1"); !strings.Contains(page, `<tr id="action-`+aid+`" data-status="open" class="overdue">`) {
		t.Errorf("the overdue action item is not marked:\n%.200s", page)
	}
	r = uiPost(t, e, editor, "/action-items/"+aid, url.Values{"status": {"done"}, "incident": {"1"}})
	wantRedirect(t, "action item status", r, "/incidents/1")
	if items, _ := e.store.ActionItems(t.Context(), store.ActionItemQuery{IncidentID: 1}); items[0].Status != store.ActionDone {
		t.Errorf("after closing: %+v", items[0])
	}
	if r := uiPost(t, e, editor, "/action-items/"+aid, url.Values{"status": {"finished"}, "incident": {"1"}}); r.code != 400 ||
		!strings.Contains(r.body, "Action item 1: Status &#34;finished&#34; is not open") || !strings.Contains(r.body, `id="incident-title"`) {
		t.Errorf("bad action item status = %d:\n%.2000s", r.code, r.body)
	}
	if r := uiPost(t, e, editor, "/action-items/999", url.Values{"status": {"done"}}); r.code != 404 {
		t.Errorf("unknown action item = %d", r.code)
	}

	// The list, with its filters.
	for _, tt := range []struct {
		query string
		code  int
		want  bool
	}{
		{"", 200, true},
		{"?status=open", 200, true},
		{"?status=resolved", 200, false},
		{"?severity=SEV1&team=shop-checkout", 200, true},
		{"?service=search", 200, false},
		{"?severity=SEV9", 400, false},
	} {
		r := uiGet(t, e, "", "/incidents"+tt.query)
		has := strings.Contains(r.body, `<tr data-incident="1"`)
		if r.code != tt.code || has != tt.want {
			t.Errorf("/incidents%s = %d listing INC-1 %t; want %d, %t", tt.query, r.code, has, tt.code, tt.want)
		}
	}
	list := mustGet(t, e, "/incidents")
	for _, want := range []string{">INC-1</a>", "Card payments fail at checkout", `<span class="sev sev1">SEV1</span>`, ">identified</span>", ">ongoing</span>"} {
		if !strings.Contains(list, want) {
			t.Errorf("/incidents lacks %s", want)
		}
	}

	// Resolved, it has a duration, and a closed incident refuses changes
	// other than text.
	wantRedirect(t, "resolve", uiPost(t, e, editor, "/incidents/1/status", url.Values{"status": {"resolved"}}), "/incidents/1")
	wantRedirect(t, "close", uiPost(t, e, editor, "/incidents/1/status", url.Values{"status": {"closed"}}), "/incidents/1")
	if r := uiGet(t, e, "", "/incidents?status=closed"); strings.Contains(r.body, ">ongoing</span>") || !strings.Contains(r.body, `data-incident="1"`) {
		t.Errorf("closed incident in the list:\n%.3000s", r.body)
	}
	wantRedirect(t, "details of a closed incident", uiPost(t, e, editor, "/incidents/1/details", url.Values{"title": {"Card payments failed"},
		"severity": {"SEV1"}, "summary": {"5xx"}, "customer_impact": {"none"}}), "/incidents/1")
	if r := uiPost(t, e, editor, "/incidents/1/status", url.Values{"status": {"investigating"}}); r.code != 400 || !strings.Contains(r.body, "is closed") {
		t.Errorf("reopening a closed incident = %d:\n%.2000s", r.code, r.body)
	}
	if r := uiGet(t, e, "", "/incidents/99"); r.code != 404 {
		t.Errorf("/incidents/99 = %d", r.code)
	}
	if r := uiGet(t, e, "", "/incidents/INC-1"); r.code != 200 {
		t.Errorf("/incidents/INC-1 = %d", r.code)
	}
}

func TestPostmortemUI(t *testing.T) {
	forEachStore(t, "../../examples/acme", testPostmortemUI)
}

// testPostmortemUI writes a postmortem through the forms: start, edit,
// preview, a conflicting save, review and publication.
func testPostmortemUI(t *testing.T, e *env) {
	editor := e.token(t, store.RoleEditor)
	in := openIncident(t, e, "Checkout is down")
	base := "/incidents/" + strconv.FormatInt(in.ID, 10)
	if r := uiGet(t, e, "", base+"/postmortem"); r.code != 404 || !strings.Contains(r.body, "has no postmortem yet") {
		t.Errorf("postmortem before it starts = %d", r.code)
	}
	wantRedirect(t, "start", uiPost(t, e, editor, base+"/postmortem", nil), base+"/postmortem/edit")
	wantRedirect(t, "start again", uiPost(t, e, editor, base+"/postmortem", nil), base+"/postmortem/edit")
	pm, err := e.store.Postmortem(t.Context(), in.ID)
	if err != nil || pm.Status != store.PostmortemDraft || pm.Version != 1 {
		t.Fatalf("postmortem = %+v, %v", pm, err)
	}
	edit := uiGet(t, e, editor, base+"/postmortem/edit")
	for _, want := range []string{`id="postmortem-body"`, "# Postmortem: Checkout is down", `name="version" value="1"`,
		`id="postmortem-cause"`, `<option value="dependency">`, `id="postmortem-tags"`, `id="postmortem-save"`,
		`name="action" value="preview" id="postmortem-preview"`, `id="preview"`} {
		if !strings.Contains(edit.body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	incPage := mustGet(t, e, base)
	if strings.Contains(incPage, `id="postmortem-start"`) || !strings.Contains(incPage, `id="incident-postmortem-status">draft<`) {
		t.Error("the incident page does not show the started postmortem")
	}

	body := strings.Replace(pm.Body, "## Root causes\n", "## Root causes\n\nA **stale resolver cache** kept the old address.\n", 1)
	form := url.Values{"body": {strings.ReplaceAll(body, "\n", "\r\n")}, "cause_category": {"dependency"}, "tags": {"dns, Cache"}, "version": {"1"}}

	// Preview renders and saves nothing.
	preview := url.Values{"action": {"preview"}}
	for k, v := range form {
		preview[k] = v
	}
	r := uiPost(t, e, editor, base+"/postmortem/edit", preview)
	if r.code != 200 || !strings.Contains(r.body, "<strong>stale resolver cache</strong>") || !strings.Contains(r.body, `<h2 id="pm-root-causes">`) ||
		!strings.Contains(r.body, "stale resolver cache** kept") || !strings.Contains(r.body, `value="dns, Cache"`) {
		t.Errorf("preview = %d:\n%.3000s", r.code, r.body)
	}
	if p, _ := e.store.Postmortem(t.Context(), in.ID); p.Version != 1 || p.Body != pm.Body {
		t.Errorf("preview saved: version %d", p.Version)
	}
	frag := uiPost(t, e, editor, base+"/postmortem/preview", url.Values{"body": {"## Summary\n\n*x* <script>alert(1)</script>"}})
	if frag.code != 200 || !strings.Contains(frag.body, "<em>x</em>") || strings.Contains(frag.body, "<script>") ||
		!strings.Contains(frag.body, "Missing sections") || strings.Contains(frag.body, "<html") {
		t.Errorf("preview fragment = %d:\n%s", frag.code, frag.body)
	}

	// Save, then a save from the old version is a conflict that keeps the
	// text.
	wantRedirect(t, "save", uiPost(t, e, editor, base+"/postmortem/edit", form), base+"/postmortem")
	saved, _ := e.store.Postmortem(t.Context(), in.ID)
	if saved.Version != 2 || saved.Body != body || saved.CauseCategory != "dependency" || strings.Join(saved.Tags, ",") != "cache,dns" {
		t.Errorf("saved = version %d cause %q tags %v; body as sent %t", saved.Version, saved.CauseCategory, saved.Tags, saved.Body == body)
	}
	stale := url.Values{"body": {body + "\nMy late edit.\n"}, "version": {"1"}}
	r = uiPost(t, e, editor, base+"/postmortem/edit", stale)
	if r.code != http.StatusConflict || !strings.Contains(r.body, "Someone saved the postmortem after you opened it") ||
		!strings.Contains(r.body, "My late edit.") || !strings.Contains(r.body, `name="version" value="2"`) || !strings.Contains(r.body, `id="theirs"`) {
		t.Errorf("stale save = %d:\n%.3000s", r.code, r.body)
	}
	if r := uiPost(t, e, editor, base+"/postmortem/edit", url.Values{"body": {body}, "cause_category": {"aliens"}, "version": {"2"}}); r.code != 400 ||
		!strings.Contains(r.body, "Cause category &#34;aliens&#34;") {
		t.Errorf("bad cause = %d", r.code)
	}

	view := mustGet(t, e, base+"/postmortem")
	for _, want := range []string{`id="postmortem-html"`, "<strong>stale resolver cache</strong>", `id="submit-review"`,
		`href="/api/v1/incidents/1/postmortem?format=markdown" id="export-md"`, `href="/postmortems" aria-current="page"`} {
		if !strings.Contains(view, want) {
			t.Errorf("postmortem page lacks %s", want)
		}
	}
	if got := idText(view, "postmortem-status"); got != "draft" {
		t.Errorf("#postmortem-status = %q", got)
	}

	move := func(status string) sessionResp {
		return uiPost(t, e, editor, base+"/postmortem/status", url.Values{"status": {status}})
	}
	wantRedirect(t, "submit for review", move("in_review"), base+"/postmortem")
	view = mustGet(t, e, base+"/postmortem")
	if idText(view, "postmortem-status") != "in_review" || !strings.Contains(view, `id="publish"`) || !strings.Contains(view, `id="back-to-draft"`) {
		t.Errorf("in review:\n%.3000s", view)
	}
	r = move("published")
	if r.code != 400 || !strings.Contains(r.body, "resolve it before publishing its postmortem") || idText(r.body, "postmortem-status") != "in_review" {
		t.Errorf("publish while open = %d:\n%.3000s", r.code, r.body)
	}
	if _, err := e.srv.incidents.Update(t.Context(), "test", in.ID, incident.Patch{Status: new(store.IncidentResolved)}); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, "publish", move("published"), base+"/postmortem")
	if got := idText(mustGet(t, e, base+"/postmortem"), "postmortem-status"); got != "published" {
		t.Errorf("#postmortem-status = %q; want published", got)
	}
	if r := move("draft"); r.code != 400 || !strings.Contains(r.body, "A published postmortem cannot become draft") {
		t.Errorf("published to draft = %d", r.code)
	}
}

func TestPostmortemLibraryUI(t *testing.T) {
	forEachStore(t, "../../examples/acme", testPostmortemLibraryUI)
}

// testPostmortemLibraryUI searches the library for a word of a published
// postmortem's body, marked in the snippet; drafts show on request.
func testPostmortemLibraryUI(t *testing.T, e *env) {
	ctx := t.Context()
	m := e.srv.incidents
	write := func(title, extra string, publish bool) int64 {
		in := openIncident(t, e, title)
		pm, _, err := m.StartPostmortem(ctx, "test", in.ID)
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Replace(pm.Body, "## Trigger\n", "## Trigger\n\n"+extra+"\n", 1)
		if _, err := m.SavePostmortem(ctx, "test", in.ID, incident.PostmortemEdit{Body: body, CauseCategory: "expiry", Tags: []string{"tls"}}); err != nil {
			t.Fatal(err)
		}
		if publish {
			if _, err := m.Update(ctx, "test", in.ID, incident.Patch{Status: new(store.IncidentResolved)}); err != nil {
				t.Fatal(err)
			}
			for _, st := range []string{store.PostmortemInReview, store.PostmortemPublished} {
				if _, err := m.SetPostmortemStatus(ctx, "test", in.ID, st, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		return in.ID
	}
	published := write("Login fails", "The <b>certificate</b> of the login gateway expired.", true)
	draft := write("Search slow", "Another certificate expired.", false)

	hits := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<li class="hit" data-incident="(\d+)">`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	pub, dr := strconv.FormatInt(published, 10), strconv.FormatInt(draft, 10)
	for _, tt := range []struct {
		query string
		want  string
	}{
		{"", pub},
		{"?status=all", dr + " " + pub},
		{"?status=draft", dr},
		{"?q=certificate", pub},
		{"?q=certificates&status=all", pub + " " + dr},
		{"?q=nomatchword", ""},
		{"?tag=tls&cause=expiry", pub},
		{"?team=sre", ""},
		{"?service=checkout", pub},
	} {
		r := uiGet(t, e, "", "/postmortems"+tt.query)
		got := hits(r.body)
		if r.code != 200 || strings.Join(got, " ") != tt.want && !(tt.want == pub+" "+dr && strings.Join(got, " ") == dr+" "+pub) {
			t.Errorf("/postmortems%s = %d, hits %v; want %s", tt.query, r.code, got, tt.want)
		}
		if !strings.Contains(r.body, `<ul class="hits" id="results">`) || !strings.Contains(r.body, `id="library-search"`) {
			t.Errorf("/postmortems%s lacks the search box or #results", tt.query)
		}
	}
	r := uiGet(t, e, "", "/postmortems?q=certificate")
	if !strings.Contains(r.body, "<mark>certificate</mark>") || strings.Contains(r.body, "<b>certificate") {
		t.Errorf("the snippet does not mark the match safely:\n%.4000s", r.body)
	}
	if !strings.Contains(r.body, `<option value="tls">`) || !strings.Contains(r.body, `<option value="expiry">`) {
		t.Error("the facets lack the tag or cause in use")
	}
	if r := uiGet(t, e, "", "/postmortems?status=nope"); r.code != 400 {
		t.Errorf("bad status = %d", r.code)
	}
}

// TestIncidentMetricsPage reads the metrics table and its JSON link.
func TestIncidentMetricsPage(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	in := openIncident(t, e, "Checkout is down")
	if _, err := e.srv.incidents.Update(t.Context(), "test", in.ID, incident.Patch{Status: new(store.IncidentResolved)}); err != nil {
		t.Fatal(err)
	}
	month := time.Now().UTC().Format("2006-01")
	page := mustGet(t, e, "/incidents/metrics")
	for _, want := range []string{`id="metrics"`, `data-month="` + month + `" data-group="shop-checkout"`, `<a href="/teams/shop-checkout">`,
		`href="/api/v1/incidents/metrics"`, `<tr class="total">`} {
		if !strings.Contains(page, want) {
			t.Errorf("/incidents/metrics lacks %s", want)
		}
	}
	page = mustGet(t, e, "/incidents/metrics?by=service")
	if !strings.Contains(page, `data-group="checkout"`) || !strings.Contains(page, `href="/api/v1/incidents/metrics?by=service"`) {
		t.Errorf("by service:\n%.3000s", page)
	}
	for _, q := range []string{"?by=product", "?from=2026-13", "?from=2026-06&to=2026-01"} {
		if r := uiGet(t, e, "", "/incidents/metrics"+q); r.code != 400 || !strings.Contains(r.body, `id="metrics-error"`) {
			t.Errorf("/incidents/metrics%s = %d", q, r.code)
		}
	}
}

// TestTeamPageIncidents shows a team's overdue action items and recent
// incidents on its page.
func TestTeamPageIncidents(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	in := openIncident(t, e, "Checkout is down")
	id := strconv.FormatInt(in.ID, 10)
	wantRedirect(t, "add", uiPost(t, e, editor, "/incidents/"+id+"/action-items", url.Values{"title": {"Add a retry budget"},
		"owner": {"shop-checkout"}, "type": {"prevent"}, "due": {"2020-01-02"}}), "/incidents/"+id)
	wantRedirect(t, "add", uiPost(t, e, editor, "/incidents/"+id+"/action-items", url.Values{"title": {"Not late yet"},
		"owner": {"shop-checkout"}, "type": {"prevent"}, "due": {"2999-01-02"}}), "/incidents/"+id)
	items, err := e.store.ActionItems(t.Context(), store.ActionItemQuery{IncidentID: in.ID})
	if err != nil || len(items) != 2 {
		t.Fatal(items, err)
	}
	page := mustGet(t, e, "/teams/shop-checkout")
	late := strconv.FormatInt(items[0].ID, 10)
	for _, want := range []string{`id="overdue-actions"`, `<tr id="action-` + late + `" class="overdue"><td>Add a retry budget`,
		`<a href="/incidents/` + id + `#action-` + late + `">INC-` + id + `</a>`, `id="recent-incidents"`, "Checkout is down"} {
		if !strings.Contains(page, want) {
			t.Errorf("team page lacks %s", want)
		}
	}
	if strings.Contains(page, "Not late yet") {
		t.Error("the team page lists an item that is not overdue")
	}
	if other := mustGet(t, e, "/teams/sre"); !strings.Contains(other, "No action item of this team is overdue") || !strings.Contains(other, "No incident yet") {
		t.Error("another team's page shows shop-checkout's items")
	}
}

func TestMarkSnippet(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a «b» c", "a <mark>b</mark> c"},
		{"<b>«x»</b> & «y", "&lt;b&gt;<mark>x</mark>&lt;/b&gt; &amp; <mark>y</mark>"},
		{"stray » and «« double", "stray » and <mark>« double</mark>"},
	} {
		if got := string(markSnippet(tt.in)); got != tt.want {
			t.Errorf("markSnippet(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
