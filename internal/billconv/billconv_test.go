package billconv

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// rawFile is a sample as the test reads it, independently of the package:
// encoding/csv over the (gunzipped, BOM-less) bytes.
type rawFile struct {
	header []string
	rows   [][]string
	lines  []int // line of each row
}

func readRaw(t testing.TB, path string) rawFile {
	t.Helper()
	data := readFile(t, path)
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var f rawFile
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f.header == nil {
			f.header = rec
			continue
		}
		line, _ := cr.FieldPos(0)
		f.rows = append(f.rows, rec)
		f.lines = append(f.lines, line)
	}
	return f
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// col returns the value of the column named exactly name ("" when the
// row is short or the column absent).
func (f rawFile) col(row []string, name string) string {
	i := slices.Index(f.header, name)
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

func rat(t testing.TB, s string) *big.Rat {
	t.Helper()
	r := new(big.Rat)
	if strings.TrimSpace(s) == "" {
		return r
	}
	if _, ok := r.SetString(strings.TrimSpace(s)); !ok {
		t.Fatalf("test cannot read %q as a number", s)
	}
	return r
}

// sums is what a rule expects of a file: the totals of BilledCost and
// EffectiveCost and the number of rows.
type sums struct {
	billed, effective *big.Rat
	rows              int
}

// sumColumn: billed = effective = Σ column, one row per native row.
func sumColumn(name string) func(t testing.TB, f rawFile) sums {
	return func(t testing.TB, f rawFile) sums {
		s := sums{billed: new(big.Rat), rows: len(f.rows)}
		for _, r := range f.rows {
			s.billed.Add(s.billed, rat(t, f.col(r, name)))
		}
		s.effective = s.billed
		return s
	}
}

// awsRule: billed = Σ lineItem/UnblendedCost; effective the same but
// savingsPlan/SavingsPlanEffectiveCost on SavingsPlanCoveredUsage lines
// (the only commitment line type in the samples: any other fails the
// test, to extend the rule).
func awsRule(t testing.TB, f rawFile) sums {
	s := sums{billed: new(big.Rat), effective: new(big.Rat), rows: len(f.rows)}
	for _, r := range f.rows {
		cost := rat(t, f.col(r, "lineItem/UnblendedCost"))
		s.billed.Add(s.billed, cost)
		switch lt := f.col(r, "lineItem/LineItemType"); lt {
		case "Usage", "Tax":
			s.effective.Add(s.effective, cost)
		case "SavingsPlanCoveredUsage":
			name := "savingsPlan/SavingsPlanEffectiveCost"
			s.effective.Add(s.effective, rat(t, f.col(r, name)))
		default:
			t.Fatalf("line item type %q: extend the test's rule", lt)
		}
	}
	return s
}

// azureAmortizedRule: effective = Σ Cost; billed = Σ Cost of the rows not
// covered by a reservation or savings plan (their cost is the amortized
// purchase, billed when bought).
func azureAmortizedRule(t testing.TB, f rawFile) sums {
	s := sums{billed: new(big.Rat), effective: new(big.Rat), rows: len(f.rows)}
	for _, r := range f.rows {
		cost := rat(t, f.col(r, "Cost"))
		s.effective.Add(s.effective, cost)
		if pm := f.col(r, "PricingModel"); pm != "Reservation" && pm != "SavingsPlan" {
			s.billed.Add(s.billed, cost)
		}
	}
	return s
}

var gcpCreditAmount = regexp.MustCompile(`'amount':\s*([-+0-9.eE]+)`)

// gcpRule: billed = effective = Σ cost + Σ credits' amounts; each credit
// is a row of its own.
func gcpRule(t testing.TB, f rawFile) sums {
	s := sums{billed: new(big.Rat), rows: len(f.rows)}
	for _, r := range f.rows {
		s.billed.Add(s.billed, rat(t, f.col(r, "cost")))
		for _, m := range gcpCreditAmount.FindAllStringSubmatch(f.col(r, "credits"), -1) {
			s.billed.Add(s.billed, rat(t, m[1]))
			s.rows++
		}
	}
	s.effective = s.billed
	return s
}

type sampleCase struct {
	path   string
	format string
	rule   func(testing.TB, rawFile) sums
	tol    []string // tolerance kinds expected among Tolerated
}

var samples = []sampleCase{
	{"aws/focus_converters_sample-anonymous-aws-cur-export.csv.gz", "aws-cur", awsRule, []string{TolServiceCategory}},
	{"aws/koku_test_cur_legacy.csv", "aws-cur", awsRule, []string{TolShortRow, focus.TolTimestampNoTZ}},
	{"aws/koku_cur_legacy_2023-06_costcategory.csv", "aws-cur", awsRule, []string{TolNoCommitmentID, focus.TolTimestampNoTZ}},
	{"azure/EA_ActualCost_Small.csv", "azure-ea-actual", sumColumn("Cost"), []string{focus.TolByteOrderMark, TolNotAmortized, focus.TolTagsWithoutBraces}},
	{"azure/EA_AmortizedCost_Small.csv", "azure-ea-amortized", azureAmortizedRule, []string{focus.TolTagsWithoutBraces}},
	{"azure/focus_converters_sample-anonymous-ea-export.csv", "azure-ea-actual", sumColumn("CostInBillingCurrency"), []string{focus.TolTagsWithoutBraces}},
	{"azure/koku_azure_export_v2.csv", "azure-mca", sumColumn("CostInBillingCurrency"), nil},
	{"azure/koku_azure_export_camelCased.csv", "azure-payg", sumColumn("preTaxCost"), []string{TolBillingPeriod}},
	{"azure/opencost/headersets_BOM.csv", "azure-payg", sumColumn("PreTaxCost"), []string{focus.TolByteOrderMark, TolBillingPeriod}},
	{"azure/opencost/headersets_Enterprise.csv", "azure-ea-actual", sumColumn("CostInBillingCurrency"), []string{focus.TolTagsWithoutBraces}},
	{"azure/opencost/headersets_EnterpriseCamel.csv", "azure-mca", sumColumn("costInBillingCurrency"), []string{TolBillingPeriod}},
	{"azure/opencost/headersets_German.csv", "azure-payg", sumColumn("PreTaxCost (PreTaxCost)"), []string{TolBillingPeriod}},
	{"azure/opencost/headersets_PayAsYouGo.csv", "azure-payg", sumColumn("PreTaxCost"), []string{TolBillingPeriod}},
	{"azure/opencost/headersets_YA.csv", "azure-ea-actual", sumColumn("costInBillingCurrency"), []string{TolBillingPeriod}},
	{"azure/opencost/values_MissingBrackets.csv", "azure-ea-actual", sumColumn("costinbillingcurrency"), []string{focus.TolTagsWithoutBraces}},
	{"azure/opencost/values_Template.csv", "azure-ea-actual", sumColumn("costinbillingcurrency"), []string{TolShortRow}},
	{"azure/opencost/values_VirtualMachine.csv", "azure-ea-actual", sumColumn("costinbillingcurrency"), nil},
	{"gcp/koku_gcp_billing_export_2020-11.csv", "gcp-billing", gcpRule, []string{TolServiceCategory}},
	{"gcp/koku_gcp_billing_export_2022-08.csv", "gcp-billing", gcpRule, nil},
	{"oci/focus_converters_oci_reports_cost.csv.gz", "oci", sumColumn("cost/myCost"), []string{TolBillingPeriod}},
}

// readAll reads a file with the package, failing on any error.
func readAll(t testing.TB, path string) (Reader, []focus.Row) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []focus.Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, *row)
	}
	return r, rows
}

func TestSamples(t *testing.T) {
	for _, tc := range samples {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join("testdata", tc.path)
			r, rows := readAll(t, path)
			if got := r.Format(); got != tc.format {
				t.Errorf("Format() = %q, want %q", got, tc.format)
			}
			raw := readRaw(t, path)
			want := tc.rule(t, raw)
			billed, effective := new(big.Rat), new(big.Rat)
			for _, row := range rows {
				billed.Add(billed, row.BilledCost.Rat())
				effective.Add(effective, row.EffectiveCost.Rat())
			}
			if len(rows) != want.rows {
				t.Errorf("%d rows, want %d", len(rows), want.rows)
			}
			if billed.Cmp(want.billed) != 0 {
				t.Errorf("Σ BilledCost = %s, native sum %s", billed.FloatString(12), want.billed.FloatString(12))
			}
			if effective.Cmp(want.effective) != 0 {
				t.Errorf("Σ EffectiveCost = %s, native sum %s", effective.FloatString(12), want.effective.FloatString(12))
			}
			t.Logf("%s: %d rows, Σ BilledCost %s, Σ EffectiveCost %s", r.Format(), len(rows),
				billed.FloatString(10), effective.FloatString(10))
			kinds := map[string]bool{}
			for _, x := range r.Tolerated() {
				kinds[x.Kind] = true
			}
			for _, k := range tc.tol {
				if !kinds[k] {
					t.Errorf("Tolerated() lacks %q: %+v", k, r.Tolerated())
				}
			}
			for i, row := range rows {
				checkRow(t, &row)
				if i > 0 && row.Line < rows[i-1].Line {
					t.Errorf("line %d after line %d", row.Line, rows[i-1].Line)
				}
			}
			golden(t, tc.path, r, rows)
		})
	}
}

// checkRow checks what every converted row must have.
func checkRow(t *testing.T, row *focus.Row) {
	t.Helper()
	switch {
	case row.Line < 2:
		t.Errorf("row with line %d", row.Line)
	case row.ChargePeriodStart.IsZero() || row.BillingPeriodStart.IsZero() || row.BillingPeriodEnd.IsZero():
		t.Errorf("line %d: a period is missing: %+v", row.Line, row)
	case !row.BillingPeriodEnd.After(row.BillingPeriodStart):
		t.Errorf("line %d: billing period ends before it starts", row.Line)
	case row.ProviderName == "" || row.ChargeCategory == "" || row.ServiceCategory == "":
		t.Errorf("line %d: ProviderName %q ChargeCategory %q ServiceCategory %q", row.Line, row.ProviderName, row.ChargeCategory, row.ServiceCategory)
	case !slices.Contains([]string{"Usage", "Purchase", "Tax", "Credit", "Adjustment"}, row.ChargeCategory):
		t.Errorf("line %d: ChargeCategory %q", row.Line, row.ChargeCategory)
	case !slices.Contains([]string{"", "Standard", "Dynamic", "Committed"}, row.PricingCategory):
		t.Errorf("line %d: PricingCategory %q", row.Line, row.PricingCategory)
	case row.CommitmentDiscountID == "" && (row.CommitmentDiscountType != "" || row.CommitmentDiscountStatus != ""):
		t.Errorf("line %d: commitment type or status without id", row.Line)
	case row.ChargePeriodStart.Location() != time.UTC || row.BillingPeriodStart.Location() != time.UTC:
		t.Errorf("line %d: times not in UTC", row.Line)
	}
	if row.Tags != "" {
		m, err := focus.ParseTags(row.Tags)
		if err != nil || len(m) == 0 || row.Tags[0] != '{' {
			t.Errorf("line %d: Tags %q: %v", row.Line, row.Tags, err)
		}
	}
}

// golden compares a summary of the conversion with testdata/golden, or
// writes it with -update.
func golden(t *testing.T, name string, r Reader, rows []focus.Row) {
	t.Helper()
	type total struct{ Billed, Effective, List, Contracted decimal.Decimal }
	g := struct {
		Format    string
		Rows      int
		Totals    map[string]*total
		Tolerated []focus.Tolerance
		Extra     []string
		Kinds     map[string]int
		First     []map[string]any
	}{Format: r.Format(), Rows: len(rows), Totals: map[string]*total{}, Tolerated: r.Tolerated(), Extra: r.Extra(), Kinds: map[string]int{}}
	for i, row := range rows {
		tt := g.Totals[row.BillingCurrency]
		if tt == nil {
			tt = &total{}
			g.Totals[row.BillingCurrency] = tt
		}
		tt.Billed = tt.Billed.Add(row.BilledCost)
		tt.Effective = tt.Effective.Add(row.EffectiveCost)
		tt.List = tt.List.Add(row.ListCost)
		tt.Contracted = tt.Contracted.Add(row.ContractedCost)
		g.Kinds[strings.Join([]string{row.ChargeCategory, row.PricingCategory, row.ServiceCategory,
			row.CommitmentDiscountType, row.CommitmentDiscountStatus}, " | ")]++
		if i < 3 || (row.CommitmentDiscountID != "" && len(g.First) < 6) {
			g.First = append(g.First, rowMap(row))
		}
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", strings.TrimSuffix(strings.ReplaceAll(name, "/", "__"), ".gz")+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the conversion (go test -update rewrites it); got:\n%s", path, got)
	}
}

// rowMap renders the non-zero fields of a row.
func rowMap(row focus.Row) map[string]any {
	m := map[string]any{}
	v := reflect.ValueOf(row)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.IsZero() {
			continue
		}
		switch x := f.Interface().(type) {
		case time.Time:
			m[v.Type().Field(i).Name] = x.Format(time.RFC3339)
		case decimal.Decimal:
			if !x.IsZero() {
				m[v.Type().Field(i).Name] = x.String()
			}
		default:
			m[v.Type().Field(i).Name] = x
		}
	}
	return m
}

// TestServiceCategory checks every row whose native service is in a
// category table gets the table's category.
func TestServiceCategory(t *testing.T) {
	table := func(name string) map[string]string {
		f := readRaw(t, filepath.Join("mappings", name))
		m := map[string]string{}
		for _, r := range f.rows {
			k := strings.ToLower(strings.TrimSpace(r[0]))
			if _, dup := m[k]; !dup {
				m[k] = r[1]
			}
		}
		return m
	}
	aws, gcp, oci, azure := table("focus_converters_aws_category_mapping.csv"), table("focus_converters_gcp_category_mapping.csv"),
		table("kiban_oci_category_mapping.csv"), table("focus_converters_azure_category_mapping.csv")
	for _, tc := range samples {
		path := filepath.Join("testdata", tc.path)
		_, rows := readAll(t, path)
		raw := readRaw(t, path)
		byLine := map[int][]string{}
		for i, r := range raw.rows {
			byLine[raw.lines[i]] = r
		}
		mapped := 0
		for _, row := range rows {
			rec := byLine[row.Line]
			var want string
			var ok bool
			switch {
			case strings.HasPrefix(tc.path, "aws/"):
				if want, ok = aws[strings.ToLower(raw.col(rec, "lineItem/ProductCode"))]; !ok {
					want, ok = aws[strings.ToLower(raw.col(rec, "product/servicecode"))]
				}
			case strings.HasPrefix(tc.path, "gcp/"):
				want, ok = gcp[strings.ToLower(raw.col(rec, "service.description"))]
			case strings.HasPrefix(tc.path, "oci/"):
				want, ok = oci[strings.ToLower(raw.col(rec, "product/service"))]
			default:
				// Azure: the toolkit's Services.csv comes first and may be
				// finer than focus_converters' table; known services must
				// not be Other.
				cs := ""
				for i, h := range raw.header {
					if canon(h) == "consumedservice" && i < len(rec) {
						cs = strings.ToLower(rec[i])
					}
				}
				if _, known := azure[cs]; known && row.ServiceCategory == "Other" {
					t.Errorf("%s line %d: ConsumedService %q mapped to Other", tc.path, row.Line, cs)
				}
				if row.ServiceCategory != "Other" {
					mapped++
				}
				continue
			}
			if !ok {
				if row.ServiceCategory != "Other" {
					t.Errorf("%s line %d: unmapped service has category %q", tc.path, row.Line, row.ServiceCategory)
				}
				continue
			}
			mapped++
			if row.ServiceCategory != want {
				t.Errorf("%s line %d: ServiceCategory %q, the table says %q", tc.path, row.Line, row.ServiceCategory, want)
			}
		}
		t.Logf("%s: %d of %d rows mapped", tc.path, mapped, len(rows))
	}
}

// TestTags checks the tags of each sample that has some are parsed:
// every row whose native tags are not empty has a Tags object.
func TestTags(t *testing.T) {
	cases := []struct {
		path string
		has  func(raw rawFile, rec []string) bool
		key  string // a key some row must have
	}{
		{"azure/EA_AmortizedCost_Small.csv", func(f rawFile, r []string) bool { return f.col(r, "Tags") != "" }, "aks-managed-poolName"},
		{"azure/EA_ActualCost_Small.csv", func(f rawFile, r []string) bool { return f.col(r, "Tags") != "" }, "CostCenter"},
		{"azure/koku_azure_export_camelCased.csv", func(f rawFile, r []string) bool { return f.col(r, "tags") != "" }, "project"},
		{"azure/opencost/values_MissingBrackets.csv", func(f rawFile, r []string) bool { return f.col(r, "Tags") != "" }, "aksEngineVersion"},
		{"azure/opencost/values_Template.csv", func(f rawFile, r []string) bool { return f.col(r, "Tags") != "" }, "poolName"},
		{"gcp/koku_gcp_billing_export_2020-11.csv", func(f rawFile, r []string) bool { return f.col(r, "labels") != "[]" }, "goog-resource-type"},
		{"oci/focus_converters_oci_reports_cost.csv.gz", func(f rawFile, r []string) bool {
			for i, h := range f.header {
				if strings.HasPrefix(h, "tags/") && r[i] != "" {
					return true
				}
			}
			return false
		}, "Oracle-Tags.CreatedBy"},
	}
	for _, tc := range cases {
		path := filepath.Join("testdata", tc.path)
		_, rows := readAll(t, path)
		raw := readRaw(t, path)
		byLine := map[int][]string{}
		for i, r := range raw.rows {
			byLine[raw.lines[i]] = r
		}
		seen := false
		for _, row := range rows {
			if row.ChargeCategory == "Credit" {
				continue
			}
			if want := tc.has(raw, byLine[row.Line]); want != (row.Tags != "") {
				t.Errorf("%s line %d: native tags %v, Tags %q", tc.path, row.Line, want, row.Tags)
			}
			m, err := focus.ParseTags(row.Tags)
			if err != nil {
				t.Errorf("%s line %d: %v", tc.path, row.Line, err)
			}
			if _, ok := m[tc.key]; ok {
				seen = true
			}
		}
		if !seen {
			t.Errorf("%s: no row has the tag %q", tc.path, tc.key)
		}
	}
}

// TestFOCUSUnchanged checks a FOCUS export reads exactly as focus.Reader
// reads it.
func TestFOCUSUnchanged(t *testing.T) {
	path := filepath.Join("testdata", "focus", "focus_sample_1000.csv.gz")
	data := readFile(t, path)
	for _, input := range [][]byte{data, mustGzip(t, data), append([]byte("\ufeff"), data...)} {
		want, err := focus.NewReader(bytes.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewReader(bytes.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		if got.Format() != "focus-"+want.Version() {
			t.Errorf("Format() = %q, want focus-%s", got.Format(), want.Version())
		}
		n := 0
		for {
			a, errA := want.Next()
			b, errB := got.Next()
			if !errors.Is(errB, errA) && fmt.Sprint(errA) != fmt.Sprint(errB) {
				t.Fatalf("row %d: error %v, focus.Reader %v", n, errB, errA)
			}
			if errA == io.EOF {
				break
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("row %d differs:\n%+v\n%+v", n, b, a)
			}
			n++
		}
		if n != 1000 {
			t.Errorf("%d rows", n)
		}
		if !reflect.DeepEqual(got.Tolerated(), want.Tolerated()) || !reflect.DeepEqual(got.Extra(), want.Extra()) {
			t.Errorf("Tolerated/Extra differ: %+v %v, want %+v %v", got.Tolerated(), got.Extra(), want.Tolerated(), want.Extra())
		}
	}
}

func mustGzip(t testing.TB, data []byte) []byte {
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

func TestUnknownFormat(t *testing.T) {
	for _, in := range []string{"a,b,c\n1,2,3\n", "Cost,Date\n1,2\n", "BilledCost,ChargePeriodStart\n"} {
		_, err := NewReader(strings.NewReader(in))
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%q: %v, want ErrUnknownFormat", in, err)
			continue
		}
		for _, want := range []string{"FOCUS", "AWS", "Azure", "Google Cloud", "OCI", "BilledCost"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q: error %q does not name %s", in, err, want)
			}
		}
	}
	if _, err := NewReader(strings.NewReader("")); err == nil {
		t.Error("empty input: no error")
	}
	if _, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 1})); err == nil {
		t.Error("broken gzip: no error")
	}
}
