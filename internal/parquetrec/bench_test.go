package parquetrec

import (
	"bytes"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// BenchmarkRead reads a FOCUS export of 100,000 rows: the 1000-row FOCUS
// sample repeated 100 times (with unique Ids), shaped as focusParquet writes
// it, Snappy-compressed, in row groups of 20,000 rows.
func BenchmarkRead(b *testing.B) {
	_, header, records := readCSV(b, focusSample)
	for _, bb := range []struct {
		name   string
		double bool
	}{
		{"costs=decimal", false},
		{"costs=double", true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			data := focusParquet(b, header, records, bb.double, 100,
				parquet.MaxRowsPerRowGroup(20_000), parquet.Compression(&parquet.Snappy))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				r, err := Open(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					rows++
				}
			}
			if rows != 100*len(records)*b.N {
				b.Fatalf("read %d rows, want %d", rows, 100*len(records)*b.N)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
