package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown
// fields. It writes the 400 itself and reports false on error.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, shape string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON "+shape+": "+err.Error())
		return false
	}
	return true
}

// writeIncidentError answers for an error of the incident manager: 400
// for a refused request, 404 for an unknown incident or item, 409 for a
// stale edit, else 500 (logged, not shown).
func (s *Server) writeIncidentError(w http.ResponseWriter, what string, err error) {
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid: "); i >= 0 {
		msg = msg[i+len("invalid: "):]
	}
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, what+" not found")
	case errors.Is(err, incident.ErrConflict):
		writeError(w, http.StatusConflict, "the postmortem changed since you opened it; reload it and apply your edit again")
	default:
		s.log.Error(what, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot change the "+what+" now")
	}
}

func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(r.PathValue(name)), "INC-"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, name+" must be a positive number (or INC-N)")
		return 0, false
	}
	return id, true
}

func (s *Server) incidentDetail(r *http.Request, id int64) (incident.Detail, error) {
	ctx := r.Context()
	in, err := s.store.Incident(ctx, id)
	if err != nil {
		return incident.Detail{}, err
	}
	d := incident.Detail{Incident: in, URL: fmt.Sprintf("/incidents/%d", id)}
	if d.Timeline, err = s.store.IncidentEvents(ctx, id); err != nil {
		return incident.Detail{}, err
	}
	if d.Alerts, err = s.store.IncidentAlerts(ctx, id); err != nil {
		return incident.Detail{}, err
	}
	if d.ActionItems, err = s.store.ActionItems(ctx, store.ActionItemQuery{IncidentID: id}); err != nil {
		return incident.Detail{}, err
	}
	d.SLOs = s.incidents.Impacts(ctx, in)
	p, err := s.store.Postmortem(ctx, id)
	switch {
	case err == nil:
		d.Postmortem = &incident.PostmortemRef{Status: p.Status, Version: p.Version, UpdatedAt: p.UpdatedAt, PublishedAt: p.PublishedAt,
			URL: fmt.Sprintf("/incidents/%d/postmortem", id)}
	case !errors.Is(err, store.ErrNotFound):
		return incident.Detail{}, err
	}
	return d, nil
}

// handleAPIOpenIncident opens an incident: POST /api/v1/incidents.
func (s *Server) handleAPIOpenIncident(w http.ResponseWriter, r *http.Request) {
	var req incident.OpenRequest
	if !decodeJSON(w, r, &req, `{"title", "severity": "SEV1".."SEV4", "services": [...], …}`) {
		return
	}
	in, err := s.incidents.Open(r.Context(), actor(r.Context()), req)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	s.outbox.Kick()
	w.Header().Set("Location", fmt.Sprintf("/api/v1/incidents/%d", in.ID))
	writeJSON(w, http.StatusCreated, in)
}

func parseIncidentQuery(r *http.Request) (store.IncidentQuery, error) {
	q := store.IncidentQuery{Team: r.FormValue("team"), Service: r.FormValue("service"), Status: r.FormValue("status")}
	if q.Status != "" && q.Status != "open" && !isIncidentStatus(q.Status) {
		return q, fmt.Errorf("status must be open or one of %s", strings.Join(store.IncidentStatuses, ", "))
	}
	if v := r.FormValue("severity"); v != "" {
		n, ok := catalog.ParseSeverity(v)
		if !ok {
			return q, errors.New("severity must be SEV1 to SEV4")
		}
		q.Severity = n
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := r.FormValue(f.name); v != "" {
			t, err := parseDay(v)
			if err != nil {
				return q, fmt.Errorf("%s: %w", f.name, err)
			}
			*f.dst = t
		}
	}
	if v := r.FormValue("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, errors.New("limit must be a positive number")
		}
		q.Limit = n
	}
	return q, nil
}

func isIncidentStatus(s string) bool {
	for _, v := range store.IncidentStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// parseDay reads YYYY-MM-DD, YYYY-MM (first day) or an RFC 3339 time.
func parseDay(v string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, "2006-01", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not YYYY-MM-DD, YYYY-MM or an RFC 3339 time", v)
}

// handleAPIIncidents lists incidents, latest first:
// GET /api/v1/incidents?team=&service=&status=&severity=&from=&to=&limit=.
func (s *Server) handleAPIIncidents(w http.ResponseWriter, r *http.Request) {
	q, err := parseIncidentQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.store.Incidents(r.Context(), q)
	if err != nil {
		s.log.Error("list incidents", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot list the incidents")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": list})
}

// handleAPIIncident returns an incident with its timeline, alerts, SLO
// impact, action items and postmortem state: GET /api/v1/incidents/{id}.
func (s *Server) handleAPIIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	d, err := s.incidentDetail(r, id)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleAPIUpdateIncident changes an incident: PATCH /api/v1/incidents/{id}.
func (s *Server) handleAPIUpdateIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var p incident.Patch
	if !decodeJSON(w, r, &p, `{"status", "severity", "commander", "note", …}`) {
		return
	}
	in, err := s.incidents.Update(r.Context(), actor(r.Context()), id, p)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	s.outbox.Kick()
	writeJSON(w, http.StatusOK, in)
}

// handleAPIIncidentNote adds a note to the timeline:
// POST /api/v1/incidents/{id}/notes.
func (s *Server) handleAPIIncidentNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var req struct {
		Text string     `json:"text"`
		At   *time.Time `json:"at"`
	}
	if !decodeJSON(w, r, &req, `{"text": "…", "at": optional time}`) {
		return
	}
	in, err := s.incidents.AddNote(r.Context(), actor(r.Context()), id, req.Text, req.At)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	writeJSON(w, http.StatusCreated, in)
}

// handleAPIPostmortem returns an incident's postmortem:
// GET /api/v1/incidents/{id}/postmortem. With Accept: text/markdown or
// ?format=markdown it is the Markdown export.
func (s *Server) handleAPIPostmortem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	if r.FormValue("format") == "markdown" || strings.Contains(r.Header.Get("Accept"), "text/markdown") {
		s.writeMarkdownExport(w, r, id)
		return
	}
	p, err := s.store.Postmortem(r.Context(), id)
	if err != nil {
		s.writeIncidentError(w, "postmortem", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) writeMarkdownExport(w http.ResponseWriter, r *http.Request, id int64) {
	md, err := s.incidents.ExportPostmortem(r.Context(), id)
	if err != nil {
		s.writeIncidentError(w, "postmortem", err)
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="postmortem-INC-%d.md"`, id))
	_, _ = w.Write([]byte(md))
}

// handleAPIStartPostmortem creates the postmortem draft, prefilled from
// the incident: POST /api/v1/incidents/{id}/postmortem (201, or 200 with
// the existing one).
func (s *Server) handleAPIStartPostmortem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	p, created, err := s.incidents.StartPostmortem(r.Context(), actor(r.Context()), id)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	writeJSON(w, code, p)
}

// handleAPISavePostmortem saves an edit: PUT /api/v1/incidents/{id}/postmortem.
func (s *Server) handleAPISavePostmortem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var e incident.PostmortemEdit
	if !decodeJSON(w, r, &e, `{"body": "…markdown…", "cause_category", "tags": [...], "version": N}`) {
		return
	}
	p, err := s.incidents.SavePostmortem(r.Context(), actor(r.Context()), id, e)
	if err != nil {
		s.writeIncidentError(w, "postmortem", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handleAPIPostmortemStatus moves the postmortem through review:
// POST /api/v1/incidents/{id}/postmortem/status {"status": "in_review"}.
func (s *Server) handleAPIPostmortemStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var req struct {
		Status string     `json:"status"`
		At     *time.Time `json:"at"`
	}
	if !decodeJSON(w, r, &req, `{"status": "draft" | "in_review" | "published", "at": optional time}`) {
		return
	}
	p, err := s.incidents.SetPostmortemStatus(r.Context(), actor(r.Context()), id, req.Status, req.At)
	if err != nil {
		s.writeIncidentError(w, "postmortem", err)
		return
	}
	s.outbox.Kick()
	writeJSON(w, http.StatusOK, p)
}

// handleAPIAddActionItem adds an action item:
// POST /api/v1/incidents/{id}/action-items.
func (s *Server) handleAPIAddActionItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var req incident.ActionItemRequest
	if !decodeJSON(w, r, &req, `{"title", "owner", "type": "mitigate"|"prevent"|"process", "due": "YYYY-MM-DD", "tracker_url"}`) {
		return
	}
	a, err := s.incidents.AddActionItem(r.Context(), actor(r.Context()), id, req)
	if err != nil {
		s.writeIncidentError(w, "incident", err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

// handleAPIUpdateActionItem changes an action item:
// PATCH /api/v1/action-items/{id}.
func (s *Server) handleAPIUpdateActionItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var p incident.ActionItemPatch
	if !decodeJSON(w, r, &p, `{"status": "open"|"in_progress"|"done"|"wontfix", "owner", "due", …}`) {
		return
	}
	a, err := s.incidents.UpdateActionItem(r.Context(), actor(r.Context()), id, p)
	if err != nil {
		s.writeIncidentError(w, "action item", err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleAPIActionItems lists action items:
// GET /api/v1/action-items?team=&owner=&incident=&open=true&overdue=true.
func (s *Server) handleAPIActionItems(w http.ResponseWriter, r *http.Request) {
	q := store.ActionItemQuery{Team: r.FormValue("team"), Owner: r.FormValue("owner")}
	if v := r.FormValue("incident"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "incident must be a number")
			return
		}
		q.IncidentID = n
	}
	switch r.FormValue("open") {
	case "", "false":
	case "true":
		q.OpenOnly = true
	default:
		writeError(w, http.StatusBadRequest, "open must be true or false")
		return
	}
	switch r.FormValue("overdue") {
	case "", "false":
	case "true":
		q.OverdueOn = s.now().UTC().Format(time.DateOnly)
	default:
		writeError(w, http.StatusBadRequest, "overdue must be true or false")
		return
	}
	items, err := s.store.ActionItems(r.Context(), q)
	if err != nil {
		s.log.Error("list action items", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot list the action items")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"action_items": items})
}

// handleAPIPostmortems searches the postmortem library:
// GET /api/v1/postmortems?q=&service=&team=&tag=&cause=&status=.
func (s *Server) handleAPIPostmortems(w http.ResponseWriter, r *http.Request) {
	q := postmortemQuery(r)
	hits, err := s.store.SearchPostmortems(r.Context(), q)
	if err != nil {
		s.log.Error("search postmortems", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot search the postmortems")
		return
	}
	out := []incident.LibraryHit{}
	for _, h := range hits {
		out = append(out, incident.LibraryHit{Incident: h.Incident, Status: h.Postmortem.Status, Cause: h.Postmortem.CauseCategory,
			Tags: h.Postmortem.Tags, Snippet: h.Snippet, URL: fmt.Sprintf("/incidents/%d/postmortem", h.Incident.ID)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"postmortems": out})
}

func postmortemQuery(r *http.Request) store.PostmortemQuery {
	return store.PostmortemQuery{Text: r.FormValue("q"), Service: r.FormValue("service"), Team: r.FormValue("team"),
		Tag: r.FormValue("tag"), CauseCategory: r.FormValue("cause"), Status: r.FormValue("status")}
}

// handleAPIIncidentMetrics reports incidents per team or service and
// month: GET /api/v1/incidents/metrics?by=team|service&team=&service=&from=YYYY-MM&to=YYYY-MM
// (to is exclusive; the default is the last six months).
func (s *Server) handleAPIIncidentMetrics(w http.ResponseWriter, r *http.Request) {
	q, err := metricsQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, err := s.incidents.Metrics(r.Context(), q)
	if err != nil {
		s.writeIncidentError(w, "incident metrics", err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func metricsQuery(r *http.Request) (incident.MetricsQuery, error) {
	q := incident.MetricsQuery{By: r.FormValue("by"), Team: r.FormValue("team"), Service: r.FormValue("service")}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := r.FormValue(f.name); v != "" {
			t, err := time.Parse("2006-01", v)
			if err != nil {
				return q, fmt.Errorf("%s must be a month, YYYY-MM", f.name)
			}
			*f.dst = t
		}
	}
	return q, nil
}
