package incident

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"kiban.dev/kiban/internal/store"
)

// MetricsQuery selects the incidents [Manager.Metrics] counts.
type MetricsQuery struct {
	// By groups rows by "team" (default) or "service"; an incident with
	// several services counts once for each.
	By      string
	Team    string
	Service string
	// From and To are months (first day, UTC): From <= started < To.
	From, To time.Time
}

// Stat is the distribution of one duration, in seconds.
type Stat struct {
	Count  int      `json:"count"`
	Median *float64 `json:"median_seconds"`
	P90    *float64 `json:"p90_seconds"`
}

// ActionStats count a group's action items as of now.
type ActionStats struct {
	Total        int `json:"total"`
	Open         int `json:"open"`
	Overdue      int `json:"overdue"`
	ClosedOnTime int `json:"closed_on_time"`
	ClosedLate   int `json:"closed_late"`
}

// MetricsRow is one group in one month.
type MetricsRow struct {
	Month      string         `json:"month,omitempty"` // YYYY-MM; empty in the total
	Team       string         `json:"team,omitempty"`
	Service    string         `json:"service,omitempty"`
	Incidents  int            `json:"incidents"`
	BySeverity map[string]int `json:"by_severity"`
	// TTA is from declaration to the first action of a person; TTM from
	// the start of impact to monitoring (mitigated), or to resolution when
	// the incident never went through monitoring; TTR from the start of
	// impact to resolution.
	TTA         Stat        `json:"time_to_acknowledge"`
	TTM         Stat        `json:"time_to_mitigate"`
	TTR         Stat        `json:"time_to_resolve"`
	ActionItems ActionStats `json:"action_items"`
}

// Metrics is the incident report of a period.
type Metrics struct {
	From time.Time    `json:"from"`
	To   time.Time    `json:"to"`
	By   string       `json:"by"`
	Rows []MetricsRow `json:"rows"`
	// Total has every selected incident of the period, each counted once.
	Total MetricsRow `json:"total"`
}

// MonthStart is the first instant of t's month, in UTC.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Metrics computes incident counts, durations and action item figures
// per group and month.
func (m *Manager) Metrics(ctx context.Context, q MetricsQuery) (Metrics, error) {
	if q.By == "" {
		q.By = "team"
	}
	if q.By != "team" && q.By != "service" {
		return Metrics{}, fmt.Errorf("%w: by %q is not team or service", ErrInvalid, q.By)
	}
	now := m.now().UTC()
	if q.To.IsZero() {
		q.To = MonthStart(now).AddDate(0, 1, 0)
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, -6, 0)
	}
	if !q.From.Before(q.To) {
		return Metrics{}, fmt.Errorf("%w: from must be before to", ErrInvalid)
	}
	incidents, err := m.store.Incidents(ctx, store.IncidentQuery{Team: q.Team, Service: q.Service, From: q.From, To: q.To,
		Limit: store.MaxIncidentLimit})
	if err != nil {
		return Metrics{}, err
	}
	items, err := m.store.ActionItems(ctx, store.ActionItemQuery{Team: "", CreatedTo: now.Add(time.Hour)})
	if err != nil {
		return Metrics{}, err
	}
	itemsOf := map[int64][]store.ActionItem{}
	for _, a := range items {
		itemsOf[a.IncidentID] = append(itemsOf[a.IncidentID], a)
	}
	today := now.Format(time.DateOnly)

	type key struct{ month, team, service string }
	type acc struct {
		row           MetricsRow
		tta, ttm, ttr []float64
	}
	groups := map[key]*acc{}
	total := &acc{row: MetricsRow{BySeverity: map[string]int{}}}
	add := func(a *acc, in store.Incident) {
		a.row.Incidents++
		a.row.BySeverity[Severity(in.Severity)]++
		if in.AcknowledgedAt != nil {
			a.tta = append(a.tta, in.AcknowledgedAt.Sub(in.OpenedAt).Seconds())
		}
		switch {
		case in.MonitoringAt != nil:
			a.ttm = append(a.ttm, in.MonitoringAt.Sub(in.StartedAt).Seconds())
		case in.ResolvedAt != nil:
			a.ttm = append(a.ttm, in.ResolvedAt.Sub(in.StartedAt).Seconds())
		}
		if in.ResolvedAt != nil {
			a.ttr = append(a.ttr, in.ResolvedAt.Sub(in.StartedAt).Seconds())
		}
		for _, it := range itemsOf[in.ID] {
			s := &a.row.ActionItems
			s.Total++
			switch {
			case it.OnTime():
				s.ClosedOnTime++
			case it.Closed():
				s.ClosedLate++
			default:
				s.Open++
				if it.Overdue(today) {
					s.Overdue++
				}
			}
		}
	}
	for _, in := range incidents {
		month := in.StartedAt.UTC().Format("2006-01")
		var keys []key
		if q.By == "team" {
			keys = []key{{month, in.Team, ""}}
		} else {
			for _, s := range in.Services {
				if q.Service == "" || s == q.Service {
					keys = append(keys, key{month, "", s})
				}
			}
			if len(keys) == 0 {
				keys = []key{{month, "", ""}}
			}
		}
		for _, k := range keys {
			g := groups[k]
			if g == nil {
				g = &acc{row: MetricsRow{Month: k.month, Team: k.team, Service: k.service, BySeverity: map[string]int{}}}
				groups[k] = g
			}
			add(g, in)
		}
		add(total, in)
	}
	finish := func(a *acc) MetricsRow {
		a.row.TTA, a.row.TTM, a.row.TTR = stat(a.tta), stat(a.ttm), stat(a.ttr)
		return a.row
	}
	out := Metrics{From: q.From, To: q.To, By: q.By, Rows: []MetricsRow{}}
	for _, g := range groups {
		out.Rows = append(out.Rows, finish(g))
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if a.Month != b.Month {
			return a.Month > b.Month
		}
		return a.Team+a.Service < b.Team+b.Service
	})
	out.Total = finish(total)
	return out, nil
}

func stat(xs []float64) Stat {
	s := Stat{Count: len(xs)}
	if len(xs) == 0 {
		return s
	}
	slices.Sort(xs)
	med, p90 := Quantile(xs, 0.5), Quantile(xs, 0.9)
	s.Median, s.P90 = &med, &p90
	return s
}

// Quantile is the q-quantile of sorted xs by linear interpolation between
// closest ranks (numpy's default, Hyndman & Fan type 7): the median of an
// even count is the mean of the middle two.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}
