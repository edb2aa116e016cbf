package cost

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// TestDetectAnomalies injects spikes into ten weeks of noisy, weekly
// seasonal cost of 24 series, and measures precision and recall.
func TestDetectAnomalies(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *store.Store, _ *ownership.Resolver) {
		ctx := t.Context()
		rng := rand.New(rand.NewPCG(7, 11))
		start := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC) // a Monday
		evalFrom := start.AddDate(0, 0, 56)                  // 8 weeks of history
		evalTo := evalFrom.AddDate(0, 0, 14)
		type spike struct {
			series int
			day    int // days after evalFrom
			factor float64
		}
		// Ten real spikes (2.5x to 8x on series of 40 to 600 a day), and
		// four on tiny series (2 a day) that are noise, not money.
		real := []spike{{0, 1, 8}, {3, 2, 2.5}, {5, 4, 3}, {7, 5, 4}, {9, 7, 6}, {11, 8, 2.5}, {13, 10, 5}, {15, 11, 3}, {17, 12, 4}, {19, 13, 7}}
		noise := []spike{{20, 3, 5}, {21, 6, 8}, {22, 9, 4}, {23, 12, 6}}
		factor := map[[2]int]float64{}
		for _, s := range append(append([]spike{}, real...), noise...) {
			factor[[2]int{s.series, s.day}] = s.factor
		}
		var daily []store.CostDaily
		var resources []store.CostResource
		periods := map[store.CostPeriod]bool{}
		for i := range 24 {
			base := 40 + float64(i)*25 // 40 .. 615
			if i >= 20 {
				base = 2
			}
			service := fmt.Sprintf("svc-%02d", i)
			for d := start; d.Before(evalTo); d = d.AddDate(0, 0, 1) {
				v := base * (0.9 + 0.2*rng.Float64())
				if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
					v *= 0.6
				}
				if f, ok := factor[[2]int{i, int(d.Sub(evalFrom).Hours() / 24)}]; ok && !d.Before(evalFrom) {
					v *= f
				}
				p := store.CostPeriod{Provider: "AWS", BillingAccount: "1", BillingPeriod: d.Format("2006-01") + "-01"}
				periods[p] = true
				amount := decimal.NewFromFloat(v).Round(4)
				daily = append(daily, store.CostDaily{CostPeriod: p, Day: d.Format(time.DateOnly), Service: service, Team: "growth",
					ServiceCategory: "Compute", ChargeCategory: "Usage", Currency: "USD", Billed: amount.String(), Effective: amount.String(),
					List: amount.String(), Contracted: amount.String(), Rows: 3})
				// Three resources share the cost; a spike is all in r-1.
				third := decimal.NewFromFloat(base / 3).Round(4)
				r1 := amount.Sub(third.Mul(decimal.NewFromInt(2)))
				for r, v := range []decimal.Decimal{third, r1, third} {
					resources = append(resources, store.CostResource{CostPeriod: p, Day: d.Format(time.DateOnly),
						ResourceID: fmt.Sprintf("%s/r-%d", service, r), Service: service, Team: "growth", ServiceName: "Amazon EC2",
						ServiceCategory: "Compute", Tagged: true, Currency: "USD", Billed: v.String(), Effective: v.String(), List: v.String(), Rows: 1})
				}
			}
		}
		var ps []store.CostPeriod
		for p := range periods {
			ps = append(ps, p)
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ImportCost(ctx, store.CostImport{Source: "synthetic", Format: "test", Periods: ps, Totals: json.RawMessage(`[]`), Actor: "test"}, store.CostData{Daily: daily, ResourceMonths: ResourceMonths(resources)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		found, err := DetectAnomalies(ctx, st, evalFrom, evalTo, AnomalyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		truth := map[string]bool{}
		for _, s := range real {
			truth[fmt.Sprintf("svc-%02d %s", s.series, evalFrom.AddDate(0, 0, s.day).Format(time.DateOnly))] = true
		}
		tp, fp := 0, 0
		for _, a := range found {
			if truth[a.Service+" "+a.Day] {
				tp++
				if len(a.TopResources) == 0 || a.TopResources[0].ResourceID != a.Service+"/r-1" {
					t.Errorf("%s %s: top resources %v; want %s/r-1 first", a.Service, a.Day, a.TopResources, a.Service)
				}
			} else {
				fp++
				t.Logf("false positive: %s %s cost %s expected %s score %.1f", a.Service, a.Day, a.Cost, a.Expected, a.Score)
			}
		}
		precision := float64(tp) / float64(max(tp+fp, 1))
		recall := float64(tp) / float64(len(real))
		t.Logf("anomalies: %d found, %d true of %d injected (+%d tiny spikes that must be ignored): precision %.2f, recall %.2f",
			len(found), tp, len(real), len(noise), precision, recall)
		if precision < 0.9 || recall < 0.9 {
			t.Errorf("precision %.2f, recall %.2f; want both >= 0.9", precision, recall)
		}

		// One message per anomaly, once.
		c, err := catalog.Load(ctx, "testdata/org")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := NotifyAnomalies(ctx, st, c, found, "", "https://kiban.example"); err != nil {
				t.Fatal(err)
			}
		}
		if msgs, _ := st.Messages(ctx, "growth", 0); len(msgs) != len(found) {
			t.Errorf("%d messages for %d anomalies", len(msgs), len(found))
		}
	})
}
