package ownership

import (
	"cmp"
	"slices"
	"strings"

	"kiban.dev/kiban/internal/catalog"
)

// Resource describes a cloud resource as a billing export, a Terraform
// plan or an alert sees it. Any field may be empty.
type Resource struct {
	Account   string            `json:"account,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	ID        string            `json:"id,omitempty"`
	Terraform string            `json:"terraform,omitempty"` // resource address
}

// How a resource was matched, from the most to the least specific.
const (
	RuleTerraform  = "terraform"
	RuleResourceID = "resourceId"
	RuleTags       = "tags"
	RuleAccount    = "account"
)

// Match says which service a resource belongs to and by which rule.
type Match struct {
	Service string `json:"service"`
	Team    string `json:"team"`
	Rule    string `json:"rule"`
	// Pattern is the matcher that won, as written in the Service.
	Pattern string `json:"pattern"`
	// Others lists other services whose matchers of the same rule and the
	// same specificity also matched; the winner is the first by name.
	Others []string `json:"others,omitempty"`
}

// Resource finds the service a resource belongs to. Precedence, first that
// matches wins:
//
//  1. a Terraform address pattern (spec.resources.terraform),
//  2. a resource id pattern (spec.resources.resourceIds),
//  3. a tag matcher (spec.resources.tagMatchers), optionally limited to
//     accounts,
//  4. a whole account (spec.resources.accounts).
//
// Within one rule the most specific matcher wins: the pattern with the
// most literal characters; for tags, the matcher with the most tags, then
// one limited to accounts, then the most literal characters. Ties go to
// the first service by name and are reported in Match.Others.
func (r *Resolver) Resource(res Resource) (Match, bool) {
	if res.Terraform != "" {
		if m, ok := bestPattern(r.terraform, res.Terraform, RuleTerraform); ok {
			return m, true
		}
	}
	if res.ID != "" {
		if m, ok := bestPattern(r.ids, res.ID, RuleResourceID); ok {
			return m, true
		}
	}
	if len(res.Tags) > 0 {
		if m, ok := r.bestTags(res); ok {
			return m, true
		}
	}
	if s, ok := r.accounts[res.Account]; ok && res.Account != "" {
		return Match{Service: s.Name, Team: s.Spec.Owner, Rule: RuleAccount, Pattern: res.Account}, true
	}
	return Match{}, false
}

type patternRule struct {
	service *catalog.Service
	glob    glob
}

type tagPattern struct {
	key   string
	value glob
}

type tagRule struct {
	service  *catalog.Service
	tags     []tagPattern
	accounts []string
	literal  int
}

func (t tagRule) String() string {
	parts := make([]string, len(t.tags))
	for i, p := range t.tags {
		parts[i] = p.key + "=" + p.value.src
	}
	s := strings.Join(parts, ",")
	if len(t.accounts) > 0 {
		s += " in " + strings.Join(t.accounts, ",")
	}
	return s
}

type candidate struct {
	service *catalog.Service
	pattern string
	score   [3]int
}

func pick(cands []candidate, rule string) (Match, bool) {
	if len(cands) == 0 {
		return Match{}, false
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		for i := range a.score {
			if c := cmp.Compare(b.score[i], a.score[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.service.Name, b.service.Name)
	})
	best := cands[0]
	m := Match{Service: best.service.Name, Team: best.service.Spec.Owner, Rule: rule, Pattern: best.pattern}
	for _, c := range cands[1:] {
		if c.score == best.score && c.service != best.service && !slices.Contains(m.Others, c.service.Name) {
			m.Others = append(m.Others, c.service.Name)
		}
	}
	return m, true
}

func bestPattern(rules []patternRule, s, rule string) (Match, bool) {
	var cands []candidate
	for _, p := range rules {
		if p.glob.match(s) {
			cands = append(cands, candidate{service: p.service, pattern: p.glob.src, score: [3]int{p.glob.literal}})
		}
	}
	return pick(cands, rule)
}

func (r *Resolver) bestTags(res Resource) (Match, bool) {
	var cands []candidate
	for _, t := range r.tags {
		if len(t.accounts) > 0 && !slices.Contains(t.accounts, res.Account) {
			continue
		}
		ok := true
		for _, p := range t.tags {
			v, has := res.Tags[p.key]
			if !has || !p.value.match(v) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		restricted := 0
		if len(t.accounts) > 0 {
			restricted = 1
		}
		cands = append(cands, candidate{service: t.service, pattern: t.String(), score: [3]int{len(t.tags), restricted, t.literal}})
	}
	return pick(cands, RuleTags)
}

// glob is a pattern in which "*" matches any run of characters (dots and
// slashes included) and everything else matches itself.
type glob struct {
	src     string
	parts   []string // literal pieces between stars
	literal int      // number of literal characters, for specificity
}

func compileGlob(p string) glob {
	g := glob{src: p, parts: strings.Split(p, "*")}
	g.literal = len(p) - strings.Count(p, "*")
	return g
}

func (g glob) match(s string) bool {
	if len(g.parts) == 1 {
		return s == g.src
	}
	first, last := g.parts[0], g.parts[len(g.parts)-1]
	if !strings.HasPrefix(s, first) || len(s) < len(first)+len(last) {
		return false
	}
	s = s[len(first):]
	if !strings.HasSuffix(s, last) {
		return false
	}
	s = s[:len(s)-len(last)]
	for _, mid := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}
