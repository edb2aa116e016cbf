package cost

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// GuardStatus is what a monitoring vendor billed on the last day with
// data, against what its MonitoringGuard expects.
type GuardStatus struct {
	Name        string `json:"name"`
	Team        string `json:"team,omitempty"`
	Provider    string `json:"provider"`
	ServiceName string `json:"service_name,omitempty"`
	Day         string `json:"day,omitempty"` // the last day with data
	// Resources is the number of distinct resources billed that day;
	// Expected the guard's count (0: not checked).
	Resources int `json:"resources"`
	Expected  int `json:"expected_resources"`
	// Cost is that day's effective cost; Usual the median of the seven
	// days before.
	Currency string          `json:"currency,omitempty"`
	Cost     decimal.Decimal `json:"cost"`
	Usual    decimal.Decimal `json:"usual"`
	// Breaches say what went beyond the tolerance.
	Breaches []string `json:"breaches"`
}

// Guards evaluates every MonitoringGuard on the last day with data up to
// asOf.
func Guards(ctx context.Context, st *store.Store, c *catalog.Catalog, asOf time.Time) ([]GuardStatus, error) {
	out := []GuardStatus{}
	for _, g := range c.MonitoringGuards {
		rs, err := st.CostResources(ctx, store.CostQuery{Team: g.Spec.Team, Provider: g.Spec.Provider,
			From: asOf.AddDate(0, 0, -14).Format(time.DateOnly), To: asOf.AddDate(0, 0, 1).Format(time.DateOnly)})
		if err != nil {
			return nil, err
		}
		s := GuardStatus{Name: g.Name, Team: g.Spec.Team, Provider: g.Spec.Provider, ServiceName: g.Spec.ServiceName,
			Expected: g.Spec.ExpectedResources, Breaches: []string{}}
		byDay := map[string]decimal.Decimal{}
		ids := map[string]map[string]bool{}
		for _, r := range rs {
			if g.Spec.ServiceName != "" && !strings.EqualFold(r.ServiceName, g.Spec.ServiceName) {
				continue
			}
			byDay[r.Day] = byDay[r.Day].Add(parse(r.Effective))
			if ids[r.Day] == nil {
				ids[r.Day] = map[string]bool{}
			}
			if r.ResourceID != "" {
				ids[r.Day][r.ResourceID] = true
			}
			s.Currency = r.Currency
			if r.Day > s.Day {
				s.Day = r.Day
			}
		}
		if s.Day == "" {
			out = append(out, s)
			continue
		}
		day, _ := time.Parse(time.DateOnly, s.Day)
		s.Resources, s.Cost = len(ids[s.Day]), byDay[s.Day]
		var week []decimal.Decimal
		for i := 1; i <= 7; i++ {
			if v, ok := byDay[day.AddDate(0, 0, -i).Format(time.DateOnly)]; ok {
				week = append(week, v)
			}
		}
		s.Usual = median(week)
		factor := decimal.NewFromFloat(1 + g.Spec.Tolerance/100)
		if s.Expected > 0 && decimal.NewFromInt(int64(s.Resources)).GreaterThan(decimal.NewFromInt(int64(s.Expected)).Mul(factor)) {
			s.Breaches = append(s.Breaches, fmt.Sprintf("%d resources billed, %d expected (+%g%% tolerated)", s.Resources, s.Expected, g.Spec.Tolerance))
		}
		if len(week) >= 3 && s.Usual.IsPositive() && s.Cost.GreaterThan(s.Usual.Mul(factor)) {
			s.Breaches = append(s.Breaches, fmt.Sprintf("%s %s billed, usually %s (+%g%% tolerated)", s.Cost.StringFixed(2), s.Currency,
				s.Usual.StringFixed(2), g.Spec.Tolerance))
		}
		out = append(out, s)
	}
	return out, nil
}

// NotifyGuards queues one chat message per guard and day it was breached,
// to the guard's team (or fallbackTeam for organisation-wide guards).
func NotifyGuards(ctx context.Context, st *store.Store, c *catalog.Catalog, statuses []GuardStatus, fallbackTeam string) (int, error) {
	var msgs []message
	for _, s := range statuses {
		if len(s.Breaches) == 0 {
			continue
		}
		head := fmt.Sprintf("Monitoring bill: %s beyond expectations on %s", s.Provider, s.Day)
		msgs = append(msgs, message{team: cmp.Or(s.Team, fallbackTeam), kind: "cost.guard", dedup: "cost.guard:" + s.Name + ":" + s.Day,
			msg: notify.Message{Text: head, Blocks: []notify.Block{notify.Header(head),
				notify.Section(notify.Escape(strings.Join(s.Breaches, "; ")) + "\nGuard " + notify.Escape(s.Name) +
					": check for a missing tag filter or an agent installed where it should not be.")}}})
	}
	return queueAll(ctx, st, c, msgs)
}
