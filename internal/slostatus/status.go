// Package slostatus evaluates SLOs on the counts kiban stores (from access
// logs and the events API): the SLI over the window, the remaining error
// budget, burn rates over every alert window, time to exhaustion and which
// burn alerts fire. The math is internal/slo's.
package slostatus

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/store"
)

// Status is an SLO's state at a moment.
type Status struct {
	ID        string    `json:"id"`
	Service   string    `json:"service"`
	Name      string    `json:"name"`
	Title     string    `json:"title,omitempty"`
	Team      string    `json:"team,omitempty"`
	Journey   string    `json:"journey,omitempty"`
	Objective float64   `json:"objective"` // percent
	At        time.Time `json:"at"`
	// Window is the SLO's period that contains At.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// OK is false when there is no data over the window; NoData says why.
	OK     bool   `json:"ok"`
	NoData string `json:"no_data,omitempty"`
	// Source says where the counts came from: "store" (access logs and
	// events) or "prometheus URL".
	Source string `json:"source"`
	// Queries are the PromQL queries behind a Prometheus status, by
	// window.
	Queries map[string]string `json:"queries,omitempty"`
	// SLI is the success ratio over the window so far; Good and Total
	// its events (slices for timeslices budgeting).
	SLI   float64 `json:"sli"`
	Good  float64 `json:"good"`
	Total float64 `json:"total"`
	// Remaining is the remaining error budget, 1 = untouched, ≤ 0 =
	// exhausted; RemainingMinutes is that budget in minutes of full outage
	// over the window.
	Remaining        float64 `json:"remaining"`
	RemainingMinutes float64 `json:"remaining_minutes"`
	// BurnRates are the burn rates over every alert window.
	BurnRates []BurnRate `json:"burn_rates"`
	// Exhaustion is how long the remaining budget lasts at the burn rate
	// of the last hour; nil when it is not burning.
	Exhaustion *Duration `json:"time_to_exhaustion,omitempty"`
	// Alerts are the multiwindow pairs, and whether each fires.
	Alerts []AlertState `json:"alerts"`
	// Steps are a journey's steps over the window.
	Steps []Step `json:"steps,omitempty"`
}

// Duration marshals as seconds and a readable string.
type Duration struct {
	Seconds float64 `json:"seconds"`
	Text    string  `json:"text"`
}

func duration(d time.Duration) *Duration {
	return &Duration{Seconds: d.Seconds(), Text: slo.FormatDuration(d.Round(time.Minute))}
}

// BurnRate is the burn rate over one window ending at the status time.
type BurnRate struct {
	Window     string  `json:"window"`
	ErrorRatio float64 `json:"error_ratio"`
	BurnRate   float64 `json:"burn_rate"`
	Events     float64 `json:"events"`
	OK         bool    `json:"ok"`
}

// AlertState is one multiwindow pair.
type AlertState struct {
	Name      string  `json:"name"`
	Severity  string  `json:"severity"`
	Short     string  `json:"short"`
	Long      string  `json:"long"`
	Threshold float64 `json:"threshold"` // burn-rate factor
	Firing    bool    `json:"firing"`
}

// Step is a journey step over the window.
type Step struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Good   float64 `json:"good"`
	Total  float64 `json:"total"`
	SLI    float64 `json:"sli"`
	// Share is the step's share of the budget the journey spent.
	Share float64 `json:"share"`
}

// Keys returns the SLI keys whose counts an SLO uses.
func Keys(c *catalog.Catalog, s *catalog.SLO) []string {
	if s.Spec.Journey == "" {
		return []string{catalog.SLIKey(s.ID())}
	}
	for _, j := range c.Journeys {
		if j.Name == s.Spec.Journey {
			keys := make([]string, len(j.Spec.Steps))
			for i, st := range j.Spec.Steps {
				keys[i] = catalog.StepKey(j.Name, st.Name)
			}
			return keys
		}
	}
	return nil
}

// series holds one SLI key's counts by minute over a span, with prefix
// sums for window sums in constant time.
type series struct {
	start       int64     // first minute
	good, total []float64 // prefix sums; index i = sum of minutes < start+i
}

func newSeries(start, end int64, buckets []store.Bucket) *series {
	n := end - start
	s := &series{start: start, good: make([]float64, n+1), total: make([]float64, n+1)}
	g := make([]float64, n)
	t := make([]float64, n)
	for _, b := range buckets {
		i := b.Minute.Unix()/60 - start
		if i >= 0 && i < n {
			g[i] += float64(b.Good)
			t[i] += float64(b.Total)
		}
	}
	for i := range n {
		s.good[i+1] = s.good[i] + g[i]
		s.total[i+1] = s.total[i] + t[i]
	}
	return s
}

// sum returns the counts of minutes in [from, to).
func (s *series) sum(from, to int64) (good, total float64) {
	clamp := func(m int64) int64 { return min(max(m-s.start, 0), int64(len(s.good)-1)) }
	a, b := clamp(from), clamp(to)
	return s.good[b] - s.good[a], s.total[b] - s.total[a]
}

// Evaluate computes the status of an SLO at a moment from stored counts.
func Evaluate(ctx context.Context, st *store.Store, c *catalog.Catalog, s *catalog.SLO, at time.Time) (Status, error) {
	res := Status{ID: s.ID(), Service: s.Spec.Service, Name: s.Name, Title: s.Title, Journey: s.Spec.Journey, Objective: s.Spec.Objective, At: at.UTC(), Source: "store"}
	if svc, ok := c.Service(s.Spec.Service); ok {
		res.Team = svc.Spec.Owner
	}
	objective := s.Spec.Objective / 100
	win, start, end := sloWindow(s, at)
	res.WindowStart, res.WindowEnd = start.UTC(), end.UTC()
	period := win.Length(at)

	windows := alertWindows(c, win.NominalLength())
	longest := time.Duration(0)
	for _, w := range windows {
		longest = max(longest, w.Long)
	}
	atMin := ceilMinute(at)
	from := min(floorMinute(start), atMin-int64(longest/time.Minute))
	keys := Keys(c, s)
	if len(keys) == 0 {
		res.NoData = "journey " + s.Spec.Journey + " is not in the catalog"
		return res, nil
	}
	ser, err := loadSeries(ctx, st, keys, from, atMin)
	if err != nil {
		return res, fmt.Errorf("slostatus: %s: %w", s.ID(), err)
	}
	journey := findJourney(c, s.Spec.Journey)
	ratio := counts{ser: ser, journey: journey}.ratio

	startMin := floorMinute(start)
	endMin := ceilMinute(end)
	if s.Spec.Budgeting.Method == catalog.BudgetingTimeslices {
		sliceLen, _ := catalog.ParseDuration(s.Spec.Budgeting.SliceLength)
		step := max(int64(sliceLen/time.Minute), 1)
		var sl []slo.Slice
		for a := startMin; a < endMin; a += step {
			e, ev, ok := ratio(a, min(a+step, endMin))
			if !ok {
				sl = append(sl, slo.Slice{})
				continue
			}
			sl = append(sl, slo.Slice{Good: ev * (1 - e), Total: ev})
		}
		good, total := slo.TimesliceSuccess(sl, s.Spec.Budgeting.GoodSliceThreshold)
		res.Good, res.Total = float64(good), float64(total)
		res.OK = total > 0
		if res.OK {
			res.SLI = float64(good) / float64(total)
		}
		if _, events, _ := ratio(startMin, endMin); events == 0 {
			res.OK = false
		}
	} else {
		e, events, ok := ratio(startMin, endMin)
		res.OK, res.Total = ok, events
		if ok {
			res.SLI = 1 - e
			res.Good = events * res.SLI
		}
	}
	if !res.OK {
		res.NoData = fmt.Sprintf("no events for %v between %s and %s: send access logs (kiban ingest logs) or events (POST /api/v1/events)",
			keys, res.WindowStart.Format(time.RFC3339), res.At.Format(time.RFC3339))
	} else {
		res.Remaining = slo.RemainingBudget(1-res.SLI, objective)
		res.RemainingMinutes = slo.BudgetMinutes(res.Remaining, objective, period)
	}

	// Burn rates over every alert window, ending at the status time.
	wins := statusWindows(windows)
	samples := map[time.Duration]slo.WindowSample{}
	for _, w := range wins {
		e, ev, ok := ratio(atMin-int64(w/time.Minute), atMin)
		samples[w] = slo.WindowSample{ErrorRatio: e, Events: ev, OK: ok}
	}
	res.fillBurn(windows, wins, samples, objective, s.Spec.Alerting.MinEvents, period)

	if journey != nil {
		steps := make([]slo.StepCounts, len(journey.Spec.Steps))
		for i, js := range journey.Spec.Steps {
			g, t := ser[i].sum(startMin, endMin)
			steps[i] = slo.StepCounts{Name: js.Name, Weight: js.Weight, Good: g, Total: t}
		}
		shares, _ := slo.StepShares(slo.Combine(journey.Spec.Combine), steps)
		for i, sc := range steps {
			stp := Step{Name: sc.Name, Weight: sc.Weight, Good: sc.Good, Total: sc.Total}
			if sc.Total > 0 {
				stp.SLI = sc.Good / sc.Total
			}
			if i < len(shares) && !math.IsNaN(shares[i]) {
				stp.Share = shares[i]
			}
			res.Steps = append(res.Steps, stp)
		}
	}
	return res, nil
}

// sloWindow returns an SLO's window at a moment and the part of it that
// has passed: from start to end, which is at, or the end of a calendar
// period that at is past.
func sloWindow(s *catalog.SLO, at time.Time) (win slo.Window, start, end time.Time) {
	win = slo.Window{Rolling: s.Period(), Location: s.Location()}
	if s.Spec.Window.Calendar != "" {
		win = slo.Window{Calendar: s.Spec.Window.Calendar, Location: s.Location()}
	}
	if win.Rolling == 0 && win.Calendar == "" {
		win.Rolling = 30 * slo.Day
	}
	start, end = win.Period(at)
	if win.Calendar == "" {
		start, end = at.Add(-win.Rolling), at
	} else if end.After(at) {
		end = at
	}
	return win, start, end
}

// loadSeries reads the counts of keys over [from, to) minutes, one series
// per key, in the order of keys.
func loadSeries(ctx context.Context, st *store.Store, keys []string, from, to int64) ([]*series, error) {
	buckets, err := st.Buckets(ctx, keys, time.Unix(from*60, 0), time.Unix(to*60, 0))
	if err != nil {
		return nil, err
	}
	byKey := map[string][]store.Bucket{}
	for _, b := range buckets {
		byKey[b.Key] = append(byKey[b.Key], b)
	}
	ser := make([]*series, len(keys))
	for i, k := range keys {
		ser[i] = newSeries(from, to, byKey[k])
	}
	return ser, nil
}

// findJourney returns the journey named name, nil when there is none.
func findJourney(c *catalog.Catalog, name string) *catalog.Journey {
	var journey *catalog.Journey
	for _, j := range c.Journeys {
		if j.Name == name {
			journey = j
		}
	}
	return journey
}

// counts are an SLO's series: its own, or one per step of its journey
// (in the order of Keys).
type counts struct {
	ser     []*series
	journey *catalog.Journey
}

// ratio returns the SLO's error ratio over [a, b) minutes (combined for a
// journey) and its events; ok is false when nothing was measured.
func (c counts) ratio(a, b int64) (errRatio, events float64, ok bool) {
	if c.journey == nil {
		g, t := c.ser[0].sum(a, b)
		if t <= 0 {
			return 0, 0, false
		}
		return 1 - g/t, t, true
	}
	steps := make([]slo.StepCounts, len(c.journey.Spec.Steps))
	for i, js := range c.journey.Spec.Steps {
		g, t := c.ser[i].sum(a, b)
		steps[i] = slo.StepCounts{Name: js.Name, Weight: js.Weight, Good: g, Total: t}
		events += t
	}
	success, ok, err := slo.JourneySuccess(slo.Combine(c.journey.Spec.Combine), steps)
	if err != nil || !ok {
		return 0, events, false
	}
	return 1 - success, events, true
}

func floorMinute(t time.Time) int64 { return t.Unix() / 60 }

func ceilMinute(t time.Time) int64 { return (t.Unix() + 59) / 60 }

func alertWindows(c *catalog.Catalog, period time.Duration) []slo.AlertWindow {
	ws, err := promrules.AlertWindows(c, period)
	if err != nil {
		// The catalog validated its alert windows; fall back to the
		// Workbook's rather than evaluate nothing.
		return slo.DefaultAlertWindows(period)
	}
	return ws
}

// statusWindows lists the windows a status reports: every short and long
// window of the alert pairs, and the hour that time to exhaustion uses.
func statusWindows(windows []slo.AlertWindow) []time.Duration {
	wins := []time.Duration{time.Hour}
	for _, w := range windows {
		wins = append(wins, w.Short, w.Long)
	}
	slices.Sort(wins)
	return slices.Compact(wins)
}

// fillBurn sets the burn rates, the alert pairs and the time to exhaustion
// from the error ratio over each window, whatever the data source.
func (res *Status) fillBurn(windows []slo.AlertWindow, wins []time.Duration, samples map[time.Duration]slo.WindowSample, objective, minEvents float64, period time.Duration) {
	for _, w := range wins {
		smp := samples[w]
		br := BurnRate{Window: slo.FormatDuration(w), ErrorRatio: smp.ErrorRatio, Events: smp.Events, OK: smp.OK}
		if smp.OK {
			br.BurnRate = slo.BurnRate(smp.ErrorRatio, objective)
		}
		res.BurnRates = append(res.BurnRates, br)
	}
	for _, w := range windows {
		res.Alerts = append(res.Alerts, AlertState{
			Name: w.Name, Severity: string(w.Severity), Short: slo.FormatDuration(w.Short), Long: slo.FormatDuration(w.Long),
			Threshold: w.Factor,
			Firing:    w.Fires(samples[w.Short], samples[w.Long], objective, minEvents),
		})
	}
	if h := samples[time.Hour]; res.OK && h.OK {
		if d, ok := slo.TimeToExhaustion(res.Remaining, slo.BurnRate(h.ErrorRatio, objective), period); ok {
			res.Exhaustion = duration(d)
		}
	}
}

// EvaluateAll evaluates every SLO of the catalog from the store, of one
// service when service is not empty, sorted by remaining budget, worst
// first (no data last).
func EvaluateAll(ctx context.Context, st *store.Store, c *catalog.Catalog, service string, at time.Time) ([]Status, error) {
	return EvaluateAllWith(ctx, st, nil, c, service, at)
}

// sortWorstFirst orders statuses by remaining budget, worst first, those
// without data last.
func sortWorstFirst(out []Status) {
	slices.SortStableFunc(out, func(a, b Status) int {
		switch {
		case a.OK != b.OK:
			if a.OK {
				return -1
			}
			return 1
		case a.Remaining < b.Remaining:
			return -1
		case a.Remaining > b.Remaining:
			return 1
		}
		return 0
	})
}
