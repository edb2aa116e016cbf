package focusrules

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// treeModel is a small model shaped like the real one: a dataset
// composite over a presence rule and a column composite; the column
// composite needs FEATURE_SUPPORTED and has a condition its parts inherit.
const treeModel = `{"Details": {"ModelVersion": "t", "FOCUSVersion": "t"},
"ApplicabilityCriteria": {"FEATURE_SUPPORTED": {"Description": "a feature"}, "OTHER_SUPPORTED": {"Description": "another"}},
"ModelRules": {
 "Set-D-000-M": {"Function": "Composite", "Reference": "Set", "EntityType": "Dataset", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "The dataset adheres to:", "Keyword": "MUST", "Condition": {},
   "Requirement": {"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckModelRule", "ModelRuleId": "Set-D-001-M"}, {"CheckFunction": "CheckModelRule", "ModelRuleId": "B-C-000-C"}, {"CheckFunction": "CheckModelRule", "ModelRuleId": "A-C-000-M"}]}}},
 "Set-D-001-M": {"Function": "Presence", "Reference": "A", "EntityType": "Dataset", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "A MUST be present.", "Keyword": "MUST", "Condition": {}, "Requirement": {"CheckFunction": "ColumnPresent", "ColumnName": "A"}}},
 "A-C-000-M": {"Function": "Composite", "Reference": "A", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "A adheres to:", "Keyword": "MUST", "Condition": {},
   "Requirement": {"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckModelRule", "ModelRuleId": "A-C-001-M"}, {"CheckFunction": "CheckModelRule", "ModelRuleId": "A-C-002-O"}, {"CheckFunction": "CheckModelRule", "ModelRuleId": "A-C-003-M"}]}}},
 "A-C-001-M": {"Function": "Format", "Reference": "A", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "A MUST conform to NumericFormat requirements.", "Keyword": "MUST", "Condition": {}, "Requirement": {"CheckFunction": "FormatNumeric", "ColumnName": "A"}}},
 "A-C-002-O": {"Function": "Nullability", "Reference": "A", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "A MAY be null.", "Keyword": "MAY", "Condition": {}, "Requirement": {"CheckFunction": "CheckValue", "ColumnName": "A", "Value": null}}},
 "A-C-003-M": {"Function": "Validation", "Reference": "A", "EntityType": "Column", "Status": "Active", "Type": "Dynamic", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "A MUST be right.", "Keyword": "MUST", "Condition": {}, "Requirement": {}}},
 "B-C-000-C": {"Function": "Composite", "Reference": "B", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": ["FEATURE_SUPPORTED"],
  "ValidationCriteria": {"MustSatisfy": "When A is not null, B adheres to:", "Keyword": "MUST", "Condition": {"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null},
   "Requirement": {"CheckFunction": "AND", "Items": [{"CheckFunction": "CheckModelRule", "ModelRuleId": "B-C-001-M"}, {"CheckFunction": "CheckModelRule", "ModelRuleId": "B-C-002-O"}]}}},
 "B-C-001-M": {"Function": "Nullability", "Reference": "B", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": [],
  "ValidationCriteria": {"MustSatisfy": "B MUST NOT be null when C is \"Usage\".", "Keyword": "MUST NOT", "Condition": {"CheckFunction": "CheckValue", "ColumnName": "C", "Value": "Usage"},
   "Requirement": {"CheckFunction": "CheckNotValue", "ColumnName": "B", "Value": null}}},
 "B-C-002-O": {"Function": "Validation", "Reference": "B", "EntityType": "Column", "Status": "Active", "Type": "Static", "ApplicabilityCriteria": ["OTHER_SUPPORTED"],
  "ValidationCriteria": {"MustSatisfy": "B SHOULD be \"x\".", "Keyword": "SHOULD", "Condition": {}, "Requirement": {"CheckFunction": "CheckValue", "ColumnName": "B", "Value": "x"}}}
}}`

func TestApplicabilityAndComposites(t *testing.T) {
	m, err := Parse([]byte(treeModel))
	if err != nil {
		t.Fatal(err)
	}
	csv := "A,B,C\n1,,Usage\n1,y,Usage\nNULL,,Usage\n2,,Tax\n+3,x,Usage\n"

	rep := validateString(t, m, csv, Options{})
	for id, want := range map[string]Status{
		"Set-D-000-M": StatusFail, "Set-D-001-M": StatusPass, "A-C-000-M": StatusFail, "A-C-001-M": StatusFail,
		"A-C-002-O": StatusNotChecked, "A-C-003-M": StatusNotChecked,
		"B-C-000-C": StatusNotApplicable, "B-C-001-M": StatusNotApplicable, "B-C-002-O": StatusNotApplicable,
	} {
		if got := rep.Result(id); got.Status != want {
			t.Errorf("no claims: %s = %s (%s), want %s", id, got.Status, got.Reason, want)
		}
	}
	if r := rep.Result("B-C-001-M"); r.Reason != "needs applicability criteria not claimed: FEATURE_SUPPORTED" {
		t.Errorf("inherited applicability: %q", r.Reason)
	}
	if r := rep.Result("A-C-000-M"); r.Reason != "failed: A-C-001-M" || r.Counted || !slices.Equal(r.Children, []string{"A-C-001-M", "A-C-002-O", "A-C-003-M"}) {
		t.Errorf("composite: %+v", r)
	}
	if r := rep.Result("A-C-002-O"); r.NotChecked != NotCheckedPermission || !r.Counted {
		t.Errorf("MAY: %+v", r)
	}
	if r := rep.Result("A-C-003-M"); r.NotChecked != NotCheckedDynamic {
		t.Errorf("dynamic: %+v", r)
	}
	if s := rep.Summary; s.Counted != 6 || s.Pass != 1 || s.Fail != 1 || s.NotChecked != 2 || s.NotApplicable != 2 || s.Composites != 3 || s.FailedMust != 1 {
		t.Errorf("summary %+v", s)
	}

	// Claiming FEATURE_SUPPORTED makes B-C-001-M applicable, on the rows where
	// A is not null (the composite's condition) and C is "Usage" (its own).
	rep = validateString(t, m, csv, Options{Applicability: []string{"FEATURE_SUPPORTED"}, Source: "f.csv"})
	r := rep.Result("B-C-001-M")
	if r.Status != StatusFail || r.RowsChecked != 3 || r.Failed != 1 || !slices.Equal(exampleLines(r), []int{2}) ||
		r.Condition != `AND(CheckNotValue(A, null), CheckValue(C, "Usage"))` {
		t.Errorf("claimed: %+v", r)
	}
	if got := rep.Result("B-C-002-O"); got.Status != StatusNotApplicable || got.Reason != "needs applicability criteria not claimed: OTHER_SUPPORTED" {
		t.Errorf("B-C-002-O: %+v", got)
	}
	if !slices.Equal(rep.Applicability, []string{"FEATURE_SUPPORTED"}) {
		t.Errorf("applicability %v", rep.Applicability)
	}
	rep = validateString(t, m, csv, Options{Applicability: []string{"all"}})
	if got := rep.Result("B-C-002-O"); got.Status != StatusFail || got.Failed != 1 || got.Level != LevelShould {
		t.Errorf("ALL: %+v", got)
	}
	if rep.Summary.FailedShould != 1 || rep.Summary.FailedMust != 2 {
		t.Errorf("ALL summary %+v", rep.Summary)
	}
	if _, err := m.Validate(strings.NewReader(csv), Options{Applicability: []string{"NOPE"}}); err == nil || !strings.Contains(err.Error(), "FEATURE_SUPPORTED, OTHER_SUPPORTED") {
		t.Errorf("unknown criterion: %v", err)
	}

	// Without column A: the presence rule fails at the header, A's rules
	// are skipped, and B's condition reads A as null.
	rep = validateString(t, m, "B,C\n,Usage\n", Options{Applicability: []string{"ALL"}})
	if r := rep.Result("Set-D-001-M"); r.Status != StatusFail || r.FirstLine != 1 || r.Reason != "not in the header" {
		t.Errorf("presence: %+v", r)
	}
	if r := rep.Result("A-C-001-M"); r.Status != StatusSkipped || r.Reason != "not in the file: A" {
		t.Errorf("skipped: %+v", r)
	}
	if r := rep.Result("B-C-001-M"); r.Status != StatusPass || r.RowsChecked != 0 {
		t.Errorf("absent condition column: %+v", r)
	}
	rep = validateString(t, m, "a ,B\n1,2\n", Options{})
	if r := rep.Result("Set-D-001-M"); r.Reason != `not in the header (it has "a ")` {
		t.Errorf("near miss: %q", r.Reason)
	}
}

// TestOrComposite checks the two OR composites of the model: their parts
// are alternatives, and only the OR counts.
func TestOrComposite(t *testing.T) {
	m := mustModel(t)
	rep := validateString(t, m, "InvoiceId\nINV-1\nNULL\n", Options{})
	r := rep.Result("InvoiceId-C-003-C")
	if r.Status != StatusPass || !r.Counted || r.RowsChecked != 2 {
		t.Errorf("InvoiceId-C-003-C: %+v", r)
	}
	// Each alternative alone fails the rows of the other, but is not counted.
	for _, id := range []string{"InvoiceId-C-004-C", "InvoiceId-C-005-C"} {
		if a := rep.Result(id); a.Counted || a.AlternativeOf != "InvoiceId-C-003-C" || a.Failed != 1 {
			t.Errorf("%s: %+v", id, a)
		}
	}

	// SubAccountType: null when SubAccountId is null, not null otherwise.
	csv := "SubAccountId,SubAccountType\na1,Account\na2,\n,\n,Project\n"
	rep = validateString(t, m, csv, Options{Applicability: []string{"MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED"}})
	r = rep.Result("SubAccountType-C-003-C")
	if r.Status != StatusFail || r.Failed != 2 || !slices.Equal(exampleLines(r), []int{3, 5}) {
		t.Errorf("SubAccountType-C-003-C: %+v", r)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "SubAccountType-C-004-C") || !strings.Contains(buf.String(), `:3: SubAccountType-C-003-C (MUST) SubAccountType: SubAccountType nullability is defined as follows: — found SubAccountType null, SubAccountId "a2"; 2 rows, first at lines 3, 5`) {
		t.Errorf("text:\n%s", buf.String())
	}
}

func TestInputs(t *testing.T) {
	m := testModel(t, "MUST", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}`, "")
	plain := "A,B\r\nx,1\r\n\r\nNULL,2\r\n,3\r\nnull,4\r\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("\xEF\xBB\xBF" + plain))
	_ = zw.Close()
	for name, in := range map[string][]byte{"plain": []byte(plain), "bom": []byte("\xEF\xBB\xBF" + plain), "gzip+bom": gz.Bytes()} {
		rep, err := m.Validate(bytes.NewReader(in), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := rep.Result("T-C-001-M")
		// NULL and the empty field are null; "null" is a value; the blank
		// line is skipped and lines count as in the file.
		if rep.Rows != 4 || !slices.Equal(rep.Columns, []string{"A", "B"}) || !slices.Equal(exampleLines(r), []int{4, 5}) {
			t.Errorf("%s: rows %d, columns %q, failures %v", name, rep.Rows, rep.Columns, exampleLines(r))
		}
		if rep.Gzip != (name == "gzip+bom") || rep.ByteOrderMark != (name != "plain") {
			t.Errorf("%s: gzip %v, BOM %v", name, rep.Gzip, rep.ByteOrderMark)
		}
	}
	rep := validateString(t, m, plain, Options{NullValues: []string{"NULL", "null"}})
	if got := exampleLines(rep.Result("T-C-001-M")); !slices.Equal(got, []int{4, 5, 6}) {
		t.Errorf("NullValues NULL, null: %v", got)
	}
	rep = validateString(t, m, plain, Options{NullValues: []string{}})
	if got := exampleLines(rep.Result("T-C-001-M")); !slices.Equal(got, []int{5}) {
		t.Errorf("no null literal: %v", got)
	}

	if _, err := m.Validate(strings.NewReader(""), Options{}); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := m.Validate(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), Options{}); err == nil {
		t.Error("broken gzip accepted")
	}
	rep = validateString(t, m, "A\n", Options{})
	if rep.Rows != 0 || rep.Result("T-C-001-M").Status != StatusPass || !rep.OK() {
		t.Errorf("header only: %+v", rep.Summary)
	}
}

func TestMalformedRows(t *testing.T) {
	m := testModel(t, "MUST", `{"CheckFunction": "CheckNotValue", "ColumnName": "A", "Value": null}`, "")
	csv := "A,B,A\nx,1,z\ny,2\n\"bad\"quote,3,4\n,5,6\n\"unterminated,6,7\n"
	rep := validateString(t, m, csv, Options{Source: "bad.csv"})
	if rep.Rows != 2 || rep.MalformedRows != 3 || rep.OK() {
		t.Errorf("rows %d, malformed %d, ok %v", rep.Rows, rep.MalformedRows, rep.OK())
	}
	var msgs []string
	for _, is := range rep.Issues {
		msgs = append(msgs, is.Message)
	}
	want := []string{
		`column "A" repeated (field 3); the first is checked`,
		"malformed row not checked: 2 fields, the header has 3",
		`malformed row not checked: extraneous or missing " in quoted-field`,
		`malformed row not checked: extraneous or missing " in quoted-field`,
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("issues %q", msgs)
	}
	var buf bytes.Buffer
	_ = rep.WriteText(&buf)
	if !strings.Contains(buf.String(), "bad.csv:3: malformed row not checked: 2 fields, the header has 3\n") ||
		!strings.Contains(buf.String(), "bad.csv: FAIL, 2 rows, 3 columns (1 MUST, 3 malformed rows)") {
		t.Errorf("text:\n%s", buf.String())
	}
}

func TestExamples(t *testing.T) {
	m := testModel(t, "MUST", `{"CheckFunction": "TypeDecimal", "ColumnName": "A"}`, "")
	var b strings.Builder
	b.WriteString("A\n")
	long := strings.Repeat("é", 300)
	b.WriteString(long + "\n")
	for range 20 {
		b.WriteString("x\n")
	}
	for _, tc := range []struct{ max, want int }{{0, DefaultMaxExamples}, {-1, 0}, {3, 3}} {
		r := validateString(t, m, b.String(), Options{MaxExamples: tc.max}).Result("T-C-001-M")
		if r.Failed != 21 || len(r.Examples) != tc.want || r.FirstLine != 2 {
			t.Errorf("MaxExamples %d: failed %d, %d examples, first line %d", tc.max, r.Failed, len(r.Examples), r.FirstLine)
		}
		if tc.want > 0 {
			v := *r.Examples[0].Cells[0].Value
			if len(v) > maxValueLen+len("…") || !strings.HasSuffix(v, "…") || !strings.HasPrefix(long, strings.TrimSuffix(v, "…")) {
				t.Errorf("long value kept as %d bytes", len(v))
			}
		}
	}
	rep := validateString(t, m, b.String(), Options{MaxExamples: -1, Source: "x.csv"})
	var buf bytes.Buffer
	_ = rep.WriteText(&buf)
	if !strings.HasPrefix(buf.String(), "x.csv:2: T-C-001-M (MUST) A: A MUST be tested. — 21 rows\n") {
		t.Errorf("text without examples:\n%s", buf.String())
	}
	js, err := json.Marshal(rep)
	if err != nil || !bytes.Contains(js, []byte(`"failed":21`)) {
		t.Errorf("json: %v %s", err, js)
	}
}

// TestErrataChangeResults validates a spec example with commitment discount
// rows with the corrected model and as published.
func TestErrataChangeResults(t *testing.T) {
	opt := Options{Applicability: []string{ClaimAll}, NullValues: []string{"NULL", "null"}}
	m := mustModel(t)
	pub, _ := EmbeddedAsPublished()
	path := "testdata/spec_examples/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv"
	fixed, err := m.ValidateFile(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	published, err := pub.ValidateFile(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r := fixed.Result("CommitmentDiscountStatus-C-005-M"); r.Status != StatusPass || r.Erratum == "" {
		t.Errorf("corrected: %+v", r)
	}
	if r := published.Result("CommitmentDiscountStatus-C-005-M"); r.Status != StatusFail || r.Failed != 1 || *r.Examples[0].Cells[0].Value != "Used" {
		t.Errorf("as published: %+v", r)
	}
	// As published, "MUST be null when CommitmentDiscountId is null" fails
	// the on-demand row, whose status is null.
	if r := published.Result("CommitmentDiscountStatus-C-003-C"); r.Status != StatusFail || r.FirstLine != 6 {
		t.Errorf("as published C-003-C: %+v", r)
	}
	if r := fixed.Result("CommitmentDiscountStatus-C-003-C"); r.Status != StatusPass {
		t.Errorf("corrected C-003-C: %+v", r)
	}
	if fixed.Errata != 12 || published.Errata != 0 {
		t.Errorf("errata %d %d", fixed.Errata, published.Errata)
	}
}
