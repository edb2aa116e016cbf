package server

// The incident pages: GET /incidents (the list and the form that declares
// an incident), GET /incidents/{id} (one incident with its lifecycle,
// timeline, action items and postmortem), the postmortem's view and
// editor, the postmortem library (GET /postmortems) and the incident
// metrics (GET /incidents/metrics). Every change goes through the incident
// manager, as the JSON API's do, from plain HTML forms: each POST handler
// runs under requireUI, answers a refused change by showing the form again
// with the reason, and otherwise redirects (303) to the page to read.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/postmortem"
	"kiban.dev/kiban/internal/store"
)

// maxUIForm bounds the body of a form POST.
const maxUIForm = 1 << 20

// recentIncidents is how many incidents a team page lists.
const recentIncidents = 5

// incidentFuncs are the template functions of the incident pages.
var incidentFuncs = template.FuncMap{
	"sev":        incident.Severity,
	"incLabel":   incidentLabel,
	"statusText": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"seconds":    secondsText,
	"has":        slices.Contains[[]string],
	"day":        func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
}

// incidentLabel names an incident as people say it: INC-42.
func incidentLabel(id int64) string { return "INC-" + strconv.FormatInt(id, 10) }

// incidentPath is the page of incident id.
func incidentPath(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// secondsText writes a duration in seconds the way postmortem.HumanDuration does,
// or a dash when there is none.
func secondsText(s *float64) string {
	if s == nil {
		return "—"
	}
	return postmortem.HumanDuration(time.Duration(*s * float64(time.Second)))
}

// uiID reads the path value name as an incident or item ID (42 or
// INC-42); anything else is the 404 page.
func (s *Server) uiID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(v), "INC-"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r, "There is no incident or action item "+strconv.Quote(v)+": IDs are numbers such as 42 or INC-42.")
		return 0, false
	}
	return id, true
}

// uiForm parses a form POST of at most maxUIForm bytes. It answers 400
// itself and reports false when the body cannot be read.
func (s *Server) uiForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxUIForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// uiMessage is the reason of a refused change as a sentence, without the
// layers of context the manager and store wrap it in.
func uiMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid: "); i >= 0 {
		msg = msg[i+len("invalid: "):]
	}
	if msg == "" {
		return msg
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// failUI answers for an error of a form's change: a refused change shows
// the form again with the reason (again, with 400), a stale postmortem
// edit likewise with 409, an unknown incident or item is the 404 page, and
// anything else a logged 500.
func (s *Server) failUI(w http.ResponseWriter, r *http.Request, what string, err error, again func(code int, msg string)) {
	switch {
	case errors.Is(err, store.ErrInvalid):
		again(http.StatusBadRequest, uiMessage(err))
	case errors.Is(err, incident.ErrConflict):
		again(http.StatusConflict, "Someone saved the postmortem after you opened it. Your text is kept below, and their version "+
			"is shown under it: merge what you need, then save again to replace theirs.")
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "There is no such "+what+" ("+r.URL.Path+").")
	default:
		s.log.Error("ui: "+what, "path", r.URL.Path, "err", err)
		http.Error(w, "kiban cannot change the "+what+" now; try again", http.StatusInternalServerError)
	}
}

// formList reads a list field sent as several values, comma-separated
// values, or both, without blanks or repeats.
func formList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// ---- GET /incidents and POST /incidents

// incidentsPage is the data of the incident list.
type incidentsPage struct {
	Team, Service, Status, Severity string
	Filtered                        bool
	Error                           string
	Rows                            []incidentRow
	Teams                           []*catalog.Team
	Services                        []*catalog.Service
	Statuses                        []string
	Severities                      []string
	Declare                         declareForm
	JSONURL                         string
}

// incidentRow is an incident in a list.
type incidentRow struct {
	store.Incident
	// Duration is from the start of impact to resolution, or "ongoing"
	// with Elapsed since the start.
	Duration string
	Ongoing  bool
	Elapsed  string
}

// newIncidentRow is incident in as a list shows it at time now.
func newIncidentRow(in store.Incident, now time.Time) incidentRow {
	if in.ResolvedAt == nil {
		return incidentRow{Incident: in, Duration: "ongoing", Ongoing: true, Elapsed: postmortem.HumanDuration(now.Sub(in.StartedAt))}
	}
	return incidentRow{Incident: in, Duration: postmortem.HumanDuration(in.ResolvedAt.Sub(in.StartedAt))}
}

// declareForm is the form that declares an incident, as typed.
type declareForm struct {
	Title, Severity, Summary, Commander string
	Services                            []string
	Error                               string
}

// severities are the severity levels, most severe first.
var severities = []string{"SEV1", "SEV2", "SEV3", "SEV4"}

// handleIncidentsPage serves GET /incidents: the incidents, latest first,
// filtered by team, service, status and severity.
func (s *Server) handleIncidentsPage(w http.ResponseWriter, r *http.Request) {
	s.renderIncidents(w, r, http.StatusOK, declareForm{Severity: "SEV3"})
}

// renderIncidents renders the incident list with the declare form d. The
// filters come from the URL's query only: a POST's fields are the form's.
func (s *Server) renderIncidents(w http.ResponseWriter, r *http.Request, code int, d declareForm) {
	c := s.current().cat
	qv := r.URL.Query()
	p := incidentsPage{Team: qv.Get("team"), Service: qv.Get("service"), Status: qv.Get("status"), Severity: qv.Get("severity"),
		Teams: c.Teams, Services: c.Services, Statuses: store.IncidentStatuses, Severities: severities, Declare: d,
		JSONURL: "/api/v1/incidents"}
	p.Filtered = p.Team != "" || p.Service != "" || p.Status != "" || p.Severity != ""
	if r.URL.RawQuery != "" {
		p.JSONURL += "?" + r.URL.RawQuery
	}
	var q store.IncidentQuery
	if r.Method == http.MethodGet {
		var err error
		if q, err = parseIncidentQuery(r); err != nil {
			p.Error = "Filters: " + err.Error() + "."
			s.render(w, r, http.StatusBadRequest, "incidents", "Incidents", p)
			return
		}
	}
	list, err := s.store.Incidents(r.Context(), q)
	if err != nil {
		s.log.Error("incidents page", "err", err)
		p.Error = "The incidents cannot be read right now."
		s.render(w, r, http.StatusInternalServerError, "incidents", "Incidents", p)
		return
	}
	now := s.now()
	for _, in := range list {
		p.Rows = append(p.Rows, newIncidentRow(in, now))
	}
	s.render(w, r, code, "incidents", "Incidents", p)
}

// handleDeclareIncident serves POST /incidents: it opens an incident by
// hand and redirects to it.
func (s *Server) handleDeclareIncident(w http.ResponseWriter, r *http.Request) {
	if !s.uiForm(w, r) {
		return
	}
	d := declareForm{Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"), Services: formList(r.PostForm["services"]),
		Summary: strings.ReplaceAll(r.PostFormValue("summary"), "\r\n", "\n"), Commander: strings.TrimSpace(r.PostFormValue("commander"))}
	in, err := s.incidents.Open(r.Context(), actor(r.Context()), incident.OpenRequest{Title: d.Title, Severity: d.Severity,
		Services: d.Services, Summary: d.Summary, Commander: d.Commander})
	if err != nil {
		s.failUI(w, r, "incident", err, func(code int, msg string) {
			d.Error = msg
			s.renderIncidents(w, r, code, d)
		})
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(in.ID), http.StatusSeeOther)
}

// ---- GET /incidents/{id}

// incidentPage is the data of an incident's page.
type incidentPage struct {
	incident.Detail
	Steps    []lifecycleStep
	Team     *catalog.Team
	Closed   bool
	TTA      string
	TTM      string
	TTR      string
	Impacts  []impactRow
	Items    []actionRow
	People   []string
	Forms    incidentForms
	Types    []string
	States   []string
	Statuses []string
	// Severities are for the details form.
	Severities []string
}

// lifecycleStep is one status of the lifecycle bar.
type lifecycleStep struct {
	Status  string
	At      *time.Time
	Done    bool
	Current bool
}

// impactRow is the error budget an incident consumed on one linked SLO.
type impactRow struct {
	ID, Name string
	Consumed string // 12.3%, or empty with Why
	Why      string
}

// actionRow is an action item in a table.
type actionRow struct {
	store.ActionItem
	Overdue  bool
	DaysLate int
}

// incidentForms are the incident page's forms as typed, shown again with
// Error when a change is refused. Empty forms are filled from the
// incident.
type incidentForms struct {
	Error   string
	Details detailsForm
	Roles   rolesForm
	Note    string
	Action  actionForm
}

// detailsForm is the form of an incident's title, severity, summary and
// impact; Set when it holds what was typed.
type detailsForm struct {
	Set                                      bool
	Title, Severity, Summary, CustomerImpact string
}

// rolesForm is the form of an incident's roles; Set when it holds what
// was typed.
type rolesForm struct {
	Set                               bool
	Commander, Scribe, Communications string
}

// actionForm is the form that adds an action item.
type actionForm struct {
	Title, Owner, Type, Due, TrackerURL string
}

// handleIncidentPage serves GET /incidents/{id}.
func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok {
		return
	}
	s.renderIncident(w, r, http.StatusOK, id, incidentForms{})
}

// renderIncident renders incident id's page with its forms f.
func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, code int, id int64, f incidentForms) {
	d, err := s.incidentDetail(r, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "There is no incident "+incidentLabel(id)+".")
		return
	case err != nil:
		s.log.Error("incident page", "id", id, "err", err)
		http.Error(w, "kiban cannot read this incident now; try again", http.StatusInternalServerError)
		return
	}
	c := s.current().cat
	in := d.Incident
	p := incidentPage{Detail: d, Closed: in.Status == store.IncidentClosed, Forms: f,
		Types:    []string{store.ActionMitigate, store.ActionPrevent, store.ActionProcess},
		States:   []string{store.ActionOpen, store.ActionInProgress, store.ActionDone, store.ActionWontFix},
		Statuses: store.IncidentStatuses, Severities: severities, People: people(c)}
	p.Team, _ = c.Team(in.Team)
	p.Steps = lifecycle(in)
	p.TTA, p.TTM, p.TTR = incidentTimes(in)
	for _, im := range d.SLOs {
		row := impactRow{ID: im.ID, Name: im.Name, Why: im.Why}
		if im.Consumed != nil {
			row.Consumed = strconv.FormatFloat(*im.Consumed*100, 'f', 1, 64) + "%"
		}
		p.Impacts = append(p.Impacts, row)
	}
	today := s.now().UTC().Format(time.DateOnly)
	for _, a := range d.ActionItems {
		p.Items = append(p.Items, newActionRow(a, today))
	}
	if !f.Details.Set {
		p.Forms.Details = detailsForm{Title: in.Title, Severity: incident.Severity(in.Severity), Summary: in.Summary, CustomerImpact: in.CustomerImpact}
	}
	if !f.Roles.Set {
		p.Forms.Roles = rolesForm{Commander: in.Commander, Scribe: in.Scribe, Communications: in.Communications}
	}
	if p.Forms.Action.Type == "" {
		p.Forms.Action.Type = store.ActionPrevent
	}
	s.render(w, r, code, "incident", incidentLabel(id)+" "+in.Title, p)
}

// newActionRow says whether an item is overdue on day today, and by how
// many days.
func newActionRow(a store.ActionItem, today string) actionRow {
	row := actionRow{ActionItem: a, Overdue: a.Overdue(today)}
	if row.Overdue {
		due, err1 := time.Parse(time.DateOnly, a.Due)
		now, err2 := time.Parse(time.DateOnly, today)
		if err1 == nil && err2 == nil {
			row.DaysLate = int(now.Sub(due).Hours() / 24)
		}
	}
	return row
}

// lifecycle is the status bar of an incident: each status with when it
// was entered, skipped ones without a time.
func lifecycle(in store.Incident) []lifecycleStep {
	opened := in.OpenedAt
	at := map[string]*time.Time{store.IncidentInvestigating: &opened, store.IncidentIdentified: in.IdentifiedAt,
		store.IncidentMonitoring: in.MonitoringAt, store.IncidentResolved: in.ResolvedAt, store.IncidentClosed: in.ClosedAt}
	cur := slices.Index(store.IncidentStatuses, in.Status)
	steps := make([]lifecycleStep, 0, len(store.IncidentStatuses))
	for i, st := range store.IncidentStatuses {
		step := lifecycleStep{Status: st, Done: i <= cur, Current: i == cur}
		if step.Done {
			step.At = at[st]
		}
		steps = append(steps, step)
	}
	return steps
}

// incidentTimes are the incident's time to acknowledge, mitigate and
// resolve, as the metrics count them, or "ongoing".
func incidentTimes(in store.Incident) (tta, ttm, ttr string) {
	tta, ttm, ttr = "ongoing", "ongoing", "ongoing"
	if in.AcknowledgedAt != nil {
		tta = postmortem.HumanDuration(in.AcknowledgedAt.Sub(in.OpenedAt))
	}
	switch {
	case in.MonitoringAt != nil:
		ttm = postmortem.HumanDuration(in.MonitoringAt.Sub(in.StartedAt))
	case in.ResolvedAt != nil:
		ttm = postmortem.HumanDuration(in.ResolvedAt.Sub(in.StartedAt))
	}
	if in.ResolvedAt != nil {
		ttr = postmortem.HumanDuration(in.ResolvedAt.Sub(in.StartedAt))
	}
	return tta, ttm, ttr
}

// people are the handles of the catalog's team members and the teams'
// names, for the role and owner fields' suggestions.
func people(c *catalog.Catalog) []string {
	var out []string
	for _, t := range c.Teams {
		for _, m := range t.Spec.Members {
			if m.User != "" && !slices.Contains(out, m.User) {
				out = append(out, m.User)
			}
		}
	}
	slices.Sort(out)
	for _, t := range c.Teams {
		out = append(out, t.Name)
	}
	return out
}

// ---- the incident page's forms

// changeIncident runs a form that changes incident id: change reads the
// form, calls the manager and returns the forms to show again if the
// change is refused.
func (s *Server) changeIncident(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, in store.Incident) (incidentForms, error)) {
	id, ok := s.uiID(w, r, "id")
	if !ok || !s.uiForm(w, r) {
		return
	}
	in, err := s.store.Incident(r.Context(), id)
	var f incidentForms
	if err == nil {
		f, err = change(r.Context(), in)
	}
	if err != nil {
		s.failUI(w, r, "incident", err, func(code int, msg string) {
			f.Error = msg
			s.renderIncident(w, r, code, id, f)
		})
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(id), http.StatusSeeOther)
}

// handleIncidentStatusForm serves POST /incidents/{id}/status: the status
// buttons, with an optional note.
func (s *Server) handleIncidentStatusForm(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, func(ctx context.Context, in store.Incident) (incidentForms, error) {
		status := r.PostFormValue("status")
		p := incident.Patch{Status: &status}
		if note := strings.TrimSpace(r.PostFormValue("note")); note != "" {
			p.Note = &note
		}
		_, err := s.incidents.Update(ctx, actor(ctx), in.ID, p)
		return incidentForms{}, err
	})
}

// handleIncidentRolesForm serves POST /incidents/{id}/roles: commander,
// scribe and communications lead. Only the roles that change are sent, so
// that saving an unchanged form on a closed incident is no error.
func (s *Server) handleIncidentRolesForm(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, func(ctx context.Context, in store.Incident) (incidentForms, error) {
		f := rolesForm{Set: true, Commander: strings.TrimSpace(r.PostFormValue("commander")),
			Scribe: strings.TrimSpace(r.PostFormValue("scribe")), Communications: strings.TrimSpace(r.PostFormValue("communications"))}
		var p incident.Patch
		for _, x := range []struct {
			v, was string
			dst    **string
		}{{f.Commander, in.Commander, &p.Commander}, {f.Scribe, in.Scribe, &p.Scribe}, {f.Communications, in.Communications, &p.Communications}} {
			if x.v != x.was {
				*x.dst = &x.v
			}
		}
		if p.IsZero() {
			return incidentForms{}, nil
		}
		_, err := s.incidents.Update(ctx, actor(ctx), in.ID, p)
		return incidentForms{Roles: f}, err
	})
}

// handleIncidentDetailsForm serves POST /incidents/{id}/details: title,
// severity, summary and customer impact.
func (s *Server) handleIncidentDetailsForm(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, func(ctx context.Context, in store.Incident) (incidentForms, error) {
		f := detailsForm{Set: true, Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"),
			Summary:        strings.ReplaceAll(r.PostFormValue("summary"), "\r\n", "\n"),
			CustomerImpact: strings.ReplaceAll(r.PostFormValue("customer_impact"), "\r\n", "\n")}
		p := incident.Patch{Title: &f.Title, Summary: &f.Summary, CustomerImpact: &f.CustomerImpact}
		// A closed incident refuses a severity even unchanged: send it
		// only when it changes.
		if sev, ok := catalog.ParseSeverity(f.Severity); !ok || sev != in.Severity {
			p.Severity = &f.Severity
		}
		_, err := s.incidents.Update(ctx, actor(ctx), in.ID, p)
		return incidentForms{Details: f}, err
	})
}

// handleIncidentNoteForm serves POST /incidents/{id}/notes: a note on the
// timeline.
func (s *Server) handleIncidentNoteForm(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, func(ctx context.Context, in store.Incident) (incidentForms, error) {
		text := strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n")
		_, err := s.incidents.AddNote(ctx, actor(ctx), in.ID, text, nil)
		return incidentForms{Note: text}, err
	})
}

// handleAddActionItemForm serves POST /incidents/{id}/action-items.
func (s *Server) handleAddActionItemForm(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, func(ctx context.Context, in store.Incident) (incidentForms, error) {
		f := actionForm{Title: r.PostFormValue("title"), Owner: r.PostFormValue("owner"), Type: r.PostFormValue("type"),
			Due: strings.TrimSpace(r.PostFormValue("due")), TrackerURL: r.PostFormValue("tracker_url")}
		_, err := s.incidents.AddActionItem(ctx, actor(ctx), in.ID, incident.ActionItemRequest{Title: f.Title, Owner: f.Owner,
			Type: f.Type, Due: f.Due, TrackerURL: f.TrackerURL})
		return incidentForms{Action: f}, err
	})
}

// handleActionItemForm serves POST /action-items/{id}: an item's status,
// then back to its incident. The form names its incident (field
// incident), where a refused change is shown.
func (s *Server) handleActionItemForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok || !s.uiForm(w, r) {
		return
	}
	status := r.PostFormValue("status")
	a, err := s.incidents.UpdateActionItem(r.Context(), actor(r.Context()), id, incident.ActionItemPatch{Status: &status})
	if err != nil {
		s.failUI(w, r, "action item", err, func(code int, msg string) {
			inc, perr := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
			if perr != nil {
				http.Error(w, msg, code)
				return
			}
			s.renderIncident(w, r, code, inc, incidentForms{Error: "Action item " + strconv.FormatInt(id, 10) + ": " + msg})
		})
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(a.IncidentID), http.StatusSeeOther)
}

// handleStartPostmortemForm serves POST /incidents/{id}/postmortem: it
// starts the postmortem draft, prefilled from the incident (or keeps the
// one that exists), and opens the editor.
func (s *Server) handleStartPostmortemForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok || !s.uiForm(w, r) {
		return
	}
	if _, _, err := s.incidents.StartPostmortem(r.Context(), actor(r.Context()), id); err != nil {
		s.failUI(w, r, "incident", err, func(code int, msg string) {
			s.renderIncident(w, r, code, id, incidentForms{Error: msg})
		})
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(id)+"/postmortem/edit", http.StatusSeeOther)
}

// ---- the postmortem: view, review and editor

// postmortemPage is the data of a postmortem's page.
type postmortemPage struct {
	Incident    store.Incident
	Postmortem  store.Postmortem
	HTML        template.HTML
	RenderError string
	Missing     []string
	Error       string
	ExportURL   string
}

// renderedBody is a postmortem rendered for a page. Its heading IDs are
// prefixed with pm- so that none can take the ID of an element of the
// page around it ("## Timeline" would otherwise become id="timeline").
// Goldmark escapes every "<" of text, so the replaced sequence only occurs
// in real heading tags.
func renderedBody(md string) (template.HTML, error) {
	h, err := postmortem.Render(md)
	if err != nil {
		return "", err
	}
	out := string(h)
	for n := 1; n <= 6; n++ {
		tag := fmt.Sprintf(`<h%d id="`, n)
		out = strings.ReplaceAll(out, tag, tag+"pm-")
	}
	return template.HTML(out), nil
}

// loadPostmortem reads incident id and its postmortem, answering the 404
// page (or a 500) itself when it cannot.
func (s *Server) loadPostmortem(w http.ResponseWriter, r *http.Request, id int64) (store.Incident, store.Postmortem, bool) {
	in, err := s.store.Incident(r.Context(), id)
	var p store.Postmortem
	if err == nil {
		p, err = s.store.Postmortem(r.Context(), id)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && in.ID != 0:
		s.notFound(w, r, incidentLabel(id)+" has no postmortem yet: start it from the incident's page, "+incidentPath(id)+".")
		return in, p, false
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "There is no incident "+incidentLabel(id)+".")
		return in, p, false
	case err != nil:
		s.log.Error("postmortem page", "id", id, "err", err)
		http.Error(w, "kiban cannot read this postmortem now; try again", http.StatusInternalServerError)
		return in, p, false
	}
	return in, p, true
}

// handlePostmortemPage serves GET /incidents/{id}/postmortem: the rendered
// postmortem with its review state and the buttons that move it.
func (s *Server) handlePostmortemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok {
		return
	}
	s.renderPostmortem(w, r, http.StatusOK, id, "")
}

// renderPostmortem renders the postmortem page of incident id with a
// refused change's reason msg.
func (s *Server) renderPostmortem(w http.ResponseWriter, r *http.Request, code int, id int64, msg string) {
	in, pm, ok := s.loadPostmortem(w, r, id)
	if !ok {
		return
	}
	p := postmortemPage{Incident: in, Postmortem: pm, Missing: postmortem.Missing(pm.Body), Error: msg,
		ExportURL: "/api/v1/incidents/" + strconv.FormatInt(id, 10) + "/postmortem?format=markdown"}
	var err error
	if p.HTML, err = renderedBody(pm.Body); err != nil {
		p.RenderError = err.Error()
	}
	s.render(w, r, code, "postmortem", "Postmortem "+incidentLabel(id)+" "+in.Title, p)
}

// handlePostmortemStatusForm serves POST /incidents/{id}/postmortem/status:
// submit for review, send back to draft, publish.
func (s *Server) handlePostmortemStatusForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok || !s.uiForm(w, r) {
		return
	}
	if _, err := s.incidents.SetPostmortemStatus(r.Context(), actor(r.Context()), id, r.PostFormValue("status"), nil); err != nil {
		s.failUI(w, r, "postmortem", err, func(code int, msg string) { s.renderPostmortem(w, r, code, id, msg) })
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(id)+"/postmortem", http.StatusSeeOther)
}

// postmortemEditPage is the data of the postmortem editor.
type postmortemEditPage struct {
	Incident store.Incident
	Status   string
	Body     string
	Cause    string
	Tags     string
	Version  int
	Causes   []string
	Error    string
	// Preview is the rendered text, when the editor asked for it.
	Preview *previewData
	// Theirs is the newer version a save collided with.
	Theirs *store.Postmortem
}

// previewData is a rendered draft: its HTML, or why it cannot be shown,
// and the required sections it lacks.
type previewData struct {
	HTML    template.HTML
	Error   string
	Missing []string
}

// newPreview renders a draft's Markdown body.
func newPreview(body string) *previewData {
	p := &previewData{Missing: postmortem.Missing(body)}
	var err error
	if p.HTML, err = renderedBody(body); err != nil {
		p.Error = err.Error()
	}
	return p
}

// handlePostmortemEditPage serves GET /incidents/{id}/postmortem/edit.
func (s *Server) handlePostmortemEditPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok {
		return
	}
	in, pm, ok := s.loadPostmortem(w, r, id)
	if !ok {
		return
	}
	p := postmortemEditPage{Incident: in, Status: pm.Status, Body: pm.Body, Cause: pm.CauseCategory,
		Tags: strings.Join(pm.Tags, ", "), Version: pm.Version, Causes: incident.CauseCategories}
	s.renderPostmortemEdit(w, r, http.StatusOK, p)
}

// renderPostmortemEdit renders the postmortem editor; browsers must not
// keep it, since it holds unsaved text.
func (s *Server) renderPostmortemEdit(w http.ResponseWriter, r *http.Request, code int, p postmortemEditPage) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, code, "postmortem_edit", "Edit postmortem "+incidentLabel(p.Incident.ID), p)
}

// postmortemEditForm reads the editor's form.
func postmortemEditForm(r *http.Request) (incident.PostmortemEdit, string, error) {
	e := incident.PostmortemEdit{Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		CauseCategory: r.PostFormValue("cause_category"), Tags: formList([]string{r.PostFormValue("tags")})}
	tags := r.PostFormValue("tags")
	if v := strings.TrimSpace(r.PostFormValue("version")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return e, tags, fmt.Errorf("%w: version %q is not a number", store.ErrInvalid, v)
		}
		e.Version = n
	}
	return e, tags, nil
}

// handlePostmortemEditForm serves POST /incidents/{id}/postmortem/edit:
// with action=preview it shows the editor again with the rendered text,
// saving nothing; otherwise it saves and shows the postmortem. A save
// over a newer version answers 409 with the editor, the text kept.
func (s *Server) handlePostmortemEditForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.uiID(w, r, "id")
	if !ok || !s.uiForm(w, r) {
		return
	}
	in, pm, ok := s.loadPostmortem(w, r, id)
	if !ok {
		return
	}
	e, tags, err := postmortemEditForm(r)
	p := postmortemEditPage{Incident: in, Status: pm.Status, Body: e.Body, Cause: e.CauseCategory, Tags: tags,
		Version: e.Version, Causes: incident.CauseCategories}
	if err == nil && r.PostFormValue("action") == "preview" {
		p.Preview = newPreview(e.Body)
		s.renderPostmortemEdit(w, r, http.StatusOK, p)
		return
	}
	if err == nil {
		_, err = s.incidents.SavePostmortem(r.Context(), actor(r.Context()), id, e)
	}
	if err != nil {
		s.failUI(w, r, "postmortem", err, func(code int, msg string) {
			p.Error = msg
			if code == http.StatusConflict {
				if theirs, err := s.store.Postmortem(r.Context(), id); err == nil {
					p.Theirs, p.Version = &theirs, theirs.Version
				}
			}
			s.renderPostmortemEdit(w, r, code, p)
		})
		return
	}
	s.outbox.Kick()
	http.Redirect(w, r, incidentPath(id)+"/postmortem", http.StatusSeeOther)
}

// handlePostmortemPreview serves POST /incidents/{id}/postmortem/preview:
// the editor's body field rendered as an HTML fragment, for kiban.js to
// show while the text is typed. It reads nothing stored and saves nothing.
func (s *Server) handlePostmortemPreview(w http.ResponseWriter, r *http.Request) {
	if !s.uiForm(w, r) {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	body := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	if err := s.pages.byName["postmortem_edit"].ExecuteTemplate(w, "preview", newPreview(body)); err != nil {
		s.log.Error("postmortem preview", "err", err)
	}
}

// ---- GET /postmortems

// postmortemsPage is the data of the postmortem library.
type postmortemsPage struct {
	Q, Service, Team, Tag, Cause, Status string
	Filtered                             bool
	Teams                                []*catalog.Team
	Services                             []*catalog.Service
	Tags, Causes                         []string
	Hits                                 []libraryHit
	Error                                string
	JSONURL                              string
}

// libraryHit is a postmortem found, its snippet marked up.
type libraryHit struct {
	store.PostmortemHit
	Snippet template.HTML
}

// markSnippet turns a search snippet, plain text with matches between «
// and », into HTML: the text is escaped first, then the marks become
// <mark> elements, always balanced.
func markSnippet(s string) template.HTML {
	var b strings.Builder
	open := false
	for _, c := range template.HTMLEscapeString(s) {
		switch {
		case c == '«' && !open:
			b.WriteString("<mark>")
			open = true
		case c == '»' && open:
			b.WriteString("</mark>")
			open = false
		default:
			b.WriteRune(c)
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// handlePostmortemsPage serves GET /postmortems: the postmortem library,
// searched by text and filtered by service, team, tag, cause and review
// state (published unless asked).
func (s *Server) handlePostmortemsPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	q := postmortemQuery(r)
	p := postmortemsPage{Q: q.Text, Service: q.Service, Team: q.Team, Tag: q.Tag, Cause: q.CauseCategory, Status: q.Status,
		Teams: c.Teams, Services: c.Services}
	p.Filtered = q.Text != "" || q.Service != "" || q.Team != "" || q.Tag != "" || q.CauseCategory != "" || q.Status != ""
	switch q.Status {
	case "":
		p.Status, q.Status = store.PostmortemPublished, store.PostmortemPublished
	case "all":
		q.Status = ""
	case store.PostmortemDraft, store.PostmortemInReview, store.PostmortemPublished:
	default:
		p.Error = "Status must be draft, in_review, published or all."
		s.render(w, r, http.StatusBadRequest, "postmortems", "Postmortems", p)
		return
	}
	v := url.Values{}
	for k, val := range map[string]string{"q": q.Text, "service": q.Service, "team": q.Team, "tag": q.Tag, "cause": q.CauseCategory, "status": q.Status} {
		if val != "" {
			v.Set(k, val)
		}
	}
	p.JSONURL = "/api/v1/postmortems"
	if len(v) > 0 {
		p.JSONURL += "?" + v.Encode()
	}
	var err error
	if p.Tags, p.Causes, err = s.store.PostmortemFacets(r.Context()); err == nil {
		var hits []store.PostmortemHit
		hits, err = s.store.SearchPostmortems(r.Context(), q)
		for _, h := range hits {
			p.Hits = append(p.Hits, libraryHit{PostmortemHit: h, Snippet: markSnippet(h.Snippet)})
		}
	}
	if err != nil {
		s.log.Error("postmortem library", "err", err)
		p.Error = "The postmortems cannot be searched right now."
		s.render(w, r, http.StatusInternalServerError, "postmortems", "Postmortems", p)
		return
	}
	s.render(w, r, http.StatusOK, "postmortems", "Postmortems", p)
}

// ---- GET /incidents/metrics

// metricsPage is the data of the incident metrics page.
type metricsPage struct {
	By, Team, Service, From, To string
	Teams                       []*catalog.Team
	Services                    []*catalog.Service
	Metrics                     incident.Metrics
	Lines                       []metricsLine
	Total                       metricsLine
	Severities                  []string
	Error                       string
	JSONURL                     string
}

// metricsLine is a row of the metrics table: a month and group, or the
// total.
type metricsLine struct {
	incident.MetricsRow
	Total           bool
	Group, GroupURL string
	Sev             []int // incidents by severity, SEV1 first
}

// newMetricsLine lays out a row of the metrics.
func newMetricsLine(row incident.MetricsRow, total bool) metricsLine {
	l := metricsLine{MetricsRow: row, Total: total}
	switch {
	case total:
	case row.Team != "":
		l.Group, l.GroupURL = row.Team, "/teams/"+url.PathEscape(row.Team)
	case row.Service != "":
		l.Group, l.GroupURL = row.Service, "/services/"+url.PathEscape(row.Service)
	}
	for _, sev := range severities {
		l.Sev = append(l.Sev, row.BySeverity[sev])
	}
	return l
}

// handleIncidentMetricsPage serves GET /incidents/metrics: incidents per
// month and team (or service) with their severities, response times and
// action items, as GET /api/v1/incidents/metrics computes them.
func (s *Server) handleIncidentMetricsPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	p := metricsPage{By: r.FormValue("by"), Team: r.FormValue("team"), Service: r.FormValue("service"),
		From: r.FormValue("from"), To: r.FormValue("to"), Teams: c.Teams, Services: c.Services, Severities: severities,
		JSONURL: "/api/v1/incidents/metrics"}
	if r.URL.RawQuery != "" {
		p.JSONURL += "?" + r.URL.RawQuery
	}
	if p.By == "" {
		p.By = "team"
	}
	q, err := metricsQuery(r)
	if err != nil {
		p.Error = uiMessage(err)
		s.render(w, r, http.StatusBadRequest, "incident_metrics", "Incident metrics", p)
		return
	}
	if p.Metrics, err = s.incidents.Metrics(r.Context(), q); err != nil {
		code := http.StatusBadRequest
		if p.Error = uiMessage(err); !errors.Is(err, store.ErrInvalid) {
			s.log.Error("incident metrics page", "err", err)
			code, p.Error = http.StatusInternalServerError, "The incident metrics cannot be computed right now."
		}
		s.render(w, r, code, "incident_metrics", "Incident metrics", p)
		return
	}
	for _, row := range p.Metrics.Rows {
		p.Lines = append(p.Lines, newMetricsLine(row, false))
	}
	p.Total = newMetricsLine(p.Metrics.Total, true)
	s.render(w, r, http.StatusOK, "incident_metrics", "Incident metrics", p)
}

// ---- the team page's incidents

// teamIncidents is what a team page shows of incidents: its overdue
// action items and its latest incidents.
type teamIncidents struct {
	Overdue []actionRow
	Recent  []incidentRow
	Error   string
}

// teamIncidents reads a team's overdue action items (as of today, UTC)
// and its latest incidents. A store error leaves a message, not a failed
// page.
func (s *Server) teamIncidents(ctx context.Context, team string) teamIncidents {
	var out teamIncidents
	now := s.now()
	today := now.UTC().Format(time.DateOnly)
	items, err := s.store.ActionItems(ctx, store.ActionItemQuery{Team: team, OverdueOn: today})
	if err == nil {
		for _, a := range items {
			out.Overdue = append(out.Overdue, newActionRow(a, today))
		}
		var list []store.Incident
		list, err = s.store.Incidents(ctx, store.IncidentQuery{Team: team, Limit: recentIncidents})
		for _, in := range list {
			out.Recent = append(out.Recent, newIncidentRow(in, now))
		}
	}
	if err != nil {
		s.log.Warn("team page: incidents", "team", team, "err", err)
		out.Error = "The team's incidents and action items cannot be read right now."
	}
	return out
}
