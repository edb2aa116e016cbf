package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

type servicesPage struct {
	Query      serviceQuery
	QueryError string
	// Unowned counts the firing alerts no service or team claims.
	Unowned    int
	Services   []serviceRow
	Total      int
	Teams      []*catalog.Team
	Products   []catalog.Product
	Lifecycles []string
	Filtered   bool
	// Matches counts the services that match; Services holds one page.
	Matches          int
	First, Last      int
	PrevURL, NextURL string
}

// servicesPerPage bounds the services table; the filters narrow it.
const servicesPerPage = 200

type serviceRow struct {
	*catalog.Service
	OwnerTitle string
	Deps, Used int
}

func (s *Server) handleServicesPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	q, err := parseServiceQuery(r)
	p := servicesPage{Query: q, Total: len(c.Services), Teams: c.Teams, Products: c.Products,
		Lifecycles: []string{"production", "experimental", "deprecated"}}
	if err != nil {
		p.QueryError = err.Error()
	}
	p.Filtered = q != (serviceQuery{})
	if unowned, err := s.store.ReceivedAlerts(r.Context(), store.ReceivedAlertQuery{State: "firing", UnownedOnly: true, Limit: store.MaxAlertLimit}); err == nil {
		p.Unowned = len(unowned)
	} else {
		s.log.Warn("count unowned alerts", "err", err)
	}
	matches := filterServices(c, q)
	p.Matches = len(matches)
	page := 1
	if n, err := strconv.Atoi(r.FormValue("page")); err == nil && n > 1 {
		page = n
	}
	start := min((page-1)*servicesPerPage, len(matches))
	end := min(start+servicesPerPage, len(matches))
	if len(matches) > servicesPerPage {
		p.First, p.Last = start+1, end
		link := func(n int) string {
			v := url.Values{}
			for k, val := range map[string]string{"q": q.Q, "team": q.Team, "product": q.Product, "lifecycle": q.Lifecycle, "tier": r.FormValue("tier")} {
				if val != "" {
					v.Set(k, val)
				}
			}
			v.Set("page", strconv.Itoa(n))
			return "/services?" + v.Encode()
		}
		if page > 1 {
			p.PrevURL = link(page - 1)
		}
		if end < len(matches) {
			p.NextURL = link(page + 1)
		}
	}
	for _, svc := range matches[start:end] {
		row := serviceRow{Service: svc, OwnerTitle: svc.Spec.Owner, Deps: len(svc.Spec.DependsOn), Used: len(c.Dependents(svc.Name))}
		if t, ok := c.Team(svc.Spec.Owner); ok {
			row.OwnerTitle = t.DisplayName()
		}
		p.Services = append(p.Services, row)
	}
	s.render(w, r, http.StatusOK, "services", "Services", p)
}

type servicePage struct {
	Service      *catalog.Service
	Owner        *catalog.Team
	Product      *catalog.Product
	Matrix       []matrixRow
	DependsOn    []serviceRow
	Dependents   []serviceRow
	HasResources bool
	// Cost is the service's cost this month and last (cost_ui.go).
	Cost costSummary
}

type matrixRow struct {
	ownership.Answer
	TeamTitle string
}

func rows(c *catalog.Catalog, names []string) []serviceRow {
	out := make([]serviceRow, 0, len(names))
	for _, n := range names {
		svc, ok := c.Service(n)
		if !ok {
			continue
		}
		row := serviceRow{Service: svc, OwnerTitle: svc.Spec.Owner}
		if t, ok := c.Team(svc.Spec.Owner); ok {
			row.OwnerTitle = t.DisplayName()
		}
		out = append(out, row)
	}
	return out
}

func (s *Server) handleServicePage(w http.ResponseWriter, r *http.Request) {
	snap := s.current()
	svc, owner, err := snap.res.Owner(r.PathValue("name"))
	if err != nil {
		msg := "No service named " + strconv.Quote(r.PathValue("name")) + " in the catalog."
		if near, ok := snap.cat.ClosestService(r.PathValue("name")); ok {
			msg += " Did you mean " + near + "?"
		}
		s.notFound(w, r, msg)
		return
	}
	p := servicePage{Service: svc, Owner: owner, HasResources: !svc.Spec.Resources.IsZero()}
	if prod, ok := snap.cat.Product(svc.Spec.Product); ok {
		p.Product = prod
	}
	matrix, _ := snap.res.Matrix(svc.Name)
	for _, a := range matrix {
		row := matrixRow{Answer: a, TeamTitle: a.Team}
		if t, ok := snap.cat.Team(a.Team); ok {
			row.TeamTitle = t.DisplayName()
		}
		p.Matrix = append(p.Matrix, row)
	}
	p.DependsOn = rows(snap.cat, svc.Spec.DependsOn)
	p.Dependents = rows(snap.cat, snap.cat.Dependents(svc.Name))
	p.Cost = s.costSummary(r.Context(), "", svc.Name)
	s.render(w, r, http.StatusOK, "service", svc.Name, p)
}

type teamRow struct {
	*catalog.Team
	Services int
	SubTeams int
}

func (s *Server) handleTeamsPage(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	var out []teamRow
	for _, t := range c.Teams {
		out = append(out, teamRow{Team: t, Services: len(c.ServicesOf(t.Name)), SubTeams: len(c.SubTeams(t.Name))})
	}
	s.render(w, r, http.StatusOK, "teams", "Teams", out)
}

type teamPage struct {
	Team      *catalog.Team
	Parent    *catalog.Team
	SubTeams  []*catalog.Team
	Services  []serviceRow
	AnswerFor []answerRow
	// Incidents are the team's overdue action items and latest incidents
	// (incidents_ui.go).
	Incidents teamIncidents
	// Cost is the team's cost this month and last (cost_ui.go).
	Cost costSummary
}

// answerRow is a concern a team answers for: by default for every service,
// or for one service.
type answerRow struct {
	Concern     string
	Description string
	Service     string // empty for an organisation default
}

func (s *Server) handleTeamPage(w http.ResponseWriter, r *http.Request) {
	snap := s.current()
	c := snap.cat
	t, ok := c.Team(r.PathValue("name"))
	if !ok {
		s.notFound(w, r, "No team named "+strconv.Quote(r.PathValue("name"))+" in the catalog.")
		return
	}
	p := teamPage{Team: t}
	if t.Spec.Parent != "" {
		p.Parent, _ = c.Team(t.Spec.Parent)
	}
	for _, n := range c.SubTeams(t.Name) {
		if st, ok := c.Team(n); ok {
			p.SubTeams = append(p.SubTeams, st)
		}
	}
	for _, svc := range c.ServicesOf(t.Name) {
		p.Services = append(p.Services, serviceRow{Service: svc, OwnerTitle: t.DisplayName(), Deps: len(svc.Spec.DependsOn), Used: len(c.Dependents(svc.Name))})
	}
	for _, x := range c.Concerns {
		if x.Team == t.Name {
			p.AnswerFor = append(p.AnswerFor, answerRow{Concern: x.Name, Description: x.Description})
		}
	}
	// Concerns of other teams' services that this team answers for.
	for _, svc := range c.Services {
		if svc.Spec.Owner == t.Name {
			continue
		}
		m, _ := snap.res.Matrix(svc.Name)
		for _, a := range m {
			if a.Team == t.Name && a.Via == ownership.ViaService {
				p.AnswerFor = append(p.AnswerFor, answerRow{Concern: a.Concern, Description: a.Description, Service: svc.Name})
			}
		}
	}
	p.Incidents = s.teamIncidents(r.Context(), t.Name)
	p.Cost = s.costSummary(r.Context(), t.Name, "")
	s.render(w, r, http.StatusOK, "team", t.DisplayName(), p)
}

type whoPage struct {
	Services []*catalog.Service
	Concerns []catalog.Concern
	Service  string
	Concern  string
	Answer   *whoJSON
	Error    string

	Resource      ownership.Resource
	Tag           string
	ResourceAsked bool
	Match         *ownership.Match
	MatchTeam     *catalog.Team
	ResourceError string

	Teams map[string]*catalog.Team
}

func (s *Server) handleWhoPage(w http.ResponseWriter, r *http.Request) {
	snap := s.current()
	c := snap.cat
	_ = r.ParseForm()
	p := whoPage{Services: c.Services, Concerns: c.Concerns, Service: r.FormValue("service"), Concern: r.FormValue("concern"), Teams: map[string]*catalog.Team{}}
	for _, t := range c.Teams {
		p.Teams[t.Name] = t
	}
	if p.Service != "" {
		ans, code, msg := whoService(snap, p.Service, p.Concern)
		if code == http.StatusOK {
			p.Answer = &ans
		} else {
			p.Error = msg
		}
	}
	res, err := resourceFromQuery(r)
	p.Resource, p.Tag = res, r.FormValue("tag")
	p.ResourceAsked = res.Account != "" || res.ID != "" || res.Terraform != "" || len(res.Tags) > 0
	switch {
	case err != nil:
		p.ResourceAsked, p.ResourceError = true, err.Error()
	case p.ResourceAsked:
		if m, ok := snap.res.Resource(res); ok {
			p.Match = &m
			p.MatchTeam, _ = c.Team(m.Team)
		} else {
			p.ResourceError = "No service claims this resource. Declare it under spec.resources of the Service that owns it."
		}
	}
	s.render(w, r, http.StatusOK, "who", "Who answers for…", p)
}

type auditPage struct {
	Entries []auditRow
	Query   store.AuditQuery
	Next    string
	Error   string
}

type auditRow struct {
	store.AuditEntry
	BeforeText, AfterText string
}

func prettyJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}

func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	q, err := parseAuditQuery(r)
	p := auditPage{Query: q}
	if err != nil {
		p.Error = err.Error()
		s.render(w, r, http.StatusBadRequest, "audit", "Audit log", p)
		return
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	entries, err := s.store.ListAudit(r.Context(), q)
	if err != nil {
		s.log.Error("list audit", "err", err)
		p.Error = "The audit log cannot be read right now."
		s.render(w, r, http.StatusInternalServerError, "audit", "Audit log", p)
		return
	}
	for _, e := range entries {
		p.Entries = append(p.Entries, auditRow{AuditEntry: e, BeforeText: prettyJSON(e.Before), AfterText: prettyJSON(e.After)})
	}
	if len(entries) == q.Limit {
		v := url.Values{}
		v.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		if l := r.FormValue("limit"); l != "" {
			v.Set("limit", l)
		}
		for k, val := range map[string]string{"actor": q.Actor, "action": q.Action, "target": q.Target} {
			if val != "" {
				v.Set(k, val)
			}
		}
		p.Next = "/audit?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, "audit", "Audit log", p)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusNotFound, "notfound", "Not found", msg)
}

func (s *Server) handleNotFoundPage(w http.ResponseWriter, r *http.Request) {
	s.notFound(w, r, "There is no page at "+r.URL.Path+".")
}
