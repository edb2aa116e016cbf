package focus

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// readAll reads every row of data, copying the rows, and collects the row
// errors; any other error fails the test.
func readAll(t *testing.T, data []byte) (*Reader, []Row, []*RowError) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	var rowErrs []*RowError
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, *row)
	}
	return r, rows, rowErrs
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func findTolerance(r *Reader, kind string) (Tolerance, bool) {
	for _, t := range r.Tolerated() {
		if t.Kind == kind {
			return t, true
		}
	}
	return Tolerance{}, false
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// ratSums sums the named money columns of a CSV file per ProviderName with
// math/big, independently of the reader: NULL and empty count as zero.
func ratSums(t *testing.T, data []byte, columns []string) (map[string][]*big.Rat, map[string]int) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	sums := map[string][]*big.Rat{}
	counts := map[string]int{}
	for _, rec := range recs[1:] {
		p := rec[col["ProviderName"]]
		counts[p]++
		for _, key := range []string{p, ""} {
			if sums[key] == nil {
				for range columns {
					sums[key] = append(sums[key], new(big.Rat))
				}
			}
			for j, c := range columns {
				v := rec[col[c]]
				if v == "" || strings.EqualFold(v, "NULL") {
					continue
				}
				x, ok := new(big.Rat).SetString(v)
				if !ok {
					t.Fatalf("%s %q is not a number", c, v)
				}
				sums[key][j].Add(sums[key][j], x)
			}
		}
	}
	return sums, counts
}

func TestSample1000(t *testing.T) {
	data := readFile(t, "focus_sample_1000.csv")
	r, rows, rowErrs := readAll(t, data)
	if len(rowErrs) > 0 {
		t.Fatalf("row errors: %v", rowErrs)
	}
	if len(rows) != 1000 {
		t.Fatalf("read %d rows, want 1000", len(rows))
	}
	if got := r.Extra(); !reflect.DeepEqual(got, []string{"AvailabilityZone", "ContractedUnitPrice", "ListUnitPrice", "RegionName", "Id", "SkuPriceId"}) {
		t.Errorf("Extra() = %q", got)
	}
	if got := len(r.Columns()); got != 44 {
		t.Errorf("len(Columns()) = %d, want 44", got)
	}
	if got := r.Version(); got != "1.0" {
		t.Errorf("Version() = %q, want 1.0", got)
	}

	null, ok := findTolerance(r, TolNULL)
	if !ok || null.FirstLine != 2 || null.Count == 0 || !strings.Contains(null.Example, "NULL") {
		t.Errorf("NULL tolerance = %+v, %v; want first line 2", null, ok)
	}
	noTZ, ok := findTolerance(r, TolTimestampNoTZ)
	// 4 timestamp columns on each of the 1000 rows.
	if !ok || noTZ.FirstLine != 2 || noTZ.Count != 4000 || !strings.Contains(noTZ.Example, "2024-") {
		t.Errorf("timestamp tolerance = %+v, %v; want 4000 from line 2", noTZ, ok)
	}
	for _, tol := range r.Tolerated() {
		switch tol.Kind {
		case TolNULL, TolTimestampNoTZ:
		default:
			t.Errorf("unexpected tolerance %+v", tol)
		}
	}

	first := rows[0]
	want := Row{
		Line:             2,
		BillingAccountID: "1234567890123", BillingAccountName: "SunBird",
		SubAccountID: "51738928782", SubAccountName: "Atlas Nimbus",
		BillingCurrency:    "USD",
		BillingPeriodStart: utc("2024-09-01T00:00:00Z"), BillingPeriodEnd: utc("2024-10-01T00:00:00Z"),
		ChargePeriodStart: utc("2024-09-18T22:00:00Z"), ChargePeriodEnd: utc("2024-09-18T23:00:00Z"),
		ChargeCategory: "Usage", ChargeDescription: "$0.40 per million Amazon SQS standard requests in Tier1 in US West (Oregon)",
		ChargeFrequency: "Usage-Based",
		ProviderName:    "AWS", PublisherName: "Amazon Web Services, Inc.", InvoiceIssuerName: "Amazon Web Services, Inc.",
		ServiceName: "Amazon Simple Queue Service", ServiceCategory: "Integration",
		ResourceID: "arn:ats:sqs:us-test-2:347410479675:mibelllmel-i-032l64f2065481b12", RegionID: "us-west-2",
		SkuID: "G95FST5FTYV3JSRX", PricingCategory: "Standard", PricingUnit: "Requests", ConsumedUnit: "Requests",
	}
	checkRow(t, first, want, map[string]string{
		"BilledCost": "0.0000008", "EffectiveCost": "0", "ListCost": "0.0000008", "ContractedCost": "0",
		"PricingQuantity": "2", "ConsumedQuantity": "2", "CommitmentDiscountQuantity": "0",
	})
	if rows[1].Tags != `{"application": "BrightLensMatrix", "environment": "dev", "business_unit": "ViennaAI"}` {
		t.Errorf("row 2 Tags = %q", rows[1].Tags)
	}

	// Sums per provider against an independent math/big computation.
	money := []string{"BilledCost", "EffectiveCost", "ListCost", "ContractedCost"}
	want2, counts := ratSums(t, data, money)
	if counts["AWS"] != 942 || counts["Microsoft"] != 51 || counts["Oracle"] != 7 {
		t.Fatalf("independent counts = %v", counts)
	}
	got := map[string][]decimal.Decimal{}
	gotCounts := map[string]int{}
	for _, row := range rows {
		gotCounts[row.ProviderName]++
		for _, key := range []string{row.ProviderName, ""} {
			if got[key] == nil {
				got[key] = make([]decimal.Decimal, len(money))
			}
			for j, d := range []decimal.Decimal{row.BilledCost, row.EffectiveCost, row.ListCost, row.ContractedCost} {
				got[key][j] = got[key][j].Add(d)
			}
		}
	}
	if !reflect.DeepEqual(gotCounts, counts) {
		t.Errorf("rows per provider = %v, want %v", gotCounts, counts)
	}
	for key, sums := range want2 {
		for j, w := range sums {
			if g := got[key][j]; g.Rat().Cmp(w) != 0 {
				t.Errorf("provider %q: sum of %s = %s, want %s", key, money[j], g, w.FloatString(12))
			}
		}
	}
	t.Logf("total BilledCost %s, EffectiveCost %s, ListCost %s", got[""][0], got[""][1], got[""][2])
}

// checkRow compares a row with want, whose decimal fields are given as
// strings in decs (compared by value).
func checkRow(t *testing.T, got, want Row, decs map[string]string) {
	t.Helper()
	gv := reflect.ValueOf(&got).Elem()
	wv := reflect.ValueOf(&want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g := gv.Field(i).Interface()
		if d, ok := g.(decimal.Decimal); ok {
			w, ok := decs[name]
			if !ok {
				w = "0"
			}
			if !d.Equal(dec(w)) {
				t.Errorf("line %d: %s = %s, want %s", got.Line, name, d, w)
			}
			continue
		}
		if w := wv.Field(i).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("line %d: %s = %#v, want %#v", got.Line, name, g, w)
		}
	}
}

func TestSpecExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "spec_examples", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 11 {
		t.Fatalf("found %d spec examples, want 11", len(files))
	}
	wantRows := map[string]int{
		"commitment_discount_purchase_scenario_1":                                               1,
		"commitment_discount_purchase_scenario_2":                                               3,
		"commitment_discount_purchase_scenario_3":                                               4,
		"commitment_discount_usage_scenario_1":                                                  1,
		"commitment_discount_usage_scenario_2":                                                  1,
		"commitment_discount_usage_scenario_3":                                                  2,
		"commitment_discount_usage_scenario_4":                                                  2,
		"one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource":  3,
		"one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources": 3,
		"one_hundred_percent_utilization_without_commitment_discount_flexibility":               2,
		"zero_percent_utilization_without_commitment_discount_flexibility":                      3,
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".csv")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, rows, rowErrs := readAll(t, data)
			if len(rowErrs) > 0 {
				t.Fatalf("row errors: %v", rowErrs)
			}
			if len(rows) != wantRows[name] {
				t.Fatalf("read %d rows, want %d", len(rows), wantRows[name])
			}
			// CommitmentDiscountQuantity and CommitmentDiscountUnit are FOCUS 1.1 columns.
			if got := r.Version(); got != "1.1" {
				t.Errorf("Version() = %q, want 1.1", got)
			}
			if _, ok := findTolerance(r, TolNoProviderName); !ok {
				t.Errorf("no %q tolerance in %+v", TolNoProviderName, r.Tolerated())
			}
			committed := 0
			for _, row := range rows {
				if row.BillingPeriodStart != utc("2023-01-01T00:00:00Z") || row.BillingPeriodEnd != utc("2023-02-01T00:00:00Z") {
					t.Errorf("line %d: billing period %v..%v", row.Line, row.BillingPeriodStart, row.BillingPeriodEnd)
				}
				if row.ChargePeriodStart.IsZero() || row.ChargePeriodEnd.IsZero() {
					t.Errorf("line %d: charge period %v..%v", row.Line, row.ChargePeriodStart, row.ChargePeriodEnd)
				}
				if row.ProviderName != "" {
					t.Errorf("line %d: ProviderName = %q", row.Line, row.ProviderName)
				}
				if row.CommitmentDiscountID == "" {
					// Uncovered on-demand rows: all commitment columns null.
					if row.PricingCategory != "Standard" || !row.CommitmentDiscountQuantity.IsZero() || row.CommitmentDiscountUnit != "" || row.CommitmentDiscountStatus != "" {
						t.Errorf("line %d: on-demand row with commitment columns: %+v", row.Line, row)
					}
					continue
				}
				committed++
				if row.CommitmentDiscountID != "<my-commitment-discount-id>" || !row.CommitmentDiscountQuantity.IsPositive() || row.CommitmentDiscountUnit == "" {
					t.Errorf("line %d: commitment columns id %q quantity %s unit %q", row.Line, row.CommitmentDiscountID, row.CommitmentDiscountQuantity, row.CommitmentDiscountUnit)
				}
				switch row.ChargeCategory {
				case "Purchase":
					// The purchase is billed; it is amortised into the usage rows' EffectiveCost.
					if !row.EffectiveCost.IsZero() || !row.BilledCost.IsPositive() || row.CommitmentDiscountStatus != "" {
						t.Errorf("line %d: purchase row billed %s effective %s status %q", row.Line, row.BilledCost, row.EffectiveCost, row.CommitmentDiscountStatus)
					}
				case "Usage":
					if row.PricingCategory != "Committed" || !row.BilledCost.IsZero() || !row.EffectiveCost.IsPositive() {
						t.Errorf("line %d: committed usage row %q billed %s effective %s", row.Line, row.PricingCategory, row.BilledCost, row.EffectiveCost)
					}
					if row.CommitmentDiscountStatus != "Used" && row.CommitmentDiscountStatus != "Unused" {
						t.Errorf("line %d: CommitmentDiscountStatus = %q", row.Line, row.CommitmentDiscountStatus)
					}
				default:
					t.Errorf("line %d: ChargeCategory = %q", row.Line, row.ChargeCategory)
				}
			}
			if committed == 0 {
				t.Error("no row with commitment columns")
			}
		})
	}
}

func TestSpecExampleDetails(t *testing.T) {
	// Blank lines between rows: lines are the file's lines.
	r, rows, _ := readAll(t, readFile(t, "spec_examples/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv"))
	var lines []int
	for _, row := range rows {
		lines = append(lines, row.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 4, 6}) {
		t.Errorf("lines = %v, want [2 4 6]", lines)
	}
	if got := r.Extra(); !reflect.DeepEqual(got, []string{"ListUnitPrice", "x_CommitmentDiscountUnitPrice", "SkuPriceid"}) {
		t.Errorf("Extra() = %q", got)
	}
	if tol, ok := findTolerance(r, TolNULL); !ok || tol.FirstLine != 2 || !strings.Contains(tol.Example, `"null"`) {
		t.Errorf("NULL tolerance = %+v, %v", tol, ok)
	}
	want := Row{
		Line:               4,
		BillingPeriodStart: utc("2023-01-01T00:00:00Z"), BillingPeriodEnd: utc("2023-02-01T00:00:00Z"),
		ChargePeriodStart: utc("2023-01-01T00:00:00Z"), ChargePeriodEnd: utc("2023-01-01T01:00:00Z"),
		ChargeCategory: "Usage", ChargeFrequency: "Usage-Based", PricingCategory: "Committed",
		ResourceID: "<my-large-vm-id>", ConsumedUnit: "Hour", SkuID: "VM_LARGE",
		CommitmentDiscountID: "<my-commitment-discount-id>", CommitmentDiscountCategory: "Usage",
		CommitmentDiscountStatus: "Used", CommitmentDiscountUnit: "Normalized Hour",
	}
	checkRow(t, rows[1], want, map[string]string{
		"PricingQuantity": "0.333", "ListCost": "3", "EffectiveCost": "0.5",
		"ConsumedQuantity": "1", "CommitmentDiscountQuantity": "1",
	})

	// An unused commitment: ConsumedQuantity and ConsumedUnit null.
	_, rows, _ = readAll(t, readFile(t, "spec_examples/commitment_discount_usage_scenario_3.csv"))
	checkRow(t, rows[1], Row{
		Line:               3,
		BillingPeriodStart: utc("2023-01-01T00:00:00Z"), BillingPeriodEnd: utc("2023-02-01T00:00:00Z"),
		ChargePeriodStart: utc("2023-01-01T00:00:00Z"), ChargePeriodEnd: utc("2023-01-01T01:00:00Z"),
		ChargeCategory: "Usage", ChargeFrequency: "Usage-Based", PricingCategory: "Committed",
		ResourceID: "<my-commitment-discount-id>", CommitmentDiscountID: "<my-commitment-discount-id>",
		CommitmentDiscountStatus: "Unused", CommitmentDiscountUnit: "USD",
	}, map[string]string{"EffectiveCost": "0.25", "CommitmentDiscountQuantity": "0.25"})

	// The spec's own example has an hour of 30: carried into the next day.
	r, rows, _ = readAll(t, readFile(t, "spec_examples/commitment_discount_purchase_scenario_2.csv"))
	if got := rows[2].ChargePeriodEnd; got != utc("2023-02-02T06:00:00Z") {
		t.Errorf("ChargePeriodEnd = %v", got)
	}
	if tol, ok := findTolerance(r, TolHourOverflow); !ok || tol.FirstLine != 4 || tol.Count != 1 {
		t.Errorf("hour tolerance = %+v, %v", tol, ok)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in     string
		want   string // RFC 3339; empty: not a timestamp
		quirks int
	}{
		{"2024-09-01T00:00:00Z", "2024-09-01T00:00:00Z", 0},
		{"2024-09-01t00:00:00z", "2024-09-01T00:00:00Z", 0},
		{"2024-09-18T22:15:30Z", "2024-09-18T22:15:30Z", 0},
		{"2024-09-01T00:00:00.123456789Z", "2024-09-01T00:00:00.123456789Z", 0},
		{"2024-09-01T00:00:00.5Z", "2024-09-01T00:00:00.5Z", 0},
		{"2024-09-01T00:00:00.1234567891234Z", "2024-09-01T00:00:00.123456789Z", 0},
		{"2024-09-01T02:30:00+02:30", "2024-09-01T00:00:00Z", 0},
		{"2024-08-31T20:00:00-04:00", "2024-09-01T00:00:00Z", 0},
		{"2024-08-31T20:00:00-0400", "2024-09-01T00:00:00Z", 0},
		{"2024-09-01T00:00:00+00", "2024-09-01T00:00:00Z", 0},
		{"2024-09-01T00:00Z", "2024-09-01T00:00:00Z", 0},
		{"2024-09-01T00:00:00 UTC", "2024-09-01T00:00:00Z", 0},
		{"2024-09-01 00:00:00", "2024-09-01T00:00:00Z", tsNoTZ},
		{"2024-09-18 22:00:00", "2024-09-18T22:00:00Z", tsNoTZ},
		{"2024-09-01T00:00:00", "2024-09-01T00:00:00Z", tsNoTZ},
		{"2024-09-01 00:00:00.000", "2024-09-01T00:00:00Z", tsNoTZ},
		{"2024-09-01 00:00:00 UTC", "2024-09-01T00:00:00Z", tsNoTZ},
		{"2024-09-01 00:00:00Z", "2024-09-01T00:00:00Z", tsNoTZ},
		{"2024-09-01", "2024-09-01T00:00:00Z", tsDateOnly},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z", 0},
		{"2023-02-01T30:00:00Z", "2023-02-02T06:00:00Z", tsHourOverflow},
		{"2023-12-31T24:00:00Z", "2024-01-01T00:00:00Z", tsHourOverflow},
		{"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", 0},
		{"", "", 0},
		{"2023-02-29T00:00:00Z", "", 0},
		{"2024-04-31", "", 0},
		{"2024-13-01T00:00:00Z", "", 0},
		{"2024-00-01T00:00:00Z", "", 0},
		{"2024-09-00", "", 0},
		{"2024-09-01T00:60:00Z", "", 0},
		{"2024-09-01T00:00:61Z", "", 0},
		{"2024/09/01", "", 0},
		{"20240901T000000Z", "", 0},
		{"yesterday", "", 0},
		{"2024-09-01T", "", 0},
		{"2024-09-01T00", "", 0},
		{"2024-09-01T00:00:00ZZ", "", 0},
		{"2024-09-01X00:00:00Z", "", 0},
		{"2024-09-01T00:00:00+2", "", 0},
		{"2024-09-01T00:00:00+24:00", "", 0},
		{"2024-09-01T00:00:00.Z", "", 0},
		{"2024-09-01T00:00:0", "", 0},
		{"2024-09-01 ", "", 0},
		{"2024-09-01T00:00:00 ", "", 0},
		{"1725148800", "", 0},
	}
	for _, tt := range tests {
		got, quirks, ok := parseTime(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseTime(%q) = %v, want not a timestamp", tt.in, got)
			}
			continue
		}
		if !ok || !got.Equal(utc(tt.want)) || got.Location() != time.UTC || quirks != tt.quirks {
			t.Errorf("parseTime(%q) = %v, quirks %b, %v; want %s, quirks %b", tt.in, got, quirks, ok, tt.want, tt.quirks)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in, want string // want empty: not a number
	}{
		{"0", "0"},
		{"0.00000000000", "0"},
		{"-0.0", "0"},
		{"0.00000080000", "0.0000008"},
		{"0.00001605990", "0.0000160599"},
		{"8760.00", "8760"},
		{"-3.5", "-3.5"}, // a credit
		{"-0.00000039000", "-0.00000039"},
		{"+1", "1"},
		{"42", "42"},
		{".5", "0.5"},
		{"5.", "5"},
		{"1.2E-5", "0.000012"},
		{"1.2e-5", "0.000012"},
		{"1.2E5", "120000"},
		{"1E+3", "1000"},
		{"-2.5E-3", "-0.0025"},
		{"0E10", "0"},
		{"123456789012345678", "123456789012345678"},
		{"1234567890123456789", "1234567890123456789"}, // 19 digits: big.Int path
		{"12345678901234567890.123456789", "12345678901234567890.123456789"},
		{"-99999999999999999999999999.5e-2", "-999999999999999999999999.995"},
		{"0.000000000000000000001000000000000000000001", "0.000000000000000000001000000000000000000001"},
		{"", ""},
		{"abc", ""},
		{"1,000.00", ""},
		{"1 000", ""},
		{"$1", ""},
		{"1.2.3", ""},
		{"1e", ""},
		{"1e+", ""},
		{"e5", ""},
		{".", ""},
		{"-", ""},
		{"--1", ""},
		{"1-", ""},
		{"NaN", ""},
		{"Inf", ""},
		{"0x10", ""},
		{"1e5000", ""},
		{"1e-5000", ""},
		{"12%", ""},
		{"½", ""},
	}
	for _, tt := range tests {
		got, ok := parseDecimal(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseDecimal(%q) = %s, want not a number", tt.in, got)
			}
			continue
		}
		if !ok || !got.Equal(dec(tt.want)) {
			t.Errorf("parseDecimal(%q) = %s, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

const miniHeader = "BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ProviderName,Tags\n"

func TestMoneyInRows(t *testing.T) {
	data := miniHeader +
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1.5,1.25,2,AWS,\n" + // line 2
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,-0.5,-0.5,,AWS,\n" + // 3: credit, empty ListCost
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,NULL,null,1.2E-5,AWS,\n" + // 4
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,abc,1,1,AWS,\n" + // 5: garbage
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1,1,1 000,AWS,\n" + // 6: garbage
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z, 3.25 ,3,3,AWS,\n" // 7: spaces
	r, rows, rowErrs := readAll(t, []byte(data))
	if len(rows) != 4 {
		t.Fatalf("read %d rows, want 4", len(rows))
	}
	wantCosts := [][3]string{{"1.5", "1.25", "2"}, {"-0.5", "-0.5", "0"}, {"0", "0", "0.000012"}, {"3.25", "3", "3"}}
	for i, row := range rows {
		for j, d := range []decimal.Decimal{row.BilledCost, row.EffectiveCost, row.ListCost} {
			if !d.Equal(dec(wantCosts[i][j])) {
				t.Errorf("line %d: cost %d = %s, want %s", row.Line, j, d, wantCosts[i][j])
			}
		}
	}
	wantErrs := []RowError{
		{Line: 5, Column: "BilledCost", Value: "abc", Msg: "is not a number"},
		{Line: 6, Column: "ListCost", Value: "1 000", Msg: "is not a number"},
	}
	if len(rowErrs) != len(wantErrs) {
		t.Fatalf("row errors %v, want %v", rowErrs, wantErrs)
	}
	for i, e := range rowErrs {
		if *e != wantErrs[i] {
			t.Errorf("row error %+v, want %+v", *e, wantErrs[i])
		}
	}
	if got, want := rowErrs[0].Error(), `line 5: BilledCost: "abc" is not a number`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if tol, ok := findTolerance(r, TolNULL); !ok || tol.Count != 2 || tol.FirstLine != 4 || tol.Example != `BilledCost: "NULL"` {
		t.Errorf("NULL tolerance = %+v, %v", tol, ok)
	}
	if tol, ok := findTolerance(r, TolSpaces); !ok || tol.Count != 1 || tol.FirstLine != 7 {
		t.Errorf("spaces tolerance = %+v, %v", tol, ok)
	}
}

func TestTimestampsInRows(t *testing.T) {
	data := miniHeader +
		"2024-09-01,2024-09-01 05:00:00,2024-09-01T06:00:00+01:00,1,1,1,AWS,\n" + // 2
		"2024-09-01,2024-09-01 05:00:00,2024-09-01T06:00:00Z,1,1,1,AWS,\n" + // 3 (cached values)
		"2024-09-01T00:00:00Z,,2024-09-01T06:00:00Z,1,1,1,AWS,\n" + // 4: required column empty
		"2024-09-01T00:00:00Z,2024-09-01T05:00:00Z,soon,1,1,1,AWS,\n" + // 5: garbage
		"2024-09-01T00:00:00Z,2024-09-01T05:00:00Z,,1,1,1,AWS,\n" // 6: ChargePeriodEnd empty is allowed
	r, rows, rowErrs := readAll(t, []byte(data))
	if len(rows) != 3 {
		t.Fatalf("read %d rows, want 3", len(rows))
	}
	if rows[0].BillingPeriodStart != utc("2024-09-01T00:00:00Z") || rows[0].ChargePeriodStart != utc("2024-09-01T05:00:00Z") || rows[0].ChargePeriodEnd != utc("2024-09-01T05:00:00Z") {
		t.Errorf("row 1 = %+v", rows[0])
	}
	if rows[0].ChargePeriodStart.Location() != time.UTC || rows[0].ChargePeriodEnd.Location() != time.UTC {
		t.Error("times are not UTC")
	}
	if !rows[2].ChargePeriodEnd.IsZero() {
		t.Errorf("empty ChargePeriodEnd = %v", rows[2].ChargePeriodEnd)
	}
	wantErrs := []string{
		`line 4: ChargePeriodStart: is empty or NULL`,
		`line 5: ChargePeriodEnd: "soon" is not a timestamp`,
	}
	var gotErrs []string
	for _, e := range rowErrs {
		gotErrs = append(gotErrs, e.Error())
	}
	if !reflect.DeepEqual(gotErrs, wantErrs) {
		t.Errorf("row errors %q, want %q", gotErrs, wantErrs)
	}
	if tol, ok := findTolerance(r, TolTimestampNoTZ); !ok || tol.Count != 2 || tol.FirstLine != 2 || tol.Example != `ChargePeriodStart: "2024-09-01 05:00:00"` {
		t.Errorf("no T/Z tolerance = %+v, %v", tol, ok)
	}
	if tol, ok := findTolerance(r, TolDateOnly); !ok || tol.Count != 2 || tol.FirstLine != 2 {
		t.Errorf("date tolerance = %+v, %v", tol, ok)
	}
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"NULL", nil, false},
		{"null", nil, false},
		{"{}", map[string]string{}, false},
		{`{"env":"prod","team":"sre"}`, map[string]string{"env": "prod", "team": "sre"}, false},
		{`{"application": "BrightLensMatrix", "environment": "dev"}`, map[string]string{"application": "BrightLensMatrix", "environment": "dev"}, false},
		{` { "a" : "b" } `, map[string]string{"a": "b"}, false},
		{`"env":"prod","team":"sre"`, map[string]string{"env": "prod", "team": "sre"}, false},                // braces missing
		{`"env": "prod", "cost center": "42"`, map[string]string{"env": "prod", "cost center": "42"}, false}, // Azure
		{`{"k":"v","k":"w"}`, map[string]string{"k": "w"}, false},
		{`{"path":"a\\b","q":"say \"hi\"","u":"\u00e9t\u00e9"}`, map[string]string{"path": `a\b`, "q": `say "hi"`, "u": "été"}, false},
		{`{"n":42,"f":1.50,"t":true,"no":false,"z":null}`, map[string]string{"n": "42", "f": "1.50", "t": "true", "no": "false", "z": "null"}, false},
		{`{"nested":{"a": [1, 2]},"list":["x", "y"]}`, map[string]string{"nested": `{"a":[1,2]}`, "list": `["x","y"]`}, false},
		{`"flag":true`, map[string]string{"flag": "true"}, false},
		{`{"ключ":"значение"}`, map[string]string{"ключ": "значение"}, false},
		{`{"a":"b"`, nil, true},
		{`{"a":"b"}}`, nil, true},
		{`{"a":"b"} x`, nil, true},
		{`{'a':'b'}`, nil, true},
		{`[{'key': 'env', 'value': 'prod'}]`, nil, true},
		{`["a","b"]`, nil, true},
		{`env=prod`, nil, true},
		{`"just a string"`, nil, true},
		{`{"a":}`, nil, true},
		{`{"a" "b"}`, nil, true},
		{`{a:"b"}`, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseTags(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseTags(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTags(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestTagsWithoutBracesTolerated(t *testing.T) {
	data := miniHeader +
		`2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1,1,1,Microsoft,"{""env"": ""prod""}"` + "\n" +
		`2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1,1,1,Microsoft,"""env"": ""prod"""` + "\n"
	r, rows, rowErrs := readAll(t, []byte(data))
	if len(rows) != 2 || len(rowErrs) != 0 {
		t.Fatalf("rows %d, errors %v", len(rows), rowErrs)
	}
	for _, row := range rows {
		if m, err := ParseTags(row.Tags); err != nil || m["env"] != "prod" {
			t.Errorf("line %d: ParseTags(%q) = %v, %v", row.Line, row.Tags, m, err)
		}
	}
	if tol, ok := findTolerance(r, TolTagsWithoutBraces); !ok || tol.Count != 1 || tol.FirstLine != 3 {
		t.Errorf("tags tolerance = %+v, %v", tol, ok)
	}
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGzip(t *testing.T) {
	data := readFile(t, "focus_sample_1000.csv")
	_, plain, _ := readAll(t, data)
	r, zipped, rowErrs := readAll(t, gz(t, data))
	if len(rowErrs) > 0 || !reflect.DeepEqual(zipped, plain) {
		t.Fatalf("gzip: %d rows, errors %v; plain: %d rows", len(zipped), rowErrs, len(plain))
	}
	if r.Version() != "1.0" {
		t.Errorf("Version() = %q", r.Version())
	}

	// Truncated gzip: a final error that is not a RowError.
	z := gz(t, data)
	tr, err := NewReader(bytes.NewReader(z[:len(z)/2]))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := tr.Next()
		var re *RowError
		if errors.As(err, &re) {
			continue
		}
		if err == nil {
			continue
		}
		if err == io.EOF || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("truncated gzip: got %v, want unexpected EOF", err)
		}
		break
	}

	if _, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 1, 2, 3})); err == nil {
		t.Error("NewReader accepted a broken gzip header")
	}
}

func TestBOMAndHeaderNames(t *testing.T) {
	body := "2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,1.5,AWS,x\n"
	for _, tt := range []struct {
		name, data string
		kinds      []string
	}{
		{"plain", "BillingPeriodStart,ChargePeriodStart,BilledCost,ProviderName,x_Extra\n" + body,
			[]string{TolNoEffectiveCost}},
		{"BOM", "\ufeffBillingPeriodStart,ChargePeriodStart,BilledCost,ProviderName,x_Extra\n" + body,
			[]string{TolByteOrderMark, TolNoEffectiveCost}},
		{"quoted after BOM", "\ufeff\"BillingPeriodStart\",\"ChargePeriodStart\",\"BilledCost\",\"ProviderName\",\"x_Extra\"\n" + body,
			[]string{TolByteOrderMark, TolNoEffectiveCost}},
		{"case and spaces", " billingperiodstart ,CHARGEPERIODSTART,billedCost,providername,x_Extra\r\n" + body,
			[]string{TolColumnName, TolNoEffectiveCost}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, data := range [][]byte{[]byte(tt.data), gz(t, []byte(tt.data))} {
				r, rows, rowErrs := readAll(t, data)
				if len(rows) != 1 || len(rowErrs) != 0 {
					t.Fatalf("rows %v, errors %v", rows, rowErrs)
				}
				row := rows[0]
				if row.ProviderName != "AWS" || !row.BilledCost.Equal(dec("1.5")) || !row.EffectiveCost.Equal(dec("1.5")) || row.ChargePeriodStart != utc("2024-09-01T00:00:00Z") {
					t.Errorf("row = %+v", row)
				}
				var kinds []string
				for _, tol := range r.Tolerated() {
					kinds = append(kinds, tol.Kind)
					if tol.FirstLine != 1 {
						t.Errorf("header tolerance %+v not on line 1", tol)
					}
				}
				if !reflect.DeepEqual(kinds, tt.kinds) {
					t.Errorf("tolerated %q, want %q", kinds, tt.kinds)
				}
				if got := r.Extra(); !reflect.DeepEqual(got, []string{"x_Extra"}) {
					t.Errorf("Extra() = %q", got)
				}
				if got := r.Version(); got != "1.0+" {
					t.Errorf("Version() = %q", got)
				}
			}
		})
	}
}

func TestDuplicateColumn(t *testing.T) {
	data := "BillingPeriodStart,ChargePeriodStart,BilledCost,EffectiveCost,ProviderName,billedcost\n" +
		"2024-09-01,2024-09-01,1,1,AWS,99\n"
	r, rows, _ := readAll(t, []byte(data))
	if len(rows) != 1 || !rows[0].BilledCost.Equal(dec("1")) {
		t.Fatalf("rows = %+v", rows)
	}
	if got := r.Extra(); !reflect.DeepEqual(got, []string{"billedcost"}) {
		t.Errorf("Extra() = %q", got)
	}
	if _, ok := findTolerance(r, TolDuplicateColumn); !ok {
		t.Errorf("no duplicate tolerance: %+v", r.Tolerated())
	}
}

func TestShortAndLongRows(t *testing.T) {
	data := miniHeader +
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1,1,1,AWS,\n" + // 2
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,1,1\n" + // 3: short
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,2,2,2,AWS,,extra\n" + // 4: long
		"\"2024-09-01T00:00:00Z\",2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,3,3,3,\"multi\nline\",\n" + // 5-6
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,4,4,4,\"bad\"quote,\n" + // 7: bad quote
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,5,5,5,AWS,\n" + // 8
		",,,,,,,\n" + // 9: blank row, skipped
		"   \n" + // 10: blank-ish line, skipped
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,6,6,6,AWS,\n" // 11
	r, rows, rowErrs := readAll(t, []byte(data))
	var lines []int
	for _, row := range rows {
		lines = append(lines, row.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 5, 8, 11}) {
		t.Errorf("rows on lines %v, want [2 5 8 11]", lines)
	}
	if rows[1].ProviderName != "multi\nline" {
		t.Errorf("multi-line field = %q", rows[1].ProviderName)
	}
	var errs []string
	for _, e := range rowErrs {
		errs = append(errs, e.Error())
	}
	want := []string{
		"line 3: has 4 fields, the header has 8",
		"line 4: has 9 fields, the header has 8",
		`line 7: bad CSV: extraneous or missing " in quoted-field`,
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("row errors:\n%q\nwant\n%q", errs, want)
	}
	if tol, ok := findTolerance(r, TolBlankRow); !ok || tol.Count != 2 || tol.FirstLine != 9 {
		t.Errorf("blank row tolerance = %+v, %v", tol, ok)
	}
}

func TestMissingColumns(t *testing.T) {
	tests := []struct {
		header string
		want   []string // substrings of the error
	}{
		{"BillingPeriodStart,ChargePeriodStart,EffectiveCost,ProviderName", []string{"missing required columns BilledCost"}},
		{"ProviderName,Tags", []string{"BilledCost, ChargePeriodStart, BillingPeriodStart"}},
		{"identity/LineItemId,bill/BillingPeriodStartDate,lineItem/UnblendedCost", []string{"BilledCost", "AWS Cost and Usage Report"}},
		{"SubscriptionGuid,ResourceGroup,UsageDateTime,MeterCategory,PreTaxCost,Tags", []string{"Azure"}},
		{"billing_account_id,service.id,service.description,usage_start_time,cost", []string{"Google Cloud"}},
		{"lineItem/referenceNo,lineItem/tenantId,cost/myCost", []string{"OCI"}},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.header + "\n"))
		if err == nil {
			t.Errorf("NewReader(%q) accepted", tt.header)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("NewReader(%q) error %q does not contain %q", tt.header, err, w)
			}
		}
	}
	if _, err := NewReader(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty input: %v", err)
	}
	if _, err := NewReader(strings.NewReader("\"BilledCost\n")); err == nil {
		t.Error("broken header accepted")
	}
	r, err := NewReader(strings.NewReader(miniHeader))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("header only: Next() = %v, want io.EOF", err)
	}
}

func TestProviderNameFallback(t *testing.T) {
	// FOCUS 1.3: ProviderName deprecated in favour of ServiceProviderName and HostProviderName.
	data := "BillingPeriodStart,ChargePeriodStart,BilledCost,EffectiveCost,ServiceProviderName,HostProviderName\n" +
		"2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,1,1,Snowflake,AWS\n" +
		"2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,1,1,,AWS\n"
	r, rows, _ := readAll(t, []byte(data))
	if len(rows) != 2 || rows[0].ProviderName != "Snowflake" || rows[1].ProviderName != "AWS" {
		t.Errorf("rows = %+v", rows)
	}
	if r.Version() != "1.3" {
		t.Errorf("Version() = %q", r.Version())
	}
	if _, ok := findTolerance(r, TolServiceProviderName); !ok {
		t.Errorf("tolerated %+v", r.Tolerated())
	}

	// ProviderName wins when present.
	data = "BillingPeriodStart,ChargePeriodStart,BilledCost,EffectiveCost,ProviderName,ServiceProviderName\n" +
		"2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,1,1,Amazon Web Services,Snowflake\n"
	r, rows, _ = readAll(t, []byte(data))
	if len(rows) != 1 || rows[0].ProviderName != "Amazon Web Services" || len(r.Tolerated()) != 0 || len(r.Extra()) != 0 {
		t.Errorf("rows = %+v, tolerated %+v, extra %q", rows, r.Tolerated(), r.Extra())
	}
}

func TestVersion(t *testing.T) {
	base := "BilledCost,ChargePeriodStart,BillingPeriodStart,EffectiveCost,ProviderName"
	tests := map[string]string{
		base:                                     "1.0+",
		base + ",ChargeClass,RegionId":           "1.0",
		base + ",ChargeClass,ServiceSubcategory": "1.1",
		base + ",CapacityReservationId":          "1.1",
		base + ",CommitmentDiscountQuantity":     "1.1",
		base + ",ServiceSubcategory,InvoiceId":   "1.2",
		base + ",PricingCurrency":                "1.2",
		base + ",billingaccounttype":             "1.2",
		base + ",InvoiceId,HostProviderName":     "1.3",
	}
	for header, want := range tests {
		r, err := NewReader(strings.NewReader(header + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Version(); got != want {
			t.Errorf("Version() of %q = %q, want %q", header, got, want)
		}
	}
}

func TestRowReuseAndInterning(t *testing.T) {
	data := miniHeader +
		"2024-09-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1,1,1,AWS,\n" +
		"2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,2024-09-01T02:00:00Z,2,2,2,Microsoft,\n"
	r, err := NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	kept := *a
	b, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if kept.ProviderName != "AWS" || !kept.BilledCost.Equal(dec("1")) || b.ProviderName != "Microsoft" || !b.BilledCost.Equal(dec("2")) {
		t.Errorf("kept %+v, next %+v", kept, *b)
	}
}
