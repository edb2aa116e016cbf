package slostatus

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/store"
)

// EvaluatePrometheus computes an SLO's status from a Prometheus-compatible
// API: the period's error ratio (kiban's period rule when the backend has
// it, which also covers timeslices budgeting), the burn rate over every
// alert window and which pairs fire.
func EvaluatePrometheus(ctx context.Context, src *promsli.Source, c *catalog.Catalog, s *catalog.SLO, at time.Time) (Status, error) {
	res := Status{ID: s.ID(), Service: s.Spec.Service, Name: s.Name, Title: s.Title, Journey: s.Spec.Journey, Objective: s.Spec.Objective, At: at.UTC(), Source: "prometheus " + src.URL()}
	if svc, ok := c.Service(s.Spec.Service); ok {
		res.Team = svc.Spec.Owner
	}
	objective := s.Spec.Objective / 100
	period := s.Period()
	if period == 0 {
		period = 30 * slo.Day
	}
	res.WindowStart, res.WindowEnd = at.Add(-period).UTC(), at.UTC()
	windows := alertWindows(c, period)
	wins := statusWindows(windows)
	samples, err := src.Windows(ctx, c, s, append(slices.Clone(wins), period), at)
	if err != nil {
		return res, fmt.Errorf("slostatus: %w", err)
	}
	p := samples[period]
	res.Queries = map[string]string{}
	for w, smp := range samples {
		res.Queries[promrules.WindowName(w)] = smp.Query
	}
	if !p.OK {
		res.NoData = fmt.Sprintf("prometheus %s: %s (query: %s)", src.URL(), p.Why, p.Query)
	} else {
		res.OK = true
		res.SLI = 1 - p.ErrorRatio
		res.Total = p.Events
		res.Good = p.Events * res.SLI
		res.Remaining = slo.RemainingBudget(p.ErrorRatio, objective)
		res.RemainingMinutes = slo.BudgetMinutes(res.Remaining, objective, period)
	}
	ws := map[time.Duration]slo.WindowSample{}
	for _, w := range wins {
		smp := samples[w]
		ws[w] = slo.WindowSample{ErrorRatio: smp.ErrorRatio, Events: smp.Events, OK: smp.OK}
	}
	// With minEvents, a long window whose events are unknown (0) never
	// fires: Fires wants at least minEvents.
	res.fillBurn(windows, wins, ws, objective, s.Spec.Alerting.MinEvents, period)
	return res, nil
}

// EvaluateAllWith evaluates every SLO (of one service when service is not
// empty) from the store's counts, or, for an SLO without stored counts and
// with a PromQL SLI, from Prometheus when prom is not nil. Sorted worst
// budget first.
func EvaluateAllWith(ctx context.Context, st *store.Store, prom *promsli.Source, c *catalog.Catalog, service string, at time.Time) ([]Status, error) {
	var out []Status
	for _, s := range c.SLOs {
		if service != "" && s.Spec.Service != service {
			continue
		}
		res, err := EvaluateWith(ctx, st, prom, c, s, at)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	sortWorstFirst(out)
	return out, nil
}

// EvaluateWith evaluates an SLO from the store's counts or, when there are
// none and the SLO has a PromQL SLI, from Prometheus (prom may be nil).
func EvaluateWith(ctx context.Context, st *store.Store, prom *promsli.Source, c *catalog.Catalog, s *catalog.SLO, at time.Time) (Status, error) {
	res, err := Evaluate(ctx, st, c, s, at)
	if err != nil || res.OK || prom == nil {
		return res, err
	}
	if _, ok := promrules.QueriesFor(c, s); !ok {
		return res, nil
	}
	pr, err := EvaluatePrometheus(ctx, prom, c, s, at)
	if err != nil {
		return res, nil // keep the store's "no data" and its reason
	}
	return pr, nil
}
