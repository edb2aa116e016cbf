package cost

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// TestCommitmentsSpecExamples imports the FOCUS 1.2 specification's worked
// examples of commitment discounts and checks utilisation and coverage
// against what each example shows.
func TestCommitmentsSpecExamples(t *testing.T) {
	for _, tc := range []struct {
		file                  string
		utilization, coverage float64
		purchased, used       string
	}{
		// One hour of a large VM bought (1.50) and used in full.
		{"one_hundred_percent_utilization_without_commitment_discount_flexibility.csv", 1, 1, "1.5", "1.5"},
		// The same commitment unused while a medium VM runs on demand (2.00).
		{"zero_percent_utilization_without_commitment_discount_flexibility.csv", 0, 0, "1.5", "0"},
		// An hour covered (1.00) and half an hour on demand (0.50).
		{"commitment_discount_usage_scenario_4.csv", 1, 0.6667, "0", "1"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
				ctx := t.Context()
				f, err := os.Open(filepath.Join("../focus/testdata/spec_examples", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := Import(ctx, st, f, Options{Source: tc.file, Actor: "test", Resolver: res}); err != nil {
					t.Fatal(err)
				}
				r, err := Commitments(ctx, st, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Commitments) != 1 || len(r.Coverage) != 1 {
					t.Fatalf("report = %+v", r)
				}
				u, c := r.Commitments[0], r.Coverage[0]
				if u.Utilization == nil || *u.Utilization != tc.utilization || u.Purchased.String() != tc.purchased || u.Used.String() != tc.used {
					t.Errorf("commitment = %+v (utilization %v); want utilization %v, purchased %s, used %s", u, deref(u.Utilization), tc.utilization, tc.purchased, tc.used)
				}
				if c.Coverage == nil || *c.Coverage != tc.coverage {
					t.Errorf("coverage = %+v (%v); want %v", c, deref(c.Coverage), tc.coverage)
				}
			})
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestImportSpecExamples imports every worked example of the FOCUS 1.2
// specification; the roll-ups hold what the import counted.
func TestImportSpecExamples(t *testing.T) {
	files, err := filepath.Glob("../focus/testdata/spec_examples/*.csv")
	if err != nil || len(files) != 11 {
		t.Fatalf("spec examples: %d, %v", len(files), err)
	}
	forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Import(t.Context(), st, f, Options{Source: name, Actor: "test", Resolver: res})
			f.Close()
			if err != nil || r.Rows == 0 || r.Skipped != 0 {
				t.Errorf("%s: %+v, %v", filepath.Base(name), r, err)
			}
		}
	})
}
