package slostatus

import (
	"context"
	"fmt"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slo/promrules"
)

// HistoryPrometheus samples an SLO over its window as of at, as History
// does, from a Prometheus-compatible API with range queries: in points
// evenly spaced samples ending at at (DefaultPoints when points <= 0), over
// the rolling window EvaluatePrometheus uses. At each sample:
//
//   - Remaining is 1 − ratio/budget with ratio the error ratio of the
//     period ending there (kiban's period rule, or the SLI's query), so
//     that the last sample agrees with EvaluatePrometheus; a sample without
//     a value keeps the one before (1 before the first);
//   - SLI is 1 − the 5m error ratio (kiban's 5m rule), or, without the
//     rules, the SLI's query over the sample's interval; Events are the
//     events of the same span when the SLI counts them;
//   - BurnRate is the 1h burn rate.
//
// A journey's steps are not sampled. A failed query is an error.
func HistoryPrometheus(ctx context.Context, src *promsli.Source, c *catalog.Catalog, s *catalog.SLO, at time.Time, points int) (Timeline, error) {
	if points <= 0 {
		points = DefaultPoints
	}
	objective := s.Spec.Objective / 100
	budget := slo.ErrorBudget(objective)
	period := s.Period()
	if period == 0 {
		period = 30 * slo.Day
	}
	at = at.UTC()
	start := at.Add(-period)
	h := Timeline{ID: s.ID(), Objective: s.Spec.Objective, At: at, WindowStart: start, WindowEnd: at, PeriodEnd: at,
		Budgeting: catalog.BudgetingOccurrences}
	if s.Spec.Budgeting.Method == catalog.BudgetingTimeslices {
		h.Budgeting = catalog.BudgetingTimeslices
	}
	q, ok := promrules.QueriesFor(c, s)
	if !ok {
		return h, fmt.Errorf("slostatus: history of %s: no PromQL SLI", s.ID())
	}
	// Whole seconds, as Prometheus steps go; the samples end at at.
	step := max((period / time.Duration(points)).Truncate(time.Second), time.Second)
	n := min(points, int(period/step))
	first := at.Add(-time.Duration(n-1) * step)
	sel := fmt.Sprintf(`{sloth_id=%q}`, s.ID())

	// series runs a query, or the fallback when the first has no points,
	// and indexes the values by sample.
	series := func(query, fallback string) ([]float64, []bool, error) {
		pts, err := src.Range(ctx, query, first, at, step)
		if err == nil && len(pts) == 0 && fallback != "" {
			pts, err = src.Range(ctx, fallback, first, at, step)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("slostatus: history of %s: %w", s.ID(), err)
		}
		v, ok := make([]float64, n), make([]bool, n)
		for _, p := range pts {
			i := int((p.Time.Sub(first) + step/2) / step)
			if i >= 0 && i < n {
				v[i], ok[i] = p.Value, true
			}
		}
		return v, ok, nil
	}
	periodName, stepName := promrules.WindowName(period), promrules.WindowName(step)
	remaining, remOK, err := series("slo:sli_error:ratio_rate"+periodName+sel, q.ErrorRatio(periodName))
	if err != nil {
		return h, err
	}
	// The 5m rule; the fallback spans the whole interval.
	sliSpan := 5 * time.Minute
	sli, sliOK, err := series("slo:sli_error:ratio_rate5m"+sel, "")
	if err != nil {
		return h, err
	}
	if !anyTrue(sliOK) {
		sliSpan = step
		if sli, sliOK, err = series(q.ErrorRatio(stepName), ""); err != nil {
			return h, err
		}
	}
	var events []float64
	if q.Total != nil {
		spanName := promrules.WindowName(sliSpan)
		rule := "slo:sli_total_events:rate" + spanName + sel
		if sliSpan != 5*time.Minute {
			rule = q.Total(spanName)
		}
		if events, _, err = series(rule, q.Total(spanName)); err != nil {
			return h, err
		}
	}
	burn, burnOK, err := series("slo:sli_error:ratio_rate1h"+sel, q.ErrorRatio("1h"))
	if err != nil {
		return h, err
	}

	h.OK = anyTrue(remOK)
	left := 1.0 // before the first value, nothing was spent; gaps keep the last value
	for i := range n {
		end := first.Add(time.Duration(i) * step)
		p := Point{From: end.Add(-step), At: end}
		if h.OK {
			if remOK[i] {
				left = 1 - remaining[i]/budget
			}
			p.Remaining = left
		}
		if sliOK[i] {
			p.SLI, p.SLIOK = 1-sli[i], true
		}
		if events != nil {
			p.Events = events[i] * sliSpan.Seconds()
		}
		if burnOK[i] {
			p.BurnRate, p.BurnRateOK = slo.BurnRate(burn[i], objective), true
		}
		h.Points = append(h.Points, p)
	}
	return h, nil
}

func anyTrue(b []bool) bool {
	for _, x := range b {
		if x {
			return true
		}
	}
	return false
}
