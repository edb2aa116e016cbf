package catalog

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Product groups services; it comes from services' spec.product and from
// Backstage System entities.
type Product struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner,omitempty"`
	Source      Source `json:"-"`
}

// DisplayName is the title when there is one, else the name.
func (p Product) DisplayName() string { return cmp.Or(p.Title, p.Name) }

// Catalog is an immutable snapshot of the tree: every team, service and
// concern, indexed. It is safe for concurrent use; nothing changes it
// after Parse returns.
type Catalog struct {
	Teams    []*Team    // sorted by name
	Services []*Service // sorted by name
	Concerns []Concern  // organisation defaults, sorted by name
	Products []Product  // sorted by name
	SLOs     []*SLO     // sorted by ID (service-name)
	Journeys []*Journey // sorted by name
	// AlertWindows are custom alert window catalogs by SLO period ("7d").
	AlertWindows map[time.Duration]*AlertWindowSet
	// Policies are the error budget policies, sorted by name.
	Policies []*ErrorBudgetPolicy
	// IncidentRules open incidents from alerts, sorted by name.
	IncidentRules []*IncidentRule
	// CostBudgets are the monthly cost budgets, sorted by name.
	CostBudgets []*CostBudget
	// MonitoringGuards watch monitoring vendors' bills, sorted by name.
	MonitoringGuards []*MonitoringGuard
	// Warnings are findings that did not block loading.
	Warnings Diagnostics
	// Files and Documents count what was read; Skipped counts Backstage
	// entities of kinds kiban does not use.
	Files, Documents, Skipped int
	// Digest identifies the content of the tree (file names and bytes).
	Digest string

	teams        map[string]*Team
	services     map[string]*Service
	concerns     map[string]*Concern
	products     map[string]*Product
	dependents   map[string][]string
	teamServices map[string][]*Service
	children     map[string][]string
}

// Team returns the team with the given name.
func (c *Catalog) Team(name string) (*Team, bool) {
	t, ok := c.teams[name]
	return t, ok
}

// Service returns the service with the given name.
func (c *Catalog) Service(name string) (*Service, bool) {
	s, ok := c.services[name]
	return s, ok
}

// Concern returns the organisation default for a concern.
func (c *Catalog) Concern(name string) (*Concern, bool) {
	x, ok := c.concerns[name]
	return x, ok
}

// Product returns a product by name.
func (c *Catalog) Product(name string) (*Product, bool) {
	p, ok := c.products[name]
	return p, ok
}

// ClosestService returns the service whose name is nearest to name, for a
// "did you mean" when name looks like a typo of it or a part of it.
func (c *Catalog) ClosestService(name string) (string, bool) {
	best, bestDist := "", 3
	for _, s := range c.Services {
		d := editDistance(name, s.Name)
		if d < bestDist || d == bestDist && best != "" && s.Name < best {
			best, bestDist = s.Name, d
		}
	}
	if best == "" && len(name) >= 3 {
		for _, s := range c.Services {
			if strings.Contains(s.Name, name) {
				return s.Name, true
			}
		}
	}
	return best, best != ""
}

// SLO returns the SLO with this ID (service-name).
func (c *Catalog) SLO(id string) (*SLO, bool) {
	i, found := slices.BinarySearchFunc(c.SLOs, id, func(s *SLO, id string) int { return strings.Compare(s.ID(), id) })
	if !found {
		return nil, false
	}
	return c.SLOs[i], true
}

// Dependents returns the services that depend on the named one, sorted.
func (c *Catalog) Dependents(service string) []string { return c.dependents[service] }

// ServicesOf returns the services a team owns, sorted by name.
func (c *Catalog) ServicesOf(team string) []*Service { return c.teamServices[team] }

// SubTeams returns the teams whose parent is the named team.
func (c *Catalog) SubTeams(team string) []string { return c.children[team] }

// builder collects documents and turns them into a validated Catalog.
type builder struct {
	teams         []*Team
	services      []*Service
	resps         []*Responsibilities
	slos          []*SLO
	journeys      []*Journey
	windows       []*AlertWindowSet
	policies      []*ErrorBudgetPolicy
	incidentRules []*IncidentRule
	costBudgets   []*CostBudget
	guards        []*MonitoringGuard
	backstage     []*bsEntity
	openslo       []*osloDoc // OpenSLO objects (openslo.go)
	systems       []Product
	diags         Diagnostics
	files         int
	docs          int
	skipped       int
	importing     bool // converting for kiban import rather than loading a tree
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$`)

// Values of Service spec.lifecycle that kiban knows.
var lifecycles = []string{"experimental", "production", "deprecated"}

func (b *builder) report(sev Severity, src Source, path, format string, args ...any) {
	p := src.PosOf(path)
	b.diags = append(b.diags, Diagnostic{
		File: src.File, Line: p.Line, Col: p.Col, Path: path,
		Severity: sev, Message: fmt.Sprintf(format, args...),
	})
}

func (b *builder) errorf(src Source, path, format string, args ...any) {
	b.report(SeverityError, src, path, format, args...)
}

func where(s Source) string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

func (b *builder) build() (*Catalog, error) {
	b.convertBackstage()
	b.convertOpenSLO() // OpenSLO SLOs refer to SLIs of other files (openslo.go)
	c := &Catalog{
		Files: b.files, Documents: b.docs, Skipped: b.skipped,
		teams:        make(map[string]*Team, len(b.teams)),
		services:     make(map[string]*Service, len(b.services)),
		concerns:     map[string]*Concern{},
		products:     map[string]*Product{},
		dependents:   map[string][]string{},
		teamServices: map[string][]*Service{},
		children:     map[string][]string{},
	}
	users := map[string]bool{}
	for _, e := range b.backstage {
		if e.Kind == bsUser {
			users[e.ref().CatalogName()] = true
		}
	}

	// Names and duplicates.
	c.Teams = indexByName(b, "team", b.teams, c.teams)
	c.Services = indexByName(b, "service", b.services, c.services)

	// teamRef resolves a reference to a team (kiban name or Backstage
	// entity reference) or reports why it cannot.
	teamRef := func(src Source, path, ref, what string) (string, bool) {
		r, err := ParseEntityRef(ref, "group")
		if err != nil {
			b.errorf(src, path, "%v", err)
			return "", false
		}
		name := r.CatalogName()
		if r.Kind == "user" || (users[name] && c.teams[name] == nil) {
			b.errorf(src, path, "%s %q is a user; expected a team (a Team or Backstage Group)", what, ref)
			return "", false
		}
		if r.Kind != "group" && r.Kind != "team" {
			b.errorf(src, path, "%s %q is a %s; expected a team (a Team or Backstage Group)", what, ref, r.Kind)
			return "", false
		}
		if _, ok := c.teams[name]; !ok {
			b.errorf(src, path, "%s %q is not a team defined in the tree%s", what, ref, suggest(name, c.teams))
			return "", false
		}
		return name, true
	}

	// Teams.
	for _, t := range c.Teams {
		if t.Spec.Parent != "" {
			if name, ok := teamRef(t.Source, "spec.parent", t.Spec.Parent, "parent"); ok {
				t.Spec.Parent = name
				c.children[name] = append(c.children[name], t.Name)
			}
		}
		seen := map[string]bool{}
		for i, m := range t.Spec.Members {
			path := fmt.Sprintf("spec.members[%d]", i)
			if m.User == "" {
				b.errorf(t.Source, path, "missing field \"user\" (the person's handle)")
				continue
			}
			if seen[m.User] {
				b.errorf(t.Source, path+".user", "duplicate member %q", m.User)
			}
			seen[m.User] = true
		}
		if w := t.Spec.Chat.Webhook; w != "" && !isURL(w) {
			b.errorf(t.Source, "spec.chat.webhook", "expected an http(s) URL")
		}
	}
	b.checkParentCycles(c)

	// Organisation defaults.
	for _, rs := range b.resps {
		b.checkName(rs.Source, rs.Name)
		for i, x := range rs.Spec.Concerns {
			path := fmt.Sprintf("spec.concerns[%d]", i)
			if x.Name == "" {
				b.errorf(rs.Source, path, "missing field \"name\"")
				continue
			}
			if !nameRE.MatchString(x.Name) {
				b.errorf(rs.Source, path+".name", "invalid concern name %q; expected lower-case letters, digits, '-', '_' or '.'", x.Name)
				continue
			}
			if _, dup := c.concerns[x.Name]; dup {
				b.errorf(rs.Source, path+".name", "concern %q is declared twice", x.Name)
				continue
			}
			switch {
			case x.Team == "":
				b.errorf(rs.Source, path, "missing field \"team\"; expected a team name or %q", OwnerKeyword)
				continue
			case x.Team != OwnerKeyword:
				name, ok := teamRef(rs.Source, path+".team", x.Team, "team")
				if !ok {
					continue
				}
				x.Team = name
			}
			c.Concerns = append(c.Concerns, x)
			c.concerns[x.Name] = nil // declared; indexed once the slice is final
		}
	}
	slices.SortFunc(c.Concerns, func(a, b Concern) int { return cmp.Compare(a.Name, b.Name) })
	for i := range c.Concerns {
		c.concerns[c.Concerns[i].Name] = &c.Concerns[i]
	}

	// Services.
	accounts := map[string]*Service{}
	for _, s := range c.Services {
		if s.Spec.Owner == "" {
			b.errorf(s.Source, "spec", "missing owner: set spec.owner to the team that answers for this service")
		} else if name, ok := teamRef(s.Source, "spec.owner", s.Spec.Owner, "owner"); ok {
			s.Spec.Owner = name
			c.teamServices[name] = append(c.teamServices[name], s)
		} else {
			s.Spec.Owner = ""
		}
		if s.Spec.Tier != 0 && (s.Spec.Tier < 1 || s.Spec.Tier > 4) {
			b.errorf(s.Source, "spec.tier", "tier %d is out of range; expected 1 (most critical) to 4", s.Spec.Tier)
		}
		if lc := s.Spec.Lifecycle; lc != "" && !slices.Contains(lifecycles, lc) {
			b.report(SeverityWarning, s.Source, "spec.lifecycle", "unknown lifecycle %q; expected one of: %s", lc, strings.Join(lifecycles, ", "))
		}
		b.checkLinks(s)
		seen := map[string]bool{}
		for i, dep := range s.Spec.DependsOn {
			path := fmt.Sprintf("spec.dependsOn[%d]", i)
			switch {
			case dep == s.Name:
				b.errorf(s.Source, path, "service depends on itself")
			case seen[dep]:
				b.errorf(s.Source, path, "duplicate dependency %q", dep)
			case c.services[dep] == nil:
				b.errorf(s.Source, path, "dependency %q is not a service defined in the tree%s", dep, suggest(dep, c.services))
			default:
				c.dependents[dep] = append(c.dependents[dep], s.Name)
			}
			seen[dep] = true
		}
		for _, concern := range sortedKeys(s.Spec.Responsibilities) {
			path := joinKey("spec.responsibilities", concern)
			team := s.Spec.Responsibilities[concern]
			if !nameRE.MatchString(concern) {
				b.errorf(s.Source, path, "invalid concern name %q; expected lower-case letters, digits, '-', '_' or '.'", concern)
			}
			if len(c.concerns) > 0 && c.concerns[concern] == nil {
				b.report(SeverityWarning, s.Source, path, "concern %q is not declared in the organisation's Responsibilities%s", concern, suggest(concern, c.concerns))
			}
			switch team {
			case "":
				b.errorf(s.Source, path, "expected a team name or %q", OwnerKeyword)
			case OwnerKeyword:
			default:
				if name, ok := teamRef(s.Source, path, team, "team"); ok {
					s.Spec.Responsibilities[concern] = name
				}
			}
		}
		b.checkResources(s, accounts)
		for i, m := range s.Spec.Alerts.Matchers {
			if _, err := ParseMatcher(m); err != nil {
				b.errorf(s.Source, fmt.Sprintf("spec.alerts.matchers[%d]", i), "%v", err)
			}
		}
	}
	b.checkDependencyCycles(c)
	b.checkSharedCosts(c)
	b.checkSLOs(c)
	b.checkPolicies(c)
	b.checkIncidentRules(c)
	b.checkCostBudgets(c)
	b.checkMonitoringGuards(c)

	// Products: Backstage Systems, plus every spec.product named.
	seenProduct := map[string]Source{}
	for _, p := range b.systems {
		if prev, dup := seenProduct[p.Name]; dup {
			b.errorf(p.Source, "metadata.name", "duplicate system %q; first defined at %s", p.Name, where(prev))
			continue
		}
		seenProduct[p.Name] = p.Source
		if p.Owner != "" {
			if name, ok := teamRef(p.Source, "spec.owner", p.Owner, "owner"); ok {
				p.Owner = name
			}
		}
		c.Products = append(c.Products, p)
	}
	for _, s := range c.Services {
		if p := s.Spec.Product; p != "" {
			if _, ok := seenProduct[p]; !ok {
				seenProduct[p] = s.Source
				c.Products = append(c.Products, Product{Name: p})
			}
		}
	}
	slices.SortFunc(c.Products, func(a, b Product) int { return cmp.Compare(a.Name, b.Name) })
	for i := range c.Products {
		c.products[c.Products[i].Name] = &c.Products[i]
	}

	byName := func(a, b *Service) int { return cmp.Compare(a.Name, b.Name) }
	slices.SortFunc(c.Teams, func(a, b *Team) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Services, byName)
	for _, list := range c.teamServices {
		slices.SortFunc(list, byName)
	}
	for _, list := range c.dependents {
		slices.Sort(list)
	}
	for _, list := range c.children {
		slices.Sort(list)
	}

	b.diags.Sort()
	if b.diags.HasErrors() {
		return nil, &Error{Diagnostics: b.diags, Files: b.files, Documents: b.docs}
	}
	c.Warnings = b.diags
	return c, nil
}

// document is what Team and Service share for indexing.
type document interface {
	*Team | *Service
	identity() (string, Source)
}

func (t *Team) identity() (string, Source)    { return t.Name, t.Source }
func (s *Service) identity() (string, Source) { return s.Name, s.Source }

// indexByName keeps the documents with valid, unique names, in index and
// in the returned list, and reports the others.
func indexByName[T document](b *builder, kind string, docs []T, index map[string]T) []T {
	var out []T
	for _, d := range docs {
		name, src := d.identity()
		if !b.checkName(src, name) {
			continue
		}
		if prev, dup := index[name]; dup {
			_, prevSrc := prev.identity()
			b.errorf(src, "metadata.name", "duplicate %s %q; first defined at %s", kind, name, where(prevSrc))
			continue
		}
		index[name] = d
		out = append(out, d)
	}
	return out
}

func (b *builder) checkName(src Source, name string) bool {
	switch {
	case name == "":
		b.errorf(src, "metadata", "missing field \"name\"")
		return false
	case !nameRE.MatchString(name):
		b.errorf(src, "metadata.name", "invalid name %q; expected 1–63 lower-case letters, digits, '-', '_' or '.', starting and ending with a letter or digit", name)
		return false
	}
	return true
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (b *builder) checkLinks(s *Service) {
	check := func(path, v string) {
		if v != "" && !isURL(v) {
			b.errorf(s.Source, path, "expected an http(s) URL, found %q", v)
		}
	}
	l := s.Spec.Links
	check("spec.links.repo", l.Repo)
	check("spec.links.runbook", l.Runbook)
	check("spec.links.docs", l.Docs)
	for i, x := range l.Dashboards {
		check(fmt.Sprintf("spec.links.dashboards[%d].url", i), x.URL)
		if x.URL == "" {
			b.errorf(s.Source, fmt.Sprintf("spec.links.dashboards[%d]", i), "missing field \"url\"")
		}
	}
	for i, x := range l.Other {
		check(fmt.Sprintf("spec.links.other[%d].url", i), x.URL)
		if x.URL == "" {
			b.errorf(s.Source, fmt.Sprintf("spec.links.other[%d]", i), "missing field \"url\"")
		}
	}
}

// checkResources validates resource matchers; a whole account can belong
// to one service only.
func (b *builder) checkResources(s *Service, accounts map[string]*Service) {
	r := s.Spec.Resources
	for i, a := range r.Accounts {
		path := fmt.Sprintf("spec.resources.accounts[%d]", i)
		if a == "" {
			b.errorf(s.Source, path, "expected an account id")
			continue
		}
		if prev, ok := accounts[a]; ok && prev != s {
			b.errorf(s.Source, path, "account %q is already claimed as a whole by service %q (%s); claim part of it with tagMatchers or resourceIds instead", a, prev.Name, where(prev.Source))
			continue
		}
		accounts[a] = s
	}
	for i, m := range r.TagMatchers {
		path := fmt.Sprintf("spec.resources.tagMatchers[%d]", i)
		if len(m.Tags) == 0 {
			b.errorf(s.Source, path, "missing field \"tags\": a tag matcher needs at least one tag")
		}
		for k := range m.Tags {
			if k == "" {
				b.errorf(s.Source, path+".tags", "empty tag key")
			}
		}
	}
	for i, p := range r.ResourceIDs {
		if strings.Trim(p, "*") == "" {
			b.errorf(s.Source, fmt.Sprintf("spec.resources.resourceIds[%d]", i), "pattern %q matches every resource; expected part of an id", p)
		}
	}
	for i, p := range r.Terraform {
		if strings.Trim(p, "*") == "" {
			b.errorf(s.Source, fmt.Sprintf("spec.resources.terraform[%d]", i), "pattern %q matches every resource; expected part of an address such as module.checkout.*", p)
		}
	}
}

func (b *builder) checkParentCycles(c *Catalog) {
	reported := map[string]bool{}
	for _, t := range c.Teams {
		seen := map[string]bool{t.Name: true}
		path := []string{t.Name}
		for cur := t.Spec.Parent; cur != ""; {
			path = append(path, cur)
			if seen[cur] {
				if cur == t.Name && !reported[t.Name] {
					for _, n := range path {
						reported[n] = true
					}
					b.errorf(t.Source, "spec.parent", "team hierarchy has a cycle: %s", strings.Join(path, " → "))
				}
				break
			}
			seen[cur] = true
			p := c.teams[cur]
			if p == nil {
				break
			}
			cur = p.Spec.Parent
		}
	}
}

// checkDependencyCycles reports each cycle of dependsOn once, at the
// service of the cycle that sorts first, with the path around the cycle.
func (b *builder) checkDependencyCycles(c *Catalog) {
	const (
		unvisited = iota
		onStack
		done
	)
	state := make(map[string]int, len(c.services))
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = onStack
		stack = append(stack, name)
		s := c.services[name]
		for _, dep := range s.Spec.DependsOn {
			if c.services[dep] == nil || dep == name {
				continue
			}
			switch state[dep] {
			case unvisited:
				visit(dep)
			case onStack:
				i := slices.Index(stack, dep)
				cycle := append(slices.Clone(stack[i:]), dep)
				// Start the cycle at its smallest name so the message is
				// stable whatever the walk order.
				first := 0
				for j, n := range cycle[:len(cycle)-1] {
					if n < cycle[first] {
						first = j
					}
				}
				rot := append(slices.Clone(cycle[first:len(cycle)-1]), cycle[:first+1]...)
				at := c.services[rot[0]]
				b.errorf(at.Source, "spec.dependsOn["+fmt.Sprint(slices.Index(at.Spec.DependsOn, rot[1]))+"]",
					"dependency cycle: %s", strings.Join(rot, " → "))
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	names := make([]string, 0, len(c.services))
	for n := range c.services {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if state[n] == unvisited {
			visit(n)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// suggest names the closest known name when the given one looks like a
// typo.
func suggest[V any](name string, known map[string]V) string {
	best, bestDist := "", 3
	for k := range known {
		if d := editDistance(name, k); d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}
