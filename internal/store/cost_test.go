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

// TestCostDaysOutsideTheirPeriod reads days far from their billing
// period's month, before and after it (a late credit, a misdated row):
// ranges of days find them wherever they are billed.
func TestCostDaysOutsideTheirPeriod(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		jan := CostPeriod{Provider: "AWS", BillingAccount: "111", BillingPeriod: "2026-01-01"}
		daily := []CostDaily{costDay("2026-01-01", "2025-10-20", "api", "-3"), costDay("2026-01-01", "2026-01-15", "api", "5"),
			costDay("2026-01-01", "2026-03-05", "api", "7")}
		res := resourceMonth(CostResource{CostPeriod: jan, ResourceID: "r", Service: "api", Team: "team-api", Currency: "USD",
			Billed: "9", Effective: "9", List: "9", Rows: 3}, "2025-10-20", "2026-01-15", "2026-03-05")
		err := s.InTx(ctx, func(tx *Tx) error {
			_, err := tx.ImportCost(ctx, CostImport{Source: "f.csv", Format: "focus-1.2", Periods: []CostPeriod{jan},
				Totals: json.RawMessage(`{}`), Actor: "test"}, CostData{Daily: daily, ResourceMonths: []CostResourceMonth{res}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			from, to string
			want     []string
		}{
			{"2026-03-01", "2026-04-01", []string{"2026-03-05"}},
			{"2025-10-01", "2025-11-01", []string{"2025-10-20"}},
			{"2026-01-01", "2026-02-01", []string{"2026-01-15"}},
			{"2026-02-01", "2026-03-01", nil},
			{"2025-01-01", "2027-01-01", []string{"2025-10-20", "2026-01-15", "2026-03-05"}},
		} {
			q := CostQuery{Team: "team-api", From: tc.from, To: tc.to}
			days, err := s.CostDays(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := s.CostResources(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var gotDays, gotResources []string
			for _, d := range days {
				gotDays = append(gotDays, d.Day)
			}
			for _, r := range rs {
				gotResources = append(gotResources, r.Day)
			}
			if fmt.Sprint(gotDays) != fmt.Sprint(tc.want) || fmt.Sprint(gotResources) != fmt.Sprint(tc.want) {
				t.Errorf("%s to %s: days %v, resource days %v; want %v", tc.from, tc.to, gotDays, gotResources, tc.want)
			}
		}
	})
}

// resourceMonth is a resource's month with a day of 3 for each of days.
func resourceMonth(r CostResource, days ...string) CostResourceMonth {
	m := CostResourceMonth{CostResource: r}
	for _, d := range days {
		m.Days = append(m.Days, CostDay{Day: d, Billed: "3", Effective: "3", List: "3", Rows: 1})
	}
	return m
}
