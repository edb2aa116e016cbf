package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/focusrules"
	"kiban.dev/kiban/internal/parquetrec/parquettest"
)

// runCostValidate runs kiban cost validate ARGS… as Run does, registering
// the command under cost if it is not (yet) there.
func runCostValidate(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	root := newRoot()
	costCmd, _, err := root.Find([]string{"cost"})
	if err != nil {
		t.Fatal(err)
	}
	registered := false
	for _, c := range costCmd.Commands() {
		registered = registered || c.Name() == "validate"
	}
	if !registered {
		costCmd.AddCommand(newCostValidateCmd())
	}
	var out, errb bytes.Buffer
	root.SetArgs(append([]string{"cost", "validate"}, args...))
	root.SetIn(bytes.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	if err := root.ExecuteContext(context.Background()); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code, out.String(), errb.String()
		}
		fmt.Fprintf(&errb, "kiban: %v\n", err)
		return 1, out.String(), errb.String()
	}
	return 0, out.String(), errb.String()
}

const focusSample = "../focusrules/testdata/focus_sample_1000.csv"

// validFOCUS is a small export that meets every requirement kiban checks
// without claims.
const validFOCUS = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceId,InvoiceIssuerName,ListCost,PricingCategory,PricingQuantity,PricingUnit,ProviderName,PublisherName,ServiceCategory,ServiceName,ServiceSubcategory
0.192,123456789012,Acme,USD,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,Usage,,m5.xlarge hour,Usage-Based,2024-09-01T01:00:00Z,2024-09-01T00:00:00Z,0.192,0.192,INV-1,AWS,0.192,Standard,1,Hours,AWS,AWS,Compute,Amazon EC2,Virtual Machines
0.02,123456789012,Acme,USD,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,Tax,,Tax,Recurring,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,0.02,0.02,INV-1,AWS,0.02,,,,AWS,AWS,Other,Tax,Other (Other)
`

func TestCostValidate(t *testing.T) {
	// The 1,000-row FOCUS 1.0 sample: the text is the package's golden file.
	code, out, stderr := runCostValidate(t, nil, focusSample)
	golden, err := os.ReadFile("../focusrules/testdata/focus_sample_1000.golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(out, focusSample, "focus_sample_1000.csv"); code != 1 || got != string(golden) || stderr != "" {
		t.Errorf("sample = %d, stderr %q\n%s", code, stderr, out)
	}
	if !strings.Contains(out, focusSample+":927: ChargeFrequency-C-003-M (MUST) ChargeFrequency: ChargeFrequency MUST be one of the allowed values. — found \"Usage-based\"; 7 rows, first at lines 927, 928, 943, 946, 949\n") {
		t.Errorf("no ChargeFrequency line:\n%s", out)
	}

	// A valid export passes, and exits 0.
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.csv")
	if err := os.WriteFile(valid, []byte(validFOCUS), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCostValidate(t, nil, valid)
	if code != 0 || !strings.HasPrefix(out, valid+": ok, 2 rows, 25 columns\n  476 requirements of the FOCUS 1.2 requirements model 1.2: ") || strings.Contains(out, " fail (") {
		t.Errorf("valid = %d\n%s", code, out)
	}

	// The same export as Parquet, on standard input: the same verdict.
	pq, err := parquettest.FromCSV([]byte(validFOCUS))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCostValidate(t, pq, "-")
	if code != 0 || !strings.HasPrefix(out, "-: ok, 2 rows, 25 columns\n") {
		t.Errorf("valid Parquet = %d\n%s", code, out)
	}

	// Two files, one of them gzip on standard input, as JSON.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(validFOCUS))
	_ = zw.Close()
	code, out, _ = runCostValidate(t, gz.Bytes(), "-o", "json", "--applicability", "REGION_SUPPORTED,TAGGING_SUPPORTED", "--max-examples", "2", "-", focusSample)
	var res struct {
		OK    bool                 `json:"ok"`
		Files []*focusrules.Report `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	// Claiming regions and tags requires RegionId, RegionName and Tags,
	// which the small export does not have.
	if code != 1 || res.OK || len(res.Files) != 2 || res.Files[0].File != "-" || !res.Files[0].Gzip || res.Files[0].Summary.FailedMust != 3 || res.Files[1].Rows != 1000 {
		t.Fatalf("json = %d, %+v", code, res)
	}
	if claimed := res.Files[1].Applicability; strings.Join(claimed, " ") != "REGION_SUPPORTED TAGGING_SUPPORTED" {
		t.Errorf("claimed %v", claimed)
	}
	r := res.Files[1].Result("RegionName-C-004-C")
	if r.Status != focusrules.StatusFail || r.Failed != 7 || len(r.Examples) != 2 || r.Examples[0].Line != 927 || *r.Examples[0].Cells[0].Value != "us-sanjose-1" {
		t.Errorf("RegionName-C-004-C: %+v", r)
	}
	if r := res.Files[1].Result("Tags-C-004-M"); r.Status != focusrules.StatusNotChecked || r.NotChecked != focusrules.NotCheckedDynamic || r.Reason == "" {
		t.Errorf("Tags-C-004-M: %+v", r)
	}
	if r := res.Files[1].Result("CommitmentDiscountId-C-001-M"); r.Status != focusrules.StatusNotApplicable || !strings.Contains(r.Reason, "COMMITMENT_DISCOUNT_SUPPORTED") {
		t.Errorf("CommitmentDiscountId-C-001-M: %+v", r)
	}

	// No examples: counts only.
	code, out, _ = runCostValidate(t, nil, "--max-examples", "0", focusSample)
	if code != 1 || strings.Contains(out, "first at lines") || !strings.Contains(out, "BillingPeriodStart-C-002-M (MUST) BillingPeriodStart: BillingPeriodStart MUST conform to DateTimeFormat requirements. — 1000 rows\n") {
		t.Errorf("--max-examples 0 = %d\n%s", code, out)
	}

	// A value read as null besides NULL, and the model as published.
	spec := "../focusrules/testdata/spec_examples/commitment_discount_usage_scenario_3.csv"
	_, out, _ = runCostValidate(t, nil, "--applicability", "ALL", "--null", "NULL", "--null", "null", "-o", "json", spec)
	_, pub, _ := runCostValidate(t, nil, "--applicability", "ALL", "--as-published", "-o", "json", spec)
	if !strings.Contains(out, `"errata": 12`) || !strings.Contains(pub, `"errata": 0`) {
		t.Errorf("errata: corrected %v, as published %v", strings.Contains(out, `"errata": 12`), strings.Contains(pub, `"errata": 0`))
	}
}

func TestCostValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--applicability", "CLOUD_SUPPORTED", focusSample}, `unknown applicability criterion "CLOUD_SUPPORTED"`},
		{[]string{"no-such-file.csv"}, "kiban: cost validate: no-such-file.csv: open no-such-file.csv: no such file or directory"},
		{[]string{"-o", "yaml", focusSample}, `unknown output "yaml"`},
		{[]string{"--max-examples", "-1", focusSample}, "negative"},
		{[]string{}, "requires at least 1 arg"},
	} {
		code, _, stderr := runCostValidate(t, nil, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%q = %d, %q; want 1, %q", tc.args, code, stderr, tc.stderr)
		}
	}
	// An empty file is an error, not a report.
	code, _, stderr := runCostValidate(t, nil, "-")
	if code != 1 || !strings.Contains(stderr, "-: empty file") {
		t.Errorf("empty = %d %q", code, stderr)
	}
	code, out, _ := runCostValidate(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "COMMITMENT_DISCOUNT_SUPPORTED") || !strings.Contains(out, "--applicability") {
		t.Errorf("--help = %d\n%s", code, out)
	}
}
