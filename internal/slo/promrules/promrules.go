// Package promrules turns kiban's SLOs into Prometheus rule groups: SLI
// recording rules per window, metadata rules and multiwindow,
// multi-burn-rate alerts, with the names and labels Sloth uses, so that
// Sloth's dashboards keep working. Prometheus, Thanos or Mimir evaluate
// the rules.
package promrules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo"
)

// Period ratio forms.
const (
	// PeriodRatioTraffic divides the errors over the period by the events
	// over the period, so that a busy hour weighs more than a quiet one.
	PeriodRatioTraffic = "traffic"
	// PeriodRatioAverage averages the 5m error ratios over the period, as
	// Sloth does: cheaper, but a quiet night counts as much as a peak.
	PeriodRatioAverage = "average"
)

// Options tune the generation.
type Options struct {
	// DefaultPeriod applies to SLOs whose document gives no window (Sloth
	// specs); 30 days when zero.
	DefaultPeriod time.Duration
	// PeriodRatio is PeriodRatioTraffic (the default) or PeriodRatioAverage.
	PeriodRatio string
	// Version is written in the sloth_version label of sloth_slo_info.
	Version string
	// TeamLabel is the alert label carrying the owning team; "team" when
	// empty.
	TeamLabel string
	// ExtraLabels are added to every recording rule, like Sloth's
	// --extra-labels; alerts get them from the series they select.
	ExtraLabels map[string]string
}

func (o *Options) defaults() {
	if o.DefaultPeriod == 0 {
		o.DefaultPeriod = 30 * 24 * time.Hour
	}
	if o.PeriodRatio == "" {
		o.PeriodRatio = PeriodRatioTraffic
	}
	if o.TeamLabel == "" {
		o.TeamLabel = "team"
	}
	if o.Version == "" {
		o.Version = "dev"
	}
}

// SLO groups the rules of one SLO.
type SLO struct {
	ID      string
	Service string
	Team    string // owning team, empty when the service is unknown
	Groups  []rulefmt.RuleGroup
}

// Generate returns the rule groups of every SLO of the catalog, in the
// catalog's order (by service, then name).
func Generate(c *catalog.Catalog, opts Options) ([]SLO, error) {
	opts.defaults()
	if opts.PeriodRatio != PeriodRatioTraffic && opts.PeriodRatio != PeriodRatioAverage {
		return nil, fmt.Errorf("promrules: unknown period ratio %q; expected traffic or average", opts.PeriodRatio)
	}
	journeys := map[string]*catalog.Journey{}
	for _, j := range c.Journeys {
		journeys[j.Name] = j
	}
	out := make([]SLO, 0, len(c.SLOs))
	for _, s := range c.SLOs {
		if !HasPromQL(s, journeys) {
			continue // measured by kiban from logs and events only
		}
		g, err := generate(c, s, journeys, opts)
		if err != nil {
			return nil, fmt.Errorf("promrules: SLO %s (%s:%d): %w", s.ID(), s.Source.File, s.Source.Line, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// HasPromQL reports whether an SLO can be evaluated by Prometheus: its
// SLI, or every step of its journey, has a PromQL form. SLOs measured only
// from access logs and events have none and get no rules.
func HasPromQL(s *catalog.SLO, journeys map[string]*catalog.Journey) bool {
	if s.Spec.SLI != nil {
		return s.Spec.SLI.HasPromQL()
	}
	j, ok := journeys[s.Spec.Journey]
	if !ok {
		return false
	}
	for _, st := range j.Spec.Steps {
		if st.SLI == nil || !st.SLI.HasPromQL() {
			return false
		}
	}
	return true
}

// sli is an SLI compiled to PromQL for any window.
type sli struct {
	// errorRatio returns the error ratio over a window.
	errorRatio func(w string) string
	// bad and total return event rates over a window; nil for a raw SLI.
	bad, total func(w string) string
	// steps are a weighted-average journey's steps, whose period ratio is
	// the weighted average of each step's own.
	steps []step
}

type step struct {
	name   string
	weight float64
	sli    sli
}

func paren(s string) string { return "(" + strings.TrimSpace(s) + ")" }

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// leMatcher matches a histogram bucket bound as Prometheus 2 ("1") and 3
// ("1.0") write it.
func leMatcher(threshold float64) string {
	s := fmtFloat(threshold)
	if !strings.ContainsAny(s, ".e") {
		return `le=~"` + s + `(\\.0)?"`
	}
	return `le="` + s + `"`
}

// compile turns an SLI into PromQL. In a journey step, a good or bad
// query that returns nothing (no failed request has been counted yet)
// means zero, or the step would take the whole journey's SLI with it.
func compile(in *catalog.SLI, journeyStep bool) sli {
	events := func(q, w string) string {
		q = catalog.RenderQuery(q, w)
		if journeyStep {
			return "(" + strings.TrimSpace(q) + " or on() vector(0))"
		}
		return q
	}
	switch {
	case in.Ratio != nil && in.Ratio.Bad != "":
		r := in.Ratio
		return sli{
			errorRatio: func(w string) string {
				return paren(events(r.Bad, w)) + "\n/\n" + paren(catalog.RenderQuery(r.Total, w))
			},
			bad:   func(w string) string { return events(r.Bad, w) },
			total: func(w string) string { return catalog.RenderQuery(r.Total, w) },
		}
	case in.Ratio != nil:
		r := in.Ratio
		return sli{
			errorRatio: func(w string) string {
				return "1 - (\n  " + paren(events(r.Good, w)) + "\n  /\n  " + paren(catalog.RenderQuery(r.Total, w)) + "\n)"
			},
			bad: func(w string) string {
				return paren(catalog.RenderQuery(r.Total, w)) + " - " + paren(events(r.Good, w))
			},
			total: func(w string) string { return catalog.RenderQuery(r.Total, w) },
		}
	case in.Latency != nil:
		l := in.Latency
		good := func(w string) string {
			return events("sum(rate("+l.Metric+catalog.LatencySelector(l.Selector, leMatcher(l.Threshold))+"["+w+"]))", w)
		}
		total := func(w string) string {
			return "sum(rate(" + l.Metric + catalog.LatencySelector(l.Selector, `le="+Inf"`) + "[" + w + "]))"
		}
		return sli{
			errorRatio: func(w string) string { return "1 - (\n  " + good(w) + "\n  /\n  " + total(w) + "\n)" },
			bad:        func(w string) string { return total(w) + " - " + good(w) },
			total:      total,
		}
	default:
		r := in.Raw
		return sli{errorRatio: func(w string) string { return paren(catalog.RenderQuery(r.ErrorRatio, w)) }}
	}
}

// compileJourney combines the steps' SLIs as the journey says.
func compileJourney(j *catalog.Journey) sli {
	var steps []step
	var sumW float64
	for _, st := range j.Spec.Steps {
		steps = append(steps, step{name: st.Name, weight: st.Weight, sli: compile(st.SLI, true)})
		sumW += st.Weight
	}
	weighted := func(part func(step) func(string) string) func(string) string {
		return func(w string) string {
			terms := make([]string, len(steps))
			for i, st := range steps {
				terms[i] = fmtFloat(st.weight) + " * " + paren(part(st)(w))
			}
			return strings.Join(terms, "\n+\n")
		}
	}
	if j.Spec.Combine == catalog.CombineEventWeighted {
		bad := weighted(func(s step) func(string) string { return s.sli.bad })
		total := weighted(func(s step) func(string) string { return s.sli.total })
		return sli{
			errorRatio: func(w string) string { return paren(bad(w)) + "\n/\n" + paren(total(w)) },
			bad:        bad,
			total:      total,
		}
	}
	ratio := weighted(func(s step) func(string) string { return s.sli.errorRatio })
	out := sli{
		errorRatio: func(w string) string { return paren(ratio(w)) + "\n/ " + fmtFloat(sumW) },
		steps:      steps,
	}
	// The journey's events, for the low-traffic protection, are all its
	// steps' requests.
	if !slices.ContainsFunc(steps, func(s step) bool { return s.sli.total == nil }) {
		out.total = func(w string) string {
			terms := make([]string, len(steps))
			for i, st := range steps {
				terms[i] = paren(st.sli.total(w))
			}
			return strings.Join(terms, "\n+\n")
		}
	}
	return out
}

// selector is the label matchers that pick one SLO's series, in Sloth's
// order.
func selector(id, service, name string, extra ...string) string {
	m := []string{`sloth_id="` + id + `"`, `sloth_service="` + service + `"`, `sloth_slo="` + name + `"`}
	return "{" + strings.Join(append(m, extra...), ", ") + "}"
}

func withLabels(base map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// AlertWindows returns the multiwindow alert catalog for an SLO period: the
// tree's AlertWindows document for that period, else the SRE Workbook's
// scaled to it.
func AlertWindows(c *catalog.Catalog, period time.Duration) ([]slo.AlertWindow, error) {
	set, ok := c.AlertWindows[period]
	if !ok {
		return slo.DefaultAlertWindows(period), nil
	}
	var out []slo.AlertWindow
	for _, x := range []struct {
		sev  slo.Severity
		name string
		spec catalog.AlertWindowSpec
	}{
		{slo.SeverityPage, "page-quick", set.Page.Quick}, {slo.SeverityPage, "page-slow", set.Page.Slow},
		{slo.SeverityTicket, "ticket-quick", set.Ticket.Quick}, {slo.SeverityTicket, "ticket-slow", set.Ticket.Slow},
	} {
		short, err := catalog.ParseDuration(x.spec.ShortWindow)
		if err != nil {
			return nil, err
		}
		long, err := catalog.ParseDuration(x.spec.LongWindow)
		if err != nil {
			return nil, err
		}
		w, err := slo.NewAlertWindow(x.sev, x.name, x.spec.ErrorBudgetPercent/100, short, long, period)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func generate(c *catalog.Catalog, s *catalog.SLO, journeys map[string]*catalog.Journey, opts Options) (SLO, error) {
	id, service, name := s.ID(), s.Spec.Service, s.Name
	res := SLO{ID: id, Service: service}
	if svc, ok := c.Service(service); ok {
		res.Team = svc.Spec.Owner
	}
	period := s.Period()
	if period == 0 {
		period = opts.DefaultPeriod
	}
	windows, err := AlertWindows(c, period)
	if err != nil {
		return res, err
	}
	var in sli
	switch {
	case s.Spec.SLI != nil:
		in = compile(s.Spec.SLI, false)
	default:
		j, ok := journeys[s.Spec.Journey]
		if !ok {
			return res, fmt.Errorf("unknown journey %q", s.Spec.Journey)
		}
		in = compileJourney(j)
	}
	objective := s.Spec.Objective / 100
	// The budget as Sloth computes it, (100 − objective%) / 100, so that
	// thresholds print the same digits.
	budget := (100 - s.Spec.Objective) / 100
	base := withLabels(mergeMaps(opts.ExtraLabels, s.Spec.Labels), "sloth_id", id, "sloth_service", service, "sloth_slo", name)
	sel := selector(id, service, name)
	periodStr := windowName(period)

	// SLI windows: every short and long window of the alert pairs, plus
	// the timeslice length.
	wins := slo.SLIWindows(windows)
	timeslices := s.Spec.Budgeting.Method == catalog.BudgetingTimeslices
	var slice time.Duration
	if timeslices {
		slice, _ = catalog.ParseDuration(s.Spec.Budgeting.SliceLength)
		if !slices.Contains(wins, slice) {
			wins = append(wins, slice)
			slices.Sort(wins)
		}
		// The timeslice period ratio takes the name of a window equal to
		// the period; alerts over that window then read the share of bad
		// slices.
		wins = slices.DeleteFunc(wins, func(w time.Duration) bool { return w == period })
	}
	// The traffic-weighted period ratio needs event counts: of the SLI, or
	// of every step of a weighted-average journey. Raw SLIs fall back to
	// the average of 5m ratios.
	stepsCount := in.steps != nil && !slices.ContainsFunc(in.steps, func(s step) bool { return s.sli.total == nil })
	traffic := opts.PeriodRatio == PeriodRatioTraffic && !timeslices && (in.bad != nil || stepsCount)
	minEvents := s.Spec.Alerting.MinEvents
	if minEvents > 0 && in.total == nil {
		return res, fmt.Errorf("alerting.minEvents needs event counts; a raw error ratio SLI has none")
	}

	var sliRules []rulefmt.Rule
	for _, w := range wins {
		ws := windowName(w)
		sliRules = append(sliRules, rulefmt.Rule{
			Record: "slo:sli_error:ratio_rate" + ws,
			Expr:   in.errorRatio(ws),
			Labels: withLabels(base, "sloth_window", ws),
		})
	}
	// Event rates: over 5m for the traffic-weighted period ratio (per step
	// for a weighted-average journey), and the totals over each long
	// window for the low-traffic protection.
	totals := map[time.Duration]bool{}
	if traffic {
		const w = "5m"
		if in.steps != nil {
			for _, st := range in.steps {
				sliRules = append(sliRules,
					rulefmt.Rule{Record: "slo:sli_bad_events:rate" + w, Expr: st.sli.bad(w), Labels: withLabels(base, "sloth_window", w, "kiban_step", st.name)},
					rulefmt.Rule{Record: "slo:sli_total_events:rate" + w, Expr: st.sli.total(w), Labels: withLabels(base, "sloth_window", w, "kiban_step", st.name)},
				)
			}
		} else {
			sliRules = append(sliRules,
				rulefmt.Rule{Record: "slo:sli_bad_events:rate" + w, Expr: in.bad(w), Labels: withLabels(base, "sloth_window", w)},
				rulefmt.Rule{Record: "slo:sli_total_events:rate" + w, Expr: in.total(w), Labels: withLabels(base, "sloth_window", w)},
			)
			totals[5*time.Minute] = true
		}
	}
	if minEvents > 0 {
		var longs []time.Duration
		for _, w := range windows {
			if !totals[w.Long] && !slices.Contains(longs, w.Long) {
				longs = append(longs, w.Long)
			}
		}
		slices.Sort(longs)
		for _, w := range longs {
			ws := windowName(w)
			sliRules = append(sliRules, rulefmt.Rule{Record: "slo:sli_total_events:rate" + ws, Expr: in.total(ws), Labels: withLabels(base, "sloth_window", ws)})
		}
	}
	if timeslices {
		// Each evaluation records whether the last slice was bad; the
		// period ratio is the share of bad slices. A slice without events
		// (NaN) is not bad.
		sliRules = append(sliRules, rulefmt.Rule{
			Record: "slo:sli_bad_timeslice:bool" + windowName(slice),
			Expr:   "slo:sli_error:ratio_rate" + windowName(slice) + sel + " > bool " + strconv.FormatFloat(1-s.Spec.Budgeting.GoodSliceThreshold, 'g', 12, 64),
			Labels: withLabels(base, "sloth_window", windowName(slice)),
		})
	}
	// A period equal to an alert window (a 1d SLO and the 1d ticket window)
	// already has its ratio recorded under the same name: for occurrences
	// the SLI over that window is the period's ratio.
	if !slices.Contains(wins, period) || timeslices {
		sliRules = append(sliRules, rulefmt.Rule{
			Record: "slo:sli_error:ratio_rate" + periodStr,
			Expr:   periodRatio(in, sel, periodStr, traffic, timeslices, s.Spec.Budgeting, slice),
			Labels: withLabels(base, "sloth_window", periodStr),
		})
	}

	meta := []rulefmt.Rule{
		{Record: "slo:objective:ratio", Expr: "vector(" + fmtFloat(objective) + ")", Labels: base},
		{Record: "slo:error_budget:ratio", Expr: "vector(1-" + fmtFloat(objective) + ")", Labels: base},
		{Record: "slo:time_period:days", Expr: "vector(" + fmtFloat(period.Hours()/24) + ")", Labels: base},
		{Record: "slo:current_burn_rate:ratio", Expr: "slo:sli_error:ratio_rate5m" + sel + "\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio" + sel, Labels: base},
		{Record: "slo:period_burn_rate:ratio", Expr: "slo:sli_error:ratio_rate" + periodStr + sel + "\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio" + sel, Labels: base},
		{Record: "slo:period_error_budget_remaining:ratio", Expr: "1 - slo:period_burn_rate:ratio" + sel, Labels: base},
		{Record: "sloth_slo_info", Expr: "vector(1)", Labels: withLabels(base,
			"sloth_mode", "kiban", "sloth_objective", strconv.FormatFloat(s.Spec.Objective, 'f', -1, 64),
			"sloth_spec", specName(s), "sloth_version", opts.Version)},
	}

	res.Groups = []rulefmt.RuleGroup{
		{Name: "sloth-slo-sli-recordings-" + id, Rules: sliRules},
		{Name: "sloth-slo-meta-recordings-" + id, Rules: meta},
	}
	alerts := alertRules(c, s, res.Team, windows, budget, sel, minEvents, opts)
	if len(alerts) > 0 {
		res.Groups = append(res.Groups, rulefmt.RuleGroup{Name: "sloth-slo-alerts-" + id, Rules: alerts})
	}
	return res, nil
}

func specName(s *catalog.SLO) string {
	switch s.Source.Format {
	case "sloth":
		return catalog.SlothVersion
	case "kiban":
		return catalog.APIVersion
	}
	return s.Source.Format
}

func periodRatio(in sli, sel, period string, traffic, timeslices bool, b catalog.Budgeting, slice time.Duration) string {
	switch {
	case timeslices:
		return "avg_over_time(slo:sli_bad_timeslice:bool" + windowName(slice) + sel + "[" + period + "])"
	case traffic && in.steps != nil:
		var terms []string
		var sumW float64
		for _, st := range in.steps {
			sumW += st.weight
			ssel := strings.TrimSuffix(sel, "}") + `, kiban_step="` + st.name + `"}`
			terms = append(terms, fmtFloat(st.weight)+" * sum without (kiban_step) (\n  sum_over_time(slo:sli_bad_events:rate5m"+ssel+"["+period+"])\n  /\n  sum_over_time(slo:sli_total_events:rate5m"+ssel+"["+period+"])\n)")
		}
		return "(\n" + strings.Join(terms, "\n+\n") + "\n) / " + fmtFloat(sumW)
	case traffic && in.total != nil:
		return "sum_over_time(slo:sli_bad_events:rate5m" + sel + "[" + period + "])\n/ ignoring (sloth_window)\nsum_over_time(slo:sli_total_events:rate5m" + sel + "[" + period + "])"
	default:
		return "sum_over_time(slo:sli_error:ratio_rate5m" + sel + "[" + period + "])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m" + sel + "[" + period + "])"
	}
}

// AlertName is an SLO's alert name: the document's, or one derived from
// the service and SLO names (checkout, availability →
// CheckoutAvailabilityBudgetBurn). kiban's own burn alerts use it too.
func AlertName(s *catalog.SLO) string {
	if s.Spec.Alerting.Name != "" {
		return s.Spec.Alerting.Name
	}
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s.Spec.Service+"-"+s.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	name := b.String()
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "SLO" + name
	}
	return name + "BudgetBurn"
}

func alertRules(c *catalog.Catalog, s *catalog.SLO, team string, windows []slo.AlertWindow, budget float64, sel string, minEvents float64, opts Options) []rulefmt.Rule {
	a := s.Spec.Alerting
	runbook := a.Runbook
	if svc, ok := c.Service(s.Spec.Service); ok && runbook == "" {
		runbook = svc.Spec.Links.Runbook
	}
	var out []rulefmt.Rule
	for _, sev := range []slo.Severity{slo.SeverityPage, slo.SeverityTicket} {
		spec := a.Page
		if sev == slo.SeverityTicket {
			spec = a.Ticket
		}
		if spec.Disabled {
			continue
		}
		var pairs []string
		for _, w := range windows {
			if w.Severity != sev {
				continue
			}
			threshold := "(" + fmtFloat(w.Factor) + " * " + fmtFloat(budget) + ")"
			short, long := windowName(w.Short), windowName(w.Long)
			conds := []string{
				"max(slo:sli_error:ratio_rate" + short + sel + " > " + threshold + ") without (sloth_window)",
				"max(slo:sli_error:ratio_rate" + long + sel + " > " + threshold + ") without (sloth_window)",
			}
			if minEvents > 0 {
				conds = append(conds, "max(slo:sli_total_events:rate"+long+sel+" * "+fmtFloat(w.Long.Seconds())+" >= "+fmtFloat(minEvents)+") without (sloth_window)")
			}
			pairs = append(pairs, "(\n    "+strings.Join(conds, "\n    and\n    ")+"\n)")
		}
		if len(pairs) == 0 {
			continue
		}
		// Extra labels go on recording rules only, as Sloth's do: alerts
		// inherit them from the series they select.
		labels := withLabels(mergeMaps(a.Labels, spec.Labels), "sloth_severity", string(sev))
		if team != "" {
			labels[opts.TeamLabel] = team
		}
		annotations := mergeMaps(map[string]string{
			"summary": "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.",
			"title":   "(" + string(sev) + ") {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.",
		}, a.Annotations, spec.Annotations)
		if runbook != "" {
			if _, set := annotations["runbook_url"]; !set {
				annotations["runbook_url"] = runbook
			}
		}
		out = append(out, rulefmt.Rule{
			Alert:       AlertName(s),
			Expr:        strings.Join(pairs, "\nor\n"),
			Labels:      labels,
			Annotations: annotations,
		})
	}
	return out
}

func mergeMaps(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// windowName writes a window as Prometheus (and so Sloth) does: 5m, 1h,
// 1d, 1w for 7d, 4w for 28d, 30d.
func windowName(d time.Duration) string { return model.Duration(d).String() }

// Queries are an SLO's SLI as PromQL for any window, for kiban's own
// queries to a Prometheus-compatible API.
type Queries struct {
	// ErrorRatio returns the error ratio over a window ("5m").
	ErrorRatio func(window string) string
	// Total returns the rate of events over a window; nil when the SLI
	// counts no events (raw).
	Total func(window string) string
}

// QueriesFor compiles an SLO's SLI (or its journey's) to PromQL; ok is
// false when it has no PromQL form.
func QueriesFor(c *catalog.Catalog, s *catalog.SLO) (Queries, bool) {
	journeys := map[string]*catalog.Journey{}
	for _, j := range c.Journeys {
		journeys[j.Name] = j
	}
	if !HasPromQL(s, journeys) {
		return Queries{}, false
	}
	var in sli
	if s.Spec.SLI != nil {
		in = compile(s.Spec.SLI, false)
	} else {
		in = compileJourney(journeys[s.Spec.Journey])
	}
	return Queries{ErrorRatio: in.errorRatio, Total: in.total}, true
}

// WindowName writes a window as Prometheus and the rule names do.
func WindowName(d time.Duration) string { return windowName(d) }
