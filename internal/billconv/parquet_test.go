package billconv

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/parquetrec/parquettest"
)

func csvToParquet(t testing.TB, data []byte) []byte {
	t.Helper()
	pq, err := parquettest.FromCSV(data)
	if err != nil {
		t.Fatal(err)
	}
	return pq
}

// rowsText reads every row of r as text.
func rowsText(t testing.TB, r Reader) []string {
	t.Helper()
	var out []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, rowText(row))
	}
}

func rowText(r *focus.Row) string {
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", r.Line, r.ProviderName, r.BillingAccountID,
		r.SubAccountID, r.BillingPeriodStart, r.ChargePeriodStart, r.ChargePeriodEnd, r.BilledCost, r.EffectiveCost, r.ListCost,
		r.ContractedCost, r.ChargeCategory, r.ServiceName, r.ServiceCategory, r.ResourceID, r.Tags, r.CommitmentDiscountID,
		r.CommitmentDiscountStatus, r.PricingQuantity)
}

// TestParquet reads samples of each format converted to Parquet: the rows
// equal the CSV's, whether the Parquet file comes as a file, in memory, as
// a stream (spooled to a temporary file and removed) or gzipped.
func TestParquet(t *testing.T) {
	for _, tc := range []struct{ path, format string }{
		{"focus/focus_sample_1000.csv.gz", "focus-1.0"},
		{"aws/focus_converters_sample-anonymous-aws-cur-export.csv.gz", "aws-cur"},
		{"azure/EA_AmortizedCost_Small.csv", "azure-ea-amortized"},
		{"azure/koku_azure_export_camelCased.csv", "azure-payg"},
		{"gcp/koku_gcp_billing_export_2022-08.csv", "gcp-billing"},
		{"oci/focus_converters_oci_reports_cost.csv.gz", "oci"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join("testdata", tc.path)
			csvReader, _ := readAll(t, path)
			want := rowsText(t, mustReader(t, bytes.NewReader(readFile(t, path))))
			if len(want) == 0 {
				t.Fatal("no rows in the CSV")
			}
			pq := csvToParquet(t, readFile(t, path))
			file := filepath.Join(t.TempDir(), "export.parquet")
			if err := os.WriteFile(file, pq, 0o600); err != nil {
				t.Fatal(err)
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(pq)
			zw.Close()
			inputs := map[string]func() io.Reader{
				"file": func() io.Reader {
					f, err := os.Open(file)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { f.Close() })
					return f
				},
				"bytes":  func() io.Reader { return bytes.NewReader(pq) },
				"stream": func() io.Reader { return io.MultiReader(bytes.NewReader(pq)) },
				"gzip":   func() io.Reader { return bytes.NewReader(gz.Bytes()) },
			}
			for name, input := range inputs {
				before := tempFiles(t)
				r := mustReader(t, input())
				if got := r.Format(); got != csvReader.Format()+"-parquet" || !strings.HasPrefix(got, tc.format) {
					t.Errorf("%s: Format() = %q; want %q", name, got, csvReader.Format()+"-parquet")
				}
				got := rowsText(t, r)
				if len(got) != len(want) {
					t.Fatalf("%s: %d rows; want %d", name, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s: row %d:\n got %s\nwant %s", name, i+1, got[i], want[i])
					}
				}
				c, ok := r.(io.Closer)
				if !ok {
					t.Fatalf("%s: a Parquet reader has no Close", name)
				}
				if err := c.Close(); err != nil {
					t.Fatalf("%s: Close: %v", name, err)
				}
				if after := tempFiles(t); after != before {
					t.Errorf("%s: %d temporary files left behind", name, after-before)
				}
			}
		})
	}
}

func mustReader(t testing.TB, r io.Reader) Reader {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return rd
}

// tempFiles counts the Parquet spool files in the temporary directory.
func tempFiles(t testing.TB) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "kiban-parquet-*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func TestParquetNotAnExport(t *testing.T) {
	pq := csvToParquet(t, []byte("name,amount\nx,1\n"))
	_, err := NewReader(bytes.NewReader(pq))
	if err == nil || !strings.Contains(err.Error(), "the header starts") {
		t.Errorf("a Parquet file of other columns: %v; want the unknown-format error", err)
	}
	if _, err := NewReader(strings.NewReader("PAR1 but not really")); err == nil {
		t.Error("a broken Parquet file was read")
	}
	if n := tempFiles(t); n != 0 {
		t.Errorf("%d temporary files left behind", n)
	}
}
