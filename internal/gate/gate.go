// Package gate decides whether a release may go: it evaluates a service's
// SLOs and applies its error budget policy.
package gate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// ChangeFix is the kind of change that ships through a freeze.
const ChangeFix = "fix"

// Request asks whether a service may release.
type Request struct {
	Service string
	// Journey limits the decision to the SLO targeting this journey.
	Journey string
	// Change is the kind of change; ChangeFix passes a freeze.
	Change string
	At     time.Time
	// Prometheus, when set, answers for SLOs with a PromQL SLI and no
	// stored counts.
	Prometheus *promsli.Source
}

// Decision is the gate's answer.
type Decision struct {
	Allow bool `json:"allow"`
	// Reason is one line for a pipeline's log.
	Reason string `json:"reason"`
	// Actions are the policy's actions in force (notify, freeze).
	Actions []string           `json:"actions"`
	SLOs    []slostatus.Status `json:"slos"`
	Policy  string             `json:"policy,omitempty"`
}

// defaultPolicy applies when the catalog has none for the service: an
// exhausted budget freezes releases.
var defaultPolicy = catalog.ErrorBudgetPolicy{
	Metadata: catalog.Metadata{Name: "built-in"},
	Spec: catalog.ErrorBudgetPolicySpec{Thresholds: []catalog.BudgetThreshold{
		{Below: 0, Actions: []string{catalog.ActionFreeze}, Message: "the error budget is exhausted"},
	}},
}

// Decide evaluates the service's SLOs at req.At and applies its policy.
func Decide(ctx context.Context, st *store.Store, c *catalog.Catalog, req Request) (Decision, error) {
	if _, ok := c.Service(req.Service); !ok {
		return Decision{}, fmt.Errorf("gate: unknown service %q", req.Service)
	}
	var slos []*catalog.SLO
	for _, s := range c.SLOs {
		if s.Spec.Service == req.Service && (req.Journey == "" || s.Spec.Journey == req.Journey) {
			slos = append(slos, s)
		}
	}
	if len(slos) == 0 {
		if req.Journey != "" {
			return Decision{}, fmt.Errorf("gate: service %q has no SLO on journey %q", req.Service, req.Journey)
		}
		return Decision{Allow: true, Reason: fmt.Sprintf("allowed: %s has no SLO, so no error budget to protect", req.Service), Actions: []string{}}, nil
	}
	policy := c.PolicyFor(req.Service)
	if policy == nil {
		policy = &defaultPolicy
	}
	d := Decision{Policy: policy.Name, Actions: []string{}}
	thresholds := slices.Clone(policy.Spec.Thresholds)
	slices.SortFunc(thresholds, func(a, b catalog.BudgetThreshold) int {
		switch {
		case a.Below < b.Below:
			return -1
		case a.Below > b.Below:
			return 1
		}
		return 0
	})

	var worst *slostatus.Status
	var worstThreshold *catalog.BudgetThreshold
	var noData []string
	for _, s := range slos {
		status, err := slostatus.EvaluateWith(ctx, st, req.Prometheus, c, s, req.At)
		if err != nil {
			return Decision{}, fmt.Errorf("gate: %w", err)
		}
		d.SLOs = append(d.SLOs, status)
		if !status.OK {
			noData = append(noData, status.ID)
			continue
		}
		// The most severe threshold the SLO is under.
		for i, t := range thresholds {
			if under(status.Remaining, t.Below) {
				if worstThreshold == nil || t.Below < worstThreshold.Below ||
					t.Below == worstThreshold.Below && status.Remaining < worst.Remaining {
					st := status
					worst, worstThreshold = &st, &thresholds[i]
				}
				break
			}
		}
		if worstThreshold == nil && (worst == nil || status.Remaining < worst.Remaining) {
			st := status
			worst = &st
		}
	}
	suffix := ""
	if len(noData) > 0 {
		suffix = fmt.Sprintf(" (no data yet for %s)", strings.Join(noData, ", "))
	}
	if worstThreshold == nil {
		d.Allow = true
		if worst == nil {
			d.Reason = "allowed: no SLO of " + req.Service + " has data to judge" + suffix
		} else {
			d.Reason = fmt.Sprintf("allowed: %s has %s of its error budget left, above every threshold of policy %s%s",
				worst.ID, left(worst.Remaining), policy.Name, suffix)
		}
		return d, nil
	}
	d.Actions = append(d.Actions, worstThreshold.Actions...)
	why := fmt.Sprintf("%s has %s of its error budget left (under %s)", worst.ID, left(worst.Remaining), belowText(worstThreshold.Below))
	if worstThreshold.Message != "" {
		why += ": " + worstThreshold.Message
	}
	freeze := slices.Contains(worstThreshold.Actions, catalog.ActionFreeze)
	switch {
	case freeze && req.Change == ChangeFix:
		d.Allow = true
		d.Reason = "allowed: a fix may ship through the freeze; " + why + suffix
	case freeze:
		d.Reason = "blocked: " + why + "; policy " + policy.Name + " freezes releases except fixes (--change fix)" + suffix
	default:
		d.Allow = true
		d.Reason = "allowed: " + why + "; policy " + policy.Name + ": " + strings.Join(worstThreshold.Actions, ", ") + suffix
	}
	return d, nil
}

// under reports whether a remaining budget (1 = untouched) is under a
// threshold in percent, 0 meaning exhausted.
func under(remaining, below float64) bool {
	if below <= 0 {
		return remaining <= 0
	}
	return remaining*100 < below
}

func left(r float64) string {
	if r <= 0 {
		return fmt.Sprintf("none (%.1f%%)", r*100)
	}
	return fmt.Sprintf("%.1f%%", r*100)
}

func belowText(b float64) string {
	if b <= 0 {
		return "exhausted"
	}
	return fmt.Sprintf("%g%%", b)
}
