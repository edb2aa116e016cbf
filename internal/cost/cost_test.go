package cost

import (
	"bytes"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// sample is the FOCUS sample of the focus package's tests: 1,000 real
// anonymised rows of AWS, Microsoft and Oracle, September 2024.
const sample = "../focus/testdata/focus_sample_1000.csv"

func forEachStore(t *testing.T, fn func(t *testing.T, st *store.Store, res *ownership.Resolver)) {
	t.Helper()
	cat, err := catalog.Load(t.Context(), "testdata/org")
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(db, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "kiban.db")
			if db == store.DialectPostgres {
				url = testenv.PostgresURL(t)
			}
			st, err := store.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st, ownership.New(cat))
		})
	}
}

// independentSum adds up a money column of a FOCUS CSV with big.Rat,
// reading the file by hand rather than through the importer.
func independentSum(t *testing.T, data []byte, column string, keep func(fields map[string]string) bool) *big.Rat {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	header := splitCSV(lines[0])
	sum := new(big.Rat)
	for _, line := range lines[1:] {
		fields := map[string]string{}
		for i, v := range splitCSV(line) {
			fields[header[i]] = v
		}
		if keep != nil && !keep(fields) {
			continue
		}
		v := fields[column]
		if v == "" || v == "NULL" {
			continue
		}
		x, ok := new(big.Rat).SetString(v)
		if !ok {
			t.Fatalf("%s = %q is not a number", column, v)
		}
		sum.Add(sum, x)
	}
	return sum
}

// splitCSV splits one line of the sample (quoted fields, no newlines in
// fields, doubled quotes inside).
func splitCSV(line string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '"' && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, strings.TrimRight(cur.String(), "\r"))
}

func ratOf(t *testing.T, s string) *big.Rat {
	t.Helper()
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a number", s)
	}
	return x
}

func TestImportSample(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
		ctx := t.Context()
		r, err := Import(ctx, st, bytes.NewReader(data), Options{Source: "sample.csv", Actor: "test", Resolver: res})
		if err != nil {
			t.Fatal(err)
		}
		if r.Rows != 1000 || r.Skipped != 0 || len(r.Periods) != 4 || len(r.Totals) != 1 || r.Totals[0].Currency != "USD" {
			t.Fatalf("result = %+v", r)
		}
		for _, col := range []struct {
			name string
			got  string
		}{{"BilledCost", r.Totals[0].Billed.String()}, {"EffectiveCost", r.Totals[0].Effective.String()}, {"ListCost", r.Totals[0].List.String()}} {
			if want := independentSum(t, data, col.name, nil); ratOf(t, col.got).Cmp(want) != 0 {
				t.Errorf("total %s = %s; the file sums to %s", col.name, col.got, want.FloatString(12))
			}
		}
		// The roll-ups hold every row and every cent.
		days, err := st.CostDays(ctx, store.CostQuery{})
		if err != nil {
			t.Fatal(err)
		}
		rows, billed := int64(0), new(big.Rat)
		for _, d := range days {
			rows += d.Rows
			billed.Add(billed, ratOf(t, d.Billed))
		}
		if rows != 1000 || billed.Cmp(ratOf(t, r.Totals[0].Billed.String())) != 0 {
			t.Errorf("roll-ups: %d rows, billed %s", rows, billed.FloatString(12))
		}
		// Allocation by each rule, checked against the file.
		if r.Allocated[ownership.RuleTags] == 0 || r.Allocated[ownership.RuleAccount] != 225-countTagged(t, data, "11353890204") ||
			r.Allocated[ownership.RuleResourceID] == 0 || r.Allocated["unallocated"] == 0 {
			t.Errorf("allocated = %v", r.Allocated)
		}
		rep, err := Build(ctx, st, ReportQuery{Service: "ledger", From: day("2024-09-01"), To: day("2024-10-01")})
		if err != nil {
			t.Fatal(err)
		}
		want := independentSum(t, data, "EffectiveCost", func(f map[string]string) bool {
			return f["SubAccountId"] == "11353890204" && !strings.Contains(f["Tags"], "BrightPathMatrix")
		})
		if len(rep.Totals) != 1 || ratOf(t, rep.Totals[0].Effective.String()).Cmp(want) != 0 {
			t.Errorf("ledger effective = %v; the file's rows of account 11353890204 sum to %s", rep.Totals, want.FloatString(12))
		}

		// Importing the same periods again replaces them: totals unchanged.
		if _, err := Import(ctx, st, bytes.NewReader(data), Options{Source: "sample.csv", Actor: "test", Resolver: res}); err != nil {
			t.Fatal(err)
		}
		all, err := Build(ctx, st, ReportQuery{From: day("2024-08-01"), To: day("2024-11-01")})
		if err != nil {
			t.Fatal(err)
		}
		if all.Rows != 1000 || !all.Totals[0].Billed.Equal(r.Totals[0].Billed) {
			t.Errorf("after re-import: %d rows, billed %s; want 1000, %s", all.Rows, all.Totals[0].Billed, r.Totals[0].Billed)
		}
		if len(all.Unallocated) != 1 || len(all.TopUntagged) == 0 || all.TopUntagged[0].Service != "" || len(all.ByTeam) < 3 {
			t.Errorf("organisation report: unallocated %v, top untagged %v, by team %v", all.Unallocated, all.TopUntagged, all.ByTeam)
		}
	})
}

func countTagged(t *testing.T, data []byte, account string) int {
	t.Helper()
	n := 0
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	header := splitCSV(lines[0])
	for _, line := range lines[1:] {
		fields := map[string]string{}
		for i, v := range splitCSV(line) {
			fields[header[i]] = v
		}
		if fields["SubAccountId"] == account && strings.Contains(fields["Tags"], "BrightPathMatrix") {
			n++
		}
	}
	return n
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestImportBadRow(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[500] = strings.Replace(lines[500], `"USD"`, `"USD",`+`"x"`, 1) // one field too many
	bad := []byte(strings.Join(lines, "\n"))
	forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
		ctx := t.Context()
		if _, err := Import(ctx, st, bytes.NewReader(data), Options{Source: "good.csv", Resolver: res, Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		before, _ := st.CostDays(ctx, store.CostQuery{})
		_, err := Import(ctx, st, bytes.NewReader(bad), Options{Source: "bad.csv", Resolver: res, Actor: "test"})
		var ie *ImportError
		if !errors.As(err, &ie) || ie.Err.Line != 501 || !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "--skip-bad-rows") {
			t.Fatalf("err = %v; want an ImportError at line 501", err)
		}
		after, _ := st.CostDays(ctx, store.CostQuery{})
		if len(after) != len(before) {
			t.Errorf("a failed import changed the roll-ups: %d rows, was %d", len(after), len(before))
		}
		r, err := Import(ctx, st, bytes.NewReader(bad), Options{Source: "bad.csv", Resolver: res, Actor: "test", SkipBadRows: true})
		if err != nil || r.Rows != 999 || r.Skipped != 1 || len(r.BadRows) != 1 || !strings.HasPrefix(r.BadRows[0], "line 501") {
			t.Errorf("skip bad rows = %+v, %v", r, err)
		}
	})
}

func TestKeepRawRows(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, st *store.Store, res *ownership.Resolver) {
		ctx := t.Context()
		// Keep 20 days before 2024-09-25: rows of 2024-09-05 and later.
		opts := Options{Source: "sample.csv", Actor: "test", Resolver: res, KeepRawDays: 20, Now: day("2024-09-25")}
		if _, err := Import(ctx, st, bytes.NewReader(data), opts); err != nil {
			t.Fatal(err)
		}
		want := 0
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		header := splitCSV(lines[0])
		for _, line := range lines[1:] {
			for i, v := range splitCSV(line) {
				if header[i] == "ChargePeriodStart" && v[:10] >= "2024-09-05" {
					want++
				}
			}
		}
		rows, err := st.CostRows(ctx, store.CostQuery{}, 100000)
		if err != nil || len(rows) != want || want == 0 {
			t.Errorf("kept %d raw rows, %v; want %d", len(rows), err, want)
		}
		// A later import with a shorter retention prunes them; re-importing
		// the same periods replaces them.
		opts.KeepRawDays, opts.Now = 1, day("2024-10-02")
		if _, err := Import(ctx, st, bytes.NewReader(data), opts); err != nil {
			t.Fatal(err)
		}
		rows, _ = st.CostRows(ctx, store.CostQuery{}, 100000)
		for _, r := range rows {
			if r.Day < "2024-10-01" {
				t.Fatalf("row of %s kept past its retention", r.Day)
			}
		}
	})
}
