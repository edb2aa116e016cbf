package focus

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchColumns is an AWS-style FOCUS 1.2 export header with two x_ columns.
var benchColumns = []string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
	"BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId",
	"CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
	"CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus",
	"CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit",
	"ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
	"ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit", "ProviderName",
	"PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
	"ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails",
	"SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags", "x_Operation", "x_UsageType",
}

type benchSku struct {
	service, category, subcategory, description, unit, meter, resourceType string
	price                                                                  string // list unit price
}

var benchSkus = []benchSku{
	{"Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "$0.192 per On Demand Linux m5.xlarge Instance Hour", "Hrs", "Compute Instance", "Instance", "0.192"},
	{"Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "$0.096 per On Demand Linux m5.large Instance Hour", "Hrs", "Compute Instance", "Instance", "0.096"},
	{"Amazon Elastic Block Store", "Storage", "Block Storage", "$0.08 per GB-month of General Purpose (gp3) provisioned storage", "GB-Mo", "Storage", "Volume", "0.08"},
	{"Amazon Simple Storage Service", "Storage", "Object Storage", "$0.023 per GB - first 50 TB / month of storage used", "GB-Mo", "Storage", "Bucket", "0.023"},
	{"Amazon Relational Database Service", "Databases", "Relational Databases", "$0.342 per RDS db.m5.large Multi-AZ instance hour running PostgreSQL", "Hrs", "Database Instance", "DBInstance", "0.342"},
	{"Elastic Load Balancing", "Networking", "Load Balancing", "$0.008 per used Application load balancer capacity unit-hour (or partial hour)", "LCU-Hrs", "Load Balancer", "LoadBalancer", "0.008"},
	{"AWS Data Transfer", "Networking", "Network Traffic", "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier", "GB", "Data Transfer", "", "0.09"},
	{"Amazon CloudWatch", "Management and Governance", "Observability", "$0.30 per metric-month - first 10,000 metrics", "Metrics", "Metric", "", "0.30"},
}

var benchRegions = [][2]string{{"us-east-1", "US East (N. Virginia)"}, {"us-west-2", "US West (Oregon)"}, {"eu-west-1", "Europe (Ireland)"}, {"ap-southeast-1", "Asia Pacific (Singapore)"}}

// genFOCUS generates a FOCUS 1.2 CSV export of at least size bytes: hourly
// rows for a fleet of resources in September 2024, about 1 KB a row.
func genFOCUS(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(size + 4096)
	w := csv.NewWriter(&b)
	_ = w.Write(benchColumns)
	type resource struct {
		id, name, account, accountName, az string
		sku                                benchSku
		region                             [2]string
		tags                               string
		committed                          bool
	}
	apps := []string{"checkout", "search", "ledger", "notifications", "auth", "catalog", "billing", "reports"}
	var fleet []resource
	for i := 0; i < 400; i++ {
		sku := benchSkus[rng.IntN(len(benchSkus))]
		region := benchRegions[rng.IntN(len(benchRegions))]
		account := fmt.Sprintf("%012d", 100000000000+rng.IntN(40))
		app := apps[rng.IntN(len(apps))]
		fleet = append(fleet, resource{
			id:          fmt.Sprintf("arn:aws:ec2:%s:%s:instance/i-%017x", region[0], account, rng.Uint64()>>4),
			name:        fmt.Sprintf("%s-%03d", app, i),
			account:     account,
			accountName: "team-" + app,
			az:          region[0] + string(rune('a'+rng.IntN(3))),
			sku:         sku,
			region:      region,
			tags:        fmt.Sprintf(`{"app": %q, "env": %q, "team": "sre", "cost-center": "%d"}`, app, []string{"prod", "staging", "dev"}[rng.IntN(3)], 1000+rng.IntN(20)),
			committed:   sku.category == "Compute" && rng.IntN(3) == 0,
		})
	}
	start := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	rec := make([]string, len(benchColumns))
	for h := 0; b.Len() < size; h++ {
		hour := start.Add(time.Duration(h%720) * time.Hour)
		for _, res := range fleet {
			if b.Len() >= size {
				break
			}
			qty := fmt.Sprintf("%d.%06d", rng.IntN(3), rng.IntN(1000000))
			list := fmt.Sprintf("0.%010d", rng.IntN(10000000000))
			billed, effective := list, list
			var cdID, cdCat, cdType, cdStatus, cdQty, cdUnit, pricing = "", "", "", "", "", "", "Standard"
			if res.committed {
				cdID = "arn:aws:savingsplans::" + res.account + ":savingsplan/3f2b1c1e-7d7a-4a3b-9b67-0c1f6f0d2b4a"
				cdCat, cdType, cdStatus, cdQty, cdUnit, pricing = "Spend", "Savings Plan", "Used", list, "USD", "Committed"
				billed = "0"
				effective = fmt.Sprintf("0.%010d", rng.IntN(10000000000))
			}
			for i, c := range benchColumns {
				var v string
				switch c {
				case "AvailabilityZone":
					v = res.az
				case "BilledCost":
					v = billed
				case "BillingAccountId":
					v = "123456789012"
				case "BillingAccountName":
					v = "Example Corp"
				case "BillingAccountType":
					v = "Billing Account"
				case "BillingCurrency", "PricingCurrency":
					v = "USD"
				case "BillingPeriodStart":
					v = "2024-09-01T00:00:00Z"
				case "BillingPeriodEnd":
					v = "2024-10-01T00:00:00Z"
				case "ChargeCategory":
					v = "Usage"
				case "ChargeDescription":
					v = res.sku.description
				case "ChargeFrequency":
					v = "Usage-Based"
				case "ChargePeriodStart":
					v = hour.Format(time.RFC3339)
				case "ChargePeriodEnd":
					v = hour.Add(time.Hour).Format(time.RFC3339)
				case "CommitmentDiscountCategory":
					v = cdCat
				case "CommitmentDiscountId":
					v = cdID
				case "CommitmentDiscountQuantity":
					v = cdQty
				case "CommitmentDiscountStatus":
					v = cdStatus
				case "CommitmentDiscountType":
					v = cdType
				case "CommitmentDiscountUnit":
					v = cdUnit
				case "ConsumedQuantity", "PricingQuantity":
					v = qty
				case "ConsumedUnit", "PricingUnit":
					v = res.sku.unit
				case "ContractedCost", "ListCost":
					v = list
				case "ContractedUnitPrice", "ListUnitPrice":
					v = res.sku.price
				case "EffectiveCost":
					v = effective
				case "InvoiceId":
					v = "EUINIE24-1234567"
				case "InvoiceIssuerName", "PublisherName":
					v = "Amazon Web Services, Inc."
				case "PricingCategory":
					v = pricing
				case "ProviderName":
					v = "AWS"
				case "RegionId":
					v = res.region[0]
				case "RegionName":
					v = res.region[1]
				case "ResourceId":
					v = res.id
				case "ResourceName":
					v = res.name
				case "ResourceType":
					v = res.sku.resourceType
				case "ServiceCategory":
					v = res.sku.category
				case "ServiceName":
					v = res.sku.service
				case "ServiceSubcategory":
					v = res.sku.subcategory
				case "SkuId":
					v = "G95FST5FTYV3JSRX"
				case "SkuMeter":
					v = res.sku.meter
				case "SkuPriceDetails":
					v = `{"OperatingSystem": "Linux", "Tenancy": "Shared"}`
				case "SkuPriceId":
					v = "G95FST5FTYV3JSRX.JRTCKXETXF.6YS6EN2CT7"
				case "SubAccountId":
					v = res.account
				case "SubAccountName":
					v = res.accountName
				case "SubAccountType":
					v = "Linked Account"
				case "Tags":
					v = res.tags
				case "x_Operation":
					v = "RunInstances"
				case "x_UsageType":
					v = "USE1-BoxUsage:m5.xlarge"
				}
				rec[i] = v
			}
			_ = w.Write(rec)
			w.Flush()
		}
	}
	w.Flush()
	return b.Bytes()
}

var benchData = sync.OnceValue(func() []byte { return genFOCUS(20 << 20) })

func BenchmarkReader(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		rows = readBench(b, bytes.NewReader(data))
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(len(data))/float64(rows), "B/row")
}

// BenchmarkReaderSample reads the real sample export (every string quoted,
// NULLs, timestamps without T/Z).
func BenchmarkReaderSample(b *testing.B) {
	data, err := os.ReadFile("testdata/focus_sample_1000.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		readBench(b, bytes.NewReader(data))
	}
}

func BenchmarkReaderGzip(b *testing.B) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = w.Write(benchData())
	_ = w.Close()
	b.SetBytes(int64(len(benchData()))) // uncompressed bytes
	b.ReportAllocs()
	for b.Loop() {
		readBench(b, bytes.NewReader(z.Bytes()))
	}
}

func readBench(b *testing.B, in io.Reader) int {
	r, err := NewReader(in)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkCSVBaseline is encoding/csv alone on the same data: the floor
// under BenchmarkReader.
func BenchmarkCSVBaseline(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParseTags(b *testing.B) {
	for _, s := range []string{
		`{"app": "checkout", "env": "prod", "team": "sre", "cost-center": "1004"}`,
		`"app": "checkout", "env": "prod", "team": "sre", "cost-center": "1004"`,
		`{"app": "checkout", "env": "prod", "replicas": 3, "spot": true}`,
	} {
		b.Run(strings.SplitN(s, ",", 2)[0], func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseTags(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBenchDataReads(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20 MB")
	}
	data := genFOCUS(1 << 20)
	r, rows, rowErrs := readAll(t, data)
	if len(rowErrs) > 0 || len(rows) < 500 {
		t.Fatalf("%d rows, errors %v", len(rows), rowErrs)
	}
	if r.Version() != "1.2" || len(r.Tolerated()) != 0 {
		t.Errorf("version %q, tolerated %+v", r.Version(), r.Tolerated())
	}
	if got := r.Extra(); len(got) != 15 {
		t.Errorf("Extra() = %q", got)
	}
	for _, row := range rows {
		if row.ProviderName != "AWS" || row.ChargePeriodStart.IsZero() || !row.ListCost.IsPositive() && !row.ListCost.IsZero() {
			t.Fatalf("row %+v", row)
		}
		if _, err := ParseTags(row.Tags); err != nil {
			t.Fatal(err)
		}
	}
}
