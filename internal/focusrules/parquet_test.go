package focusrules

import (
	"bytes"
	"os"
	"testing"

	"kiban.dev/kiban/internal/parquetrec/parquettest"
)

// TestParquet validates the FOCUS sample as CSV and as Parquet: every rule
// has the same outcome, failures and first line.
func TestParquet(t *testing.T) {
	data, err := os.ReadFile("../focus/testdata/focus_sample_1000.csv")
	if err != nil {
		t.Fatal(err)
	}
	pq, err := parquettest.FromCSV(data)
	if err != nil {
		t.Fatal(err)
	}
	m := mustModel(t)
	opt := Options{Applicability: []string{ClaimAll}}
	fromCSV, err := m.Validate(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	fromParquet, err := m.Validate(bytes.NewReader(pq), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !fromParquet.Parquet || fromCSV.Parquet || fromParquet.Rows != fromCSV.Rows || fromParquet.Rows != 1000 {
		t.Fatalf("Parquet %v, %d rows; CSV %d rows", fromParquet.Parquet, fromParquet.Rows, fromCSV.Rows)
	}
	failed := 0
	for _, want := range fromCSV.Rules {
		got := fromParquet.Result(want.ID)
		if got.Status != want.Status || got.Failed != want.Failed || got.FirstLine != want.FirstLine {
			t.Errorf("%s: Parquet %s, %d failed from line %d; CSV %s, %d from line %d", want.ID,
				got.Status, got.Failed, got.FirstLine, want.Status, want.Failed, want.FirstLine)
		}
		if want.Status == StatusFail {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no rule fails on the sample: the comparison shows nothing")
	}
}
