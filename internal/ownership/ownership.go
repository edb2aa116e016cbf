// Package ownership answers "who answers for this?" for every feature of
// kiban: the team that owns a service, the team that answers for one
// concern of a service, and the service (and so the team) a cloud resource
// belongs to. It reads an immutable catalog snapshot and is safe for
// concurrent use.
package ownership

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/prometheus/model/labels"

	"kiban.dev/kiban/internal/catalog"
)

// Errors returned by the resolver; they wrap the name that was asked for.
var (
	ErrUnknownService = errors.New("unknown service")
	ErrUnknownConcern = errors.New("unknown concern")
	ErrUnknownTeam    = errors.New("unknown team")
)

// Resolver resolves ownership against one catalog snapshot.
type Resolver struct {
	cat        *catalog.Catalog
	alertsOnce sync.Once
	alertRules []alertRule
	accounts   map[string]*catalog.Service
	tags       []tagRule
	ids        []patternRule
	terraform  []patternRule
}

// New indexes the catalog's resource matchers.
func New(c *catalog.Catalog) *Resolver {
	r := &Resolver{cat: c, accounts: map[string]*catalog.Service{}}
	for _, s := range c.Services {
		res := s.Spec.Resources
		for _, a := range res.Accounts {
			r.accounts[a] = s
		}
		for _, m := range res.TagMatchers {
			tr := tagRule{service: s, accounts: m.Accounts}
			for _, k := range sortedKeys(m.Tags) {
				tr.tags = append(tr.tags, tagPattern{key: k, value: compileGlob(m.Tags[k])})
				tr.literal += len(k) + len(strings.ReplaceAll(m.Tags[k], "*", ""))
			}
			r.tags = append(r.tags, tr)
		}
		for _, p := range res.ResourceIDs {
			r.ids = append(r.ids, patternRule{service: s, glob: compileGlob(p)})
		}
		for _, p := range res.Terraform {
			r.terraform = append(r.terraform, patternRule{service: s, glob: compileGlob(p)})
		}
	}
	return r
}

// Catalog returns the snapshot the resolver reads.
func (r *Resolver) Catalog() *catalog.Catalog { return r.cat }

// Owner returns a service and the team that owns it.
func (r *Resolver) Owner(service string) (*catalog.Service, *catalog.Team, error) {
	s, ok := r.cat.Service(service)
	if !ok {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownService, service)
	}
	t, ok := r.cat.Team(s.Spec.Owner)
	if !ok {
		// The catalog guarantees owners exist; this is a broken snapshot.
		return s, nil, fmt.Errorf("service %q: owner %q: %w", service, s.Spec.Owner, ErrUnknownTeam)
	}
	return s, t, nil
}

// Team returns a team by name.
func (r *Resolver) Team(name string) (*catalog.Team, error) {
	t, ok := r.cat.Team(name)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTeam, name)
	}
	return t, nil
}

// Where an answer about a concern came from.
const (
	ViaService = "service"      // the service's own responsibility matrix
	ViaDefault = "organisation" // the organisation-wide Responsibilities
)

// Answer says which team answers for a concern of a service, and why.
type Answer struct {
	Concern     string `json:"concern"`
	Description string `json:"description,omitempty"`
	Team        string `json:"team"`
	// Owner is true when the answer is the service's owning team.
	Owner bool `json:"owner"`
	// Via says where the answer came from: ViaService or ViaDefault.
	Via string `json:"via"`
}

// Who returns the team that answers for a concern of a service: the
// service's own matrix first, then the organisation default. "owner" in
// either means the service's owning team.
func (r *Resolver) Who(service, concern string) (Answer, error) {
	s, ok := r.cat.Service(service)
	if !ok {
		return Answer{}, fmt.Errorf("%w %q", ErrUnknownService, service)
	}
	a, ok := r.answer(s, concern)
	if !ok {
		known := r.concernNames(s)
		return Answer{}, fmt.Errorf("%w %q for service %q; known concerns: %s", ErrUnknownConcern, concern, service, strings.Join(known, ", "))
	}
	return a, nil
}

func (r *Resolver) answer(s *catalog.Service, concern string) (Answer, bool) {
	a := Answer{Concern: concern}
	def, hasDefault := r.cat.Concern(concern)
	if hasDefault {
		a.Description = def.Description
	}
	team, ok := s.Spec.Responsibilities[concern]
	switch {
	case ok:
		a.Via = ViaService
	case hasDefault:
		team, a.Via = def.Team, ViaDefault
	default:
		return Answer{}, false
	}
	if team == catalog.OwnerKeyword || team == s.Spec.Owner {
		a.Team, a.Owner = s.Spec.Owner, true
	} else {
		a.Team = team
	}
	return a, true
}

func (r *Resolver) concernNames(s *catalog.Service) []string {
	names := make([]string, 0, len(r.cat.Concerns)+len(s.Spec.Responsibilities))
	for _, c := range r.cat.Concerns {
		names = append(names, c.Name)
	}
	for c := range s.Spec.Responsibilities {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	slices.Sort(names)
	return names
}

// Matrix returns the full responsibility matrix of a service: every
// organisation concern and every concern the service declares, sorted by
// concern.
func (r *Resolver) Matrix(service string) ([]Answer, error) {
	s, ok := r.cat.Service(service)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownService, service)
	}
	names := r.concernNames(s)
	out := make([]Answer, 0, len(names))
	for _, n := range names {
		a, _ := r.answer(s, n)
		out = append(out, a)
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// alertRule is a service's alert label matchers, compiled.
type alertRule struct {
	service  *catalog.Service
	matchers []*labels.Matcher
}

// ServiceForLabels finds the service whose alert matchers
// (spec.alerts.matchers) an alert's labels all satisfy; the service with
// the most matchers wins, then the first by name.
func (r *Resolver) ServiceForLabels(ls map[string]string) (*catalog.Service, bool) {
	r.alertsOnce.Do(func() {
		for _, s := range r.cat.Services {
			var ms []*labels.Matcher
			for _, m := range s.Spec.Alerts.Matchers {
				if pm, err := catalog.ParseMatcher(m); err == nil {
					ms = append(ms, pm)
				}
			}
			if len(ms) > 0 {
				r.alertRules = append(r.alertRules, alertRule{service: s, matchers: ms})
			}
		}
	})
	var best *alertRule
	for i := range r.alertRules {
		ar := &r.alertRules[i]
		ok := true
		for _, m := range ar.matchers {
			if !m.Matches(ls[m.Name]) {
				ok = false
				break
			}
		}
		if ok && (best == nil || len(ar.matchers) > len(best.matchers)) {
			best = ar
		}
	}
	if best == nil {
		return nil, false
	}
	return best.service, true
}
