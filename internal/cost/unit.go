package cost

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// UnitCost is what a service's good requests cost in a month: its
// effective cost divided by the good events of one of its SLOs.
type UnitCost struct {
	Service  string          `json:"service"`
	SLO      string          `json:"slo"`
	Month    string          `json:"month"`
	Currency string          `json:"currency"`
	Cost     decimal.Decimal `json:"effective_cost"`
	Good     int64           `json:"good_events"`
	// PerMillion is the cost of a million good events; nil without any.
	PerMillion *decimal.Decimal `json:"per_million"`
}

// UnitCosts computes the cost per good request of every service with an
// SLO measured from stored events (access logs, the events API) for the
// month that starts at month: the service's effective cost over the good
// events of its SLO with the most events (journey SLOs are left out: a
// journey's steps belong to several services).
func UnitCosts(ctx context.Context, st *store.Store, c *catalog.Catalog, month time.Time) ([]UnitCost, error) {
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	best := map[string]UnitCost{}
	for _, s := range c.SLOs {
		if s.Spec.Journey != "" {
			continue
		}
		buckets, err := st.Buckets(ctx, []string{catalog.SLIKey(s.ID())}, from, to)
		if err != nil {
			return nil, err
		}
		var good int64
		for _, b := range buckets {
			good += b.Good
		}
		if u, ok := best[s.Spec.Service]; !ok || good > u.Good {
			best[s.Spec.Service] = UnitCost{Service: s.Spec.Service, SLO: s.ID(), Month: from.Format("2006-01"), Good: good}
		}
	}
	out := []UnitCost{}
	for _, svc := range c.Services {
		u, ok := best[svc.Name]
		if !ok {
			continue
		}
		days, err := st.CostDays(ctx, store.CostQuery{Service: svc.Name, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)})
		if err != nil {
			return nil, err
		}
		byCurrency := map[string]decimal.Decimal{}
		for _, d := range days {
			byCurrency[d.Currency] = byCurrency[d.Currency].Add(parse(d.Effective))
		}
		if len(byCurrency) == 0 {
			byCurrency[""] = decimal.Zero
		}
		for cur, total := range byCurrency {
			x := u
			x.Currency, x.Cost = cur, total
			if x.Good > 0 {
				pm := total.Mul(decimal.NewFromInt(1_000_000)).Div(decimal.NewFromInt(x.Good)).Round(4)
				x.PerMillion = &pm
			}
			out = append(out, x)
		}
	}
	return out, nil
}
