package billconv

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// readString reads an export given as text, returning the rows and the
// row errors.
func readString(t *testing.T, in string) (Reader, []focus.Row, []*focus.RowError) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []focus.Row
	var bad []*focus.RowError
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *focus.RowError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, *row)
	}
	return r, rows, bad
}

// want lists expected fields of a row; costs as decimal strings.
type want struct {
	charge, pricing, cdType, cdStatus, cdID, cdCategory string
	billed, effective, list                             string
	tags, name                                          string
}

func checkWant(t *testing.T, row focus.Row, w want) {
	t.Helper()
	eq := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("line %d: %s = %q, want %q", row.Line, field, got, want)
		}
	}
	dec := func(field string, got decimal.Decimal, want string) {
		t.Helper()
		if want == "" {
			return
		}
		if !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("line %d: %s = %s, want %s", row.Line, field, got, want)
		}
	}
	eq("ChargeCategory", row.ChargeCategory, w.charge)
	eq("PricingCategory", row.PricingCategory, w.pricing)
	eq("CommitmentDiscountType", row.CommitmentDiscountType, w.cdType)
	eq("CommitmentDiscountStatus", row.CommitmentDiscountStatus, w.cdStatus)
	eq("CommitmentDiscountId", row.CommitmentDiscountID, w.cdID)
	eq("CommitmentDiscountCategory", row.CommitmentDiscountCategory, w.cdCategory)
	eq("Tags", row.Tags, w.tags)
	eq("ResourceName", row.ResourceName, w.name)
	dec("BilledCost", row.BilledCost, w.billed)
	dec("EffectiveCost", row.EffectiveCost, w.effective)
	dec("ListCost", row.ListCost, w.list)
}

const spARN = "arn:aws:savingsplans::123456789012:savingsplan/sp-1"
const riARN = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-1"

// TestAWSLineTypes converts one line of each kind of a legacy CUR.
func TestAWSLineTypes(t *testing.T) {
	header := "bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId," +
		"lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType," +
		"lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost," +
		"pricing/publicOnDemandCost,pricing/term,product/ProductName,product/region," +
		"reservation/ReservationARN,reservation/EffectiveCost,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee," +
		"savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment," +
		"resourceTags/user:Name,resourceTags/user:team,resourceTags/aws:createdBy\n"
	line := func(typ, code, usageType, resource, cost, public, term, ri, riEff, riUnusedA, riUnusedR, sp, spEff, spTotal, spUsed, name, team string) string {
		return strings.Join([]string{"111122223333", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", "444455556666",
			typ, "2024-05-03T10:00:00Z", "2024-05-03T11:00:00Z", code, usageType, resource, "1", "USD", cost,
			public, term, "Amazon Elastic Compute Cloud", "us-east-1",
			ri, riEff, riUnusedA, riUnusedR, sp, spEff, spTotal, spUsed, name, team, ""}, ",") + "\n"
	}
	in := header +
		line("Usage", "AmazonEC2", "BoxUsage:m5.large", "i-1", "0.096", "0.096", "OnDemand", "", "", "", "", "", "", "", "", "web-1", "sre") +
		line("Usage", "AmazonEC2", "USE1-SpotUsage:m5.large", "i-2", "0.03", "0.096", "", "", "", "", "", "", "", "", "", "", "") +
		line("SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:m5.large", "i-3", "0.096", "0.096", "OnDemand", "", "", "", "", spARN, "0.06", "", "", "", "") +
		line("SavingsPlanNegation", "AmazonEC2", "BoxUsage:m5.large", "i-3", "-0.096", "", "OnDemand", "", "", "", "", spARN, "", "", "", "", "") +
		line("SavingsPlanRecurringFee", "ComputeSavingsPlans", "", "", "72", "", "", "", "", "", "", spARN, "", "72", "60", "", "") +
		line("DiscountedUsage", "AmazonEC2", "BoxUsage:m5.large", "i-4", "0", "0.096", "Reserved", riARN, "0.05", "", "", "", "", "", "", "", "") +
		line("RIFee", "AmazonEC2", "HeavyUsage:m5.large", "", "36", "", "Reserved", riARN, "", "1.5", "2.5", "", "", "", "", "", "") +
		line("Fee", "AmazonEC2", "", "", "300", "", "", riARN, "", "", "", "", "", "", "", "", "") +
		line("Tax", "AmazonEC2", "", "", "1.20", "", "", "", "", "", "", "", "", "", "", "", "") +
		line("Credit", "AmazonEC2", "", "", "-5", "", "", "", "", "", "", "", "", "", "", "", "") +
		line("Refund", "AmazonEC2", "", "", "-2", "", "", "", "", "", "", "", "", "", "", "", "") +
		line("EdpDiscount", "AmazonEC2", "", "", "-0.01", "0", "", "", "", "", "", "", "", "", "", "", "") +
		line("SomethingNew", "AWSBrandNew", "", "", "0.5", "", "", "", "", "", "", "", "", "", "", "", "")
	r, rows, bad := readString(t, in)
	if len(bad) > 0 {
		t.Fatalf("row errors: %v", bad)
	}
	if r.Format() != "aws-cur" {
		t.Errorf("Format() = %q", r.Format())
	}
	wants := []want{
		{charge: "Usage", pricing: "Standard", billed: "0.096", effective: "0.096", list: "0.096",
			name: "web-1", tags: `{"Name":"web-1","team":"sre"}`},
		{charge: "Usage", pricing: "Dynamic", billed: "0.03", effective: "0.03", list: "0.096"},
		{charge: "Usage", pricing: "Committed", cdType: "Savings Plan", cdStatus: "Used", cdID: spARN, cdCategory: "Spend",
			billed: "0.096", effective: "0.06", list: "0.096"},
		{charge: "Usage", pricing: "Committed", cdType: "Savings Plan", cdStatus: "Used", cdID: spARN, cdCategory: "Spend",
			billed: "-0.096", effective: "0", list: "0"},
		{charge: "Purchase", cdType: "Savings Plan", cdID: spARN, cdCategory: "Spend", billed: "72", effective: "12", list: "12"},
		{charge: "Usage", pricing: "Committed", cdType: "Reserved Instance", cdStatus: "Used", cdID: riARN, cdCategory: "Usage",
			billed: "0", effective: "0.05", list: "0.096"},
		{charge: "Purchase", cdType: "Reserved Instance", cdID: riARN, cdCategory: "Usage", billed: "36", effective: "4"},
		{charge: "Purchase", cdType: "Reserved Instance", cdID: riARN, cdCategory: "Usage", billed: "300", effective: "0"},
		{charge: "Tax", billed: "1.20", effective: "1.2"},
		{charge: "Credit", billed: "-5", effective: "-5"},
		{charge: "Credit", billed: "-2", effective: "-2"},
		{charge: "Usage", pricing: "Standard", billed: "-0.01", effective: "-0.01", list: "0"},
		{charge: "Adjustment", billed: "0.5", effective: "0.5"},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d", len(rows), len(wants))
	}
	for i, w := range wants {
		checkWant(t, rows[i], w)
	}
	row := rows[0]
	if row.BillingAccountID != "111122223333" || row.SubAccountID != "444455556666" || row.ServiceName != "Amazon Elastic Compute Cloud" ||
		row.ServiceCategory != "Compute" || row.RegionID != "us-east-1" || row.ResourceID != "i-1" || row.BillingCurrency != "USD" ||
		!row.ChargePeriodStart.Equal(time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)) ||
		!row.BillingPeriodEnd.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("row 1: %+v", row)
	}
	if rows[4].ServiceCategory != "Compute" || rows[12].ServiceCategory != "Other" {
		t.Errorf("ServiceCategory %q, %q", rows[4].ServiceCategory, rows[12].ServiceCategory)
	}
	kinds := map[string]int{}
	for _, x := range r.Tolerated() {
		kinds[x.Kind] = x.Count
	}
	if kinds[TolChargeType] != 1 || kinds[TolServiceCategory] != 1 {
		t.Errorf("Tolerated() = %+v", r.Tolerated())
	}
}

// TestAWSCUR2 reads CUR 2.0 names: snake_case and map columns.
func TestAWSCUR2(t *testing.T) {
	in := "bill_payer_account_id,bill_payer_account_name,bill_billing_period_start_date,bill_billing_period_end_date," +
		"line_item_usage_account_id,line_item_usage_account_name,line_item_line_item_type,line_item_usage_start_date," +
		"line_item_usage_end_date,line_item_product_code,line_item_resource_id,line_item_unblended_cost," +
		"line_item_net_unblended_cost,line_item_currency_code,product,product_region_code,product_sku," +
		"savings_plan_savings_plan_a_r_n,savings_plan_savings_plan_effective_cost,resource_tags\n" +
		`111122223333,Payer,2024-05-01T00:00:00.000Z,2024-06-01T00:00:00.000Z,444455556666,Dev,Usage,2024-05-02T00:00:00.000Z,` +
		`2024-05-02T01:00:00.000Z,AmazonS3,my-bucket,0.023,0.02,USD,"{""product_name"":""Amazon Simple Storage Service"",""region"":""eu-west-1""}",,SKU1,,,` +
		`"{""user_team"":""data"",""user_cost_center"":""42"",""aws_created_by"":""x""}"` + "\n" +
		`111122223333,Payer,2024-05-01T00:00:00.000Z,2024-06-01T00:00:00.000Z,444455556666,Dev,SavingsPlanCoveredUsage,2024-05-02T00:00:00.000Z,` +
		`2024-05-02T01:00:00.000Z,AmazonEC2,i-9,0.5,,USD,{},us-east-1,SKU2,` + spARN + `,0.3,` + "\n"
	r, rows, bad := readString(t, in)
	if len(bad) > 0 {
		t.Fatalf("row errors: %v", bad)
	}
	if r.Format() != "aws-cur2" {
		t.Errorf("Format() = %q", r.Format())
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	s3 := rows[0]
	if s3.BillingAccountName != "Payer" || s3.SubAccountName != "Dev" || s3.ServiceName != "Amazon Simple Storage Service" ||
		s3.ServiceCategory != "Storage" || s3.RegionID != "eu-west-1" || s3.SkuID != "SKU1" {
		t.Errorf("row 1: %+v", s3)
	}
	checkWant(t, s3, want{charge: "Usage", pricing: "Standard", billed: "0.02", effective: "0.02",
		tags: `{"aws_created_by":"x","cost_center":"42","team":"data"}`})
	checkWant(t, rows[1], want{charge: "Usage", pricing: "Committed", cdType: "Savings Plan", cdStatus: "Used", cdID: spARN,
		cdCategory: "Spend", billed: "0.5", effective: "0.3"})
	if rows[1].RegionID != "us-east-1" || rows[1].ServiceName != "AmazonEC2" {
		t.Errorf("row 2: %+v", rows[1])
	}
}

// TestAzureAmortizedMCA converts commitment rows of an amortized MCA
// export: covered usage, unused reservation.
func TestAzureAmortizedMCA(t *testing.T) {
	in := "BillingAccountId,BillingProfileId,BillingProfileName,SubscriptionId,SubscriptionName,Date,BillingPeriodStartDate," +
		"BillingPeriodEndDate,ChargeType,PricingModel,CostInBillingCurrency,BillingCurrency,ConsumedService,ResourceId," +
		"benefitId,benefitName,Quantity,UnitOfMeasure,UnitPrice,PayGPrice,Tags,ResourceLocation\n" +
		"acc:1,prof-1,Profile One,sub-1,Sub One,2024-05-03,2024-05-01,2024-05-31,Usage,Reservation,2.5,EUR,Microsoft.Compute," +
		"/subscriptions/sub-1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1," +
		"/providers/Microsoft.Capacity/reservationOrders/o/reservations/r,ri-one,10,1 Hour,0.4,0.5,\"{\"\"team\"\":\"\"a\"\"}\",West Europe\n" +
		"acc:1,prof-1,Profile One,,,2024-05-03,2024-05-01,2024-05-31,UnusedReservation,Reservation,1.5,EUR,Microsoft.Capacity,," +
		"/providers/Microsoft.Capacity/reservationOrders/o/reservations/r,ri-one,3,1 Hour,,,,\n" +
		"acc:1,prof-1,Profile One,sub-1,Sub One,2024-05-03,2024-05-01,2024-05-31,Usage,OnDemand,0.7,EUR,Microsoft.Storage," +
		"/subscriptions/sub-1/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/St1,,,7,10K,0.1,0.1,,westeurope\n"
	r, rows, bad := readString(t, in)
	if len(bad) > 0 {
		t.Fatalf("row errors: %v", bad)
	}
	if r.Format() != "azure-mca-amortized" {
		t.Errorf("Format() = %q", r.Format())
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	ri := "/providers/Microsoft.Capacity/reservationOrders/o/reservations/r"
	checkWant(t, rows[0], want{charge: "Usage", pricing: "Committed", cdType: "Reservation", cdStatus: "Used", cdID: ri,
		cdCategory: "Usage", billed: "0", effective: "2.5", list: "5", tags: `{"team":"a"}`, name: "VM1"})
	checkWant(t, rows[1], want{charge: "Usage", pricing: "Committed", cdType: "Reservation", cdStatus: "Unused", cdID: ri,
		cdCategory: "Usage", billed: "0", effective: "1.5", list: "1.5"})
	checkWant(t, rows[2], want{charge: "Usage", pricing: "Standard", billed: "0.7", effective: "0.7", list: "0.7", name: "St1"})
	vm := rows[0]
	if vm.BillingAccountID != "/providers/Microsoft.Billing/billingAccounts/acc:1/billingProfiles/prof-1" ||
		vm.BillingAccountName != "Profile One" || vm.SubAccountID != "/subscriptions/sub-1" ||
		vm.ResourceID != "/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1" ||
		vm.ServiceName != "Virtual Machines" || vm.ServiceCategory != "Compute" || vm.RegionID != "westeurope" ||
		!vm.ContractedCost.Equal(decimal.RequireFromString("4")) ||
		!vm.BillingPeriodEnd.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) ||
		!vm.ChargePeriodEnd.Equal(time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("row 1: %+v", vm)
	}
	st := rows[2]
	if st.ConsumedUnit != "Units" || !st.ConsumedQuantity.Equal(decimal.NewFromInt(70000)) || st.ServiceName != "Storage Accounts" {
		t.Errorf("row 3: ConsumedQuantity %s %s, ServiceName %q", st.ConsumedQuantity, st.ConsumedUnit, st.ServiceName)
	}
}

// TestGCPCredits reads committed-use-discount credits, labels in JSON and
// Python spellings.
func TestGCPCredits(t *testing.T) {
	in := "billing_account_id,service.description,sku.id,sku.description,usage_start_time,usage_end_time,project.id," +
		"project.labels,labels,cost,currency,credits,invoice.month,cost_type\n" +
		`AAA,Compute Engine,S1,N2 Instance Core,2024-03-01 00:00:00 UTC,2024-03-01 01:00:00 UTC,p1,` +
		`"[{'key': 'team', 'value': 'core'}]","[{""key"": ""app"", ""value"": ""it's \""quoted\"" ""}]",1.5,USD,` +
		`"[{'name': 'CUD', 'amount': -1.0, 'full_name': 'Committed use discount: N2', 'id': 'cud-1', 'type': 'COMMITTED_USAGE_DISCOUNT'}, ` +
		`{'name': 'SUD', 'amount': -0.1, 'full_name': None, 'id': 'sud', 'type': 'SUSTAINED_USAGE_DISCOUNT'}]",202403,regular` + "\n" +
		`AAA,Compute Engine,S2,Spot Preemptible E2 Instance Core,2024-03-31 23:00:00 UTC,2024-04-01 00:00:00 UTC,p1,[],"[{'key': 'team', 'value': 'web'}]",0.2,USD,[],202403,regular` + "\n" +
		`AAA,Invoice,T,Tax,2024-03-01 00:00:00 UTC,2024-03-01 01:00:00 UTC,,[],[],0.17,USD,[],202403,tax` + "\n"
	r, rows, bad := readString(t, in)
	if len(bad) > 0 {
		t.Fatalf("row errors: %v", bad)
	}
	if r.Format() != "gcp-billing" || len(rows) != 5 {
		t.Fatalf("Format() = %q, %d rows", r.Format(), len(rows))
	}
	checkWant(t, rows[0], want{charge: "Usage", pricing: "Committed", billed: "1.5", effective: "1.5", list: "1.5",
		tags: `{"app":"it's \"quoted\" ","team":"core"}`})
	checkWant(t, rows[1], want{charge: "Credit", cdType: "Committed Use Discount", cdID: "cud-1", cdCategory: "Usage",
		billed: "-1", effective: "-1", list: "0", tags: `{"app":"it's \"quoted\" ","team":"core"}`})
	checkWant(t, rows[2], want{charge: "Credit", billed: "-0.1", effective: "-0.1", tags: `{"app":"it's \"quoted\" ","team":"core"}`})
	checkWant(t, rows[3], want{charge: "Usage", pricing: "Dynamic", billed: "0.2", effective: "0.2", tags: `{"team":"web"}`})
	checkWant(t, rows[4], want{charge: "Tax", billed: "0.17", effective: "0.17"})
	if rows[1].ChargeDescription != "Committed use discount: N2" || rows[2].ChargeDescription != "SUD" {
		t.Errorf("credit descriptions %q, %q", rows[1].ChargeDescription, rows[2].ChargeDescription)
	}
	// Google invoices by Pacific time: usage at 23:00 UTC on 31 March is in
	// March's invoice, which starts at 08:00 UTC on 1 March (PST) and ends
	// at 07:00 UTC on 1 April (PDT).
	if got := rows[3].BillingPeriodStart; !got.Equal(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("BillingPeriodStart %v", got)
	}
	if got := rows[3].BillingPeriodEnd; !got.Equal(time.Date(2024, 4, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("BillingPeriodEnd %v", got)
	}
}

// TestRowErrors checks bad rows give a *focus.RowError naming the line and
// column, and reading goes on.
func TestRowErrors(t *testing.T) {
	aws := "lineItem/UsageStartDate,lineItem/UnblendedCost,bill/BillingPeriodStartDate,lineItem/LineItemType\n"
	azure := "Date,CostInBillingCurrency,MeterCategory,Tags,SubscriptionId\n"
	gcp := "billing_account_id,usage_start_time,cost,credits,labels,invoice.month\n"
	tests := []struct {
		name, in string
		line     int
		column   string
	}{
		{"cost", aws + "2024-05-01T00:00:00Z,abc,2024-05-01T00:00:00Z,Usage\n", 2, "lineItem/UnblendedCost"},
		{"timestamp", aws + "2024-13-01T00:00:00Z,1,2024-05-01T00:00:00Z,Usage\n", 2, "lineItem/UsageStartDate"},
		{"empty start", aws + ",1,2024-05-01T00:00:00Z,Usage\n", 2, "lineItem/UsageStartDate"},
		{"billing period", aws + "2024-05-01T00:00:00Z,1,May,Usage\n", 2, "bill/BillingPeriodStartDate"},
		{"too many fields", aws + "2024-05-01T00:00:00Z,1,2024-05-01T00:00:00Z,Usage,extra\n", 2, ""},
		{"bad quote", aws + "2024-05-01T00:00:00Z,1\"x,2024-05-01T00:00:00Z,Usage\n", 2, ""},
		{"azure date", azure + "31/12/2024,1,Storage,,s\n", 2, "Date"},
		{"azure tags", azure + "12/31/2024,1,Storage,\"{\"\"a\"\":}\",s\n", 2, "Tags"},
		{"gcp credits", gcp + "A,2024-03-01 00:00:00 UTC,1,\"[{'amount': x}]\",[],202403\n", 2, "credits"},
		{"gcp labels", gcp + "A,2024-03-01 00:00:00 UTC,1,[],\"[{'key': 1}]\",202403\n", 2, "labels"},
		{"gcp month", gcp + "A,2024-03-01 00:00:00 UTC,1,[],[],2024-03\n", 2, "invoice.month"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A good row follows the bad one: reading continues.
			in := tc.in
			switch {
			case strings.HasPrefix(in, aws):
				in += "2024-05-01T00:00:00Z,2,2024-05-01T00:00:00Z,Usage\n"
			case strings.HasPrefix(in, azure):
				in += "12/31/2024,2,Storage,,s\n"
			default:
				in += "A,2024-03-01 00:00:00 UTC,2,[],[],202403\n"
			}
			_, rows, bad := readString(t, in)
			if len(bad) != 1 {
				t.Fatalf("row errors %v, want one", bad)
			}
			if bad[0].Line != tc.line || bad[0].Column != tc.column {
				t.Errorf("RowError line %d column %q (%v), want line %d column %q", bad[0].Line, bad[0].Column, bad[0], tc.line, tc.column)
			}
			if len(rows) != 1 || !rows[0].BilledCost.Equal(decimal.NewFromInt(2)) {
				t.Errorf("rows after the error: %+v", rows)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		in     string
		want   time.Time
		quirks int
	}{
		{"2023-11-01T00:00:00.000Z", utc(2023, 11, 1, 0, 0), 0},
		{"2023-11-13T10:00Z", utc(2023, 11, 13, 10, 0), 0},
		{"2020-11-09 23:00:00+00:00", utc(2020, 11, 9, 23, 0), 0},
		{"2024-03-01 00:00:00 UTC", utc(2024, 3, 1, 0, 0), 0},
		{"2024-03-01T02:00:00+02:00", utc(2024, 3, 1, 0, 0), 0},
		{"2018-06-01 00:00:00", utc(2018, 6, 1, 0, 0), tsNoTZ},
		{"2020-09-22", utc(2020, 9, 22, 0, 0), tsDateOnly},
		{"09/22/2023", utc(2023, 9, 22, 0, 0), tsDateOnly | tsUSDate},
		{"9/2/2023", utc(2023, 9, 2, 0, 0), tsDateOnly | tsUSDate},
		{"2/29/2024", utc(2024, 2, 29, 0, 0), tsDateOnly | tsUSDate},
	}
	for _, tc := range tests {
		got, q, ok := parseTime(tc.in)
		if !ok || !got.Equal(tc.want) || q != tc.quirks {
			t.Errorf("parseTime(%q) = %v, %b, %v; want %v, %b", tc.in, got, q, ok, tc.want, tc.quirks)
		}
	}
	for _, bad := range []string{"", "2023-02-30", "22/09/2023", "2/29/2023", "9/2/23", "2023-11-01T25:00Z", "2023-11-01X", "May 2024", "2024-05-01T00:00:00+2"} {
		if _, _, ok := parseTime(bad); ok {
			t.Errorf("parseTime(%q) ok", bad)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"0.0": "0", "1.81E-8": "0.0000000181", "5e-06": "0.000005", "-0.096": "-0.096", "+2": "2",
		"0.0000000072922557592391990000": "0.000000007292255759239199", ".5": "0.5", "3.": "3",
	} {
		got, ok := parseDecimal(in)
		if !ok || !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("parseDecimal(%q) = %s, %v; want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "-", "abc", "1,5", "1e", "1e99999", "1.2.3", "NaN", "0x10", " 1"} {
		if _, ok := parseDecimal(bad); ok {
			t.Errorf("parseDecimal(%q) ok", bad)
		}
	}
}

func TestParsePy(t *testing.T) {
	m := map[string]string{}
	err := parseLabels(`[{'key': 'a', 'value': 'x\'y'}, {"key": "b", "value": "\u00e9"}, {'key': 'n', 'value': 3}, {'key': 'z', 'value': None}]`, m)
	if err != nil {
		t.Fatal(err)
	}
	if m["a"] != "x'y" || m["b"] != "é" || m["n"] != "3" || m["z"] != "" || len(m) != 4 {
		t.Errorf("labels %q", m)
	}
	for _, bad := range []string{"[", "[{'key': 'a'", "{'a' 1}", "[1,,2]", "nope", "[{'key': 'a', 'value': 'b'}] x", strings.Repeat("[", 100)} {
		if err := parseLabels(bad, map[string]string{}); err == nil {
			t.Errorf("parseLabels(%q): no error", bad)
		}
	}
}

func TestCanon(t *testing.T) {
	for in, want := range map[string]string{
		"lineItem/UnblendedCost":                          "lineitemunblendedcost",
		"line_item_unblended_cost":                        "lineitemunblendedcost",
		"savingsPlan/SavingsPlanARN":                      "savingsplansavingsplanarn",
		"savings_plan_savings_plan_a_r_n":                 "savingsplansavingsplanarn",
		"Kategorie der Verbrauchseinheit (MeterCategory)": "metercategory",
		"\ufeffSubscriptionGuid":                          "subscriptionguid",
		"service.description":                             "servicedescription",
		" costInBillingCurrency ":                         "costinbillingcurrency",
	} {
		if got := canon(in); got != want {
			t.Errorf("canon(%q) = %q, want %q", in, got, want)
		}
	}
}
