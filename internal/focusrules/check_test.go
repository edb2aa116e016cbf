package focusrules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// testModel parses a model of one rule, T-C-001-M, with the requirement
// and condition given as the model's JSON.
func testModel(t testing.TB, keyword, req, cond string, criteria ...string) *Model {
	t.Helper()
	if cond == "" {
		cond = "{}"
	}
	crit := "[]"
	if len(criteria) > 0 {
		crit = `["` + strings.Join(criteria, `", "`) + `"]`
	}
	doc := fmt.Sprintf(`{"Details": {"ModelVersion": "t", "FOCUSVersion": "t"},
		"ApplicabilityCriteria": {"FEATURE_SUPPORTED": {"Description": "a feature"}, "VIRTUAL_CURRENCY_SUPPORTED": {"Description": "virtual"}},
		"ModelRules": {"T-C-001-M": {"Function": "Validation", "Reference": "A", "EntityType": "Column", "Status": "Active", "Type": "Static",
			"ApplicabilityCriteria": %s,
			"ValidationCriteria": {"MustSatisfy": "A MUST be tested.", "Keyword": %q, "Requirement": %s, "Condition": %s}}}}`,
		crit, keyword, req, cond)
	m, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return m
}

func validateString(t testing.TB, m *Model, csv string, opt Options) *Report {
	t.Helper()
	rep, err := m.Validate(strings.NewReader(csv), opt)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return rep
}

func exampleLines(r *Result) []int {
	var out []int
	for _, ex := range r.Examples {
		out = append(out, ex.Line)
	}
	return out
}

// TestCheckFunctions is a table of every check function, each passing
// and failing, with null values (the empty field and NULL) among the rows.
func TestCheckFunctions(t *testing.T) {
	cases := []struct {
		name, req, cond string
		csv             string
		status          Status
		failed          []int // lines of the failing rows
		checked         int64 // rows the rule applied to
	}{
		{"CheckValue null", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": null}`, "",
			"A\n\"\"\nNULL\nx\n", StatusFail, []int{4}, 3},
		{"CheckValue string is case-sensitive, null unknown", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "Usage"}`, "",
			"A\nUsage\nusage\n\"\"\n", StatusFail, []int{3}, 3},
		{"CheckValue number compares numerically", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": 0}`, "",
			"A\n0\n0.000\n-0\n1e-3\nabc\nNULL\n", StatusFail, []int{5, 6}, 6},
		{"CheckValue passes", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "x"}`, "",
			"A\nx\nx\n", StatusPass, nil, 2},
		{"CheckNotValue null", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}`, "",
			"A\nx\n\"\"\nNULL\n", StatusFail, []int{3, 4}, 3},
		{"CheckNotValue string, null is not the value", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": "Usage-Based"}`, "",
			"A\nUsage-Based\nRecurring\n\"\"\n", StatusFail, []int{2}, 3},
		{"CheckSameValue", `{"CheckFunction": "CheckSameValue", "ColumnAName": "A", "ColumnBName": "B"}`, "",
			"A,B\nx,x\nx,y\n,y\nNULL,NULL\n", StatusFail, []int{3}, 4},
		{"CheckNotSameValue", `{"CheckFunction": "CheckNotSameValue", "ColumnAName": "A", "ColumnBName": "B"}`, "",
			"A,B\nx,x\nx,y\n,\n", StatusFail, []int{2}, 3},
		{"TypeString: CSV values are strings", `{"CheckFunction": "TypeString", "ColumnName": "A"}`, "",
			"A\n1\nx\n\"\"\n", StatusPass, nil, 3},
		{"TypeDecimal", `{"CheckFunction": "TypeDecimal", "ColumnName": "A"}`, "",
			"A\n1\n-2.5\n+3\n1e5\n.5\n\"1,000\"\n$5\nabc\nNaN\nNULL\n2.\n", StatusFail, []int{7, 8, 9, 10}, 11},
		{"CheckDecimalValue", `{"CheckFunction": "CheckDecimalValue", "ColumnName": "A"}`, "",
			"A\n0.1\n1.2.3\n 4\nNULL\n", StatusFail, []int{3, 4}, 4},
		{"FormatNumeric follows NumericFormat", `{"CheckFunction": "FormatNumeric", "ColumnName": "A"}`, "",
			"A\n1\n-2.5\n+3\n1E5\n1e-5\n1E+5\n1.\n 1\n0.00000080000\n-.5\n", StatusFail, []int{4, 7, 8, 9}, 10},
		{"TypeDateTime accepts date/time text", `{"CheckFunction": "TypeDateTime", "ColumnName": "A"}`, "",
			"A\n2024-09-01T00:00:00Z\n2024-09-01 00:00:00\n2024-09-01\n2024-09-01T00:00:00+02:00\n2023-02-01T30:00:00Z\nyesterday\nNULL\n", StatusFail, []int{6, 7}, 7},
		{"FormatDateTime is ISO 8601 UTC", `{"CheckFunction": "FormatDateTime", "ColumnName": "A"}`, "",
			"A\n2024-09-01T00:00:00Z\n2024-09-01 00:00:00\n2024-02-30T00:00:00Z\n2024-09-01T00:00:00.000Z\n2024-02-29T23:59:59Z\n2024-09-01T24:00:00Z\n", StatusFail, []int{3, 4, 5, 7}, 6},
		{"FormatString is valid Unicode", `{"CheckFunction": "FormatString", "ColumnName": "A"}`, "",
			"A\nnaïve\n\xff\xfe\n", StatusFail, []int{3}, 2},
		{"FormatKeyValue", `{"CheckFunction": "FormatKeyValue", "ColumnName": "A"}`, "",
			`A
"{""a"": ""b""}"
{}
"{""a"": 1, ""b"": true, ""c"": null, ""d"": -1.5e3}"
"{""a"": {""b"": 1}}"
"{""a"": [1]}"
"{""a"": 1, ""a"": 2}"
a=b
"""a"": ""b"""
[]
"{""a"": 1} x"
"{""\u0061"": 1, ""a"": 2}"
NULL
`, StatusFail, []int{5, 6, 7, 8, 9, 10, 11, 12}, 12},
		{"FormatCurrency", `{"CheckFunction": "FormatCurrency", "ColumnName": "A"}`, "",
			"A\nUSD\nusd\nUS\nEURO\nXBT\nNULL\n", StatusFail, []int{3, 4, 5}, 6},
		{"CheckNationalCurrency", `{"CheckFunction": "CheckNationalCurrency", "ColumnName": "A"}`, "",
			"A\nUSD\nEUR\nJPY\nXBT\nXAU\nusd\nBTC\n", StatusFail, []int{5, 6, 7, 8}, 7},
		{"CheckGreaterOrEqualThanValue", `{"CheckFunction": "CheckGreaterOrEqualThanValue", "ColumnName": "A", "Value": 0}`, "",
			"A\n0\n1.5\n-0.0\n-1\nabc\nNULL\n-1e-30\n1e400\n", StatusFail, []int{5, 6, 8}, 8},
		{"ColumnByColumnEqualsColumnValue is exact", `{"CheckFunction": "ColumnByColumnEqualsColumnValue", "ColumnAName": "A", "ColumnBName": "B", "ResultColumnName": "R"}`, "",
			"A,B,R\n2,3,6\n0.000015,20,0.000300\n2,3,7\n0.008,0.00200749000,0.00001605990\n,3,6\nx,3,6\n12345678901234567890,2,24691357802469135780\n-2,3,-6.0\n-2,3,6\n0,5,0.00\n", StatusFail, []int{4, 5, 10}, 10},
		{"CheckDistinctCount", `{"CheckFunction": "CheckDistinctCount", "ColumnAName": "A", "ColumnBName": "B", "ExpectedCount": 1}`, "",
			"A,B\ns1,k1\ns1,k1\ns2,k2\ns2,k3\ns3,\n,k4\ns2,k4\n", StatusFail, []int{5, 6}, 6},
		{"CheckDistinctCount passes", `{"CheckFunction": "CheckDistinctCount", "ColumnAName": "A", "ColumnBName": "B", "ExpectedCount": 1}`, "",
			"A,B\ns1,k1\ns2,k1\ns1,k1\n", StatusPass, nil, 3},
		{"AND", `{"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}, {"CheckFunction": "TypeDecimal", "ColumnName": "A"}]}`, "",
			"A\n1\nNULL\nx\n", StatusFail, []int{3, 4}, 3},
		{"OR of allowed values", `{"CheckFunction": "OR", "Items": [{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "Used"}, {"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "Unused"}]}`, "",
			"A\nUsed\nUnused\nused\nNULL\n", StatusFail, []int{4}, 4},
		{"OR of pairs", `{"CheckFunction": "OR", "Items": [
			{"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "Bots"}, {"CheckFunction": "CheckValue", "ColumnName": "B", "Value": "AI"}]},
			{"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": "Caching"}, {"CheckFunction": "CheckValue", "ColumnName": "B", "Value": "Databases"}]}]}`, "",
			"A,B\nBots,AI\nBots,Databases\nCaching,Databases\n,AI\n,Web\nOther,\n,\n", StatusFail, []int{3, 6, 7}, 7},
		{"ColumnPresent", `{"CheckFunction": "ColumnPresent", "ColumnName": "B"}`, "",
			"A\n1\n", StatusFail, []int{1}, 0},
		{"ColumnPresent passes", `{"CheckFunction": "ColumnPresent", "ColumnName": "A"}`, "",
			"A\n1\n", StatusPass, nil, 0},
		{"FormatUnit is not checked", `{"CheckFunction": "FormatUnit", "ColumnName": "A"}`, "",
			"A\nGB-Hours\n", StatusNotChecked, nil, 0},
		{"unknown function is not checked", `{"CheckFunction": "CheckSomething", "ColumnName": "A"}`, "",
			"A\n1\n", StatusNotChecked, nil, 0},
		{"condition selects rows", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}`,
			`{"CheckFunction": "CheckValue", "ColumnName": "B", "Value": "Usage"}`,
			"A,B\n,Usage\n,Tax\n,\nx,Usage\n", StatusFail, []int{2}, 2},
		{"condition 'is not Correction' holds for null", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}`,
			`{"CheckFunction": "CheckNotValue", "ColumnName": "C", "Value": "Correction"}`,
			"A,C\n,\n,NULL\n,Correction\nx,\n", StatusFail, []int{2, 3}, 3},
		{"condition on a null comparison does not hold", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": 0}`,
			`{"CheckFunction": "CheckNotSameValue", "ColumnAName": "P", "ColumnBName": "I"}`,
			"A,P,I\n5,AWS,AWS\n5,AWS,Marketplace\n5,,AWS\n0,AWS,Marketplace\n", StatusFail, []int{3}, 2},
		{"condition on an absent column reads null", `{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": null}`,
			`{"CheckFunction": "CheckValue", "ColumnName": "Absent", "Value": null}`,
			"A\nx\nNULL\n", StatusFail, []int{2}, 2},
		{"requirement on an absent column is skipped", `{"CheckFunction": "CheckValue", "ColumnName": "Absent", "Value": null}`, "",
			"A\nx\n", StatusSkipped, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, "MUST", tc.req, tc.cond)
			rep := validateString(t, m, tc.csv, Options{Source: "t.csv", MaxExamples: 20})
			res := rep.Result("T-C-001-M")
			if res.Status != tc.status || !slices.Equal(exampleLines(res), tc.failed) || int(res.Failed) != len(tc.failed) || res.RowsChecked != tc.checked {
				t.Errorf("status %s, failed %d at %v, checked %d (%s)\nwant %s, %v, checked %d", res.Status, res.Failed, exampleLines(res),
					res.RowsChecked, res.Reason, tc.status, tc.failed, tc.checked)
			}
			if (res.Status == StatusFail) != (rep.Summary.FailedMust == 1) || rep.OK() == (res.Status == StatusFail) {
				t.Errorf("summary %+v, ok %v", rep.Summary, rep.OK())
			}
			if res.Status == StatusNotChecked && (res.NotChecked != NotCheckedUnsupported || res.Reason == "") {
				t.Errorf("not checked: %q %q", res.NotChecked, res.Reason)
			}
		})
	}
}

func TestVirtualCurrency(t *testing.T) {
	m := testModel(t, "MUST", `{"CheckFunction": "FormatCurrency", "ColumnName": "A"}`, "")
	csv := "A\nUSD\nCredits\n"
	if res := validateString(t, m, csv, Options{}).Result("T-C-001-M"); res.Failed != 1 {
		t.Errorf("national only: %+v", res)
	}
	if res := validateString(t, m, csv, Options{Applicability: []string{"VIRTUAL_CURRENCY_SUPPORTED"}}).Result("T-C-001-M"); res.Status != StatusPass {
		t.Errorf("virtual currency claimed: %+v", res)
	}
}

func TestValueTests(t *testing.T) {
	for s, want := range map[string][2]bool{ // isNumber, isNumericFormat
		"0": {true, true}, "-1": {true, true}, "+1": {true, false}, "1.5": {true, true}, ".5": {true, true},
		"1.": {true, false}, "1e5": {true, true}, "1E-5": {true, true}, "1e+5": {true, false}, "-": {false, false},
		"": {false, false}, "1e": {false, false}, "e5": {false, false}, "1.2.3": {false, false}, "0x10": {false, false},
		"1_000": {false, false}, "Inf": {false, false}, "1 ": {false, false}, ".": {false, false},
	} {
		if got := [2]bool{isNumber(s), isNumericFormat(s)}; got != want {
			t.Errorf("%q: isNumber, isNumericFormat = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"2024-09-01T00:00:00Z": true, "2024-12-31T23:59:59Z": true, "2024-02-29T00:00:00Z": true, "2023-02-29T00:00:00Z": false,
		"2024-13-01T00:00:00Z": false, "2024-09-01T00:60:00Z": false, "2024-09-01t00:00:00Z": false, "2024-09-01T00:00:00z": false,
		"2024-09-01T00:00:00+00:00": false, "2024-9-01T00:00:00Z": false, "２０２４-09-01T00:00:00Z": false,
	} {
		if got := isFOCUSDateTime(s); got != want {
			t.Errorf("isFOCUSDateTime(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		`{}`: true, ` { "a" : "b" } `: true, `{"a":"\"x\\y\/\u00e9\n"}`: true, `{"a":0}`: true, `{"a":01}`: false,
		`{"a":-}`: false, `{"a":1.}`: false, `{"a":tru}`: false, `{"a":"b",}`: false, `{"a" "b"}`: false, `{a:1}`: false,
		`{"a":"\x"}`: false, `{"a":"\u00g0"}`: false, "{\"a\":\"\x01\"}": false, `{"a":"b"`: false, `{"a":"b"}}`: false,
		`{"a":1e5,"b":-0.5E-2}`: true, `{"a\u0062":1,"ab":2}`: false, `"x"`: false, ``: false,
	} {
		if got := isKeyValue(s); got != want {
			t.Errorf("isKeyValue(%s) = %v", s, got)
		}
	}
}

// TestFixedArithmetic compares the allocation-free fixed-point comparisons
// and products with shopspring/decimal on random numbers.
func TestFixedArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func() string {
		digits := 1 + rng.IntN(12)
		var b strings.Builder
		if rng.IntN(4) == 0 {
			b.WriteByte('-')
		}
		for i := range digits {
			if i == digits-rng.IntN(digits)-1 && i > 0 && !strings.Contains(b.String(), ".") {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	for range 20000 {
		a, b := gen(), gen()
		na, ok1 := parseNumber(a)
		nb, ok2 := parseNumber(b)
		if !ok1 || !ok2 || !na.fixed || !nb.fixed {
			t.Fatalf("parse %q %q", a, b)
		}
		if got, want := cmpNumber(na, nb), na.dec().Cmp(nb.dec()); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		prod := na.dec().Mul(nb.dec())
		for _, r := range []string{prod.String(), prod.StringFixed(prod.Exponent()*-1 + 2), prod.Add(prod.Shift(-20)).String(), gen()} {
			nr, ok := parseNumber(r)
			if !ok {
				t.Fatalf("parse product %q", r)
			}
			if got, want := mulEquals(na, nb, nr), prod.Equal(nr.dec()); got != want {
				t.Fatalf("%s × %s = %s: %v, want %v", a, b, r, got, want)
			}
		}
	}
}

// TestValueSets checks that the set lookups for allowed values agree with
// evaluating the OR item by item, on every combination of values and nulls.
func TestValueSets(t *testing.T) {
	m := mustModel(t)
	for _, id := range []string{"ServiceCategory-C-003-M", "ServiceSubcategory-C-003-M", "ServiceSubcategory-C-004-M", "ChargeCategory-C-003-M"} {
		req := m.Rule(id).Requirement
		v := &validation{col: map[string]int{"ServiceCategory": 0, "ServiceSubcategory": 1, "ChargeCategory": 2}, nulls: []string{"NULL"}}
		fast := (&compiler{v: v}).compile(req)
		// The same OR with an item that is always false appended is not a
		// set: it is evaluated item by item.
		col := req.columns()[0]
		never := &Check{Func: "AND", Items: []*Check{cv(col, strLit("\x00")), cnv(col, nullLit())}}
		slow := (&compiler{v: v}).compile(&Check{Func: "OR", Items: append(slices.Clone(req.Items), never)})
		values := []string{"", "NULL", "Compute", "Virtual Machines", "Storage", "Bots", "AI and Machine Learning", "Usage", "x"}
		for _, a := range values {
			for _, b := range values {
				rec := []string{a, b, b}
				if f, s := fast(rec), slow(rec); f != s {
					t.Errorf("%s on %q: set %d, items %d", id, rec, f, s)
				}
			}
		}
	}
}
