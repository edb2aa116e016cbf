package cost

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// BenchmarkImport imports a month of daily cost shaped like the 1,000-row
// FOCUS sample (each of its rows on each of the 30 days of September 2024,
// for two copies of every resource: 60,000 rows, 62 MB) into a fresh
// SQLite database.
//
//	go test -run '^$' -bench Import -benchtime 5x ./internal/cost
func BenchmarkImport(b *testing.B) {
	data := monthOfSample(b, 2)
	cat, err := catalog.Load(b.Context(), "testdata/org")
	if err != nil {
		b.Fatal(err)
	}
	res := ownership.New(cat)
	slog.SetDefault(slog.New(slog.DiscardHandler)) // no migration logs amid the results
	b.SetBytes(int64(len(data)))
	rows := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		st, err := store.Open(b.Context(), "sqlite:"+filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := Import(b.Context(), st, bytes.NewReader(data), Options{Source: "bench.csv", Actor: "bench", Resolver: res})
		if err != nil {
			b.Fatal(err)
		}
		rows += r.Rows
		st.Close()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// monthOfSample writes each row of the FOCUS sample on every day of its
// month, for copies copies of each resource (their ids suffixed with the
// copy's number).
func monthOfSample(tb testing.TB, copies int) []byte {
	raw, err := os.ReadFile(sample)
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	id, start, end := slices.Index(recs[0], "ResourceId"), slices.Index(recs[0], "ChargePeriodStart"), slices.Index(recs[0], "ChargePeriodEnd")
	const layout = "2006-01-02 15:04:05"
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(recs[0])
	for k := range copies {
		for day := 1; day <= 30; day++ {
			for _, rec := range recs[1:] {
				out := slices.Clone(rec)
				if out[id] != "" {
					out[id] += fmt.Sprintf("-%d", k)
				}
				from, err1 := time.Parse(layout, rec[start])
				to, err2 := time.Parse(layout, rec[end])
				if err1 != nil || err2 != nil {
					tb.Fatalf("sample charge period %q to %q", rec[start], rec[end])
				}
				shift := time.Duration(day-from.Day()) * 24 * time.Hour
				out[start], out[end] = from.Add(shift).Format(layout), to.Add(shift).Format(layout)
				_ = w.Write(out)
			}
		}
	}
	w.Flush()
	return buf.Bytes()
}
