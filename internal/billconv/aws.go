package billconv

import (
	"strings"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// awsReader converts an AWS Cost and Usage Report, legacy
// ("lineItem/UnblendedCost") or CUR 2.0 ("line_item_unblended_cost"); both
// spellings reach the same columns through canon.
//
//	BillingAccountId/Name  bill/PayerAccountId, bill_payer_account_name (CUR 2.0)
//	SubAccountId/Name      lineItem/UsageAccountId, line_item_usage_account_name (CUR 2.0)
//	BillingPeriodStart/End bill/BillingPeriodStartDate, bill/BillingPeriodEndDate
//	ChargePeriodStart/End  lineItem/UsageStartDate, lineItem/UsageEndDate
//	BilledCost             lineItem/NetUnblendedCost when given, else lineItem/UnblendedCost
//	EffectiveCost          by lineItem/LineItemType: SavingsPlanCoveredUsage
//	                       savingsPlan/SavingsPlanEffectiveCost; DiscountedUsage
//	                       reservation/EffectiveCost; SavingsPlanRecurringFee the unused
//	                       commitment (TotalCommitmentToDate - UsedCommitment); RIFee the
//	                       unused fees (UnusedAmortizedUpfrontFeeForBillingPeriod +
//	                       UnusedRecurringFee); SavingsPlanNegation, SavingsPlanUpfrontFee
//	                       and an RI's upfront Fee 0; otherwise BilledCost (the net
//	                       variants of these columns win when present)
//	ListCost               pricing/publicOnDemandCost, else publicOnDemandRate × UsageAmount,
//	                       else EffectiveCost; 0 for SavingsPlanNegation
//	ContractedCost         BilledCost (0 for SavingsPlanNegation)
//	BillingCurrency        lineItem/CurrencyCode
//	ChargeCategory         lineItem/LineItemType: Usage, DiscountedUsage, SavingsPlanCoveredUsage,
//	                       SavingsPlanNegation and the discounts → Usage; Fee, RIFee,
//	                       SavingsPlanUpfrontFee, SavingsPlanRecurringFee → Purchase; Tax →
//	                       Tax; Credit, Refund → Credit; anything else → Adjustment (noted)
//	ChargeFrequency        Usage-Based, Recurring (RIFee, SavingsPlanRecurringFee), One-Time
//	ChargeDescription      lineItem/LineItemDescription
//	ProviderName           "AWS"; PublisherName lineItem/LegalEntity; InvoiceIssuerName
//	                       bill/InvoicingEntity
//	ServiceName            product/ProductName, else lineItem/ProductCode
//	ServiceCategory        lineItem/ProductCode, else product/servicecode, in focus_converters'
//	                       aws_category_mapping.csv; Other (noted) when in neither
//	ResourceId             lineItem/ResourceId; ResourceName the Name tag
//	RegionId               product/regionCode, else product/region
//	SkuId                  product/sku
//	PricingCategory        Usage rows: Committed for RI/SP-covered lines and Reserved terms,
//	                       Dynamic for Spot, else Standard
//	PricingQuantity/Unit   lineItem/UsageAmount, pricing/unit (also Consumed*)
//	CommitmentDiscount*    savingsPlan/SavingsPlanARN ("Savings Plan", Spend) or
//	                       reservation/ReservationARN ("Reserved Instance", Usage); Status
//	                       Used on the covered usage lines
//	Tags                   resourceTags/user:* and resourceTags/aws:* columns, CUR 2.0's
//	                       resource_tags map or resource_tags_* columns; "user:"/"user_"
//	                       prefixes dropped, empty values skipped
type awsReader struct {
	*base
	payer, payerName, account, accountName            int
	bpStart, bpEnd, start, end                        int
	lineType, unblended, netUnblended, currency, desc int
	productCode, productName, serviceCode, productMap int
	regionCode, region, resourceID, sku               int
	legalEntity, invoicingEntity                      int
	usageAmount, pricingUnit, term, purchaseOption    int
	publicCost, publicRate, usageType                 int
	spARN, spEffective, spNetEffective                int
	spTotal, spUsed                                   int
	riARN, riEffective, riNetEffective                int
	riUnusedUpfront, riUnusedRecurring                int
	riNetUnusedUpfront, riNetUnusedRecurring          int
	tagCols                                           []tagColumn
	tagsMap                                           int

	lastProduct string
	lastProdMap map[string]string
}

// tagColumn is a column holding one tag.
type tagColumn struct {
	index int
	key   string
}

func newAWS(b *base) *awsReader {
	c := b.cols
	r := &awsReader{base: b,
		payer: c.find("billpayeraccountid"), payerName: c.find("billpayeraccountname"),
		account: c.find("lineitemusageaccountid"), accountName: c.find("lineitemusageaccountname"),
		bpStart: c.find("billbillingperiodstartdate"), bpEnd: c.find("billbillingperiodenddate"),
		start: c.find("lineitemusagestartdate"), end: c.find("lineitemusageenddate"),
		lineType: c.find("lineitemlineitemtype"), unblended: c.find("lineitemunblendedcost"),
		netUnblended: c.find("lineitemnetunblendedcost"), currency: c.find("lineitemcurrencycode"),
		desc: c.find("lineitemlineitemdescription"), productCode: c.find("lineitemproductcode"),
		productName: c.find("productproductname"), serviceCode: c.find("productservicecode"),
		productMap: c.find("product"), regionCode: c.find("productregioncode"), region: c.find("productregion"),
		resourceID: c.find("lineitemresourceid"), sku: c.find("productsku"),
		legalEntity: c.find("lineitemlegalentity"), invoicingEntity: c.find("billinvoicingentity"),
		usageAmount: c.find("lineitemusageamount"), pricingUnit: c.find("pricingunit"),
		term: c.find("pricingterm"), purchaseOption: c.find("pricingpurchaseoption"),
		publicCost: c.find("pricingpublicondemandcost"), publicRate: c.find("pricingpublicondemandrate"),
		usageType: c.find("lineitemusagetype"),
		spARN:     c.find("savingsplansavingsplanarn"), spEffective: c.find("savingsplansavingsplaneffectivecost"),
		spNetEffective: c.find("savingsplannetsavingsplaneffectivecost"),
		spTotal:        c.find("savingsplantotalcommitmenttodate"), spUsed: c.find("savingsplanusedcommitment"),
		riARN: c.find("reservationreservationarn"), riEffective: c.find("reservationeffectivecost"),
		riNetEffective:       c.find("reservationneteffectivecost"),
		riUnusedUpfront:      c.find("reservationunusedamortizedupfrontfeeforbillingperiod"),
		riUnusedRecurring:    c.find("reservationunusedrecurringfee"),
		riNetUnusedUpfront:   c.find("reservationnetunusedamortizedupfrontfeeforbillingperiod"),
		riNetUnusedRecurring: c.find("reservationnetunusedrecurringfee"),
		tagsMap:              c.find("resourcetags"),
	}
	for i, h := range c.header {
		lower := strings.ToLower(strings.TrimSpace(h))
		var key string
		switch {
		case strings.HasPrefix(lower, "resourcetags/"):
			key = strings.TrimSpace(h)[len("resourceTags/"):]
			if strings.HasPrefix(strings.ToLower(key), "user:") {
				key = key[len("user:"):]
			}
		case strings.HasPrefix(lower, "resource_tags_"):
			key = strings.TrimSpace(h)[len("resource_tags_"):]
			if strings.HasPrefix(strings.ToLower(key), "user_") {
				key = key[len("user_"):]
			}
		default:
			continue
		}
		if key != "" {
			r.tagCols = append(r.tagCols, tagColumn{i, key})
			c.used[i] = true
		}
	}
	b.format = "aws-cur"
	if !strings.Contains(c.header[r.unblended], "/") {
		b.format = "aws-cur2"
	}
	b.conv = r.convert
	return r
}

// awsLineTypes maps lineItem/LineItemType to ChargeCategory and
// ChargeFrequency.
var awsLineTypes = map[string][2]string{
	"Usage":                   {"Usage", "Usage-Based"},
	"DiscountedUsage":         {"Usage", "Usage-Based"},
	"SavingsPlanCoveredUsage": {"Usage", "Usage-Based"},
	"SavingsPlanNegation":     {"Usage", "Usage-Based"},
	"Discount":                {"Usage", "Usage-Based"},
	"BundledDiscount":         {"Usage", "Usage-Based"},
	"PrivateRateDiscount":     {"Usage", "Usage-Based"},
	"EdpDiscount":             {"Usage", "Usage-Based"},
	"DistributorDiscount":     {"Usage", "Usage-Based"},
	"SppDiscount":             {"Usage", "Usage-Based"},
	"Fee":                     {"Purchase", "One-Time"},
	"RIFee":                   {"Purchase", "Recurring"},
	"SavingsPlanUpfrontFee":   {"Purchase", "One-Time"},
	"SavingsPlanRecurringFee": {"Purchase", "Recurring"},
	"Tax":                     {"Tax", "Recurring"},
	"Credit":                  {"Credit", "One-Time"},
	"Refund":                  {"Credit", "One-Time"},
}

func (r *awsReader) convert(rec []string, line int) error {
	row := focus.Row{Line: line, ProviderName: "AWS"}
	var err error
	if row.ChargePeriodStart, err = r.chargeStart(rec, r.start, line, false); err != nil {
		return err
	}
	if row.ChargePeriodEnd, err = r.time(rec, r.end, line, false); err != nil {
		return err
	}
	if row.BillingPeriodStart, err = r.time(rec, r.bpStart, line, false); err != nil {
		return err
	}
	if row.BillingPeriodEnd, err = r.time(rec, r.bpEnd, line, false); err != nil {
		return err
	}
	r.billingPeriod(&row, line, "bill/BillingPeriodStartDate empty")

	unblended, err := r.dec(rec, r.unblended, line)
	if err != nil {
		return err
	}
	billed := unblended
	if net, ok, err := r.decOK(rec, r.netUnblended, line); err != nil {
		return err
	} else if ok {
		billed = net
	}
	row.BilledCost = billed
	effective := billed

	lt := trimSpace(val(rec, r.lineType))
	cat, known := awsLineTypes[lt]
	if !known {
		if lt == "" {
			cat = awsLineTypes["Usage"]
		} else {
			cat = [2]string{"Adjustment", ""}
			r.tol.note(tolChargeType, line, "lineItem/LineItemType: "+quoteShort(lt))
		}
	}
	row.ChargeCategory, row.ChargeFrequency = cat[0], cat[1]

	// Commitment discounts.
	var kind, id string // kind: "sp" or "ri"
	committed := false
	switch lt {
	case "SavingsPlanCoveredUsage":
		kind, committed = "sp", true
		if effective, err = r.pick(rec, line, billed, r.spNetEffective, r.spEffective); err != nil {
			return err
		}
	case "SavingsPlanNegation":
		kind, committed = "sp", true
		effective = decimal.Decimal{}
	case "SavingsPlanUpfrontFee":
		kind = "sp"
		effective = decimal.Decimal{}
	case "SavingsPlanRecurringFee":
		kind = "sp"
		total, okT, err := r.decOK(rec, r.spTotal, line)
		if err != nil {
			return err
		}
		used, okU, err := r.decOK(rec, r.spUsed, line)
		if err != nil {
			return err
		}
		if okT || okU {
			effective = total.Sub(used)
		}
	case "DiscountedUsage":
		kind, committed = "ri", true
		if effective, err = r.pick(rec, line, billed, r.riNetEffective, r.riEffective); err != nil {
			return err
		}
	case "RIFee":
		kind = "ri"
		upfront, okA, err := r.decOK(rec, r.riNetUnusedUpfront, line)
		if err != nil {
			return err
		}
		if !okA {
			if upfront, okA, err = r.decOK(rec, r.riUnusedUpfront, line); err != nil {
				return err
			}
		}
		recurring, okB, err := r.decOK(rec, r.riNetUnusedRecurring, line)
		if err != nil {
			return err
		}
		if !okB {
			if recurring, okB, err = r.decOK(rec, r.riUnusedRecurring, line); err != nil {
				return err
			}
		}
		if okA || okB {
			effective = upfront.Add(recurring)
		}
	case "Fee":
		if trimSpace(val(rec, r.riARN)) != "" {
			kind = "ri"
			effective = decimal.Decimal{}
		}
	}
	row.EffectiveCost = effective
	switch kind {
	case "sp":
		id = trimSpace(val(rec, r.spARN))
		if id != "" {
			row.CommitmentDiscountType, row.CommitmentDiscountCategory = "Savings Plan", "Spend"
		}
	case "ri":
		id = trimSpace(val(rec, r.riARN))
		if id != "" {
			row.CommitmentDiscountType, row.CommitmentDiscountCategory = "Reserved Instance", "Usage"
		}
	}
	if kind != "" {
		if id == "" {
			r.tol.note(tolNoCommitmentID, line, "lineItem/LineItemType: "+quoteShort(lt))
		} else {
			row.CommitmentDiscountID = r.str(id)
			if row.ChargeCategory == "Usage" {
				row.CommitmentDiscountStatus = "Used"
			}
		}
	}

	if row.ChargeCategory == "Usage" {
		term := strings.ToLower(trimSpace(val(rec, r.term)))
		option := strings.ToLower(val(rec, r.purchaseOption))
		switch {
		case committed || term == "reserved" || strings.Contains(option, "reserved") || strings.Contains(option, "savings"):
			row.PricingCategory = "Committed"
		case term == "spot" || strings.Contains(option, "spot") || strings.Contains(val(rec, r.usageType), "SpotUsage"):
			row.PricingCategory = "Dynamic"
		default:
			row.PricingCategory = "Standard"
		}
	}

	// List and contracted cost.
	if lt == "SavingsPlanNegation" {
		row.ListCost, row.ContractedCost = decimal.Decimal{}, decimal.Decimal{}
	} else {
		row.ContractedCost = billed
		list, ok, err := r.decOK(rec, r.publicCost, line)
		if err != nil {
			return err
		}
		if !ok {
			rate, okR, err := r.decOK(rec, r.publicRate, line)
			if err != nil {
				return err
			}
			amount, okA, err := r.decOK(rec, r.usageAmount, line)
			if err != nil {
				return err
			}
			if list, ok = rate.Mul(amount), okR && okA; !ok {
				list = effective
			}
		}
		row.ListCost = list
	}

	qty, err := r.dec(rec, r.usageAmount, line)
	if err != nil {
		return err
	}
	unit := r.str(trimSpace(val(rec, r.pricingUnit)))
	row.PricingQuantity, row.ConsumedQuantity = qty, qty
	row.PricingUnit, row.ConsumedUnit = unit, unit

	row.BillingAccountID = r.str(trimSpace(val(rec, r.payer)))
	row.BillingAccountName = r.str(val(rec, r.payerName))
	row.SubAccountID = r.str(trimSpace(val(rec, r.account)))
	row.SubAccountName = r.str(val(rec, r.accountName))
	row.BillingCurrency = r.str(trimSpace(val(rec, r.currency)))
	row.ChargeDescription = r.str(val(rec, r.desc))
	row.PublisherName = r.str(firstNonEmpty(val(rec, r.legalEntity), "AWS"))
	row.InvoiceIssuerName = r.str(firstNonEmpty(val(rec, r.invoicingEntity), val(rec, r.legalEntity), "AWS"))

	product, err := r.productAttrs(rec, line)
	if err != nil {
		return err
	}
	code := trimSpace(val(rec, r.productCode))
	service := firstNonEmpty(val(rec, r.productName), product["product_name"], product["productName"], code)
	row.ServiceName = r.str(service)
	row.ServiceCategory = r.awsCategory(code, firstNonEmpty(val(rec, r.serviceCode), product["servicecode"]), line)
	row.RegionID = r.str(firstNonEmpty(val(rec, r.regionCode), val(rec, r.region), product["region_code"], product["region"]))
	row.SkuID = r.str(trimSpace(val(rec, r.sku)))
	row.ResourceID = trimSpace(val(rec, r.resourceID))

	tags, err := r.tags(rec, line)
	if err != nil {
		return err
	}
	if name := tags["Name"]; name != "" {
		row.ResourceName = name
	}
	row.Tags = tagsJSON(tags)
	r.emit(&row)
	return nil
}

// pick returns the first of the columns with a value, else def.
func (r *awsReader) pick(rec []string, line int, def decimal.Decimal, cols ...int) (decimal.Decimal, error) {
	for _, c := range cols {
		d, ok, err := r.decOK(rec, c, line)
		if err != nil || ok {
			return d, err
		}
	}
	return def, nil
}

func (r *awsReader) awsCategory(code, serviceCode string, line int) string {
	table := awsCategories()
	if c, ok := table[strings.ToLower(code)]; ok {
		return c
	}
	if c, ok := table[strings.ToLower(trimSpace(serviceCode))]; ok {
		return c
	}
	return r.category(table, firstNonEmpty(code, serviceCode), line)
}

// productAttrs reads CUR 2.0's product map column (a JSON object), when
// there is one.
func (r *awsReader) productAttrs(rec []string, line int) (map[string]string, error) {
	s := val(rec, r.productMap)
	if trimSpace(s) == "" {
		return nil, nil
	}
	if s == r.lastProduct {
		return r.lastProdMap, nil
	}
	m, err := focus.ParseTags(s)
	if err != nil {
		return nil, r.rowErr(line, r.productMap, s, "is not a JSON object")
	}
	r.lastProduct, r.lastProdMap = s, m
	return m, nil
}

func (r *awsReader) tags(rec []string, line int) (map[string]string, error) {
	var m map[string]string
	if s := val(rec, r.tagsMap); trimSpace(s) != "" {
		raw, err := focus.ParseTags(s)
		if err != nil {
			return nil, r.rowErr(line, r.tagsMap, s, "is not a JSON object of tags")
		}
		m = make(map[string]string, len(raw))
		for k, v := range raw {
			if v == "" {
				continue
			}
			if strings.HasPrefix(strings.ToLower(k), "user_") || strings.HasPrefix(strings.ToLower(k), "user:") {
				k = k[len("user_"):]
			}
			m[k] = v
		}
	}
	for _, t := range r.tagCols {
		v := rec[t.index]
		if v == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string, len(r.tagCols))
		}
		m[t.key] = v
	}
	return m, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = trimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
