package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// TestForecastError measures the month-end cost forecast on the example
// data: October 2026, for the organisation and each team, forecast from
// the data through the 3rd, 7th, 14th and 21st, against the month's
// actual effective cost. docs/cost.md quotes these figures.
func TestForecastError(t *testing.T) {
	dir := generate(t, "-logs=false", "-end", "2026-11-22T12:00:00Z")
	c, err := catalog.Load(t.Context(), "..")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "billing", "focus", "*.csv.gz"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cost.Import(t.Context(), st, f, cost.Options{Source: name, Actor: "test", Resolver: ownership.New(c)})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	days, err := st.CostDays(t.Context(), store.CostQuery{})
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]map[string]decimal.Decimal{}
	for _, d := range days {
		for _, scope := range []string{"organisation", "team " + d.Team} {
			if series[scope] == nil {
				series[scope] = map[string]decimal.Decimal{}
			}
			e, _ := decimal.NewFromString(d.Effective)
			series[scope][d.Day] = series[scope][d.Day].Add(e)
		}
	}
	for _, day := range []int{3, 7, 14, 21} {
		asOf := time.Date(2026, 10, day, 0, 0, 0, 0, time.UTC)
		var sum, worst float64
		n := 0
		for _, s := range series {
			actual := decimal.Zero
			known := map[string]decimal.Decimal{}
			for d, v := range s {
				if d >= "2026-10-01" && d < "2026-11-01" {
					actual = actual.Add(v)
				}
				if d <= asOf.Format(time.DateOnly) {
					known[d] = v
				}
			}
			if !actual.IsPositive() {
				continue
			}
			f := cost.ForecastMonth(known, asOf)
			e, _ := f.MonthEnd.Sub(actual).Div(actual).Abs().Float64()
			sum, worst, n = sum+e, math.Max(worst, e), n+1
		}
		mean := sum / float64(n)
		t.Logf("forecast on October %d: %d series, mean absolute error %.1f%%, worst %.1f%%", day, n, 100*mean, 100*worst)
		if mean > 0.05 || worst > 0.10 {
			t.Errorf("October %d: mean error %.1f%%, worst %.1f%%; want under 5%% and 10%%", day, 100*mean, 100*worst)
		}
	}
}
