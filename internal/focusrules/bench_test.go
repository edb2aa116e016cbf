package focusrules

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"
)

// genColumns is an AWS-style FOCUS 1.2 header with two x_ columns.
var genColumns = []string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
	"BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId",
	"CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
	"CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus",
	"CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit",
	"ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
	"ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
	"PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName",
	"PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
	"ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails",
	"SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags", "x_Operation", "x_UsageType",
}

type genSku struct {
	service, category, subcategory, description, unit, meter, resourceType, price string
}

var genSkus = []genSku{
	{"Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "$0.192 per On Demand Linux m5.xlarge Instance Hour", "Hours", "Compute Instance", "Instance", "0.192"},
	{"Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "$0.096 per On Demand Linux m5.large Instance Hour", "Hours", "Compute Instance", "Instance", "0.096"},
	{"Amazon Elastic Block Store", "Storage", "Block Storage", "$0.08 per GB-month of General Purpose (gp3) provisioned storage", "GB-Months", "Storage", "Volume", "0.08"},
	{"Amazon Simple Storage Service", "Storage", "Object Storage", "$0.023 per GB - first 50 TB / month of storage used", "GB-Months", "Storage", "Bucket", "0.023"},
	{"Amazon Relational Database Service", "Databases", "Relational Databases", "$0.342 per RDS db.m5.large Multi-AZ instance hour running PostgreSQL", "Hours", "Database Instance", "DBInstance", "0.342"},
	{"AWS Data Transfer", "Networking", "Network Connectivity", "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier", "GB", "Data Transfer", "Transfer", "0.09"},
	{"Amazon CloudWatch", "Management and Governance", "Observability", "$0.30 per metric-month - first 10,000 metrics", "Metrics", "Metric", "Metric", "0.30"},
}

var genRegions = [][2]string{{"us-east-1", "US East (N. Virginia)"}, {"us-west-2", "US West (Oregon)"}, {"eu-west-1", "Europe (Ireland)"}, {"ap-southeast-1", "Asia Pacific (Singapore)"}}

// genFOCUS writes a valid-ish FOCUS 1.2 CSV export of at least size bytes:
// hourly usage of a fleet of resources in September 2024, a few hundred
// bytes to a kilobyte a row, with commitment-discounted rows, taxes and
// credits. It is meant to pass (nearly) every row rule.
func genFOCUS(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(size + 4096)
	w := csv.NewWriter(&b)
	_ = w.Write(genColumns)
	type resource struct {
		id, name, account, az, tags string
		sku                         genSku
		region                      [2]string
		committed                   bool
	}
	apps := []string{"checkout", "search", "ledger", "notifications", "auth", "catalog", "billing", "reports"}
	var fleet []resource
	for i := range 400 {
		sku := genSkus[rng.IntN(len(genSkus))]
		region := genRegions[rng.IntN(len(genRegions))]
		app := apps[rng.IntN(len(apps))]
		fleet = append(fleet, resource{
			id:        fmt.Sprintf("arn:aws:ec2:%s:%012d:instance/i-%017x", region[0], 100000000000+rng.IntN(40), rng.Uint64()>>4),
			name:      fmt.Sprintf("%s-%03d", app, i),
			account:   fmt.Sprintf("%012d", 100000000000+rng.IntN(40)),
			az:        region[0] + string(rune('a'+rng.IntN(3))),
			sku:       sku,
			region:    region,
			tags:      fmt.Sprintf(`{"app": %q, "env": %q, "team": "sre", "cost-center": "%d"}`, app, []string{"prod", "staging", "dev"}[rng.IntN(3)], 1000+rng.IntN(20)),
			committed: rng.IntN(4) == 0,
		})
	}
	start := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	rec := make([]string, len(genColumns))
	set := func(col, v string) {
		for i, c := range genColumns {
			if c == col {
				rec[i] = v
				return
			}
		}
		panic(col)
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for n := 0; b.Len() < size; n++ {
		r := fleet[n%len(fleet)]
		hour := start.Add(time.Duration(n/len(fleet)%720) * time.Hour)
		for i := range rec {
			rec[i] = ""
		}
		qty := float64(1 + rng.IntN(100))
		price, _ := strconv.ParseFloat(r.sku.price, 64)
		price = float64(int64(price*1000)) / 1000
		list := float64(int64(qty*price*1e6)) / 1e6
		qty = list / price // keep ListUnitPrice × PricingQuantity = ListCost exact enough
		qs := strconv.FormatFloat(qty, 'f', -1, 64)
		ps := f(price)
		ls, _ := parseDecimal(qs)
		pd, _ := parseDecimal(ps)
		listS := ls.Mul(pd).String()
		set("AvailabilityZone", r.az)
		set("BillingAccountId", "123456789012")
		set("BillingAccountName", "Acme Payer")
		set("BillingAccountType", "Billing Account")
		set("BillingCurrency", "USD")
		set("BillingPeriodStart", "2024-09-01T00:00:00Z")
		set("BillingPeriodEnd", "2024-10-01T00:00:00Z")
		set("ChargeCategory", "Usage")
		set("ChargeDescription", r.sku.description)
		set("ChargeFrequency", "Usage-Based")
		set("ChargePeriodStart", hour.Format("2006-01-02T15:04:05Z"))
		set("ChargePeriodEnd", hour.Add(time.Hour).Format("2006-01-02T15:04:05Z"))
		set("ConsumedQuantity", qs)
		set("ConsumedUnit", r.sku.unit)
		set("ContractedUnitPrice", ps)
		set("ContractedCost", listS)
		set("EffectiveCost", listS)
		set("BilledCost", listS)
		set("InvoiceId", "INV-2024-09-0001")
		set("InvoiceIssuerName", "AWS")
		set("ProviderName", "AWS")
		set("PublisherName", "AWS")
		set("ListUnitPrice", ps)
		set("ListCost", listS)
		set("PricingCategory", "Standard")
		set("PricingCurrency", "USD")
		set("PricingCurrencyContractedUnitPrice", ps)
		set("PricingCurrencyEffectiveCost", listS)
		set("PricingCurrencyListUnitPrice", ps)
		set("PricingQuantity", qs)
		set("PricingUnit", r.sku.unit)
		set("RegionId", r.region[0])
		set("RegionName", r.region[1])
		set("ResourceId", r.id)
		set("ResourceName", r.name)
		set("ResourceType", r.sku.resourceType)
		set("ServiceCategory", r.sku.category)
		set("ServiceName", r.sku.service)
		set("ServiceSubcategory", r.sku.subcategory)
		set("SkuId", "SKU-"+r.sku.meter)
		set("SkuMeter", r.sku.meter)
		set("SkuPriceId", "SKU-"+r.sku.meter+"-"+r.sku.price)
		set("SkuPriceDetails", `{"OperatingSystem": "Linux", "vCPU": 4}`)
		set("SubAccountId", r.account)
		set("SubAccountName", "team-"+r.name[:3])
		set("SubAccountType", "Account")
		set("Tags", r.tags)
		set("x_Operation", "RunInstances")
		set("x_UsageType", "BoxUsage:m5.xlarge")
		if r.committed {
			set("PricingCategory", "Committed")
			set("CommitmentDiscountCategory", "Usage")
			set("CommitmentDiscountId", "arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-1")
			set("CommitmentDiscountName", "ri-1")
			set("CommitmentDiscountType", "Reserved Instance")
			set("CommitmentDiscountStatus", "Used")
			set("CommitmentDiscountQuantity", qs)
			set("CommitmentDiscountUnit", "Hours")
			set("BilledCost", "0")
		}
		if n%97 == 0 { // a tax row: no pricing, no SKU
			for _, c := range []string{"ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice", "PricingCategory",
				"PricingCurrencyContractedUnitPrice", "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "SkuId", "SkuMeter",
				"SkuPriceId", "SkuPriceDetails", "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
				"CommitmentDiscountType", "CommitmentDiscountStatus", "CommitmentDiscountQuantity", "CommitmentDiscountUnit"} {
				set(c, "")
			}
			set("ChargeCategory", "Tax")
			set("ChargeFrequency", "Recurring")
			set("ChargeDescription", "Tax for September 2024")
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

var genOnce = sync.OnceValue(func() []byte { return genFOCUS(50 << 20) })

// BenchmarkValidate measures validation throughput on a generated 50 MB
// FOCUS 1.2 export, with every applicability criterion claimed (the most
// rules) and with none.
func BenchmarkValidate(b *testing.B) {
	data := genOnce()
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		claim []string
	}{{"all-criteria", []string{ClaimAll}}, {"no-criteria", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rep, err := m.Validate(bytes.NewReader(data), Options{Applicability: bc.claim})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Rows == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
}

// TestGeneratedFileIsValid keeps the benchmark honest: the generated export
// passes every row rule, so the benchmark measures a full evaluation.
func TestGeneratedFileIsValid(t *testing.T) {
	data := genFOCUS(1 << 20)
	m, _ := Embedded()
	rep, err := m.Validate(bytes.NewReader(data), Options{Applicability: []string{ClaimAll}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rules {
		if r.Counted && r.Status == StatusFail {
			t.Errorf("%s failed %d rows: %+v", r.ID, r.Failed, r.Examples[0])
		}
	}
	if !rep.OK() || rep.Summary.Pass < 150 {
		t.Errorf("generated file: ok=%v, %+v", rep.OK(), rep.Summary)
	}
	_ = io.Discard
}
