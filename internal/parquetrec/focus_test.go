package parquetrec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// focusSample is the FOCUS 1.0 sample the focus package tests with: 1000
// anonymized rows from maxjahn/FOCUS-Sample-Data (CC BY 4.0).
var focusSample = filepath.Join("..", "focus", "testdata", "focus_sample_1000.csv")

// The sample's numeric columns, with their scale in the sample's SQL DDL
// (decimal(18,11), and decimal(32,15) for ConsumedQuantity), and its
// timestamps. ListUnitPrice is a varchar there and stays a string.
var (
	focusDecimals = map[string]int{
		"BilledCost": 11, "ContractedCost": 11, "ContractedUnitPrice": 11, "EffectiveCost": 11,
		"ListCost": 11, "PricingQuantity": 11, "ConsumedQuantity": 15,
	}
	focusTimes = map[string]bool{
		"BillingPeriodStart": true, "BillingPeriodEnd": true, "ChargePeriodStart": true, "ChargePeriodEnd": true,
	}
)

// readCSV reads the CSV file at path.
func readCSV(tb testing.TB, path string) (data []byte, header []string, records [][]string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return data, all[0], all[1:]
}

// focusParquet converts FOCUS CSV records into a Parquet file shaped like an
// AWS Data Exports FOCUS export: the numeric columns DECIMAL(38,scale) on a
// 16-byte FIXED_LEN_BYTE_ARRAY, or DOUBLE when double is set; timestamps
// TIMESTAMP(MICROS, UTC); Tags MAP<string,string>; Id an unsigned INT64; the
// other columns optional strings. The CSV's NULL is a Parquet NULL. copies
// repeats the records, with Ids made unique.
func focusParquet(tb testing.TB, header []string, records [][]string, double bool, copies int, options ...parquet.WriterOption) []byte {
	tb.Helper()
	var fields []any
	for _, name := range header {
		var node parquet.Node
		switch {
		case name == "Id":
			node = parquet.Uint(64)
		case name == "Tags":
			node = parquet.Optional(parquet.Map(parquet.String(), parquet.Optional(parquet.String())))
		case focusTimes[name]:
			node = parquet.Optional(parquet.Timestamp(parquet.Microsecond))
		case focusDecimals[name] > 0 && double:
			node = parquet.Optional(parquet.Leaf(parquet.DoubleType))
		case focusDecimals[name] > 0:
			node = parquet.Optional(parquet.Decimal(focusDecimals[name], 38, parquet.FixedLenByteArrayType(16)))
		default:
			node = parquet.Optional(parquet.String())
		}
		fields = append(fields, name, node)
	}
	rows := make([]parquet.Row, 0, len(records)*copies)
	for copy := range copies {
		for i, rec := range records {
			row, err := focusRow(header, rec, double, uint64(copy)*1_000_000)
			if err != nil {
				tb.Fatalf("record %d: %v", i+1, err)
			}
			rows = append(rows, row)
		}
	}
	return writeRows(tb, newSchema(fields...), rows, options...)
}

// focusRow converts one CSV record into a Parquet row of focusParquet's
// schema.
func focusRow(header, rec []string, double bool, idOffset uint64) (parquet.Row, error) {
	var row parquet.Row
	col := 0
	for j, name := range header {
		v := rec[j]
		switch {
		case name == "Tags":
			tags, err := orderedTags(v)
			if err != nil {
				return nil, err
			}
			switch {
			case tags == nil:
				row = append(row, null.Level(0, 0, col), null.Level(0, 0, col+1))
			case len(tags) == 0:
				row = append(row, null.Level(0, 1, col), null.Level(0, 1, col+1))
			default:
				for i, kv := range tags {
					row = append(row, str(kv[0]).Level(min(i, 1), 2, col))
				}
				for i, kv := range tags {
					row = append(row, str(kv[1]).Level(min(i, 1), 3, col+1))
				}
			}
			col += 2
			continue
		case name == "Id":
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, err
			}
			row = append(row, parquet.Int64Value(int64(id+idOffset)).Level(0, 0, col))
		case v == "NULL":
			row = append(row, null.Level(0, 0, col))
		case focusTimes[name]:
			t, err := time.Parse(time.DateTime, v)
			if err != nil {
				return nil, err
			}
			row = append(row, parquet.Int64Value(t.UnixMicro()).Level(0, 1, col))
		case focusDecimals[name] > 0 && double:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, err
			}
			row = append(row, parquet.DoubleValue(f).Level(0, 1, col))
		case focusDecimals[name] > 0:
			x, ok := new(big.Rat).SetString(v)
			if !ok {
				return nil, fmt.Errorf("%s: %q is not a number", name, v)
			}
			x.Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(focusDecimals[name])), nil)))
			if !x.IsInt() {
				return nil, fmt.Errorf("%s: %q has more than %d decimals", name, v, focusDecimals[name])
			}
			row = append(row, fixedDecimal(x.Num().String()).Level(0, 1, col))
		default:
			row = append(row, str(v).Level(0, 1, col))
		}
		col++
	}
	return row, nil
}

// orderedTags returns the entries of a JSON object of strings in their
// order: nil for NULL, empty for {}.
func orderedTags(s string) ([][2]string, error) {
	if s == "NULL" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("Tags %q is not a JSON object", s)
	}
	tags := [][2]string{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		v, err := dec.Token()
		if err != nil {
			return nil, err
		}
		vs, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("Tags %q: value %v is not a string", s, v)
		}
		tags = append(tags, [2]string{k.(string), vs})
	}
	return tags, nil
}

func rat(tb testing.TB, s string) *big.Rat {
	tb.Helper()
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		tb.Fatalf("%q is not a decimal number", s)
	}
	return x
}

// readFocus reads a FOCUS CSV export with the focus package's reader.
func readFocus(tb testing.TB, data []byte) []focus.Row {
	tb.Helper()
	r, err := focus.NewReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	var rows []focus.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, *row)
	}
}

// TestFocusSampleRoundTrip converts the FOCUS sample CSV into Parquet as AWS
// Data Exports would write it, reads it back, and checks that the records are
// the CSV's: the same text for strings and ids, the same numbers and instants,
// the same tags, and the same rows for the focus package's reader.
func TestFocusSampleRoundTrip(t *testing.T) {
	csvData, header, records := readCSV(t, focusSample)
	fromCSV := readFocus(t, csvData)
	for _, tt := range []struct {
		name   string
		double bool
	}{
		{"decimal(38,scale) costs", false},
		{"double costs", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := focusParquet(t, header, records, tt.double, 1, parquet.MaxRowsPerRowGroup(300))
			gotHeader, got := readAll(t, data)
			if diff := cmp.Diff(header, gotHeader); diff != "" {
				t.Fatalf("header (-CSV +Parquet):\n%s", diff)
			}
			if len(got) != len(records) {
				t.Fatalf("read %d records, the CSV has %d", len(got), len(records))
			}
			csvSum, gotSum := new(big.Rat), new(big.Rat)
			for i, rec := range records {
				for j, name := range header {
					want, v := rec[j], got[i][j]
					switch {
					case want == "NULL":
						if v != "" {
							t.Errorf("line %d %s: %q, want empty for NULL", i+2, name, v)
						}
					case focusDecimals[name] > 0:
						if rat(t, v).Cmp(rat(t, want)) != 0 {
							t.Errorf("line %d %s: %q, want the number %s", i+2, name, v, want)
						}
					case focusTimes[name]:
						w, err := time.Parse(time.DateTime, want)
						if err != nil {
							t.Fatal(err)
						}
						g, err := time.Parse(time.RFC3339, v)
						if err != nil || !g.Equal(w) {
							t.Errorf("line %d %s: %q (%v), want the instant %s", i+2, name, v, err, want)
						}
					case name == "Tags":
						var compact bytes.Buffer
						if err := json.Compact(&compact, []byte(want)); err != nil {
							t.Fatal(err)
						}
						if v != compact.String() {
							t.Errorf("line %d Tags: %q, want %q", i+2, v, compact.String())
						}
					default:
						if v != want {
							t.Errorf("line %d %s: %q, want %q", i+2, name, v, want)
						}
					}
					if name == "BilledCost" {
						csvSum.Add(csvSum, rat(t, want))
						gotSum.Add(gotSum, rat(t, v))
					}
				}
			}
			if csvSum.Cmp(gotSum) != 0 {
				t.Errorf("sum of BilledCost = %s, the CSV's is %s", gotSum.FloatString(11), csvSum.FloatString(11))
			}

			// The records, written as CSV, read as the same FOCUS rows.
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			_ = w.Write(gotHeader)
			if err := w.WriteAll(got); err != nil {
				t.Fatal(err)
			}
			fromParquet := readFocus(t, buf.Bytes())
			diff := cmp.Diff(fromCSV, fromParquet,
				cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
				cmpopts.IgnoreFields(focus.Row{}, "Tags"))
			if diff != "" {
				t.Errorf("focus rows (-CSV +Parquet):\n%s", diff)
			}
			for i := range fromCSV {
				want, err1 := focus.ParseTags(fromCSV[i].Tags)
				got, err2 := focus.ParseTags(fromParquet[i].Tags)
				if err1 != nil || err2 != nil || !cmp.Equal(want, got) {
					t.Errorf("line %d: tags %v (%v), want %v (%v)", fromCSV[i].Line, got, err2, want, err1)
				}
			}
		})
	}
}
