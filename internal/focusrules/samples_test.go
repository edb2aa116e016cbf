package focusrules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// failing returns the counted failing rules: id → failed count.
func failing(rep *Report) map[string]int64 {
	out := map[string]int64{}
	for _, r := range rep.Rules {
		if r.Counted && r.Status == StatusFail {
			out[r.ID] = r.Failed
		}
	}
	return out
}

func firstValue(r *Result) string {
	if len(r.Examples) == 0 || len(r.Examples[0].Cells) == 0 || r.Examples[0].Cells[0].Value == nil {
		return "null"
	}
	return *r.Examples[0].Cells[0].Value
}

// missingColumns returns the columns whose presence rules fail.
func missingColumns(rep *Report) []string {
	var out []string
	for _, r := range rep.Rules {
		if r.Function == "Presence" && r.Status == StatusFail {
			out = append(out, r.Column)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// TestUpstreamSamples validates the FOCUS validator's own samples. Both are
// FOCUS 0.5: all_pass_0.5.csv passes the 0.5 rules upstream; against 1.2 it
// lacks the columns 1.0 renamed or added (ChargeType became ChargeCategory,
// Provider ProviderName, Publisher PublisherName, InvoiceIssuer
// InvoiceIssuerName, AmortizedCost EffectiveCost…), while every 1.2 rule on
// the columns it has passes. multiple_failure_examples.csv has two 0.5
// columns, so every 1.2 column is missing and every column rule skipped.
func TestUpstreamSamples(t *testing.T) {
	m := mustModel(t)
	rep, err := m.ValidateFile("testdata/all_pass_0.5.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantMissing := []string{"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ContractedCost",
		"EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "PricingQuantity", "PricingUnit", "ProviderName",
		"PublisherName", "ServiceSubcategory"}
	if got := missingColumns(rep); !slices.Equal(got, wantMissing) {
		t.Errorf("all_pass_0.5 missing %q", got)
	}
	if s := rep.Summary; rep.Rows != 2 || s.Fail != len(wantMissing)+1 || s.FailedMust != 12 || s.FailedShould != 3 || s.Pass != 43 || rep.OK() {
		t.Errorf("all_pass_0.5: %d rows, %+v", rep.Rows, s)
	}
	// Its two rows give Sample-service-1 two service categories.
	if r := rep.Result("ServiceName-C-005-C"); r.Status != StatusFail || r.FirstLine != 3 || len(r.Examples[0].Cells) != 3 {
		t.Errorf("ServiceName-C-005-C: %+v", r)
	}
	// The row rules on the columns it has pass, e.g. the date/time format
	// (0.5 already wrote 2023-06-01T00:00:00Z) and the allowed service
	// categories.
	for _, id := range []string{"BillingPeriodStart-C-002-M", "ChargePeriodEnd-C-002-M", "ServiceCategory-C-003-M", "BillingCurrency-C-006-M", "BilledCost-C-004-M"} {
		if r := rep.Result(id); r.Status != StatusPass || r.RowsChecked != 2 {
			t.Errorf("all_pass_0.5 %s: %s, %d rows", id, r.Status, r.RowsChecked)
		}
	}
	// Its second row has BillingAccountName NULL, which 1.2 forbids when the
	// provider names billing accounts.
	rep, _ = m.ValidateFile("testdata/all_pass_0.5.csv", Options{Applicability: []string{"ACCOUNT_NAMING_SUPPORTED"}})
	if r := rep.Result("BillingAccountName-C-003-C"); r.Status != StatusFail || r.FirstLine != 3 || firstValue(r) != "null" {
		t.Errorf("BillingAccountName-C-003-C: %+v", r)
	}

	rep, err = m.ValidateFile("testdata/multiple_failure_examples.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary; rep.Rows != 3 || s.Pass != 0 || s.FailedMust != 21 || s.FailedShould != 3 || s.Skipped != 90 {
		t.Errorf("multiple_failure_examples: %d rows, %+v", rep.Rows, s)
	}
	for _, r := range rep.Rules {
		if r.Counted && r.EntityType == "Column" && r.Status != StatusSkipped && r.Status != StatusNotChecked && r.Status != StatusNotApplicable {
			t.Errorf("multiple_failure_examples %s: %s", r.ID, r.Status)
		}
	}
}

// TestFOCUSSample validates 1,000 rows of real FOCUS 1.0 data against 1.2.
func TestFOCUSSample(t *testing.T) {
	m := mustModel(t)
	rep, err := m.ValidateFile("testdata/focus_sample_1000.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 1000 || len(rep.Columns) != 44 || rep.MalformedRows != 0 || len(rep.Issues) != 0 {
		t.Fatalf("%d rows, %d columns, %d malformed, %v", rep.Rows, len(rep.Columns), rep.MalformedRows, rep.Issues)
	}
	type failure struct {
		failed int64
		line   int
		value  string
	}
	want := map[string]failure{
		// FOCUS 1.1 and 1.2 recommend columns 1.0 did not have.
		"CostAndUsage-D-033-O": {1, 1, "null"}, // InvoiceId
		"CostAndUsage-D-042-O": {1, 1, "null"}, // ServiceSubcategory
		// 1.0 exports write timestamps without the T and the Z.
		"BillingPeriodStart-C-002-M": {1000, 2, "2024-09-01 00:00:00"},
		"BillingPeriodEnd-C-002-M":   {1000, 2, "2024-10-01 00:00:00"},
		"ChargePeriodStart-C-002-M":  {1000, 2, "2024-09-18 22:00:00"},
		"ChargePeriodEnd-C-002-M":    {1000, 2, "2024-09-18 23:00:00"},
		// ProviderName "AWS" is not InvoiceIssuerName "Amazon Web Services,
		// Inc.", which the model takes for a marketplace charge.
		"BilledCost-C-005-C": {615, 2, "0.00000080000"},
		// ListCost rounded to 11 decimals: 0.008 × 0.00200749 = 0.00001605992.
		"ListCost-C-009-C": {490, 3, "0.008"},
		// Microsoft rows: a value in the wrong case, empty costs and categories.
		"ChargeFrequency-C-003-M": {7, 927, "Usage-based"},
		"ContractedCost-C-003-M":  {7, 927, "null"},
		"PricingCategory-C-004-C": {5, 927, "null"},
		// EBS volumes are billed under ServiceName "Amazon Elastic Compute
		// Cloud" with ServiceCategory "Storage".
		"ServiceName-C-005-C": {1, 8, "Amazon Elastic Compute Cloud"},
	}
	got := failing(rep)
	for id, w := range want {
		r := rep.Result(id)
		if got[id] != w.failed || r.FirstLine != w.line || firstValue(r) != w.value {
			t.Errorf("%s: failed %d, first at %d with %q; want %d at %d with %q", id, r.Failed, r.FirstLine, firstValue(r), w.failed, w.line, w.value)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s fails unexpectedly: %d rows", id, got[id])
		}
	}
	if s := rep.Summary; s.FailedMust != 10 || s.FailedShould != 2 || rep.OK() {
		t.Errorf("summary %+v", s)
	}
	// The timestamps are date/times, only not in the FOCUS format; literal
	// NULL is null, so ChargeClass (NULL on every row) applies to none.
	for id, rows := range map[string]int64{"BillingPeriodStart-C-001-M": 1000, "ChargePeriodEnd-C-001-M": 1000, "ChargeClass-C-005-C": 0, "ChargeClass-C-001-M": 1000} {
		if r := rep.Result(id); r.Status != StatusPass || r.RowsChecked != rows {
			t.Errorf("%s: %s on %d rows", id, r.Status, r.RowsChecked)
		}
	}
	// Read without the NULL literal, NULL would be a ChargeClass value.
	rep2, _ := m.ValidateFile("testdata/focus_sample_1000.csv", Options{NullValues: []string{}})
	if r := rep2.Result("ChargeClass-C-005-C"); r.Failed != 1000 || firstValue(r) != "NULL" {
		t.Errorf("ChargeClass without the NULL literal: %+v", r)
	}

	// Claiming every criterion shows the columns FOCUS 1.1 and 1.2 added.
	all, err := m.ValidateFile("testdata/focus_sample_1000.csv", Options{Applicability: []string{ClaimAll}})
	if err != nil {
		t.Fatal(err)
	}
	wantMissing := []string{"BillingAccountType", "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
		"CommitmentDiscountUnit", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
		"PricingCurrencyListUnitPrice", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails", "SubAccountType"}
	if got := missingColumns(all); !slices.Equal(got, wantMissing) {
		t.Errorf("missing with ALL: %q", got)
	}
	for id, w := range map[string]failure{
		"ResourceType-C-005-C":        {752, 2, "null"},           // no ResourceType for a resource
		"ContractedUnitPrice-C-009-C": {1, 458, "-3.00000000000"}, // a negative unit price
		"RegionName-C-004-C":          {7, 927, "us-sanjose-1"},   // a region name without its id
	} {
		r := all.Result(id)
		if r.Failed != w.failed || r.FirstLine != w.line || firstValue(r) != w.value {
			t.Errorf("ALL %s: failed %d, first at %d with %q", id, r.Failed, r.FirstLine, firstValue(r))
		}
	}
	if s := all.Summary; s.FailedMust != 33 || s.FailedShould != 5 || s.NotApplicable != 0 {
		t.Errorf("ALL summary %+v", s)
	}
}

// TestGolden compares the text output for the 1,000-row sample with the
// golden files; go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	m := mustModel(t)
	for golden, claim := range map[string][]string{
		"testdata/focus_sample_1000.golden.txt":     nil,
		"testdata/focus_sample_1000.all.golden.txt": {ClaimAll},
	} {
		rep, err := m.ValidateFile("testdata/focus_sample_1000.csv", Options{Source: "focus_sample_1000.csv", Applicability: claim})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := rep.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs (go test -run TestGolden -update rewrites it):\n%s", golden, buf.String())
		}
	}
}

// TestSpecExamples validates the FOCUS 1.2 spec's worked examples: partial
// files of a few columns, so the presence rules of the others fail and
// their column rules are skipped; what they do contain is checked.
func TestSpecExamples(t *testing.T) {
	m := mustModel(t)
	files, err := filepath.Glob("testdata/spec_examples/*.csv")
	if err != nil || len(files) != 11 {
		t.Fatalf("%d spec examples: %v", len(files), err)
	}
	// The examples write null in lower case.
	opt := Options{Applicability: []string{ClaimAll}, NullValues: []string{"NULL", "null"}}
	reports := map[string]*Report{}
	for _, f := range files {
		rep, err := m.ValidateFile(f, opt)
		if err != nil {
			t.Fatal(err)
		}
		reports[filepath.Base(f)] = rep
		have := map[string]bool{}
		for _, c := range rep.Columns {
			have[c] = true
		}
		for i, r := range rep.Rules {
			rule := m.Rules[i]
			if rule.Requirement == nil || rule.Requirement.Func != "ColumnPresent" || r.Status == StatusNotChecked {
				continue
			}
			if (r.Status == StatusFail) == have[rule.Requirement.Column] {
				t.Errorf("%s: %s (%s present: %v) is %s", filepath.Base(f), r.ID, rule.Requirement.Column, have[rule.Requirement.Column], r.Status)
			}
		}
		for _, r := range rep.Rules {
			if r.Counted && r.EntityType == "Column" && !have[r.Column] && r.Status != StatusSkipped && r.Status != StatusNotChecked {
				t.Errorf("%s: %s on absent %s is %s", filepath.Base(f), r.ID, r.Column, r.Status)
			}
		}
		if rep.Result("CostAndUsage-D-008-M").Status != StatusPass || rep.Result("ChargeCategory-C-003-M").Status != StatusPass {
			t.Errorf("%s: ChargeCategory", f)
		}
	}
	check := func(file, id string, line int, value string) {
		t.Helper()
		r := reports[file].Result(id)
		if r.Status != StatusFail || r.FirstLine != line || firstValue(r) != value {
			t.Errorf("%s %s: %s at %d with %q (%s)", file, id, r.Status, r.FirstLine, firstValue(r), r.Reason)
		}
	}
	// The purchase scenarios end a charge period at hour 30.
	check("commitment_discount_purchase_scenario_2.csv", "ChargePeriodEnd-C-001-M", 4, "2023-02-01T30:00:00Z")
	check("commitment_discount_purchase_scenario_2.csv", "ChargePeriodEnd-C-002-M", 4, "2023-02-01T30:00:00Z")
	check("commitment_discount_purchase_scenario_3.csv", "ChargePeriodEnd-C-002-M", 5, "2023-02-01T30:00:00Z")
	// With flexibility, a large VM's PricingQuantity is 0.333 normalized
	// hours but its ListCost the full 3.00: not ListUnitPrice × PricingQuantity.
	check("one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv", "ListCost-C-009-C", 4, "3.00")
	// The unused commitment row has a ConsumedQuantity, which 1.2 says must
	// be null when CommitmentDiscountStatus is "Unused".
	check("zero_percent_utilization_without_commitment_discount_flexibility.csv", "ConsumedQuantity-C-004-C", 4, "1.00")
	// SkuPriceid is SkuPriceId in the wrong case.
	if r := reports["zero_percent_utilization_without_commitment_discount_flexibility.csv"].Result("CostAndUsage-D-058-C"); r.Reason != `not in the header (it has "SkuPriceid")` {
		t.Errorf("SkuPriceid: %q", r.Reason)
	}
	// The commitment discount statuses are the spec's Used and Unused.
	if r := reports["commitment_discount_usage_scenario_1.csv"].Result("CommitmentDiscountStatus-C-005-M"); r.Status != StatusPass || r.RowsChecked != 1 {
		t.Errorf("CommitmentDiscountStatus: %+v", r)
	}

	// Read with only NULL as null, the examples' lower-case null is a
	// value: not a decimal, not a unit.
	rep, err := m.ValidateFile("testdata/spec_examples/zero_percent_utilization_without_commitment_discount_flexibility.csv", Options{Applicability: []string{ClaimAll}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Result("ConsumedQuantity-C-001-M"); r.Status != StatusFail || r.FirstLine != 2 || firstValue(r) != "null" || strings.Contains(r.Reason, "x") {
		t.Errorf("lower-case null as a value: %+v", r)
	}
}
