package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
)

// KindIncidentRule is the kind of rules that open incidents from alerts.
const KindIncidentRule = "IncidentRule"

// IncidentRule opens an incident when an alert matching it fires, unless
// an incident of the alert's service is already open, in which case the
// alert joins that incident's timeline.
type IncidentRule struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     IncidentRuleSpec `yaml:"spec" json:"spec"`
	Source   Source           `yaml:"-" json:"source"`

	matchers []*labels.Matcher
}

// IncidentRuleSpec is the body of an IncidentRule document.
type IncidentRuleSpec struct {
	// Matchers are Prometheus label matchers on the alert, all of which
	// must match, e.g. severity="page".
	Matchers []string `yaml:"matchers,omitempty" json:"matchers,omitempty"`
	// Tiers, Services and Teams narrow the rule to alerts of services of
	// these tiers, of these services, or owned by these teams; empty
	// means any.
	Tiers    []int    `yaml:"tiers,omitempty" json:"tiers,omitempty"`
	Services []string `yaml:"services,omitempty" json:"services,omitempty"`
	Teams    []string `yaml:"teams,omitempty" json:"teams,omitempty"`
	// Severity of the incidents opened: SEV1 (worst) to SEV4.
	Severity string `yaml:"severity" json:"severity"`
}

// SeverityLevel is the rule's severity as a number, 1 to 4.
func (r *IncidentRule) SeverityLevel() int {
	n, _ := ParseSeverity(r.Spec.Severity)
	return n
}

// ParseSeverity reads SEV1–SEV4 (any case) or 1–4.
func ParseSeverity(s string) (int, bool) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SEV")
	if len(s) == 1 && s[0] >= '1' && s[0] <= '4' {
		return int(s[0] - '0'), true
	}
	return 0, false
}

// Matches reports whether an alert with these labels, of service svc
// (nil when unknown), falls under the rule.
func (r *IncidentRule) Matches(alertLabels map[string]string, svc *Service) bool {
	for _, m := range r.matchers {
		if !m.Matches(alertLabels[m.Name]) {
			return false
		}
	}
	if len(r.Spec.Tiers) > 0 && (svc == nil || !slices.Contains(r.Spec.Tiers, svc.Spec.Tier)) {
		return false
	}
	if len(r.Spec.Services) > 0 && (svc == nil || !slices.Contains(r.Spec.Services, svc.Name)) {
		return false
	}
	if len(r.Spec.Teams) > 0 && (svc == nil || !slices.Contains(r.Spec.Teams, svc.Spec.Owner)) {
		return false
	}
	return true
}

// IncidentRuleFor returns the first rule, by name, that an alert falls
// under, or nil.
func (c *Catalog) IncidentRuleFor(alertLabels map[string]string, svc *Service) *IncidentRule {
	for _, r := range c.IncidentRules {
		if r.Matches(alertLabels, svc) {
			return r
		}
	}
	return nil
}

func (b *builder) checkIncidentRules(c *Catalog) {
	names := map[string]bool{}
	for _, r := range b.incidentRules {
		if !b.checkName(r.Source, r.Name) {
			continue
		}
		if names[r.Name] {
			b.errorf(r.Source, "metadata.name", "duplicate incident rule %q", r.Name)
			continue
		}
		names[r.Name] = true
		ok := true
		if _, valid := ParseSeverity(r.Spec.Severity); !valid {
			b.errorf(r.Source, "spec.severity", "severity %q is not valid; expected SEV1, SEV2, SEV3 or SEV4", r.Spec.Severity)
			ok = false
		}
		if len(r.Spec.Matchers)+len(r.Spec.Tiers)+len(r.Spec.Services)+len(r.Spec.Teams) == 0 {
			b.errorf(r.Source, "spec", "the rule matches every alert; narrow it with matchers, tiers, services or teams")
			ok = false
		}
		r.matchers = nil
		for i, m := range r.Spec.Matchers {
			lm, err := ParseMatcher(m)
			if err != nil {
				b.errorf(r.Source, fmt.Sprintf("spec.matchers[%d]", i), "%v", err)
				ok = false
				continue
			}
			r.matchers = append(r.matchers, lm)
		}
		for i, t := range r.Spec.Tiers {
			if t < 1 || t > 4 {
				b.errorf(r.Source, fmt.Sprintf("spec.tiers[%d]", i), "tier %d is out of range; expected 1 to 4", t)
				ok = false
			}
		}
		for i, s := range r.Spec.Services {
			if _, found := c.Service(s); !found {
				b.errorf(r.Source, fmt.Sprintf("spec.services[%d]", i), "service %q is not in the catalog%s", s, suggest(s, c.services))
				ok = false
			}
		}
		for i, t := range r.Spec.Teams {
			if _, found := c.Team(t); !found {
				b.errorf(r.Source, fmt.Sprintf("spec.teams[%d]", i), "team %q is not in the catalog%s", t, suggest(t, c.teams))
				ok = false
			}
		}
		if ok {
			c.IncidentRules = append(c.IncidentRules, r)
		}
	}
	slices.SortFunc(c.IncidentRules, func(a, b *IncidentRule) int { return cmp.Compare(a.Name, b.Name) })
}
