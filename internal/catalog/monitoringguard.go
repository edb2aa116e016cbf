package catalog

import (
	"cmp"
	"slices"
)

// KindMonitoringGuard is the kind of guards on monitoring vendors' bills.
const KindMonitoringGuard = "MonitoringGuard"

// MonitoringGuard watches what a monitoring vendor bills a team for: the
// number of billed resources (hosts, containers, custom metrics…) a day,
// against the count the team expects, and the vendor's daily cost
// against its recent days, so that a missing tag filter or a runaway
// agent is caught in days, not at the invoice.
type MonitoringGuard struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     MonitoringGuardSpec `yaml:"spec" json:"spec"`
	Source   Source              `yaml:"-" json:"source"`
}

// MonitoringGuardSpec is the body of a MonitoringGuard document.
type MonitoringGuardSpec struct {
	// Team whose cost is watched; the whole organisation when empty.
	Team string `yaml:"team,omitempty" json:"team,omitempty"`
	// Provider is the vendor as the billing data names it (FOCUS
	// ProviderName), e.g. Datadog; ServiceName optionally narrows it to
	// one billed product, e.g. "Infrastructure Hosts".
	Provider    string `yaml:"provider" json:"provider"`
	ServiceName string `yaml:"serviceName,omitempty" json:"serviceName,omitempty"`
	// ExpectedResources is how many distinct resources a day the vendor
	// should bill; 0 does not check the count.
	ExpectedResources int `yaml:"expectedResources,omitempty" json:"expectedResources,omitempty"`
	// Tolerance is how far above the expected count, and above the
	// median daily cost of the week before, a day may go, in percent
	// (default 20).
	Tolerance float64 `yaml:"tolerance,omitempty" json:"tolerance,omitempty"`
}

func (b *builder) checkMonitoringGuards(c *Catalog) {
	names := map[string]bool{}
	for _, g := range b.guards {
		if !b.checkName(g.Source, g.Name) {
			continue
		}
		if names[g.Name] {
			b.errorf(g.Source, "metadata.name", "duplicate monitoring guard %q", g.Name)
			continue
		}
		names[g.Name] = true
		ok := true
		if g.Spec.Provider == "" {
			b.errorf(g.Source, "spec", "missing field \"provider\": the vendor as the billing data names it, e.g. Datadog")
			ok = false
		}
		if g.Spec.Team != "" {
			if _, found := c.Team(g.Spec.Team); !found {
				b.errorf(g.Source, "spec.team", "team %q is not in the catalog%s", g.Spec.Team, suggest(g.Spec.Team, c.teams))
				ok = false
			}
		}
		if g.Spec.ExpectedResources < 0 {
			b.errorf(g.Source, "spec.expectedResources", "expectedResources %d must not be negative", g.Spec.ExpectedResources)
			ok = false
		}
		if g.Spec.Tolerance < 0 || g.Spec.Tolerance > 1000 {
			b.errorf(g.Source, "spec.tolerance", "tolerance %g is not a percentage from 0 to 1000", g.Spec.Tolerance)
			ok = false
		}
		if g.Spec.Tolerance == 0 {
			g.Spec.Tolerance = 20
		}
		if ok {
			c.MonitoringGuards = append(c.MonitoringGuards, g)
		}
	}
	slices.SortFunc(c.MonitoringGuards, func(a, b *MonitoringGuard) int { return cmp.Compare(a.Name, b.Name) })
}
