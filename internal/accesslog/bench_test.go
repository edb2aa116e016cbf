package accesslog

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// benchLog joins lines into a log of about 1 MiB.
func benchLog(lines func(int) []string) []byte {
	var b bytes.Buffer
	all := lines(4000)
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString(all[i%len(all)])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// benchmarkFormat reads a 1 MiB log per iteration; b.SetBytes makes the
// result MB/s.
func benchmarkFormat(b *testing.B, f Format, lines func(int) []string) {
	log := benchLog(lines)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		lr := NewReader(bytes.NewReader(log), f)
		for {
			if _, err := lr.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		if st := lr.Stats(); st.Malformed != 0 {
			b.Fatalf("%d malformed lines: %v", st.Malformed, st.Errors)
		}
	}
}

func BenchmarkALB(b *testing.B)   { benchmarkFormat(b, FormatALB, albLines) }
func BenchmarkNginx(b *testing.B) { benchmarkFormat(b, FormatNginx, nginxLines) }
func BenchmarkJSONL(b *testing.B) { benchmarkFormat(b, FormatJSONL, jsonlLines) }

// TestBenchLogs checks that the benchmarks' logs parse, and what into.
func TestBenchLogs(t *testing.T) {
	for _, tt := range []struct {
		f     Format
		lines func(int) []string
	}{{FormatALB, albLines}, {FormatNginx, nginxLines}, {FormatJSONL, jsonlLines}} {
		log := benchLog(tt.lines)
		res := readAll(t, bytes.NewReader(log), tt.f)
		if res.Bad != 0 || len(res.Records) != strings.Count(string(log), "\n") {
			t.Errorf("%s: %d records, %d malformed %v", tt.f, len(res.Records), res.Bad, res.Errors)
		}
	}
}
