package cost

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// Forecast is a month-end projection of effective cost.
type Forecast struct {
	Month string `json:"month"` // YYYY-MM
	// Through is the last day with data; days after it are projected.
	Through  string          `json:"through,omitempty"`
	Actual   decimal.Decimal `json:"actual"`
	MonthEnd decimal.Decimal `json:"month_end"`
	// Method says how the remaining days were projected.
	Method string `json:"method"`
}

// ForecastMonth projects the month of asOf from daily effective costs
// (day → cost). Each day after the last with data is the median cost of
// the last four known days of the same weekday (a seasonal median: robust
// to a one-day spike, and weekends stay weekends), falling back to the
// median of the last 28 days when fewer than two are known.
func ForecastMonth(daily map[string]decimal.Decimal, asOf time.Time) Forecast {
	start := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	f := Forecast{Month: start.Format("2006-01"), Method: "seasonal median: each remaining day is the median of the last 4 known days of the same weekday"}
	var last time.Time
	for d := range daily {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil || t.Before(start) || !t.Before(end) || t.After(asOf) {
			continue
		}
		f.Actual = f.Actual.Add(daily[d])
		if t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		last = start.AddDate(0, 0, -1)
	} else {
		f.Through = last.Format(time.DateOnly)
	}
	f.MonthEnd = f.Actual
	var all []decimal.Decimal
	for d := last.AddDate(0, 0, -27); !d.After(last); d = d.AddDate(0, 0, 1) {
		if v, ok := daily[d.Format(time.DateOnly)]; ok {
			all = append(all, v)
		}
	}
	for d := last.AddDate(0, 0, 1); d.Before(end); d = d.AddDate(0, 0, 1) {
		// The last four known days of the same weekday.
		back := d
		for back.After(last) {
			back = back.AddDate(0, 0, -7)
		}
		var same []decimal.Decimal
		for w := 0; w < 4; w++ {
			if v, ok := daily[back.AddDate(0, 0, -7*w).Format(time.DateOnly)]; ok {
				same = append(same, v)
			}
		}
		if len(same) < 2 {
			same = all
		}
		f.MonthEnd = f.MonthEnd.Add(median(same))
	}
	return f
}

func median(xs []decimal.Decimal) decimal.Decimal {
	if len(xs) == 0 {
		return decimal.Zero
	}
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return s[len(s)/2-1].Add(s[len(s)/2]).Div(decimal.NewFromInt(2))
}

// BudgetStatus is where a budget stands in a month.
type BudgetStatus struct {
	Name     string          `json:"name"`
	Team     string          `json:"team,omitempty"`
	Service  string          `json:"service,omitempty"`
	Owner    string          `json:"owner"`
	Currency string          `json:"currency"`
	Amount   decimal.Decimal `json:"amount"`
	Forecast Forecast        `json:"forecast"`
	// ActualPercent and ForecastPercent are of the amount.
	ActualPercent   float64 `json:"actual_percent"`
	ForecastPercent float64 `json:"forecast_percent"`
	// Crossed lists the thresholds reached, as "actual 80%" or
	// "forecast 100%".
	Crossed []string `json:"crossed"`
}

// BudgetDay is the day budgets are evaluated on for month (YYYY-MM): its
// last day, or now while the month runs; now when month is empty.
func BudgetDay(month string, now time.Time) (time.Time, error) {
	if month == "" {
		return now, nil
	}
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return time.Time{}, fmt.Errorf("month: %q is not a month, YYYY-MM", month)
	}
	if end := m.AddDate(0, 1, -1); end.Before(now) {
		return end, nil
	}
	return now, nil
}

// Budgets evaluates every CostBudget of the catalog for the month of
// asOf from the daily roll-ups.
func Budgets(ctx context.Context, st *store.Store, c *catalog.Catalog, asOf time.Time) ([]BudgetStatus, error) {
	asOf = asOf.UTC()
	from := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -35)
	out := []BudgetStatus{}
	span := store.CostQuery{From: from.Format(time.DateOnly), To: asOf.AddDate(0, 0, 1).Format(time.DateOnly)}
	shared := sharedServices(c)
	var all []store.CostDaily
	if len(shared) > 0 && len(c.CostBudgets) > 0 {
		// Budgets see shared costs split as reports do.
		days, err := st.CostDays(ctx, span)
		if err != nil {
			return nil, err
		}
		all = splitShared(days, shared, c, "", "")
	}
	for _, b := range c.CostBudgets {
		var days []store.CostDaily
		if all != nil {
			days = selectDays(slices.Clone(all), b.Spec.Team, b.Spec.Service)
		} else {
			q := span
			q.Team, q.Service = b.Spec.Team, b.Spec.Service
			var err error
			if days, err = st.CostDays(ctx, q); err != nil {
				return nil, err
			}
		}
		daily := map[string]decimal.Decimal{}
		for _, d := range days {
			if d.Currency != b.Spec.Currency {
				continue
			}
			daily[d.Day] = daily[d.Day].Add(parse(d.Effective))
		}
		amount, err := decimal.NewFromString(b.Spec.Amount)
		if err != nil {
			return nil, fmt.Errorf("cost budget %s: amount %q: %w", b.Name, b.Spec.Amount, err)
		}
		s := BudgetStatus{Name: b.Name, Team: b.Spec.Team, Service: b.Spec.Service, Owner: b.Owner(c), Currency: b.Spec.Currency,
			Amount: amount, Forecast: ForecastMonth(daily, asOf), Crossed: []string{}}
		if amount.IsPositive() {
			s.ActualPercent = percent(s.Forecast.Actual, amount)
			s.ForecastPercent = percent(s.Forecast.MonthEnd, amount)
		}
		for _, t := range b.Spec.Thresholds {
			switch {
			case t.Actual > 0 && s.ActualPercent >= t.Actual:
				s.Crossed = append(s.Crossed, fmt.Sprintf("actual %g%%", t.Actual))
			case t.Forecast > 0 && s.ForecastPercent >= t.Forecast:
				s.Crossed = append(s.Crossed, fmt.Sprintf("forecast %g%%", t.Forecast))
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func percent(x, of decimal.Decimal) float64 {
	p, _ := x.Div(of).Mul(decimal.NewFromInt(100)).Round(1).Float64()
	return p
}
