package store

import (
	"encoding/json"
	"fmt"
	"testing"
)

func costDay(period, day, service, billed string) CostDaily {
	return CostDaily{CostPeriod: CostPeriod{Provider: "AWS", BillingAccount: "111", BillingPeriod: period}, Day: day,
		Service: service, Team: "team-" + service, ServiceCategory: "Compute", ChargeCategory: "Usage", Currency: "USD",
		Billed: billed, Effective: billed, List: billed, Contracted: billed, Rows: 1}
}

func TestImportCostReplacesPeriods(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		sep := CostPeriod{Provider: "AWS", BillingAccount: "111", BillingPeriod: "2026-09-01"}
		oct := CostPeriod{Provider: "AWS", BillingAccount: "111", BillingPeriod: "2026-10-01"}
		imp := func(periods []CostPeriod, daily []CostDaily) error {
			return s.InTx(ctx, func(tx *Tx) error {
				_, err := tx.ImportCost(ctx, CostImport{Source: "f.csv", Format: "focus-1.2", Periods: periods, Rows: int64(len(daily)),
					Totals: json.RawMessage(`{"USD": {"billed": "1"}}`), Actor: "test"}, CostData{Daily: daily})
				return err
			})
		}
		// 450 rows: more than two batches.
		var big []CostDaily
		for i := range 450 {
			big = append(big, costDay("2026-09-01", fmt.Sprintf("2026-09-%02d", 1+i%30), fmt.Sprintf("svc-%d", i/30), "0.000001"))
		}
		if err := imp([]CostPeriod{sep}, big); err != nil {
			t.Fatal(err)
		}
		if err := imp([]CostPeriod{oct}, []CostDaily{costDay("2026-10-01", "2026-10-01", "api", "5")}); err != nil {
			t.Fatal(err)
		}
		count := func(q CostQuery) int {
			days, err := s.CostDays(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(days)
		}
		if n := count(CostQuery{}); n != 451 {
			t.Fatalf("rows = %d; want 451", n)
		}
		// September again, smaller: replaced; October untouched.
		if err := imp([]CostPeriod{sep}, []CostDaily{costDay("2026-09-01", "2026-09-02", "api", "7.5")}); err != nil {
			t.Fatal(err)
		}
		if n := count(CostQuery{}); n != 2 {
			t.Errorf("after re-import rows = %d; want 2", n)
		}
		if n := count(CostQuery{Team: "team-api", From: "2026-10-01", To: "2026-11-01"}); n != 1 {
			t.Errorf("October of team-api = %d; want 1", n)
		}
		// A failing import (duplicate key) leaves the data as it was.
		dup := costDay("2026-09-01", "2026-09-03", "x", "1")
		if err := imp([]CostPeriod{sep}, []CostDaily{dup, dup}); err == nil {
			t.Fatal("a duplicate key was accepted")
		}
		days, _ := s.CostDays(ctx, CostQuery{Service: "api", To: "2026-10-01"})
		if len(days) != 1 || days[0].Billed != "7.5" {
			t.Errorf("after a failed import: %+v", days)
		}
		imports, err := s.CostImports(ctx, 0)
		if err != nil || len(imports) != 3 || imports[0].Periods[0] != sep {
			t.Errorf("imports = %+v, %v", imports, err)
		}
	})
}
