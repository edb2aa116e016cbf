package focusrules

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func mustModel(t testing.TB) *Model {
	t.Helper()
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEmbeddedModel checks the embedded model against what the file says of
// itself and what the validator relies on.
func TestEmbeddedModel(t *testing.T) {
	m := mustModel(t)
	if m.ModelVersion != "1.2" || m.FOCUSVersion != "1.2" {
		t.Errorf("versions %q %q", m.ModelVersion, m.FOCUSVersion)
	}
	if len(m.Rules) != 621 || len(m.Criteria) != 18 || len(m.Functions) != 22 {
		t.Errorf("%d rules, %d criteria, %d functions; want 621, 18, 22", len(m.Rules), len(m.Criteria), len(m.Functions))
	}
	types := map[string]int{}
	for _, r := range m.Rules {
		types[r.Type]++
		for _, c := range []*Check{r.Requirement, r.Condition} {
			for _, f := range c.functions() {
				if _, ok := m.Functions[f]; !ok {
					t.Errorf("%s uses %s, which CheckFunctions does not document", r.ID, f)
				}
			}
		}
		for _, id := range r.Requirement.refs() {
			if m.Rule(id) == nil {
				t.Errorf("%s references unknown rule %s", r.ID, id)
			}
		}
		for _, k := range r.Applicability {
			if _, ok := m.Criteria[k]; !ok {
				t.Errorf("%s needs unknown criterion %s", r.ID, k)
			}
		}
		if (r.Type == "Dynamic") != (r.Requirement == nil) {
			t.Errorf("%s: Type %s with requirement %v", r.ID, r.Type, r.Requirement)
		}
	}
	if types["Static"] != 420 || types["Dynamic"] != 201 {
		t.Errorf("types %v", types)
	}
	// The first rules, in file order.
	if m.Rules[0].ID != "CostAndUsage-D-000-M" || m.Rules[3].ID != "CostAndUsage-D-003-C" {
		t.Errorf("order: %s, %s", m.Rules[0].ID, m.Rules[3].ID)
	}
	r := m.Rule("BilledCost-C-005-C")
	if r.Keyword != "MUST" || r.Level() != LevelMust || r.Reference != "BilledCost" ||
		r.Requirement.String() != "CheckValue(BilledCost, 0)" || r.Condition.String() != "CheckNotSameValue(ProviderName, InvoiceIssuerName)" {
		t.Errorf("BilledCost-C-005-C = %+v", r)
	}
	if !bytes.Equal(EmbeddedJSON(), modelJSON) {
		t.Error("EmbeddedJSON differs")
	}
}

// TestErrata checks that every erratum applies to the embedded model, and
// that the model as published has none.
func TestErrata(t *testing.T) {
	m := mustModel(t)
	n := 0
	for _, r := range m.Rules {
		if r.Erratum != "" {
			n++
		}
	}
	if n != len(errata) || n != 12 {
		t.Errorf("%d rules corrected, %d errata", n, len(errata))
	}
	for _, e := range errata {
		if r := m.Rule(e.id); r == nil || r.Erratum != e.why {
			t.Errorf("erratum %s not applied", e.id)
		}
	}
	pub, err := EmbeddedAsPublished()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pub.Rules {
		if r.Erratum != "" {
			t.Errorf("as published: %s corrected", r.ID)
		}
	}
	if got := pub.Rule("CommitmentDiscountStatus-C-005-M").Requirement.String(); !strings.Contains(got, `"Active"`) {
		t.Errorf("as published: %s", got)
	}
	if got := m.Rule("CommitmentDiscountStatus-C-005-M").Requirement.String(); got != `OR(CheckValue(CommitmentDiscountStatus, "Used"), CheckValue(CommitmentDiscountStatus, "Unused"))` {
		t.Errorf("corrected: %s", got)
	}
}

// TestMalformedShapes checks the two malformed encodings of the model are
// read as intended (the FOCUS validator drops such conditions, which
// applies the requirement to every row).
func TestMalformedShapes(t *testing.T) {
	m := mustModel(t)
	for id, want := range map[string]string{
		"ResourceType-C-005-C":              "CheckNotValue(ResourceId, null)",
		"ResourceId-C-006-C":                "CheckNotValue(ResourceId, null)",
		"CapacityReservationStatus-C-003-C": "AND(CheckValue(CapacityReservationId, null))",
		"CapacityReservationStatus-C-004-C": `AND(CheckNotValue(CapacityReservationId, null), CheckValue(ChargeCategory, "Usage"))`,
	} {
		r := m.Rule(id)
		if got := r.Condition.String(); got != want || r.Normalized == "" {
			t.Errorf("%s condition = %s (%q), want %s", id, got, r.Normalized, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, doc := range []string{
		`not json`,
		`{"ModelRules": []}`,
		`{"ModelRules": {"X": {"ValidationCriteria": {"Requirement": {"ColumnName": "A"}}}}}`,
		`{"ModelRules": {"X": {"ValidationCriteria": {"Requirement": {"CheckFunction": 3}}}}}`,
		`{"ModelRules": {"X": {"ValidationCriteria": {"Requirement": {"CheckFunction": "AND", "Items": {}}}}}}`,
		`{"ModelRules": {"X": {}, "X": {}}}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s) succeeded", doc)
		}
	}
	m, err := Parse([]byte(`{"Details": {"ModelVersion": "9", "FOCUSVersion": "9"}, "ModelRules": {
		"R": {"Type": "Static", "Status": "Active", "ValidationCriteria": {"Keyword": "SHOULD", "MustSatisfy": " x ",
			"Requirement": {"OR": [{"CheckFunction": "CheckValue", "ColumnName": "A", "Value": 1.5}, {"CheckFunction": "CheckValue", "ColumnName": "A", "Value": true}]},
			"Condition": {}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := m.Rule("R")
	if r.Level() != LevelShould || r.MustSatisfy != "x" || r.Condition != nil || r.Requirement.String() != `OR(CheckValue(A, 1.5), CheckValue(A, "true"))` || r.Normalized == "" {
		t.Errorf("R = %+v %s", r, r.Requirement)
	}
}

// TestEveryRuleDecided validates a valid export with every criterion
// claimed and checks that every rule gets a status, every status but pass
// and fail a reason, and that what is not checked is exactly the dynamic
// rules, the MAY permissions and FormatUnit.
func TestEveryRuleDecided(t *testing.T) {
	m := mustModel(t)
	rep, err := m.Validate(bytes.NewReader(genFOCUS(64<<10)), Options{Applicability: []string{ClaimAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rules) != 621 {
		t.Fatalf("%d results", len(rep.Rules))
	}
	for i, res := range rep.Rules {
		r := m.Rules[i]
		if res.ID != r.ID || res.Status == "" {
			t.Errorf("%s: status %q", r.ID, res.Status)
		}
		if res.Status != StatusPass && res.Status != StatusFail && res.Reason == "" {
			t.Errorf("%s: %s without a reason", r.ID, res.Status)
		}
		if res.Status == StatusNotChecked && res.Counted {
			switch {
			case r.Type == "Dynamic" && res.NotChecked == NotCheckedDynamic && r.Level() != LevelMay:
			case r.Level() == LevelMay && res.NotChecked == NotCheckedPermission:
			case r.Requirement.Func == "FormatUnit" && res.NotChecked == NotCheckedUnsupported:
			default:
				t.Errorf("%s not checked (%s): %s", r.ID, res.NotChecked, res.Reason)
			}
		}
	}
	s := rep.Summary
	got := [...]int{s.Rules, s.Composites, s.Counted, s.Pass, s.Fail, s.Skipped, s.NotChecked, s.NotApplicable}
	if want := [...]int{621, 141, 476, 263, 0, 0, 213, 0}; got != want {
		t.Errorf("summary rules, composites, counted, pass, fail, skipped, not checked, n/a = %v, want %v", got, want)
	}
	if by := rep.Summary.NotCheckedBy; by[NotCheckedDynamic] != 175 || by[NotCheckedPermission] != 35 || by[NotCheckedUnsupported] != 3 {
		t.Errorf("not checked by %v", by)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}
}
