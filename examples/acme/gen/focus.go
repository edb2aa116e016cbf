package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Acme's AWS bill as a FOCUS 1.2 export: one CSV file a billing period
// (month), daily rows per resource and usage type, written as AWS Data
// Exports would for the organisation's management account. See README.md
// for what the data holds: accounts, services, the untagged cluster, the
// Savings Plan and the cost anomaly.

// focusHeader is the header of every file: the FOCUS 1.2 columns kiban and
// FinOps tools read, in alphabetical order.
var focusHeader = []string{
	"BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
	"ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
	"CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus",
	"CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
	"ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
	"PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
	"RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
	"ServiceSubcategory", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
}

// The AWS organisation: the management (payer) account and its members.
type awsAccount struct {
	id, name, typ string
	idx           int
}

var (
	acctPayer      = &awsAccount{id: "204718593026", name: "acme-management", typ: "Management Account"}
	acctShop       = &awsAccount{id: "318274650912", name: "acme-shop-prod", typ: "Member Account"}
	acctStaging    = &awsAccount{id: "318274650933", name: "acme-shop-staging", typ: "Member Account"}
	acctPayments   = &awsAccount{id: "527301948866", name: "acme-payments-pci", typ: "Member Account"}
	acctLegacy     = &awsAccount{id: "095512873604", name: "acme-legacy-search", typ: "Member Account"}
	acctMembership = &awsAccount{id: "640128375519", name: "acme-membership-prod", typ: "Member Account"}
	acctData       = &awsAccount{id: "719460283147", name: "acme-data", typ: "Member Account"}
	acctTooling    = &awsAccount{id: "802615937420", name: "acme-tooling", typ: "Member Account"}
	// acctPlatform is SRE's shared platform account: no service claims it
	// as a whole, so what is neither tagged nor matched by id there (the
	// shared Kubernetes cluster) is unallocated.
	acctPlatform = &awsAccount{id: "284610375928", name: "acme-platform-prod", typ: "Member Account"}

	accounts = []*awsAccount{acctPayer, acctShop, acctStaging, acctPayments, acctLegacy, acctMembership, acctData, acctTooling, acctPlatform}
)

const (
	billingAccountName = "Acme Group"
	invoiceIssuer      = "Amazon Web Services, Inc."
	invoiceIssuerCSV   = `"` + invoiceIssuer + `"` // it has a comma
	awsRegion          = "eu-west-1"
	awsRegionName      = "Europe (Ireland)"
	// taxPercent is the sales tax the invoice issuer adds to each account's
	// charges of each service, once a billing period.
	taxPercent = 6
)

func init() {
	for i, a := range accounts {
		a.idx = i
	}
	for i, p := range awsProducts {
		p.idx = i
	}
}

// money is an amount in units of 10⁻¹⁰ USD: FOCUS files carry up to 10
// decimals, and integers keep every sum and product exact.
type money int64

const moneyUnit = 10_000_000_000

var pow10 = [...]int64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, moneyUnit}

// usd parses a decimal literal; it panics on anything else (the prices
// below are constants).
func usd(s string) money {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 10 {
		panic("usd: more than 10 decimals: " + s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		panic("usd: " + s)
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			panic("usd: " + s)
		}
		f *= pow10[10-len(frac)]
	}
	return money(w*moneyUnit + f)
}

// appendMoney appends m with 10 decimals, never in exponent notation.
func appendMoney(b []byte, m money) []byte {
	v := int64(m)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/moneyUnit, 10)
	b = append(b, '.')
	f := v % moneyUnit
	var digits [10]byte
	for i := 9; i >= 0; i-- {
		digits[i] = byte('0' + f%10)
		f /= 10
	}
	return append(b, digits[:]...)
}

// quantity is a decimal number with a fixed number of decimals.
type quantity struct {
	v     int64
	scale int
}

func appendQuantity(b []byte, q quantity) []byte {
	if q.scale == 0 {
		return strconv.AppendInt(b, q.v, 10)
	}
	p := pow10[q.scale]
	b = strconv.AppendInt(b, q.v/p, 10)
	b = append(b, '.')
	f := q.v % p
	var digits [10]byte
	for i := q.scale - 1; i >= 0; i-- {
		digits[i] = byte('0' + f%10)
		f /= 10
	}
	return append(b, digits[:q.scale]...)
}

// times returns price × q exactly: the price of every SKU has at most 10
// minus the quantity's decimals (checked when the SKU is declared).
func times(price money, q quantity) money {
	return price / money(pow10[q.scale]) * money(q.v)
}

// percentOf returns p% of m rounded half away from zero to the cent, as an
// invoice's tax is.
func percentOf(m money, p int64) money {
	const cent = moneyUnit / 100
	v := int64(m) * p
	neg := v < 0
	if neg {
		v = -v
	}
	c := (v + 100*cent/2) / (100 * cent)
	if neg {
		c = -c
	}
	return money(c * cent)
}

// A product is a FOCUS ServiceName with its one ServiceCategory and
// ServiceSubcategory.
type product struct {
	name, category, subcategory string
	idx                         int
}

var (
	pEC2         = &product{name: "Amazon Elastic Compute Cloud", category: "Compute", subcategory: "Virtual Machines"}
	pEBS         = &product{name: "Amazon Elastic Block Store", category: "Storage", subcategory: "Block Storage"}
	pEKS         = &product{name: "Amazon Elastic Kubernetes Service", category: "Compute", subcategory: "Containers"}
	pLambda      = &product{name: "AWS Lambda", category: "Compute", subcategory: "Serverless Compute"}
	pS3          = &product{name: "Amazon Simple Storage Service", category: "Storage", subcategory: "Object Storage"}
	pRDS         = &product{name: "Amazon Relational Database Service", category: "Databases", subcategory: "Relational Databases"}
	pElastiCache = &product{name: "Amazon ElastiCache", category: "Databases", subcategory: "Caching"}
	pDynamoDB    = &product{name: "Amazon DynamoDB", category: "Databases", subcategory: "NoSQL Databases"}
	pRedshift    = &product{name: "Amazon Redshift", category: "Databases", subcategory: "Data Warehouses"}
	pOpenSearch  = &product{name: "Amazon OpenSearch Service", category: "Analytics", subcategory: "Search"}
	pKinesis     = &product{name: "Amazon Kinesis", category: "Analytics", subcategory: "Streaming Analytics"}
	pFirehose    = &product{name: "Amazon Data Firehose", category: "Analytics", subcategory: "Streaming Analytics"}
	pGlue        = &product{name: "AWS Glue", category: "Analytics", subcategory: "Data Processing"}
	pMWAA        = &product{name: "Amazon Managed Workflows for Apache Airflow", category: "Integration", subcategory: "Workflow Orchestration"}
	pSQS         = &product{name: "Amazon Simple Queue Service", category: "Integration", subcategory: "Messaging"}
	pSNS         = &product{name: "Amazon Simple Notification Service", category: "Integration", subcategory: "Messaging"}
	pSES         = &product{name: "Amazon Simple Email Service", category: "Business Applications", subcategory: "Other (Business Applications)"}
	pCloudFront  = &product{name: "Amazon CloudFront", category: "Networking", subcategory: "Content Delivery"}
	pELB         = &product{name: "Elastic Load Balancing", category: "Networking", subcategory: "Application Networking"}
	pTransfer    = &product{name: "AWS Data Transfer", category: "Networking", subcategory: "Network Connectivity"}
	pVPC         = &product{name: "Amazon Virtual Private Cloud", category: "Networking", subcategory: "Network Infrastructure"}
	pWAF         = &product{name: "AWS WAF", category: "Networking", subcategory: "Network Security"}
	pCloudWatch  = &product{name: "Amazon CloudWatch", category: "Management and Governance", subcategory: "Observability"}
	pCostExp     = &product{name: "AWS Cost Explorer", category: "Management and Governance", subcategory: "Cost Management"}
	pCognito     = &product{name: "Amazon Cognito", category: "Identity", subcategory: "Identity and Access Management"}
	pKMS         = &product{name: "AWS Key Management Service", category: "Security", subcategory: "Secret Management"}
	pSavings     = &product{name: "Savings Plans for AWS Compute usage", category: "Compute", subcategory: "Other (Compute)"}

	awsProducts = []*product{pEC2, pEBS, pEKS, pLambda, pS3, pRDS, pElastiCache, pDynamoDB, pRedshift, pOpenSearch,
		pKinesis, pFirehose, pGlue, pMWAA, pSQS, pSNS, pSES, pCloudFront, pELB, pTransfer, pVPC, pWAF, pCloudWatch,
		pCostExp, pCognito, pKMS, pSavings}
)

// A sku is one usage type at one price: the SkuId, its on-demand
// SkuPriceId, the ChargeDescription, the unit and the list price.
type sku struct {
	p           *product
	id, priceID string
	desc        string
	unit        string
	price       money
	scale       int // decimals of the quantity
	// spRate is the Compute Savings Plans rate (hourly), 0 when the
	// Savings Plan does not apply; spPriceID is its SkuPriceId.
	spRate    money
	spPriceID string
}

// skuCode makes an AWS-like SKU code (16 characters) from a usage type.
func skuCode(s string) string {
	const chars = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	h := fnv(s)
	b := make([]byte, 16)
	for i := range b {
		h = mix(h)
		b[i] = chars[h%uint64(len(chars))]
	}
	return string(b)
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func newSKU(p *product, usageType, desc, unit, price string, scale int) *sku {
	s := &sku{p: p, id: skuCode(usageType), desc: desc, unit: unit, price: usd(price), scale: scale}
	s.priceID = s.id + ".JRTCKXETXF." + skuCode(usageType + "/OnDemand")[:10]
	if s.price%money(pow10[scale]) != 0 {
		panic("sku " + usageType + ": price " + price + " has too many decimals for quantities with " + strconv.Itoa(scale))
	}
	return s
}

// instanceSKU is an EC2 Linux instance type with its on-demand and
// Compute Savings Plans (1 year, no upfront) hourly rates.
func instanceSKU(typ, price, spRate string) *sku {
	s := newSKU(pEC2, "EU-BoxUsage:"+typ, "$"+price+" per On Demand Linux "+typ+" Instance Hour", "Hours", price, hourScale)
	s.spRate = usd(spRate)
	s.spPriceID = s.id + ".7NE97W5U4E." + skuCode(typ + "/ComputeSavingsPlans")[:10]
	if s.spRate%money(pow10[hourScale]) != 0 {
		panic("sku " + typ + ": Savings Plans rate " + spRate + " has too many decimals")
	}
	return s
}

// hourScale is the decimals of instance hours (a Savings Plan can cover
// part of an hour).
const hourScale = 6

var (
	skuM6iLarge   = instanceSKU("m6i.large", "0.107", "0.0749")
	skuM6iXLarge  = instanceSKU("m6i.xlarge", "0.214", "0.1498")
	skuM6gLarge   = instanceSKU("m6g.large", "0.086", "0.0611")
	skuC6gLarge   = instanceSKU("c6g.large", "0.0776", "0.0551")
	skuT3Medium   = instanceSKU("t3.medium", "0.0456", "0.0342")
	skuT3Large    = instanceSKU("t3.large", "0.0912", "0.0684")
	skuR5Large    = instanceSKU("r5.large", "0.141", "0.1001")
	skuGP3        = newSKU(pEBS, "EU-EBS:VolumeUsage.gp3", "$0.088 per GB-month of General Purpose (gp3) provisioned storage - EU (Ireland)", "GB-Mo", "0.088", 4)
	skuGP2        = newSKU(pEBS, "EU-EBS:VolumeUsage.gp2", "$0.11 per GB-month of General Purpose SSD (gp2) provisioned storage - EU (Ireland)", "GB-Mo", "0.11", 4)
	skuEKS        = newSKU(pEKS, "EU-AmazonEKS-Hours:perCluster", "Amazon EKS cluster usage in EU (Ireland)", "Hours", "0.10", 2)
	skuLambdaReq  = newSKU(pLambda, "EU-Request-ARM", "AWS Lambda - Requests Free Tier - 1,000,000 Requests - EU (Ireland), then $0.20 per 1M requests", "Requests", "0.0000002", 0)
	skuLambdaGBs  = newSKU(pLambda, "EU-Lambda-GB-Second-ARM", "AWS Lambda - Total Compute (Arm) - EU (Ireland): $0.0000133334 per GB-second", "GB-Seconds", "0.0000133334", 0)
	skuS3Storage  = newSKU(pS3, "EU-TimedStorage-ByteHrs", "$0.023 per GB - first 50 TB / month of storage used", "GB-Mo", "0.023", 4)
	skuS3Put      = newSKU(pS3, "EU-Requests-Tier1", "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", "Requests", "0.000005", 0)
	skuS3Get      = newSKU(pS3, "EU-Requests-Tier2", "$0.0004 per 1,000 GET and all other requests", "Requests", "0.0000004", 0)
	skuAuroraT4g  = newSKU(pRDS, "EU-InstanceUsage:db.t4g.medium", "$0.078 per RDS db.t4g.medium instance hour (or partial hour) running Aurora PostgreSQL", "Hours", "0.078", 2)
	skuAuroraIO   = newSKU(pRDS, "EU-Aurora:StorageIOUsage", "$0.22 per 1 million I/O requests - EU (Ireland)", "IOs", "0.00000022", 0)
	skuAuroraGB   = newSKU(pRDS, "EU-Aurora:StorageUsage", "$0.11 per GB-month of Aurora storage - EU (Ireland)", "GB-Mo", "0.11", 4)
	skuRDSm6g     = newSKU(pRDS, "EU-InstanceUsage:db.m6g.large", "$0.172 per RDS db.m6g.large instance hour (or partial hour) running PostgreSQL", "Hours", "0.172", 2)
	skuRDSt4g     = newSKU(pRDS, "EU-InstanceUsage:db.t4g.medium-pg", "$0.077 per RDS db.t4g.medium instance hour (or partial hour) running PostgreSQL", "Hours", "0.077", 2)
	skuRDSgp3     = newSKU(pRDS, "EU-RDS:GP3-Storage", "$0.133 per GB-month of provisioned gp3 storage running PostgreSQL", "GB-Mo", "0.133", 4)
	skuCacheT4g   = newSKU(pElastiCache, "EU-NodeUsage:cache.t4g.medium", "$0.073 per On Demand cache.t4g.medium Node Hour", "Hours", "0.073", 2)
	skuDDBWrite   = newSKU(pDynamoDB, "EU-WriteRequestUnits", "$1.4135 per million write request units (EU (Ireland))", "WriteRequestUnits", "0.0000014135", 0)
	skuDDBRead    = newSKU(pDynamoDB, "EU-ReadRequestUnits", "$0.283 per million read request units (EU (Ireland))", "ReadRequestUnits", "0.000000283", 0)
	skuDDBStorage = newSKU(pDynamoDB, "EU-TimedStorage-ByteHrs-DDB", "$0.283 per GB-Month of storage used beyond first 25 free GB-Months", "GB-Mo", "0.283", 4)
	skuRedshift   = newSKU(pRedshift, "EU-Node:ra3.large", "$0.543 per RA3 Large Compute Node-hour (or partial hour)", "Hours", "0.543", 2)
	skuRMS        = newSKU(pRedshift, "EU-RMS:ra3", "$0.024 per GB-month for Redshift Managed Storage", "GB-Mo", "0.024", 4)
	skuOpenSearch = newSKU(pOpenSearch, "EU-ES:t3.medium.search", "$0.078 per t3.medium.search instance hour (or partial hour)", "Hours", "0.078", 2)
	skuOSSmall    = newSKU(pOpenSearch, "EU-ES:t3.small.search", "$0.038 per t3.small.search instance hour (or partial hour)", "Hours", "0.038", 2)
	skuOSStorage  = newSKU(pOpenSearch, "EU-ES:GP3-Storage", "$0.122 per GB-month of gp3 storage for Amazon OpenSearch Service", "GB-Mo", "0.122", 4)
	skuKinesisHr  = newSKU(pKinesis, "EU-OnDemand-StreamHour", "$0.04 per On-Demand Stream Hour", "Hours", "0.04", 2)
	skuKinesisIn  = newSKU(pKinesis, "EU-OnDemand-BilledIncomingBytes", "$0.08 per GB of data ingested in On-Demand mode", "GB", "0.08", 4)
	skuKinesisOut = newSKU(pKinesis, "EU-OnDemand-BilledOutgoingBytes", "$0.04 per GB of data retrieved in On-Demand mode", "GB", "0.04", 4)
	skuFirehose   = newSKU(pFirehose, "EU-BilledBytes", "$0.031 per GB of data ingested into Amazon Data Firehose for the first 500 TB", "GB", "0.031", 4)
	skuGlue       = newSKU(pGlue, "EU-ETL-DPU-Hour", "$0.44 per Data Processing Unit-Hour for AWS Glue ETL job", "DPU-Hours", "0.44", 4)
	skuMWAA       = newSKU(pMWAA, "EU-Environment:mw1.micro", "$0.26 per hour for Amazon MWAA mw1.micro environment", "Hours", "0.26", 2)
	skuSQS        = newSKU(pSQS, "EU-Requests-Tier1-SQS", "$0.40 per million Amazon SQS standard requests in Tier1 in EU (Ireland)", "Requests", "0.0000004", 0)
	skuSNS        = newSKU(pSNS, "EU-Requests-Tier1-SNS", "$0.50 per 1 million Amazon SNS API requests in EU (Ireland)", "Requests", "0.0000005", 0)
	skuSES        = newSKU(pSES, "EU-Recipients", "$0.10 per 1,000 email messages sent to recipients", "Count", "0.0001", 0)
	skuCFOut      = newSKU(pCloudFront, "EU-DataTransfer-Out-Bytes", "$0.085 per GB - first 10 TB / month data transfer out Europe", "GB", "0.085", 4)
	skuCFReq      = newSKU(pCloudFront, "EU-Requests-Tier2-HTTPS", "$0.0120 per 10,000 HTTPS Requests in Europe", "Requests", "0.0000012", 0)
	skuALBHour    = newSKU(pELB, "EU-LoadBalancerUsage", "$0.0252 per Application LoadBalancer-hour (or partial hour)", "Hours", "0.0252", 2)
	skuALBLCU     = newSKU(pELB, "EU-LCUUsage", "$0.008 per used Application load balancer capacity unit-hour (or partial hour)", "LCU-Hours", "0.008", 4)
	skuNLBHour    = newSKU(pELB, "EU-LoadBalancerUsage-NLB", "$0.0252 per Network LoadBalancer-hour (or partial hour)", "Hours", "0.0252", 2)
	skuNLBLCU     = newSKU(pELB, "EU-LCUUsage-NLB", "$0.006 per used Network load balancer capacity unit-hour (or partial hour)", "NLCU-Hours", "0.006", 4)
	skuOut        = newSKU(pTransfer, "EU-DataTransfer-Out-Bytes-EC2", "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier", "GB", "0.09", 4)
	skuInterAZ    = newSKU(pTransfer, "EU-DataTransfer-Regional-Bytes", "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB", "GB", "0.01", 4)
	skuNATHour    = newSKU(pVPC, "EU-NatGateway-Hours", "$0.048 per NAT Gateway Hour", "Hours", "0.048", 2)
	skuNATBytes   = newSKU(pVPC, "EU-NatGateway-Bytes", "$0.048 per GB Data Processed by NAT Gateways", "GB", "0.048", 4)
	skuWAFACL     = newSKU(pWAF, "EU-WebACL", "$5.00 per web ACL per month (prorated hourly)", "ACL-Months", "5.00", 4)
	skuWAFReq     = newSKU(pWAF, "EU-Request", "$0.60 per million requests", "Requests", "0.0000006", 0)
	skuLogsIngest = newSKU(pCloudWatch, "EU-DataProcessing-Bytes", "$0.57 per GB custom log data ingested - EU (Ireland)", "GB", "0.57", 4)
	skuLogsStore  = newSKU(pCloudWatch, "EU-TimedStorage-ByteHrs-Logs", "$0.03 per GB-mo of log storage - EU (Ireland)", "GB-Mo", "0.03", 4)
	skuMetrics    = newSKU(pCloudWatch, "EU-CW:MetricMonitorUsage", "$0.30 per metric-month for the first 10,000 metrics - EU (Ireland)", "Metrics", "0.30", 4)
	skuCostAPI    = newSKU(pCostExp, "USE1-APIRequest", "$0.01 per API request to AWS Cost Explorer", "Requests", "0.01", 0)
	skuCognito    = newSKU(pCognito, "EU-CognitoUserPoolMAU", "$0.0055 per monthly active user beyond the first 10,000 MAUs", "MAU", "0.0055", 2)
	skuKMSKey     = newSKU(pKMS, "EU-KMS-Keys", "$1.00 per customer managed KMS key per month - EU (Ireland)", "Keys", "1.00", 4)
	skuKMSReq     = newSKU(pKMS, "EU-KMS-Requests", "$0.03 per 10,000 requests - EU (Ireland)", "Requests", "0.000003", 0)
)

// shape is how a usage line's daily quantity varies.
type shape uint8

const (
	flat     shape = iota // always on: 24 hours a day, provisioned capacity
	shop                  // the shop's week (Sunday busiest, Friday quietest), growing
	office                // weekdays busier than weekends (batch jobs, internal tools), growing
	storage               // grows slowly, no weekly cycle
	weekdays              // business days only (nightly batch), growing
)

// usage is one usage type of a resource and its quantity a day at the
// start of the three months.
type usage struct {
	sku   *sku
	base  float64
	shape shape
	cap   float64 // at most this much a day (24 hours); 0 = no limit
}

// resource is a cloud resource and what it uses.
type resource struct {
	acct    *awsAccount
	arn     string // ResourceId; for idKind resources the prefix before the generated id
	idKind  string // "i", "vol", "nat": an EC2-style id generated from name
	name    string // ResourceName; empty when the resource has no display name
	typ     string // ResourceType
	global  bool   // no region (CloudFront, Cost Explorer)
	tags    string // the Tags JSON object; empty for untagged
	quoted  string // tags as a CSV field
	lines   []usage
	anomaly bool // one of the resources behind the cost anomaly
	cluster bool // a part of the untagged shared Kubernetes cluster
}

// tagsJSON makes the Tags value from key, value pairs, in order.
func tagsJSON(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(kv[i]))
		b.WriteByte(':')
		b.WriteString(strconv.Quote(kv[i+1]))
	}
	b.WriteByte('}')
	return b.String()
}

// serviceTags are the tags Acme's Terraform puts on every resource of a
// service: the service and env tags are what the catalog's tag matchers
// read, the rest is what real tag policies add.
func serviceTags(service, team, product, env, module string, extra ...string) string {
	kv := []string{"service", service, "env", env, "team", team, "product", product,
		"cost-center", costCenter(team), "terraform-module", module}
	return tagsJSON(append(kv, extra...)...)
}

func costCenter(team string) string {
	return "CC-" + strconv.FormatUint(4000+fnv(team)%900, 10)
}

func arn(service string, a *awsAccount, rest string) string {
	return "arn:aws:" + service + ":" + awsRegion + ":" + a.id + ":" + rest
}

// instances are n EC2 instances of a service: the first always on, the
// rest (burst) scaled with the shop's traffic.
func instances(a *awsAccount, service, env string, typ *sku, always, burst int, burstHours float64, tags string) []*resource {
	var rs []*resource
	for i := range always + burst {
		r := &resource{acct: a, arn: arn("ec2", a, "instance/"), idKind: "i", name: fmt.Sprintf("%s-%s-%d", service, env, i+1),
			typ: "instance", tags: tags, lines: []usage{{sku: typ, base: 24, shape: flat, cap: 24}}}
		if i >= always {
			r.lines[0] = usage{sku: typ, base: burstHours, shape: shop, cap: 24}
		}
		rs = append(rs, r)
	}
	return rs
}

func volume(a *awsAccount, name string, gp *sku, gb float64, tags string) *resource {
	return &resource{acct: a, arn: arn("ec2", a, "volume/"), idKind: "vol", name: name, typ: "volume", tags: tags,
		lines: []usage{{sku: gp, base: gb / 30, shape: flat}}}
}

func bucket(a *awsAccount, name string, gb, puts, gets float64, tags string) *resource {
	r := &resource{acct: a, arn: "arn:aws:s3:::" + name, name: name, typ: "bucket", tags: tags,
		lines: []usage{{sku: skuS3Storage, base: gb / 30, shape: storage}}}
	if puts > 0 {
		r.lines = append(r.lines, usage{sku: skuS3Put, base: puts, shape: shop})
	}
	if gets > 0 {
		r.lines = append(r.lines, usage{sku: skuS3Get, base: gets, shape: shop})
	}
	return r
}

func logGroup(a *awsAccount, group string, gbPerDay, storedGB float64, tags string) *resource {
	return &resource{acct: a, arn: arn("logs", a, "log-group:"+group), name: group, typ: "log-group", tags: tags,
		lines: []usage{{sku: skuLogsIngest, base: gbPerDay, shape: shop}, {sku: skuLogsStore, base: storedGB / 30, shape: storage}}}
}

// inventory is what Acme runs, account by account.
func inventory() []*resource {
	var rs []*resource
	add := func(r ...*resource) { rs = append(rs, r...) }
	prod := func(service, team, product, module string, extra ...string) string {
		return serviceTags(service, team, product, "prod", module, extra...)
	}
	asg := func(name string) []string {
		return []string{"aws:autoscaling:groupName", name + "-asg", "Name", name}
	}

	// The shop's production account: storefront, checkout, cart, inventory,
	// notifications, catalog, search, recommendations, login, accounts.
	a := acctShop
	storefront := prod("storefront", "shop-discovery", "online-shop", "module.storefront", asg("storefront-prod")...)
	add(instances(a, "storefront", "prod", skuM6iLarge, 2, 2, 10, storefront)...)
	rs[len(rs)-4].lines = append(rs[len(rs)-4].lines, usage{sku: skuOut, base: 25, shape: shop}, usage{sku: skuInterAZ, base: 30, shape: shop})
	add(bucket(a, "acme-storefront-assets-prod", 400, 2000, 2_500_000, prod("storefront", "shop-discovery", "online-shop", "module.storefront.aws_s3_bucket.assets")))
	add(&resource{acct: a, arn: "arn:aws:cloudfront::" + a.id + ":distribution/E2QWRUHAPOMQZL", name: "www.acme.example", typ: "distribution", global: true,
		tags:  prod("storefront", "shop-discovery", "online-shop", "module.storefront.aws_cloudfront_distribution.www"),
		lines: []usage{{sku: skuCFOut, base: 35, shape: shop}, {sku: skuCFReq, base: 800_000, shape: shop}}})
	add(logGroup(a, "/acme/prod/storefront", 1.2, 60, prod("storefront", "shop-discovery", "online-shop", "module.storefront.aws_cloudwatch_log_group.app")))
	add(&resource{acct: a, arn: arn("elasticloadbalancing", a, "loadbalancer/app/"+lbName+"/"+lbID), name: lbName, typ: "loadbalancer",
		tags:  serviceTags("api-gateway", "sre", "platform", "prod", "module.api_gateway.aws_lb.shop"),
		lines: []usage{{sku: skuALBHour, base: 24, shape: flat}, {sku: skuALBLCU, base: 40, shape: shop}}})

	checkout := prod("checkout", "shop-checkout", "online-shop", "module.checkout", asg("checkout-prod")...)
	add(instances(a, "checkout", "prod", skuM6iLarge, 2, 0, 0, checkout)...)
	add(&resource{acct: a, arn: arn("sqs", a, "checkout-orders"), name: "checkout-orders", typ: "queue",
		tags: prod("checkout", "shop-checkout", "online-shop", "module.checkout.aws_sqs_queue.orders"), lines: []usage{{sku: skuSQS, base: 1_500_000, shape: shop}}})
	add(bucket(a, "acme-checkout-receipts", 80, 20_000, 60_000, prod("checkout", "shop-checkout", "online-shop", "module.checkout.aws_s3_bucket.receipts")))
	add(logGroup(a, "/acme/prod/checkout", 0.8, 40, prod("checkout", "shop-checkout", "online-shop", "module.checkout.aws_cloudwatch_log_group.app")))

	add(&resource{acct: a, arn: arn("elasticache", a, "replicationgroup:cart-sessions"), name: "cart-sessions", typ: "replicationgroup",
		tags:  prod("cart", "shop-checkout", "online-shop", "module.cart.aws_elasticache_replication_group.sessions"),
		lines: []usage{{sku: skuCacheT4g, base: 48, shape: flat}}})
	add(instances(a, "cart", "prod", skuM6gLarge, 1, 0, 0, prod("cart", "shop-checkout", "online-shop", "module.cart", asg("cart-prod")...))...)

	inventoryTags := prod("inventory", "shop-checkout", "online-shop", "module.inventory", asg("inventory-prod")...)
	add(instances(a, "inventory", "prod", skuM6gLarge, 1, 0, 0, inventoryTags)...)
	add(&resource{acct: a, arn: arn("dynamodb", a, "table/inventory-reservations"), name: "inventory-reservations", typ: "table",
		tags: prod("inventory", "shop-checkout", "online-shop", "module.inventory.aws_dynamodb_table.reservations"),
		lines: []usage{{sku: skuDDBWrite, base: 600_000, shape: shop}, {sku: skuDDBRead, base: 2_000_000, shape: shop},
			{sku: skuDDBStorage, base: 12.0 / 30, shape: storage}}})

	notif := prod("notifications", "shop-checkout", "online-shop", "module.notifications")
	add(&resource{acct: a, arn: arn("sns", a, "notifications-order-events"), name: "notifications-order-events", typ: "topic", tags: notif,
		lines: []usage{{sku: skuSNS, base: 300_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("sqs", a, "notifications-email"), name: "notifications-email", typ: "queue", tags: notif,
		lines: []usage{{sku: skuSQS, base: 900_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("ses", a, "identity/acme.example"), name: "acme.example", typ: "identity", tags: notif,
		lines: []usage{{sku: skuSES, base: 12_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("lambda", a, "function:notifications-sender"), name: "notifications-sender", typ: "function", tags: notif,
		lines: []usage{{sku: skuLambdaReq, base: 300_000, shape: shop}, {sku: skuLambdaGBs, base: 60_000, shape: shop}}})

	add(bucket(a, "acme-catalog-images-prod", 1500, 8_000, 3_000_000, prod("catalog", "shop-discovery", "online-shop", "module.catalog.aws_s3_bucket.images")))
	add(instances(a, "catalog", "prod", skuM6gLarge, 2, 0, 0, prod("catalog", "shop-discovery", "online-shop", "module.catalog", asg("catalog-prod")...))...)

	add(&resource{acct: a, arn: arn("es", a, "domain/search-prod"), name: "search-prod", typ: "domain",
		tags:  prod("search", "shop-discovery", "online-shop", "module.search.aws_opensearch_domain.prod"),
		lines: []usage{{sku: skuOpenSearch, base: 48, shape: flat}, {sku: skuOSStorage, base: 100.0 / 30, shape: storage}}})
	add(instances(a, "recommendations", "prod", skuT3Large, 0, 1, 12,
		serviceTags("recommendations", "shop-discovery", "online-shop", "prod", "module.recommendations", asg("recommendations-prod")...))...)

	add(&resource{acct: a, arn: arn("cognito-idp", a, "userpool/eu-west-1_Xk3Pq9TzA"), name: "acme-customers", typ: "userpool",
		tags:  prod("login", "identity", "online-shop", "module.identity.module.login.aws_cognito_user_pool.customers"),
		lines: []usage{{sku: skuCognito, base: 300, shape: shop}}})
	add(instances(a, "login", "prod", skuC6gLarge, 2, 0, 0, prod("login", "identity", "online-shop", "module.identity.module.login", asg("login-prod")...))...)
	add(&resource{acct: a, arn: arn("wafv2", a, "regional/webacl/login-prod/8c1f2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"), name: "login-prod", typ: "webacl",
		tags:  prod("login", "identity", "online-shop", "module.identity.module.login.aws_wafv2_web_acl.login"),
		lines: []usage{{sku: skuWAFACL, base: 1.0 / 30, shape: flat}, {sku: skuWAFReq, base: 1_000_000, shape: shop}}})
	add(instances(a, "accounts", "prod", skuC6gLarge, 1, 0, 0, prod("accounts", "identity", "online-shop", "module.identity.module.accounts", asg("accounts-prod")...))...)
	add(&resource{acct: a, arn: arn("dynamodb", a, "table/accounts-profiles"), name: "accounts-profiles", typ: "table",
		tags: prod("accounts", "identity", "online-shop", "module.identity.module.accounts.aws_dynamodb_table.profiles"),
		lines: []usage{{sku: skuDDBWrite, base: 150_000, shape: shop}, {sku: skuDDBRead, base: 2_500_000, shape: shop},
			{sku: skuDDBStorage, base: 30.0 / 30, shape: storage}}})

	// Staging: tagged env=staging, shared by several services.
	a = acctStaging
	add(instances(a, "checkout", "staging", skuT3Medium, 1, 0, 0, serviceTags("checkout", "shop-checkout", "online-shop", "staging", "module.checkout"))...)
	add(instances(a, "storefront", "staging", skuT3Medium, 1, 0, 0, serviceTags("storefront", "shop-discovery", "online-shop", "staging", "module.storefront"))...)
	add(&resource{acct: a, arn: arn("es", a, "domain/search-staging"), name: "search-staging", typ: "domain",
		tags:  serviceTags("search", "shop-discovery", "online-shop", "staging", "module.search.aws_opensearch_domain.staging"),
		lines: []usage{{sku: skuOSSmall, base: 24, shape: flat}}})

	// The PCI account, payments' as a whole: nothing there needs a tag.
	a = acctPayments
	pci := tagsJSON("pci", "true", "env", "prod")
	add(instances(a, "payments", "prod", skuM6iLarge, 2, 0, 0, pci)...)
	add(&resource{acct: a, arn: arn("rds", a, "db:payments-vault"), name: "payments-vault", typ: "db", tags: pci,
		lines: []usage{{sku: skuRDSm6g, base: 24, shape: flat}, {sku: skuRDSgp3, base: 100.0 / 30, shape: storage}}})
	add(&resource{acct: a, arn: arn("kms", a, "key/3b8e2f71-9c4d-4a6e-b1f0-5d7c9e2a4b68"), name: "payments-card-data", typ: "key",
		lines: []usage{{sku: skuKMSKey, base: 6.0 / 30, shape: flat}, {sku: skuKMSReq, base: 150_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("ec2", a, "natgateway/"), idKind: "nat", name: "payments-egress", typ: "natgateway",
		lines: []usage{{sku: skuNATHour, base: 24, shape: flat}, {sku: skuNATBytes, base: 15, shape: shop}}})

	// The legacy search's old account, legacy-search's as a whole.
	a = acctLegacy
	add(instances(a, "solr", "prod", skuR5Large, 2, 0, 0, "")...)
	add(volume(a, "solr-data-1", skuGP2, 200, ""), volume(a, "solr-data-2", skuGP2, 200, ""))

	// Membership.
	a = acctMembership
	add(instances(a, "membership-api", "prod", skuC6gLarge, 2, 0, 0,
		serviceTags("membership-api", "membership", "membership-app", "prod", "module.membership_api", asg("membership-api-prod")...))...)
	add(&resource{acct: a, arn: arn("elasticloadbalancing", a, "loadbalancer/app/membership/7a2c9e4f1b3d5a60"), name: "membership", typ: "loadbalancer",
		tags:  serviceTags("membership-api", "membership", "membership-app", "prod", "module.membership_api.aws_lb.public"),
		lines: []usage{{sku: skuALBHour, base: 24, shape: flat}, {sku: skuALBLCU, base: 12, shape: shop}}})
	add(bucket(a, "acme-membership-web-prod", 20, 500, 800_000, serviceTags("membership-web", "membership", "membership-app", "prod", "module.membership_web.aws_s3_bucket.site")))
	add(&resource{acct: a, arn: "arn:aws:cloudfront::" + a.id + ":distribution/E1M7BQX4ZK2P9D", name: "plus.acme.example", typ: "distribution", global: true,
		tags:  serviceTags("membership-web", "membership", "membership-app", "prod", "module.membership_web.aws_cloudfront_distribution.plus"),
		lines: []usage{{sku: skuCFOut, base: 8, shape: shop}, {sku: skuCFReq, base: 250_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("rds", a, "db:billing-prod"), name: "billing-prod", typ: "db",
		tags:  serviceTags("billing", "membership", "membership-app", "prod", "module.billing.aws_db_instance.main"),
		lines: []usage{{sku: skuRDSt4g, base: 24, shape: flat}, {sku: skuRDSgp3, base: 50.0 / 30, shape: storage}}})
	add(instances(a, "billing", "prod", skuT3Medium, 1, 0, 0, serviceTags("billing", "membership", "membership-app", "prod", "module.billing", asg("billing-prod")...))...)
	add(&resource{acct: a, arn: arn("lambda", a, "function:renewals-nightly"), name: "renewals-nightly", typ: "function",
		tags:  serviceTags("renewals", "membership", "membership-app", "prod", "module.renewals.aws_lambda_function.nightly"),
		lines: []usage{{sku: skuLambdaReq, base: 40_000, shape: office}, {sku: skuLambdaGBs, base: 40_000, shape: office}}})

	// The data account: warehouse's as a whole, event ingest, ETL and
	// reporting claimed more precisely.
	a = acctData
	ingest := serviceTags("event-ingest", "data-platform", "data-platform", "prod", "module.event_ingest")
	add(&resource{acct: a, arn: arn("kinesis", a, "stream/events-clickstream"), name: "events-clickstream", typ: "stream", tags: ingest, anomaly: true,
		lines: []usage{{sku: skuKinesisHr, base: 24, shape: flat}, {sku: skuKinesisIn, base: 20, shape: shop}, {sku: skuKinesisOut, base: 40, shape: shop}}})
	add(&resource{acct: a, arn: arn("kinesis", a, "stream/events-app-telemetry"), name: "events-app-telemetry", typ: "stream", tags: ingest, anomaly: true,
		lines: []usage{{sku: skuKinesisHr, base: 24, shape: flat}, {sku: skuKinesisIn, base: 8, shape: shop}, {sku: skuKinesisOut, base: 16, shape: shop}}})
	add(&resource{acct: a, arn: arn("kinesis", a, "stream/events-orders"), name: "events-orders", typ: "stream", tags: ingest,
		lines: []usage{{sku: skuKinesisHr, base: 24, shape: flat}, {sku: skuKinesisIn, base: 3, shape: shop}, {sku: skuKinesisOut, base: 9, shape: shop}}})
	raw := bucket(a, "acme-events-raw-eu-west-1", 1500, 100_000, 0, ingest)
	raw.anomaly = true
	add(raw)
	add(&resource{acct: a, arn: arn("firehose", a, "deliverystream/events-to-s3"), name: "events-to-s3", typ: "deliverystream", tags: ingest,
		lines: []usage{{sku: skuFirehose, base: 30, shape: shop}}})

	add(&resource{acct: a, arn: arn("redshift", a, "cluster:acme-warehouse"), name: "acme-warehouse", typ: "cluster",
		lines: []usage{{sku: skuRedshift, base: 24, shape: flat}, {sku: skuRMS, base: 2000.0 / 30, shape: storage}}})
	add(&resource{acct: a, arn: arn("glue", a, "job/warehouse-nightly-load"), name: "warehouse-nightly-load", typ: "job",
		lines: []usage{{sku: skuGlue, base: 4, shape: office}}})
	add(bucket(a, "acme-warehouse-unload", 600, 30_000, 40_000, ""))
	add(&resource{acct: a, arn: arn("eks", a, "cluster/data-platform"), name: "data-platform", typ: "cluster",
		lines: []usage{{sku: skuEKS, base: 24, shape: flat}}})
	add(instances(a, "data-platform-node", "prod", skuM6iLarge, 1, 0, 0, "")...)
	add(&resource{acct: a, arn: arn("airflow", a, "environment/etl-prod"), name: "etl-prod", typ: "environment",
		tags:  serviceTags("etl-scheduler", "data-platform", "data-platform", "prod", "module.airflow.aws_mwaa_environment.prod"),
		lines: []usage{{sku: skuMWAA, base: 24, shape: flat}}})
	workers := instances(a, "airflow-worker", "prod", skuM6iXLarge, 0, 3, 10,
		serviceTags("etl-scheduler", "data-platform", "data-platform", "prod", "module.airflow", asg("airflow-worker-prod")...))
	for _, w := range workers {
		w.lines[0].shape = weekdays // the nightly loads run on business days
	}
	add(workers...)
	add(instances(a, "reporting", "prod", skuT3Large, 1, 0, 0, serviceTags("reporting", "data-platform", "data-platform", "prod", "module.reporting", asg("reporting-prod")...))...)

	// The tooling account, observability's as a whole.
	a = acctTooling
	add(instances(a, "observability", "prod", skuM6gLarge, 3, 0, 0, tagsJSON("env", "prod", "team", "sre"))...)
	add(volume(a, "prometheus-data", skuGP3, 300, ""), volume(a, "loki-index", skuGP3, 100, ""), volume(a, "grafana-data", skuGP3, 20, ""))
	add(bucket(a, "acme-loki-chunks", 2000, 150_000, 100_000, ""))
	add(&resource{acct: a, lines: []usage{{sku: skuMetrics, base: 150.0 / 30, shape: flat}}}) // metrics have no resource id

	// SRE's shared platform account: the API gateway, the shared Postgres
	// clusters, and the shared Kubernetes cluster nobody tagged.
	a = acctPlatform
	add(instances(a, "api-gateway", "prod", skuC6gLarge, 3, 0, 0,
		serviceTags("api-gateway", "sre", "platform", "prod", "module.api_gateway", asg("api-gateway-prod")...))...)
	add(&resource{acct: a, arn: arn("elasticloadbalancing", a, "loadbalancer/net/api-gateway/4d8b1f6e2a9c3e57"), name: "api-gateway", typ: "loadbalancer",
		tags:  serviceTags("api-gateway", "sre", "platform", "prod", "module.api_gateway.aws_lb.nlb"),
		lines: []usage{{sku: skuNLBHour, base: 24, shape: flat}, {sku: skuNLBLCU, base: 30, shape: shop}}})
	add(&resource{acct: a, arn: arn("rds", a, "cluster:postgres-shared-prod"), name: "postgres-shared-prod", typ: "cluster",
		lines: []usage{{sku: skuAuroraT4g, base: 48, shape: flat}, {sku: skuAuroraGB, base: 300.0 / 30, shape: storage},
			{sku: skuAuroraIO, base: 6_000_000, shape: shop}}})
	add(&resource{acct: a, arn: arn("rds", a, "cluster:postgres-shared-staging"), name: "postgres-shared-staging", typ: "cluster",
		lines: []usage{{sku: skuAuroraT4g, base: 24, shape: flat}, {sku: skuAuroraGB, base: 40.0 / 30, shape: storage}}})
	add(&resource{acct: a, arn: arn("eks", a, "cluster/platform-prod"), name: "platform-prod", typ: "cluster", cluster: true,
		lines: []usage{{sku: skuEKS, base: 24, shape: flat}}})
	nodes := instances(a, "platform-prod-node", "general", skuM6iXLarge, 3, 1, 14, "")
	for i, n := range nodes {
		n.cluster = true
		n.name = fmt.Sprintf("platform-prod-general-%d", i+1)
		n.lines = append(n.lines, usage{sku: skuInterAZ, base: 25, shape: shop})
		add(n, volume(a, fmt.Sprintf("platform-prod-general-%d-root", i+1), skuGP3, 100, ""))
		rs[len(rs)-1].cluster = true
	}
	add(logGroup(a, "/aws/eks/platform-prod/cluster", 0.6, 50, ""))
	rs[len(rs)-1].cluster = true

	// The management account: Cost Explorer's API, read by the FinOps
	// tooling.
	add(&resource{acct: acctPayer, global: true, lines: []usage{{sku: skuCostAPI, base: 40, shape: office}}})
	return rs
}

// The Compute Savings Plan, bought by the management account for the
// whole organisation: 1 year, no upfront, a fixed commitment an hour.
const (
	spID         = "arn:aws:savingsplans::204718593026:savingsplan/6f0c2b9e-3d71-4a58-9e2f-b14c7d8a5e39"
	spName       = "Compute Savings Plan 1yr No Upfront (2025-11)"
	spCommitment = "2.60" // USD an hour, at Savings Plans rates
)

var (
	skuSPFee    = newSKU(pSavings, "ComputeSP:1yrNoUpfront", "1 year No Upfront Compute Savings Plan with $"+spCommitment+" hourly commitment", "Hours", spCommitment, 0)
	skuSPUnused = newSKU(pSavings, "ComputeSP:1yrNoUpfront-Unused", "Unused commitment of the Compute Savings Plan", "USD", "1", 10)
)

// anomalyFactor multiplies the usage of the anomaly's resources on its
// day: a mobile app release sent its telemetry in a retry loop.
const anomalyFactor = 15

// billingWindow is what the billing data covers.
type billingWindow struct {
	start, cutoff time.Time // first day, and the midnight that ends the last
	anomaly       time.Time // the day of the cost anomaly
	months        []time.Time
}

func newBillingWindow(end time.Time, months int) billingWindow {
	cutoff := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
	last := cutoff.AddDate(0, 0, -1)
	first := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(months - 1), 0)
	w := billingWindow{start: first, cutoff: cutoff, anomaly: billingAnomalyDay(end)}
	for m := first; m.Before(cutoff); m = m.AddDate(0, 1, 0) {
		w.months = append(w.months, m)
	}
	return w
}

// billingAnomalyDay is the day of the cost anomaly: three weeks before
// the end day, or a day later when that is the first of a month, so that it
// is not mixed up with the month's tax and Savings Plan charges.
func billingAnomalyDay(end time.Time) time.Time {
	d := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -21)
	if d.Day() == 1 {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// instance is one copy of a resource (-billing-scale copies each), with
// its id and name.
type instance struct {
	r        *resource
	copy     int
	id, name string
	hash     uint64 // of the account, id, name and copy, for the noise
}

func (r *resource) instance(copy int) instance {
	in := instance{r: r, copy: copy, id: r.arn, name: r.name}
	suffix := ""
	if copy > 0 {
		suffix = "-" + strconv.Itoa(copy)
	}
	switch {
	case r.idKind != "":
		h := mix(fnv(r.acct.id+"/"+r.name) + uint64(copy))
		in.id = fmt.Sprintf("%s%s-0%016x", r.arn, r.idKind, h)
	case r.arn != "":
		in.id = r.arn + suffix
	}
	if in.name != "" {
		in.name += suffix
	}
	in.hash = fnv(r.acct.id + "/" + in.id + "/" + r.name + "#" + strconv.Itoa(copy))
	return in
}

// billingResult sums up what was written.
type billingResult struct {
	files     []string
	rows      int
	bytes     int64
	effective []money // by month
	days      []int   // by month
}

// writeBilling writes one FOCUS file a billing period into
// DIR/billing/focus, replacing what was there.
func writeBilling(c config) (billingResult, error) {
	root := filepath.Join(c.out, "billing", "focus")
	if err := os.RemoveAll(root); err != nil {
		return billingResult{}, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return billingResult{}, err
	}
	w := newBillingWindow(c.end, c.billingMonths)
	inv := inventory()
	for _, r := range inv {
		r.quoted = string(appendField(nil, r.tags))
	}
	var insts []instance
	for k := range c.billingScale {
		for _, r := range inv {
			insts = append(insts, r.instance(k))
		}
	}
	res := billingResult{files: make([]string, len(w.months)), effective: make([]money, len(w.months)), days: make([]int, len(w.months))}
	rows := make([]int, len(w.months))
	sizes := make([]int64, len(w.months))
	errs := make([]error, len(w.months))
	sem := make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	var wg sync.WaitGroup
	for i, m := range w.months {
		ext := ".csv.gz"
		if !c.billingGzip {
			ext = ".csv"
		}
		res.files[i] = filepath.Join(root, m.Format("2006-01")+ext)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			g := &monthGen{c: c, w: w, month: m, insts: insts}
			rows[i], sizes[i], errs[i] = g.write(res.files[i])
			res.effective[i], res.days[i] = g.effective, g.days
		})
	}
	wg.Wait()
	for i := range w.months {
		if errs[i] != nil {
			return res, errs[i]
		}
		res.rows += rows[i]
		res.bytes += sizes[i]
	}
	return res, nil
}

// monthGen writes one billing period.
type monthGen struct {
	c     config
	w     billingWindow
	month time.Time
	insts []instance

	b                      []byte
	periodStart, periodEnd string
	invoice                string
	dayStart, dayEnd       string
	rows                   int
	// tax bases: by account and product
	base      [][]taxBase
	effective money
	days      int
}

type taxBase struct{ billed, effective, list, contracted money }

// charge is one row.
type charge struct {
	category, frequency, pricing string // ChargeCategory, ChargeFrequency, PricingCategory
	desc                         string
	start, end                   string
	acct                         *awsAccount
	in                           *instance // nil: no resource
	p                            *product
	sku                          *sku // nil for tax and credits
	priceID                      string
	billed, effective            money
	list, contracted             money
	unitPrice                    money // list and contracted unit price (no negotiated discounts); valid with sku
	pq                           quantity
	consumed                     bool   // ConsumedQuantity = PricingQuantity
	cd                           string // "", "Purchase", "Used", "Unused"
	cdQty                        money
}

func (g *monthGen) write(path string) (rows int, size int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	var out io.Writer = bw
	var zw *gzip.Writer
	if g.c.billingGzip {
		zw, _ = gzip.NewWriterLevel(bw, gzip.BestSpeed) // no name and no time in the header: reproducible bytes
		out = zw
	}
	if err := g.generate(out); err != nil {
		f.Close()
		return 0, 0, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			f.Close()
			return 0, 0, err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	return g.rows, cw.n, f.Close()
}

const rfc3339Z = "2006-01-02T15:04:05Z"

func (g *monthGen) generate(out io.Writer) error {
	pStart, pEnd := g.month, g.month.AddDate(0, 1, 0)
	g.periodStart, g.periodEnd = pStart.Format(rfc3339Z), pEnd.Format(rfc3339Z)
	if !pEnd.AddDate(0, 0, 2).After(g.c.end) {
		// Issued on the 2nd of the next month; until then the InvoiceId is
		// empty, as in AWS's exports.
		g.invoice = strconv.FormatUint(1_000_000_000+mix(uint64(pStart.Unix()))%9_000_000_000, 10)
	}
	g.base = make([][]taxBase, len(accounts))
	for i := range g.base {
		g.base[i] = make([]taxBase, len(awsProducts))
	}
	g.b = make([]byte, 0, 1<<20)
	for i, h := range focusHeader {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		g.b = append(g.b, h...)
	}
	g.b = append(g.b, '\n')

	scale := int64(g.c.billingScale)
	hourly := usd(spCommitment) * money(scale)
	hours := int64(pEnd.Sub(pStart) / time.Hour)
	// The Savings Plan's fee for the month, billed in full at its start;
	// its EffectiveCost is 0: the usage it covers carries it.
	fee := times(skuSPFee.price*money(scale), quantity{v: hours, scale: 0})
	g.emit(&charge{category: "Purchase", frequency: "Recurring", pricing: "Standard", desc: skuSPFee.desc,
		start: g.periodStart, end: g.periodEnd, acct: acctPayer, in: &spInstance, p: pSavings, sku: skuSPFee, priceID: skuSPFee.priceID,
		billed: fee, list: fee, contracted: fee, unitPrice: hourly, pq: quantity{v: hours}, cd: "Purchase", cdQty: fee})

	end := pEnd
	if g.w.cutoff.Before(end) {
		end = g.w.cutoff
	}
	var eligible []spUse
	for day := pStart; day.Before(end); day = day.AddDate(0, 0, 1) {
		g.days++
		g.dayStart, g.dayEnd = day.Format(rfc3339Z), day.AddDate(0, 0, 1).Format(rfc3339Z)
		dayIdx := int(day.Sub(g.w.start) / (24 * time.Hour))
		eligible = eligible[:0]
		for i := range g.insts {
			in := &g.insts[i]
			for j := range in.r.lines {
				u := &in.r.lines[j]
				q := g.quantity(in, j, u, day, dayIdx)
				if q.v <= 0 {
					continue
				}
				if u.sku.spRate > 0 {
					eligible = append(eligible, spUse{in: in, sku: u.sku, q: q})
					continue
				}
				g.usage(in, u.sku, q)
			}
		}
		g.applySavingsPlan(eligible, hourly*24)
		if len(g.b) > 512<<10 {
			if _, err := out.Write(g.b); err != nil {
				return err
			}
			g.b = g.b[:0]
		}
	}

	cutoff := end.Format(rfc3339Z)
	if len(g.w.months) >= 2 && g.month.Equal(g.w.months[len(g.w.months)-2]) {
		// A promotional credit, applied to the management account.
		credit := -usd("120") * money(scale)
		g.emit(&charge{category: "Credit", frequency: "One-Time", desc: "AWS Promotional Credit: Graviton migration program",
			start: g.periodStart, end: g.periodEnd, acct: acctPayer, p: pEC2,
			billed: credit, effective: credit, list: credit, contracted: credit})
	}
	// Tax on each account's charges of each service, computed on each cost
	// of those charges.
	for _, a := range accounts {
		for _, p := range awsProducts {
			tb := g.base[a.idx][p.idx]
			t := charge{category: "Tax", frequency: "Recurring", desc: "Tax for product code " + p.name,
				start: g.periodStart, end: cutoff, acct: a, p: p,
				billed: percentOf(tb.billed, taxPercent), effective: percentOf(tb.effective, taxPercent),
				list: percentOf(tb.list, taxPercent), contracted: percentOf(tb.contracted, taxPercent)}
			if t.billed == 0 && t.effective == 0 && t.list == 0 {
				continue
			}
			g.emit(&t)
		}
	}
	_, err := out.Write(g.b)
	return err
}

// spInstance is the Savings Plan as a resource: its purchase and unused
// rows carry its id.
var spInstance = instance{r: &resource{acct: acctPayer, typ: "Savings Plan", global: true}, id: spID, name: spName}

type spUse struct {
	in  *instance
	sku *sku
	q   quantity
}

// applySavingsPlan covers eligible usage with a day's commitment, in the
// order AWS applies a Savings Plan (the largest discount first), and writes
// Used rows, on-demand rows for what it does not cover and an Unused row
// for what is left of the commitment.
func (g *monthGen) applySavingsPlan(uses []spUse, commitment money) {
	slices.SortStableFunc(uses, func(a, b spUse) int {
		// discount = 1 - rate/price; compare rate/price across SKUs
		x, y := float64(a.sku.spRate)/float64(a.sku.price), float64(b.sku.spRate)/float64(b.sku.price)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	left := commitment
	for _, u := range uses {
		cost := times(u.sku.spRate, u.q)
		switch {
		case left >= cost:
			g.used(u, u.q, cost)
			left -= cost
		case left > 0:
			// Part of the hours: the Savings Plan covers what it can.
			rate := int64(u.sku.spRate)
			covered := quantity{v: int64(left)/rate*pow10[hourScale] + int64(left)%rate*pow10[hourScale]/rate, scale: hourScale}
			if covered.v < pow10[hourScale]/100 {
				// Less than 36 seconds: left unused rather than a row of
				// nothing.
				g.usage(u.in, u.sku, u.q)
				continue
			}
			g.used(u, covered, left)
			left = 0
			g.usage(u.in, u.sku, quantity{v: u.q.v - covered.v, scale: hourScale})
		default:
			g.usage(u.in, u.sku, u.q)
		}
	}
	if left > 0 {
		g.emit(&charge{category: "Usage", frequency: "Usage-Based", pricing: "Committed", desc: skuSPUnused.desc,
			start: g.dayStart, end: g.dayEnd, acct: acctPayer, in: &spInstance, p: pSavings, sku: skuSPUnused, priceID: skuSPUnused.priceID,
			effective: left, list: left, contracted: left, unitPrice: skuSPUnused.price, pq: quantity{v: int64(left), scale: 10},
			cd: "Unused", cdQty: left})
	}
}

// usage writes an on-demand usage row.
func (g *monthGen) usage(in *instance, s *sku, q quantity) {
	cost := times(s.price, q)
	g.emit(&charge{category: "Usage", frequency: "Usage-Based", pricing: "Standard", desc: s.desc,
		start: g.dayStart, end: g.dayEnd, acct: in.r.acct, in: in, p: s.p, sku: s, priceID: s.priceID,
		billed: cost, effective: cost, list: cost, contracted: cost, unitPrice: s.price, pq: q, consumed: true})
}

// used writes usage the Savings Plan covers: nothing billed, the
// commitment it consumed as EffectiveCost.
func (g *monthGen) used(u spUse, q quantity, effective money) {
	list := times(u.sku.price, q)
	g.emit(&charge{category: "Usage", frequency: "Usage-Based", pricing: "Committed", desc: u.sku.desc,
		start: g.dayStart, end: g.dayEnd, acct: u.in.r.acct, in: u.in, p: u.sku.p, sku: u.sku, priceID: u.sku.spPriceID,
		effective: effective, list: list, contracted: list, unitPrice: u.sku.price, pq: q, consumed: true,
		cd: "Used", cdQty: effective})
}

// quantity is how much of a usage type an instance used on a day.
func (g *monthGen) quantity(in *instance, line int, u *usage, day time.Time, dayIdx int) quantity {
	q := u.base
	if u.shape != flat {
		n := unitNoise(g.c.seed, uint64(line), in.hash, uint64(day.Unix()))
		growth := 1 + 0.0015*float64(dayIdx)
		switch u.shape {
		case shop:
			q *= growth * dayFactor[day.Weekday()] * (0.93 + 0.14*n)
		case office:
			f := 1.12
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				f = 0.70
			}
			q *= growth * f * (0.9 + 0.2*n)
		case storage:
			q *= 1 + 0.002*float64(dayIdx) + 0.01*n
		case weekdays:
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				q = 0
			}
			q *= growth * (0.9 + 0.2*n)
		}
		if in.r.anomaly && day.Equal(g.w.anomaly) {
			q *= anomalyFactor
		}
	}
	if u.cap > 0 && q > u.cap {
		q = u.cap
	}
	return quantity{v: int64(math.Round(q * float64(pow10[u.sku.scale]))), scale: u.sku.scale}
}

// unitNoise is a number in [0, 1) from the seed and a few numbers.
func unitNoise(seed uint64, a, b, c uint64) float64 {
	return float64(mix(seed^mix(a^mix(b^mix(c))))>>11) / (1 << 53)
}

// emit appends one row in focusHeader's order, and adds it to the tax
// bases and totals. An empty field is null.
func (g *monthGen) emit(c *charge) {
	if c.category != "Tax" && c.category != "Credit" {
		tb := &g.base[c.acct.idx][c.p.idx]
		tb.billed += c.billed
		tb.effective += c.effective
		tb.list += c.list
		tb.contracted += c.contracted
	}
	g.effective += c.effective
	g.rows++
	b := g.b

	// BilledCost … BillingPeriodStart
	b = appendMoney(b, c.billed)
	b = append(b, ',')
	b = append(b, acctPayer.id+","+billingAccountName+","+acctPayer.typ+",USD,"...)
	b = append(b, g.periodEnd...)
	b = append(b, ',')
	b = append(b, g.periodStart...)
	b = append(b, ',')

	// ChargeCategory, ChargeClass (null: no corrections), ChargeDescription,
	// ChargeFrequency, ChargePeriodEnd, ChargePeriodStart
	b = append(b, c.category...)
	b = append(b, ',', ',')
	b = appendField(b, c.desc)
	b = append(b, ',')
	b = append(b, c.frequency...)
	b = append(b, ',')
	b = append(b, c.end...)
	b = append(b, ',')
	b = append(b, c.start...)
	b = append(b, ',')

	// CommitmentDiscountCategory, Id, Name, Quantity, Status, Type, Unit
	if c.cd != "" {
		b = append(b, "Spend,"+spID+","+spName+","...)
		b = appendMoney(b, c.cdQty)
		b = append(b, ',')
		if c.cd != "Purchase" {
			b = append(b, c.cd...)
		}
		b = append(b, ",Savings Plan,USD,"...)
	} else {
		b = append(b, ",,,,,,,"...)
	}

	// ConsumedQuantity, ConsumedUnit, ContractedCost, ContractedUnitPrice,
	// EffectiveCost, InvoiceId, InvoiceIssuerName, ListCost, ListUnitPrice
	if c.consumed {
		b = appendQuantity(b, c.pq)
		b = append(b, ',')
		b = append(b, c.sku.unit...)
	} else {
		b = append(b, ',')
	}
	b = append(b, ',')
	b = appendMoney(b, c.contracted)
	b = append(b, ',')
	if c.sku != nil {
		b = appendMoney(b, c.unitPrice)
	}
	b = append(b, ',')
	b = appendMoney(b, c.effective)
	b = append(b, ',')
	b = append(b, g.invoice...)
	b = append(b, ","+invoiceIssuerCSV+","...)
	b = appendMoney(b, c.list)
	b = append(b, ',')
	if c.sku != nil {
		b = appendMoney(b, c.unitPrice)
	}
	b = append(b, ',')

	// PricingCategory, PricingCurrency, PricingQuantity, PricingUnit,
	// ProviderName, PublisherName, RegionId, RegionName
	b = append(b, c.pricing...)
	b = append(b, ",USD,"...)
	if c.sku != nil {
		b = appendQuantity(b, c.pq)
		b = append(b, ',')
		b = append(b, c.sku.unit...)
	} else {
		b = append(b, ',')
	}
	b = append(b, ",AWS,"+invoiceIssuerCSV+","...)
	if c.in != nil && !c.in.r.global {
		b = append(b, awsRegion+","+awsRegionName+","...)
	} else {
		b = append(b, ',', ',')
	}

	// ResourceId, ResourceName, ResourceType
	if c.in != nil && c.in.id != "" {
		b = appendField(b, c.in.id)
		b = append(b, ',')
		b = appendField(b, c.in.name)
		b = append(b, ',')
		b = append(b, c.in.r.typ...)
		b = append(b, ',')
	} else {
		b = append(b, ',', ',', ',')
	}

	// ServiceCategory, ServiceName, ServiceSubcategory, SkuId, SkuPriceId
	b = append(b, c.p.category...)
	b = append(b, ',')
	b = append(b, c.p.name...)
	b = append(b, ',')
	b = append(b, c.p.subcategory...)
	b = append(b, ',')
	if c.sku != nil {
		b = append(b, c.sku.id...)
		b = append(b, ',')
		b = append(b, c.priceID...)
	} else {
		b = append(b, ',')
	}
	b = append(b, ',')

	// SubAccountId, SubAccountName, SubAccountType, Tags
	b = append(b, c.acct.id...)
	b = append(b, ',')
	b = append(b, c.acct.name...)
	b = append(b, ',')
	b = append(b, c.acct.typ...)
	b = append(b, ',')
	if c.in != nil && c.in.r.tags != "" {
		b = append(b, c.in.r.quoted...)
	}
	g.b = append(b, '\n')
}

// appendField appends a CSV field, quoted when it must be.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\",\n\r") {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func printBilling(w io.Writer, c config, res billingResult, took time.Duration) {
	win := newBillingWindow(c.end, c.billingMonths)
	kind := "MB"
	if c.billingGzip {
		kind = "MB gzip"
	}
	fmt.Fprintf(w, "gen: %s: %d files, %d rows, %.1f %s, %s to %s, in %s\n",
		filepath.Join(c.out, "billing", "focus"), len(res.files), res.rows, float64(res.bytes)/1e6, kind,
		win.start.Format(time.DateOnly), win.cutoff.AddDate(0, 0, -1).Format(time.DateOnly), took.Round(10*time.Millisecond))
	var months []string
	for i, m := range win.months {
		months = append(months, fmt.Sprintf("%s %.2f USD (%d days)", m.Format("2006-01"), float64(res.effective[i])/moneyUnit, res.days[i]))
	}
	fmt.Fprintf(w, "gen: effective cost %s\n", strings.Join(months, ", "))
	if !win.anomaly.Before(win.start) {
		fmt.Fprintf(w, "gen: cost anomaly %s: event-ingest's Kinesis streams events-clickstream and events-app-telemetry and bucket acme-events-raw-eu-west-1 use %d times as much as usual\n",
			win.anomaly.Format(time.DateOnly), anomalyFactor)
	}
}
