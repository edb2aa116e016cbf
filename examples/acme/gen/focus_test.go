package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/ownership"
)

// billingFiles generates the billing data alone and returns its files,
// sorted.
func billingFiles(t *testing.T, args ...string) (string, []string) {
	t.Helper()
	dir := generate(t, append([]string{"-logs=false"}, args...)...)
	files, err := filepath.Glob(filepath.Join(dir, "billing", "focus", "*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return dir, files
}

// billedRow is what the tests keep of a row.
type billedRow struct {
	focus.Row
	service, team string // allocated as kiban cost import does
}

// readBilling reads files with internal/focus, as kiban cost import does,
// and fails on any error, tolerated quirk or unknown column.
func readBilling(t *testing.T, res *ownership.Resolver, files ...string) []billedRow {
	t.Helper()
	var rows []billedRow
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := focus.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := rd.Columns(); !slices.Equal(got, focusHeader) {
			t.Errorf("%s: header %v", name, got)
		}
		if v := rd.Version(); v != "1.2" {
			t.Errorf("%s: FOCUS version %s, want 1.2", name, v)
		}
		for {
			row, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			r := billedRow{Row: *row}
			if res != nil {
				r.service, r.team = allocate(t, res, row)
			}
			rows = append(rows, r)
		}
		if tol := rd.Tolerated(); len(tol) > 0 {
			t.Errorf("%s: the reader tolerated %+v; want a clean FOCUS file", name, tol)
		}
		f.Close()
	}
	return rows
}

// allocate finds a row's service as internal/cost does: by resource id,
// tags, then the sub-account, then the billing account.
func allocate(t *testing.T, res *ownership.Resolver, row *focus.Row) (string, string) {
	tags, err := focus.ParseTags(row.Tags)
	if err != nil {
		t.Fatalf("line %d: %v", row.Line, err)
	}
	for _, account := range []string{row.SubAccountID, row.BillingAccountID} {
		if m, ok := res.Resource(ownership.Resource{Account: account, Tags: tags, ID: row.ResourceID}); ok {
			return m.Service, m.Team
		}
	}
	return "", ""
}

func loadAcme(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(context.Background(), filepath.Join("..", "..", "acme"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func usdString(d decimal.Decimal) string { return d.StringFixed(2) }

// TestBilling checks the billing data's shape: three billing periods up to
// -end, allocation through the catalog, the untagged cluster, the Savings
// Plan, the anomaly and the monthly totals the README promises.
func TestBilling(t *testing.T) {
	end, _ := time.Parse(time.RFC3339, testEnd)
	cutoff := time.Date(2026, 5, 14, 0, 0, 0, 0, time.UTC)
	_, files := billingFiles(t, "-end", testEnd)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"2026-03.csv.gz", "2026-04.csv.gz", "2026-05.csv.gz"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}

	c := loadAcme(t)
	rows := readBilling(t, ownership.New(c), files...)
	t.Logf("%d rows", len(rows))

	zero := decimal.Zero
	var total decimal.Decimal
	monthly := map[string]decimal.Decimal{}
	byTeam := map[string]decimal.Decimal{}
	byService := map[string]decimal.Decimal{}
	var cluster, unallocated decimal.Decimal
	var lastUsageEnd time.Time
	periods := map[time.Time]bool{}
	purchases := map[string]decimal.Decimal{} // billing period → Purchase BilledCost
	commitmentUsed := map[string]decimal.Decimal{}
	var used, unused, taxes, credits int
	ingestDaily := map[time.Time]decimal.Decimal{}
	ingestByResource := map[string]map[time.Time]decimal.Decimal{}
	for _, r := range rows {
		period := r.BillingPeriodStart.Format("2006-01")
		periods[r.BillingPeriodStart] = true
		if !r.BillingPeriodEnd.Equal(r.BillingPeriodStart.AddDate(0, 1, 0)) || r.BillingPeriodStart.Day() != 1 {
			t.Fatalf("line %d: billing period %s to %s; want a calendar month", r.Line, r.BillingPeriodStart, r.BillingPeriodEnd)
		}
		if r.BillingCurrency != "USD" || r.ProviderName != "AWS" || r.BillingAccountID != acctPayer.id {
			t.Fatalf("line %d: currency %q, provider %q, billing account %q", r.Line, r.BillingCurrency, r.ProviderName, r.BillingAccountID)
		}
		total = total.Add(r.EffectiveCost)
		monthly[period] = monthly[period].Add(r.EffectiveCost)
		byTeam[r.team] = byTeam[r.team].Add(r.EffectiveCost)
		byService[r.service] = byService[r.service].Add(r.EffectiveCost)
		if r.service == "" {
			unallocated = unallocated.Add(r.EffectiveCost)
		}

		if r.SubAccountID == acctPlatform.id && r.Tags == "" && strings.Contains(r.ResourceName, "platform-prod") {
			cluster = cluster.Add(r.EffectiveCost)
			if r.service != "" {
				t.Errorf("line %d: the untagged cluster's %s is allocated to %s", r.Line, r.ResourceName, r.service)
			}
		}

		switch r.ChargeCategory {
		case "Usage":
			if r.ChargePeriodEnd.Sub(r.ChargePeriodStart) != 24*time.Hour || r.ChargePeriodStart.Hour() != 0 {
				t.Fatalf("line %d: charge period %s to %s; want one day", r.Line, r.ChargePeriodStart, r.ChargePeriodEnd)
			}
			if r.ChargePeriodEnd.After(lastUsageEnd) {
				lastUsageEnd = r.ChargePeriodEnd
			}
			if r.ListCost.LessThan(r.ContractedCost) || r.ContractedCost.LessThan(r.EffectiveCost) {
				t.Fatalf("line %d: list %s, contracted %s, effective %s; want list ≥ contracted ≥ effective", r.Line, r.ListCost, r.ContractedCost, r.EffectiveCost)
			}
			switch r.CommitmentDiscountStatus {
			case "":
				if r.PricingCategory != "Standard" || !r.BilledCost.Equal(r.EffectiveCost) || r.CommitmentDiscountID != "" {
					t.Fatalf("line %d: on-demand usage: pricing %q, billed %s, effective %s, commitment %q", r.Line, r.PricingCategory, r.BilledCost, r.EffectiveCost, r.CommitmentDiscountID)
				}
			case "Used":
				used++
				if !r.BilledCost.IsZero() || !r.EffectiveCost.IsPositive() || !r.ListCost.GreaterThan(r.EffectiveCost) ||
					r.PricingCategory != "Committed" || r.CommitmentDiscountID != spID || r.ServiceName != pEC2.name ||
					!r.CommitmentDiscountQuantity.Equal(r.EffectiveCost) || r.CommitmentDiscountUnit != "USD" {
					t.Fatalf("line %d: covered usage: %+v", r.Line, r.Row)
				}
				commitmentUsed[period] = commitmentUsed[period].Add(r.EffectiveCost)
			case "Unused":
				unused++
				if !r.BilledCost.IsZero() || !r.EffectiveCost.IsPositive() || r.PricingCategory != "Committed" ||
					r.ResourceID != spID || r.CommitmentDiscountID != spID || !r.ConsumedQuantity.IsZero() || r.ConsumedUnit != "" {
					t.Fatalf("line %d: unused commitment: %+v", r.Line, r.Row)
				}
				commitmentUsed[period] = commitmentUsed[period].Add(r.EffectiveCost)
			default:
				t.Fatalf("line %d: CommitmentDiscountStatus %q", r.Line, r.CommitmentDiscountStatus)
			}
		case "Purchase":
			if r.ChargeFrequency != "Recurring" || r.CommitmentDiscountID != spID || r.ResourceID != spID ||
				r.CommitmentDiscountType != "Savings Plan" || r.CommitmentDiscountCategory != "Spend" || r.CommitmentDiscountStatus != "" ||
				!r.EffectiveCost.IsZero() || !r.BilledCost.IsPositive() || !r.CommitmentDiscountQuantity.Equal(r.BilledCost) {
				t.Fatalf("line %d: Savings Plan purchase: %+v", r.Line, r.Row)
			}
			if _, dup := purchases[period]; dup {
				t.Fatalf("line %d: a second purchase in %s", r.Line, period)
			}
			purchases[period] = r.BilledCost
		case "Tax":
			taxes++
			if r.ResourceID != "" || r.PricingCategory != "" || r.SkuID != "" {
				t.Fatalf("line %d: tax with a resource, pricing category or SKU: %+v", r.Line, r.Row)
			}
		case "Credit":
			credits++
			if !r.BilledCost.IsNegative() || !r.EffectiveCost.Equal(r.BilledCost) || !r.ListCost.Equal(r.BilledCost) {
				t.Fatalf("line %d: credit: %+v", r.Line, r.Row)
			}
		default:
			t.Fatalf("line %d: ChargeCategory %q", r.Line, r.ChargeCategory)
		}

		if r.service == "event-ingest" && r.ChargeCategory == "Usage" {
			ingestDaily[r.ChargePeriodStart] = ingestDaily[r.ChargePeriodStart].Add(r.EffectiveCost)
			m := ingestByResource[r.ResourceID]
			if m == nil {
				m = map[time.Time]decimal.Decimal{}
				ingestByResource[r.ResourceID] = m
			}
			m[r.ChargePeriodStart] = m[r.ChargePeriodStart].Add(r.EffectiveCost)
		}
	}

	// Three billing periods, the last partial up to the end day.
	if len(periods) != 3 {
		t.Errorf("%d billing periods, want 3", len(periods))
	}
	if !lastUsageEnd.Equal(cutoff) || lastUsageEnd.After(end) {
		t.Errorf("usage ends %s, want %s (the midnight before -end %s)", lastUsageEnd, cutoff, end)
	}

	// Every team that owns a service with resources, and every such
	// service, gets cost.
	for _, s := range c.Services {
		r := s.Spec.Resources
		if len(r.Accounts)+len(r.TagMatchers)+len(r.ResourceIDs) == 0 {
			continue
		}
		if !byService[s.Name].IsPositive() {
			t.Errorf("service %s (team %s) gets no cost", s.Name, s.Spec.Owner)
		}
		if !byTeam[s.Spec.Owner].IsPositive() {
			t.Errorf("team %s gets no cost", s.Spec.Owner)
		}
	}
	for team, v := range byTeam {
		t.Logf("team %-16s %10s USD", team, usdString(v))
	}

	// The untagged cluster is a visible share of the bill.
	share := cluster.Div(total).InexactFloat64()
	t.Logf("total %s USD; untagged cluster %s USD (%.1f%%); unallocated %s USD (%.1f%%)", usdString(total),
		usdString(cluster), share*100, usdString(unallocated), unallocated.Div(total).InexactFloat64()*100)
	if share < 0.08 || share > 0.20 {
		t.Errorf("the untagged cluster is %.1f%% of the cost; want 8 to 20%%", share*100)
	}

	// The Savings Plan: a purchase a month, covered usage, and unused
	// commitment on some days; over a complete month the commitment's
	// EffectiveCost (used and unused) is what the purchase billed.
	if len(purchases) != 3 || used == 0 || unused == 0 {
		t.Errorf("%d purchases, %d used rows, %d unused rows; want 3 purchases and both kinds of rows", len(purchases), used, unused)
	}
	for _, p := range []string{"2026-03", "2026-04"} {
		if !purchases[p].Equal(commitmentUsed[p]) {
			t.Errorf("%s: purchase billed %s, used and unused commitment %s; want equal", p, purchases[p], commitmentUsed[p])
		}
	}
	if taxes == 0 || credits != 1 {
		t.Errorf("%d tax rows, %d credits; want tax rows and one credit", taxes, credits)
	}

	// The anomaly: event-ingest costs many times its usual on one day,
	// because of three resources.
	day := billingAnomalyDay(end)
	if want := time.Date(2026, 4, 23, 0, 0, 0, 0, time.UTC); !day.Equal(want) {
		t.Errorf("anomaly on %s, want %s", day, want)
	}
	var others []decimal.Decimal
	for d, v := range ingestDaily {
		if !d.Equal(day) {
			others = append(others, v)
		}
	}
	median := medianOf(others)
	ratio := ingestDaily[day].Div(median).InexactFloat64()
	t.Logf("event-ingest: %s USD on %s, median day %s USD: %.1f×", usdString(ingestDaily[day]), day.Format(time.DateOnly), usdString(median), ratio)
	if ratio < 5 {
		t.Errorf("event-ingest on the anomaly day costs %.1f× its median day; want at least 5×", ratio)
	}
	type contribution struct {
		id   string
		more decimal.Decimal
	}
	var contribs []contribution
	for id, m := range ingestByResource {
		var rest []decimal.Decimal
		for d, v := range m {
			if !d.Equal(day) {
				rest = append(rest, v)
			}
		}
		contribs = append(contribs, contribution{id, m[day].Sub(medianOf(rest))})
	}
	slices.SortFunc(contribs, func(a, b contribution) int { return b.more.Cmp(a.more) })
	var top []string
	for _, c := range contribs[:3] {
		top = append(top, c.id)
	}
	slices.Sort(top)
	want := []string{"arn:aws:kinesis:eu-west-1:719460283147:stream/events-app-telemetry",
		"arn:aws:kinesis:eu-west-1:719460283147:stream/events-clickstream", "arn:aws:s3:::acme-events-raw-eu-west-1"}
	if !slices.Equal(top, want) {
		t.Errorf("the anomaly's top contributors are %v, want %v", top, want)
	}
	if contribs[3].more.GreaterThan(contribs[2].more.Div(decimal.NewFromInt(5))) {
		t.Errorf("the fourth contributor (%s, +%s) is close to the third (+%s)", contribs[3].id, contribs[3].more, contribs[2].more)
	}

	// The totals the README documents: 4,000 to 6,000 USD a complete month.
	for _, p := range []string{"2026-03", "2026-04"} {
		t.Logf("%s: %s USD", p, usdString(monthly[p]))
		if monthly[p].LessThan(decimal.NewFromInt(4000)) || monthly[p].GreaterThan(decimal.NewFromInt(6000)) {
			t.Errorf("%s costs %s USD; want 4,000 to 6,000", p, usdString(monthly[p]))
		}
	}
	if !monthly["2026-05"].GreaterThan(zero) || monthly["2026-05"].GreaterThan(monthly["2026-04"]) {
		t.Errorf("May (13 days) costs %s USD, April %s", usdString(monthly["2026-05"]), usdString(monthly["2026-04"]))
	}
}

func medianOf(v []decimal.Decimal) decimal.Decimal {
	if len(v) == 0 {
		return decimal.Zero
	}
	s := slices.Clone(v)
	slices.SortFunc(s, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	return s[len(s)/2]
}

var (
	timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	decimalRE   = regexp.MustCompile(`^-?\d+(\.\d{1,10})?$`)
)

// TestBillingConformance checks the FOCUS 1.2 rules for the columns
// written, on the raw CSV: nulls, formats, allowed values and the unit
// price × quantity = cost identities.
func TestBillingConformance(t *testing.T) {
	end, _ := time.Parse(time.RFC3339, testEnd)
	_, files := billingFiles(t, "-end", testEnd)
	col := map[string]int{}
	for i, h := range focusHeader {
		col[h] = i
	}
	allowed := map[string][]string{
		"ChargeCategory":             {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
		"ChargeFrequency":            {"One-Time", "Recurring", "Usage-Based"},
		"PricingCategory":            {"", "Standard", "Committed", "Dynamic", "Other"},
		"CommitmentDiscountCategory": {"", "Spend", "Usage"},
		"CommitmentDiscountStatus":   {"", "Used", "Unused"},
		"ChargeClass":                {""},
	}
	categoryOf := map[string]string{}
	var width, n int
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		raw := ungzip(t, data)
		width += len(raw)
		cr := csv.NewReader(bytes.NewReader(raw))
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		complete := !strings.HasSuffix(name, "2026-05.csv.gz")
		for i, rec := range recs[1:] {
			n++
			line := i + 2
			get := func(c string) string { return rec[col[c]] }
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("%s:%d: "+format+"\n%v", append([]any{filepath.Base(name), line}, append(args, rec)...)...)
			}
			for _, c := range []string{"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"} {
				if !timestampRE.MatchString(get(c)) {
					fail("%s %q is not YYYY-MM-DDTHH:MM:SSZ", c, get(c))
				}
			}
			for _, c := range []string{"BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
				"PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity"} {
				if v := get(c); v != "" && !decimalRE.MatchString(v) {
					fail("%s %q is not a plain decimal with at most 10 decimals", c, v)
				}
			}
			for _, c := range []string{"BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingAccountId", "BillingAccountName",
				"BillingAccountType", "BillingCurrency", "ChargeCategory", "ChargeFrequency", "InvoiceIssuerName", "ProviderName",
				"PublisherName", "PricingCurrency", "ServiceName", "ServiceCategory", "ServiceSubcategory", "SubAccountId",
				"SubAccountName", "SubAccountType", "ChargeDescription"} {
				if get(c) == "" {
					fail("%s is null", c)
				}
			}
			for c, vals := range allowed {
				if !slices.Contains(vals, get(c)) {
					fail("%s %q is not an allowed value", c, get(c))
				}
			}
			if prev, ok := categoryOf[get("ServiceName")]; ok && prev != get("ServiceCategory")+"/"+get("ServiceSubcategory") {
				fail("ServiceName %s has categories %s and %s/%s", get("ServiceName"), prev, get("ServiceCategory"), get("ServiceSubcategory"))
			}
			categoryOf[get("ServiceName")] = get("ServiceCategory") + "/" + get("ServiceSubcategory")
			if (get("InvoiceId") != "") != complete {
				fail("InvoiceId %q in a period that is complete: %v", get("InvoiceId"), complete)
			}

			cat, status := get("ChargeCategory"), get("CommitmentDiscountStatus")
			priced := cat == "Usage" || cat == "Purchase"
			for _, c := range []string{"ListUnitPrice", "ContractedUnitPrice", "PricingQuantity", "PricingUnit", "PricingCategory", "SkuId", "SkuPriceId"} {
				if priced && get(c) == "" {
					fail("%s is null on a %s row", c, cat)
				}
				if cat == "Tax" && get(c) != "" {
					fail("%s is not null on a Tax row", c)
				}
			}
			if cat == "Purchase" && get("ChargeFrequency") == "Usage-Based" {
				fail("a purchase is Usage-Based")
			}
			if consumed := get("ConsumedQuantity") != ""; consumed != (cat == "Usage" && status != "Unused") || consumed != (get("ConsumedUnit") != "") {
				fail("ConsumedQuantity %q, ConsumedUnit %q on a %s row, status %q", get("ConsumedQuantity"), get("ConsumedUnit"), cat, status)
			}
			if priced {
				q := dec(t, get("PricingQuantity"))
				if !dec(t, get("ListUnitPrice")).Mul(q).Equal(dec(t, get("ListCost"))) ||
					!dec(t, get("ContractedUnitPrice")).Mul(q).Equal(dec(t, get("ContractedCost"))) {
					fail("unit prices × PricingQuantity do not match ListCost and ContractedCost")
				}
			}
			hasCD := get("CommitmentDiscountId") != ""
			for _, c := range []string{"CommitmentDiscountCategory", "CommitmentDiscountName", "CommitmentDiscountType", "CommitmentDiscountQuantity", "CommitmentDiscountUnit"} {
				if (get(c) != "") != hasCD {
					fail("%s %q with CommitmentDiscountId %q", c, get(c), get("CommitmentDiscountId"))
				}
			}
			if (status != "") != (hasCD && cat == "Usage") {
				fail("CommitmentDiscountStatus %q on a %s row with CommitmentDiscountId %q", status, cat, get("CommitmentDiscountId"))
			}
			if get("PricingCategory") == "Committed" && !hasCD || hasCD && cat == "Usage" && get("PricingCategory") != "Committed" {
				fail("PricingCategory %q with CommitmentDiscountId %q", get("PricingCategory"), get("CommitmentDiscountId"))
			}
			hasRes := get("ResourceId") != ""
			if (get("ResourceType") != "") != hasRes || !hasRes && get("ResourceName") != "" || hasRes && get("ResourceName") == get("ResourceId") {
				fail("ResourceId %q, ResourceName %q, ResourceType %q", get("ResourceId"), get("ResourceName"), get("ResourceType"))
			}
			if (get("RegionId") != "") != (get("RegionName") != "") {
				fail("RegionId %q, RegionName %q", get("RegionId"), get("RegionName"))
			}
			if tags := get("Tags"); tags != "" {
				var m map[string]any
				if err := json.Unmarshal([]byte(tags), &m); err != nil || m == nil {
					fail("Tags %q is not a JSON object: %v", tags, err)
				}
			}
			if cs, ce := get("ChargePeriodStart"), get("ChargePeriodEnd"); cs >= ce || cs < get("BillingPeriodStart") || cat == "Usage" && ce > end.Format(time.RFC3339) {
				fail("charge period %s to %s", cs, ce)
			}
		}
	}
	t.Logf("%d rows, %d bytes a row on average", n, width/n)
	if avg := width / n; avg < 650 || avg > 950 {
		t.Errorf("rows are %d bytes on average; want about 770, as real exports", avg)
	}
}

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return d
}

func ungzip(t *testing.T, data []byte) []byte {
	t.Helper()
	rd, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBillingDeterministic checks that the same flags give the same bytes,
// and another seed other bytes.
func TestBillingDeterministic(t *testing.T) {
	_, a := billingFiles(t, "-end", testEnd)
	_, b := billingFiles(t, "-end", testEnd)
	_, other := billingFiles(t, "-end", testEnd, "-seed", "2")
	if len(a) != len(b) || len(a) != len(other) {
		t.Fatalf("%d, %d and %d files", len(a), len(b), len(other))
	}
	differ := false
	for i := range a {
		x, err := os.ReadFile(a[i])
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(b[i])
		if err != nil {
			t.Fatal(err)
		}
		z, err := os.ReadFile(other[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: same flags, different bytes", filepath.Base(a[i]))
		}
		differ = differ || !bytes.Equal(x, z)
	}
	if !differ {
		t.Error("seeds 1 and 2 gave the same billing data")
	}
}

// TestBillingScale checks -billing-scale, -billing-gzip=false and
// -billing-months: N times the rows, plain CSV, still allocated alike.
func TestBillingScale(t *testing.T) {
	_, one := billingFiles(t, "-end", testEnd, "-billing-months", "2")
	_, three := billingFiles(t, "-end", testEnd, "-billing-months", "2", "-billing-scale", "3", "-billing-gzip=false")
	if len(one) != 2 || len(three) != 2 || filepath.Base(three[0]) != "2026-04.csv" || filepath.Base(three[1]) != "2026-05.csv" {
		t.Fatalf("files %v and %v; want 2026-04 and 2026-05, .csv.gz and .csv", one, three)
	}
	data, err := os.ReadFile(three[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("BilledCost,")) {
		t.Fatalf("%s is not a plain CSV", three[0])
	}
	res := ownership.New(loadAcme(t))
	r1, r3 := readBilling(t, res, one...), readBilling(t, res, three...)
	if len(r3) < 29*len(r1)/10 || len(r3) > 3*len(r1) {
		t.Errorf("%d rows at scale 1, %d at scale 3; want about 3 times as many", len(r1), len(r3))
	}
	unalloc := func(rows []billedRow) float64 {
		var u, all decimal.Decimal
		for _, r := range rows {
			all = all.Add(r.EffectiveCost)
			if r.service == "" {
				u = u.Add(r.EffectiveCost)
			}
		}
		return u.Div(all).InexactFloat64()
	}
	if u1, u3 := unalloc(r1), unalloc(r3); u3 < u1*0.9 || u3 > u1*1.1 {
		t.Errorf("unallocated share %.3f at scale 1, %.3f at scale 3; want about the same", u1, u3)
	}
}

func TestBillingFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-billing-scale", "0"},
		{"-billing-months", "0"},
		{"-billing-months", "25"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("gen %v: no error", args)
		}
	}
	dir := generate(t, "-end", testEnd, "-logs=false", "-billing=false")
	if files := logFiles(t, dir); len(files) != 0 {
		t.Errorf("-logs=false -billing=false wrote %v", files)
	}
}

func TestBillingAnomalyDay(t *testing.T) {
	for end, want := range map[string]string{
		"2026-05-14T15:30:00Z": "2026-04-23",
		"2026-11-22T03:00:00Z": "2026-11-02", // not the 1st: the month's tax and purchases are there
		"2026-03-01T00:00:00Z": "2026-02-08",
	} {
		e, _ := time.Parse(time.RFC3339, end)
		if got := billingAnomalyDay(e).Format(time.DateOnly); got != want {
			t.Errorf("-end %s: anomaly on %s, want %s", end, got, want)
		}
	}
}
