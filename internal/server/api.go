package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

// catalogStatus describes the catalog being served and the last load.
type catalogStatus struct {
	Dir         string               `json:"dir"`
	Digest      string               `json:"digest"`
	LoadedAt    *time.Time           `json:"loaded_at"`
	Teams       int                  `json:"teams"`
	Services    int                  `json:"services"`
	Concerns    int                  `json:"concerns"`
	Files       int                  `json:"files"`
	Warnings    []catalog.Diagnostic `json:"warnings"`
	LastLoadOK  bool                 `json:"last_load_ok"`
	LastLoadAt  *time.Time           `json:"last_load_at,omitempty"`
	LastErrors  []catalog.Diagnostic `json:"last_errors,omitempty"`
	LastFailure string               `json:"last_failure,omitempty"`
}

func (s *Server) status() catalogStatus {
	snap := s.current()
	st := catalogStatus{
		Dir: s.cfg.ConfigDir, Digest: snap.cat.Digest, Teams: len(snap.cat.Teams), Services: len(snap.cat.Services),
		Concerns: len(snap.cat.Concerns), Files: snap.cat.Files, Warnings: snap.cat.Warnings, LastLoadOK: true,
	}
	if st.Warnings == nil {
		st.Warnings = []catalog.Diagnostic{}
	}
	if !snap.loadedAt.IsZero() {
		t := snap.loadedAt.UTC()
		st.LoadedAt = &t
	}
	if ls := s.state.Load(); ls != nil {
		t := ls.at.UTC()
		st.LastLoadAt = &t
		if ls.err != nil {
			st.LastLoadOK = false
			st.LastErrors = ls.diags
			st.LastFailure = ls.err.Error()
		}
	}
	return st
}

func (s *Server) handleAPICatalog(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.status())
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	res, err := s.Reload(r.Context(), actor(r.Context()))
	if err != nil {
		s.log.Error("reload", "err", err)
		writeError(w, http.StatusInternalServerError, "reload failed: cannot write the audit log")
		return
	}
	code := http.StatusOK
	if !res.OK {
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, res)
}

// teamJSON is a team as the API shows it.
type teamJSON struct {
	*catalog.Team
	Services []string `json:"services"`
	SubTeams []string `json:"sub_teams"`
}

func teamView(c *catalog.Catalog, t *catalog.Team) teamJSON {
	v := teamJSON{Team: t, Services: []string{}, SubTeams: c.SubTeams(t.Name)}
	for _, s := range c.ServicesOf(t.Name) {
		v.Services = append(v.Services, s.Name)
	}
	if v.SubTeams == nil {
		v.SubTeams = []string{}
	}
	return v
}

func (s *Server) handleAPITeams(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	out := make([]teamJSON, 0, len(c.Teams))
	for _, t := range c.Teams {
		out = append(out, teamView(c, t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": out})
}

func (s *Server) handleAPITeam(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	t, ok := c.Team(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, "unknown team "+strconv.Quote(r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, teamView(c, t))
}

// serviceQuery filters the services list, in the UI and the API alike.
type serviceQuery struct {
	Q, Team, Product, Lifecycle string
	Tier                        int
}

func parseServiceQuery(r *http.Request) (serviceQuery, error) {
	q := serviceQuery{
		Q: strings.TrimSpace(r.FormValue("q")), Team: r.FormValue("team"),
		Product: r.FormValue("product"), Lifecycle: r.FormValue("lifecycle"),
	}
	if t := r.FormValue("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 4 {
			return q, errors.New("tier must be a number from 1 to 4")
		}
		q.Tier = n
	}
	return q, nil
}

func (q serviceQuery) match(s *catalog.Service) bool {
	if q.Team != "" && s.Spec.Owner != q.Team {
		return false
	}
	if q.Product != "" && s.Spec.Product != q.Product {
		return false
	}
	if q.Lifecycle != "" && s.Spec.Lifecycle != q.Lifecycle {
		return false
	}
	if q.Tier != 0 && s.Spec.Tier != q.Tier {
		return false
	}
	if q.Q == "" {
		return true
	}
	hay := strings.ToLower(strings.Join([]string{s.Name, s.Title, s.Description, s.Spec.Owner, s.Spec.Product, s.Spec.Type}, " "))
	for _, word := range strings.Fields(strings.ToLower(q.Q)) {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}

func filterServices(c *catalog.Catalog, q serviceQuery) []*catalog.Service {
	var out []*catalog.Service
	for _, s := range c.Services {
		if q.match(s) {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) handleAPIServices(w http.ResponseWriter, r *http.Request) {
	q, err := parseServiceQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c := s.current().cat
	list := filterServices(c, q)
	if list == nil {
		list = []*catalog.Service{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": list, "count": len(list), "total": len(c.Services)})
}

// serviceJSON is a service with what the catalog knows around it.
type serviceJSON struct {
	*catalog.Service
	Dependents []string           `json:"dependents"`
	Matrix     []ownership.Answer `json:"responsibility_matrix"`
}

func (s *Server) handleAPIService(w http.ResponseWriter, r *http.Request) {
	snap := s.current()
	svc, ok := snap.cat.Service(r.PathValue("name"))
	if !ok {
		msg := "unknown service " + strconv.Quote(r.PathValue("name"))
		if near, ok := snap.cat.ClosestService(r.PathValue("name")); ok {
			msg += "; did you mean " + strconv.Quote(near) + "?"
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	m, _ := snap.res.Matrix(svc.Name)
	deps := snap.cat.Dependents(svc.Name)
	if deps == nil {
		deps = []string{}
	}
	writeJSON(w, http.StatusOK, serviceJSON{Service: svc, Dependents: deps, Matrix: m})
}

func (s *Server) handleAPIConcerns(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	writeJSON(w, http.StatusOK, map[string]any{"concerns": nonNil(c.Concerns)})
}

func (s *Server) handleAPIProducts(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	type productJSON struct {
		catalog.Product
		Services []string `json:"services"`
	}
	out := []productJSON{}
	for _, p := range c.Products {
		pj := productJSON{Product: p, Services: []string{}}
		for _, svc := range c.Services {
			if svc.Spec.Product == p.Name {
				pj.Services = append(pj.Services, svc.Name)
			}
		}
		out = append(out, pj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": out})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// whoJSON answers GET /api/v1/who.
type whoJSON struct {
	Service string            `json:"service,omitempty"`
	Concern *ownership.Answer `json:"concern,omitempty"`
	Match   *ownership.Match  `json:"match,omitempty"`
	// Team is the team that answers: the owner, the concern's team or
	// the resource's owner.
	Team *catalog.Team `json:"team"`
}

func resourceFromQuery(r *http.Request) (ownership.Resource, error) {
	res := ownership.Resource{Account: r.FormValue("account"), ID: r.FormValue("resource_id"), Terraform: r.FormValue("terraform")}
	for _, t := range r.Form["tag"] {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return res, errors.New("tag must be KEY=VALUE, found " + strconv.Quote(t))
		}
		if res.Tags == nil {
			res.Tags = map[string]string{}
		}
		res.Tags[k] = v
	}
	return res, nil
}

func (s *Server) handleAPIWho(w http.ResponseWriter, r *http.Request) {
	snap := s.current()
	_ = r.ParseForm()
	service, concern := r.FormValue("service"), r.FormValue("concern")
	res, err := resourceFromQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	byResource := res.Account != "" || res.ID != "" || res.Terraform != "" || len(res.Tags) > 0
	switch {
	case service != "" && byResource:
		writeError(w, http.StatusBadRequest, "ask about a service or a resource, not both")
	case service != "":
		out, code, msg := whoService(snap, service, concern)
		if code != http.StatusOK {
			writeError(w, code, msg)
			return
		}
		writeJSON(w, http.StatusOK, out)
	case byResource:
		m, ok := snap.res.Resource(res)
		if !ok {
			writeError(w, http.StatusNotFound, "no service claims this resource")
			return
		}
		t, _ := snap.cat.Team(m.Team)
		writeJSON(w, http.StatusOK, whoJSON{Service: m.Service, Match: &m, Team: t})
	default:
		writeError(w, http.StatusBadRequest, "give service (and optionally concern), or a resource: account, tag=KEY=VALUE, resource_id or terraform")
	}
}

func whoService(snap *snapshot, service, concern string) (whoJSON, int, string) {
	svc, owner, err := snap.res.Owner(service)
	if err != nil {
		msg := err.Error()
		if near, ok := snap.cat.ClosestService(service); ok {
			msg += "; did you mean " + strconv.Quote(near) + "?"
		}
		return whoJSON{}, http.StatusNotFound, msg
	}
	out := whoJSON{Service: svc.Name, Team: owner}
	if concern != "" {
		a, err := snap.res.Who(service, concern)
		if err != nil {
			return whoJSON{}, http.StatusNotFound, err.Error()
		}
		t, _ := snap.cat.Team(a.Team)
		out.Concern, out.Team = &a, t
	}
	return out, http.StatusOK, ""
}

func parseAuditQuery(r *http.Request) (store.AuditQuery, error) {
	q := store.AuditQuery{Actor: r.FormValue("actor"), Action: r.FormValue("action"), Target: r.FormValue("target")}
	if v := r.FormValue("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, errors.New("limit must be a positive number")
		}
		q.Limit = n
	}
	if v := r.FormValue("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return q, errors.New("before must be an audit entry id")
		}
		q.BeforeID = n
	}
	return q, nil
}

func (s *Server) handleAPIAudit(w http.ResponseWriter, r *http.Request) {
	q, err := parseAuditQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	entries, err := s.store.ListAudit(r.Context(), q)
	if err != nil {
		s.log.Error("list audit", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot read the audit log")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": nonNil(entries)})
}

func (s *Server) handleAPITokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.store.ListTokens(r.Context())
	if err != nil {
		s.log.Error("list tokens", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot list tokens")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": nonNil(toks)})
}

func (s *Server) handleAPICreateToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON {\"name\": …, \"role\": \"admin|editor|viewer\"}: "+err.Error())
		return
	}
	if err := store.ValidateTokenName(req.Name); err != nil {
		writeError(w, http.StatusBadRequest, "token "+err.Error())
		return
	}
	role, err := store.ParseRole(req.Role)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	secret, tok, err := s.store.CreateToken(r.Context(), req.Name, role, actor(r.Context()))
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "a token named "+strconv.Quote(req.Name)+" is already active; revoke it first or choose another name")
		return
	case err != nil:
		s.log.Error("create token", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot create the token")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "secret": secret})
}

func (s *Server) handleAPIRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "token id must be a number")
		return
	}
	if cur, ok := tokenFrom(r.Context()); ok && cur.ID == id {
		writeError(w, http.StatusBadRequest, "a token cannot revoke itself; use another admin token")
		return
	}
	err = s.store.RevokeToken(r.Context(), id, actor(r.Context()))
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no token with id "+strconv.FormatInt(id, 10))
	case err != nil:
		s.log.Error("revoke token", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot revoke the token")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
