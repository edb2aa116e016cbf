package catalog

import (
	"cmp"
	"fmt"
	"slices"
)

// PolicyFor returns the error budget policy of a service: the policy that
// names it, else the organisation's default (the policy naming no
// service), else nil.
func (c *Catalog) PolicyFor(service string) *ErrorBudgetPolicy {
	var def *ErrorBudgetPolicy
	for _, p := range c.Policies {
		if len(p.Spec.Services) == 0 {
			def = p
			continue
		}
		if slices.Contains(p.Spec.Services, service) {
			return p
		}
	}
	return def
}

func (b *builder) checkPolicies(c *Catalog) {
	var def *ErrorBudgetPolicy
	claimed := map[string]*ErrorBudgetPolicy{}
	names := map[string]bool{}
	for _, p := range b.policies {
		if !b.checkName(p.Source, p.Name) {
			continue
		}
		if names[p.Name] {
			b.errorf(p.Source, "metadata.name", "duplicate error budget policy %q", p.Name)
			continue
		}
		names[p.Name] = true
		if len(p.Spec.Services) == 0 {
			if def != nil {
				b.errorf(p.Source, "spec.services", "a second default policy (no services): %q at %s is already the default; name the services this one applies to", def.Name, where(def.Source))
				continue
			}
			def = p
		}
		for i, s := range p.Spec.Services {
			path := fmt.Sprintf("spec.services[%d]", i)
			if _, ok := c.Service(s); !ok {
				b.errorf(p.Source, path, "service %q is not in the catalog%s", s, suggest(s, c.services))
				continue
			}
			if prev, ok := claimed[s]; ok {
				b.errorf(p.Source, path, "service %q already has the policy %q (%s)", s, prev.Name, where(prev.Source))
				continue
			}
			claimed[s] = p
		}
		if len(p.Spec.Thresholds) == 0 {
			b.errorf(p.Source, "spec", "missing field \"thresholds\": a policy needs at least one threshold")
		}
		for i, t := range p.Spec.Thresholds {
			path := fmt.Sprintf("spec.thresholds[%d]", i)
			if t.Below < 0 || t.Below >= 100 {
				b.errorf(p.Source, path+".below", "below %s is out of range; expected a remaining budget in percent from 0 (exhausted) to under 100", formatPercent(t.Below))
			}
			if len(t.Actions) == 0 {
				b.errorf(p.Source, path, "missing field \"actions\"; expected notify and/or freeze")
			}
			for j, a := range t.Actions {
				if a != ActionNotify && a != ActionFreeze {
					b.errorf(p.Source, fmt.Sprintf("%s.actions[%d]", path, j), "unknown action %q; expected notify or freeze", a)
				}
			}
		}
		c.Policies = append(c.Policies, p)
	}
	slices.SortFunc(c.Policies, func(a, b *ErrorBudgetPolicy) int { return cmp.Compare(a.Name, b.Name) })
}
