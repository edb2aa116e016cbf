package focusrules

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"testing"
)

// FuzzValidate checks that no input makes the validator panic or hang,
// and that what it reports is consistent and can be written.
func FuzzValidate(f *testing.F) {
	for _, path := range []string{
		"testdata/all_pass_0.5.csv", "testdata/multiple_failure_examples.csv",
		"testdata/spec_examples/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	sample, err := os.ReadFile("testdata/focus_sample_1000.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample[:4096])
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(sample[:2048])
	_ = zw.Close()
	f.Add(gz.Bytes())
	f.Add(genFOCUS(2048))
	for _, s := range []string{
		"", "\n", "\xEF\xBB\xBF", "A", "A,A\n1", "BilledCost\n1e999999999\n-1e-999999999\n",
		"ListUnitPrice,PricingQuantity,ListCost\n1e400,1e400,1e800\n99999999999999999999,9,1\n",
		"Tags\n\"{\"\"a\"\":{}}\"\n{\n\"\"\n", "A,B\n\"x\n", "A\n\"a\"b\n", "SkuPriceId,SkuId\na,b\na,c\na,\n,b\n",
		"ChargePeriodStart\n2024-02-30T00:00:00Z\n9999-99-99T99:99:99Z\n",
	} {
		f.Add([]byte(s))
	}
	m, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := m.Validate(bytes.NewReader(data), Options{Applicability: []string{ClaimAll}, MaxExamples: 2})
		if err != nil {
			return
		}
		if len(rep.Rules) != len(m.Rules) {
			t.Fatalf("%d results", len(rep.Rules))
		}
		s := rep.Summary
		if s.Pass+s.Fail+s.Skipped+s.NotChecked+s.NotApplicable != s.Counted || s.FailedMust+s.FailedShould > s.Fail {
			t.Fatalf("summary %+v", s)
		}
		for _, r := range rep.Rules {
			if r.Status == "" || r.Failed < 0 || len(r.Examples) > 2 || (r.Counted && (r.Status == StatusFail) != (r.Failed > 0)) {
				t.Fatalf("%s: %+v", r.ID, r)
			}
			if r.FailedUnit == "rows" && r.Failed > r.RowsChecked {
				t.Fatalf("%s: %d failed of %d", r.ID, r.Failed, r.RowsChecked)
			}
		}
		if err := rep.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzValues cross-checks the hand-written scanners with encoding/json and
// shopspring/decimal.
func FuzzValues(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, `{"a": [1]}`, `{"a":"\u00e9"}`, "1.5", "-0.000", "12345678901234567890", "1e5", `{"a":1,"a":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if isKeyValue(s) {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader([]byte(s)))
			if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
				t.Fatalf("isKeyValue(%q) but encoding/json: %v", s, err)
			}
			for k, v := range obj {
				switch v.(type) {
				case map[string]any, []any:
					t.Fatalf("isKeyValue(%q) with %s a %T", s, k, v)
				}
			}
		}
		if f, ok := parseFixed(s); ok && len(s) <= maxArithLen {
			d, ok := parseDecimal(s)
			if !ok || !d.Equal((number{f: f, fixed: true}).dec()) {
				t.Fatalf("parseFixed(%q) = %+v, decimal %v %v", s, f, d, ok)
			}
		}
		if isNumericFormat(s) && !isNumber(s) {
			t.Fatalf("%q is NumericFormat but not a number", s)
		}
		if isFOCUSDateTime(s) && !isDateTime(s) {
			t.Fatalf("%q is FOCUS date/time but not a date/time", s)
		}
	})
}
