package cost

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// TestImportNative imports every native billing sample (AWS CUR, Azure,
// GCP, OCI; see ../billconv/testdata/SOURCES.md) and checks that the
// roll-ups hold every row and every cent the import counted; the
// billconv tests check those totals against independent sums of the
// native cost columns.
func TestImportNative(t *testing.T) {
	var files []string
	for _, dir := range []string{"aws", "azure", "gcp", "oci"} {
		matches, err := filepath.Glob(filepath.Join("../billconv/testdata", dir, "*.csv*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	if len(files) < 11 {
		t.Fatalf("found %d native samples", len(files))
	}
	forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
		for _, f := range files {
			data, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Import(t.Context(), st, data, Options{Source: f, Actor: "test", Resolver: res})
			data.Close()
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if r.Rows == 0 || r.Format == "" || len(r.Totals) == 0 {
				t.Errorf("%s: %+v", f, r)
				continue
			}
			days, err := st.CostDays(t.Context(), store.CostQuery{})
			if err != nil {
				t.Fatal(err)
			}
			// Each file's periods replace what an earlier sample of the same
			// account and month held, so compare this import's own rows.
			billed, rows := map[string]*big.Rat{}, int64(0)
			mine := map[store.CostPeriod]bool{}
			for _, p := range r.Periods {
				mine[p] = true
			}
			for _, d := range days {
				if !mine[d.CostPeriod] {
					continue
				}
				x, _ := new(big.Rat).SetString(d.Billed)
				if billed[d.Currency] == nil {
					billed[d.Currency] = new(big.Rat)
				}
				billed[d.Currency].Add(billed[d.Currency], x)
				rows += d.Rows
			}
			for _, tot := range r.Totals {
				want, _ := new(big.Rat).SetString(tot.Billed.String())
				if got := billed[tot.Currency]; got == nil || got.Cmp(want) != 0 {
					t.Errorf("%s (%s): roll-ups billed %v %s; the import counted %s", f, r.Format, got, tot.Currency, tot.Billed)
				}
			}
			if rows != int64(r.Rows) {
				t.Errorf("%s (%s): roll-ups hold %d rows of %d", f, r.Format, rows, r.Rows)
			}
			t.Logf("%s: %s, %d rows, totals %v", filepath.Base(f), r.Format, r.Rows, r.Totals)
		}
	})
}
