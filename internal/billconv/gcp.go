package billconv

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// gcpReader converts the Google Cloud billing export (BigQuery) flattened
// to CSV: nested fields as "service.description" (or
// "service_description"), repeated fields (labels, credits) as Python
// literals such as "[{'key': 'k', 'value': 'v'}]" (JSON is read too).
//
//	BillingAccountId       billing_account_id
//	SubAccountId/Name      project.id, project.name
//	BillingPeriodStart/End invoice.month (YYYYMM) at midnight Pacific time, as Google invoices,
//	                       in UTC; without it the calendar month of the charge (noted)
//	ChargePeriodStart/End  usage_start_time, usage_end_time
//	BilledCost, EffectiveCost
//	                       cost. Credits are not folded into the row: each entry of credits
//	                       becomes a row of its own after it, ChargeCategory Credit, BilledCost
//	                       = EffectiveCost = its amount (negative), ListCost and ContractedCost
//	                       0, the usage row's account, project, service, SKU, resource, region
//	                       and tags, ChargeDescription the credit's full_name (or name).
//	                       So the file's billed total is Σ cost + Σ credits.amount.
//	ListCost               cost_at_list when present, else cost
//	ContractedCost         cost
//	BillingCurrency        currency
//	ChargeCategory         cost_type: regular → Usage, tax → Tax, adjustment and
//	                       rounding_error → Adjustment, none → Usage, else Adjustment (noted)
//	ChargeDescription      sku.description
//	ProviderName           "Google Cloud"; PublisherName seller_name or "Google Cloud";
//	                       InvoiceIssuerName "Google Cloud"
//	ServiceName            service.description; ServiceCategory through focus_converters'
//	                       gcp_category_mapping.csv, Other (noted) when missing
//	ResourceId/Name        resource.global_name, resource.name
//	RegionId               location.region, else location.location
//	SkuId                  sku.id
//	PricingCategory        Usage rows: Committed when a committed-use-discount credit applies,
//	                       Dynamic for Spot or Preemptible SKUs, else Standard
//	PricingQuantity/Unit   usage.amount_in_pricing_units, usage.pricing_unit
//	ConsumedQuantity/Unit  usage.amount, usage.unit
//	CommitmentDiscount*    credit rows of committed use discounts: Id the credit's id, Name its
//	                       full_name, Type "Committed Use Discount", Category Usage (Spend for
//	                       the dollar-based ones)
//	Tags                   project.labels, overridden by labels
type gcpReader struct {
	*base
	account, project, projectName, invoiceMonth, start, end int
	cost, costAtList, currency, costType, skuDesc, skuID    int
	service, seller, resourceID, resourceName               int
	region, location, labels, projectLabels, credits        int
	usageAmount, usageUnit, pricingAmount, pricingUnit      int

	lastLabels   [2]string
	lastTagsJSON string
}

func newGCP(b *base) *gcpReader {
	c := b.cols
	r := &gcpReader{base: b,
		account: c.find("billingaccountid"), project: c.find("projectid"), projectName: c.find("projectname"),
		invoiceMonth: c.find("invoicemonth"), start: c.find("usagestarttime"), end: c.find("usageendtime"),
		cost: c.find("cost"), costAtList: c.find("costatlist"), currency: c.find("currency"),
		costType: c.find("costtype"), skuDesc: c.find("skudescription"), skuID: c.find("skuid"),
		service: c.find("servicedescription"), seller: c.find("sellername"),
		resourceID: c.find("resourceglobalname"), resourceName: c.find("resourcename"),
		region: c.find("locationregion"), location: c.find("locationlocation"),
		labels: c.find("labels"), projectLabels: c.find("projectlabels"), credits: c.find("credits"),
		usageAmount: c.find("usageamount"), usageUnit: c.find("usageunit"),
		pricingAmount: c.find("usageamountinpricingunits"), pricingUnit: c.find("usagepricingunit"),
	}
	b.format = "gcp-billing"
	b.conv = r.convert
	return r
}

var gcpCostTypes = map[string]string{
	"regular": "Usage", "": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment",
}

type gcpCredit struct {
	amount                   decimal.Decimal
	id, name, fullName, kind string
}

func (r *gcpReader) convert(rec []string, line int) error {
	row := focus.Row{Line: line, ProviderName: "Google Cloud", InvoiceIssuerName: "Google Cloud"}
	var err error
	if row.ChargePeriodStart, err = r.chargeStart(rec, r.start, line, false); err != nil {
		return err
	}
	if row.ChargePeriodEnd, err = r.time(rec, r.end, line, false); err != nil {
		return err
	}
	if m := trimSpace(val(rec, r.invoiceMonth)); m != "" {
		y, ok1 := digits(m[:min(4, len(m))])
		mo, ok2 := digits(m[min(4, len(m)):])
		if len(m) != 6 || !ok1 || !ok2 || mo < 1 || mo > 12 {
			return r.rowErr(line, r.invoiceMonth, m, "is not a month (YYYYMM)")
		}
		row.BillingPeriodStart = pacificMonthStart(y, time.Month(mo))
		row.BillingPeriodEnd = pacificMonthStart(y, time.Month(mo)+1)
	}
	r.billingPeriod(&row, line, "no invoice.month")

	cost, err := r.dec(rec, r.cost, line)
	if err != nil {
		return err
	}
	row.BilledCost, row.EffectiveCost, row.ContractedCost, row.ListCost = cost, cost, cost, cost
	if list, ok, err := r.decOK(rec, r.costAtList, line); err != nil {
		return err
	} else if ok {
		row.ListCost = list
	}
	ct := strings.ToLower(trimSpace(val(rec, r.costType)))
	cat, ok := gcpCostTypes[ct]
	if !ok {
		cat = "Adjustment"
		r.tol.note(tolChargeType, line, r.cols.header[r.costType]+": "+quoteShort(ct))
	}
	row.ChargeCategory = cat
	if cat == "Usage" {
		row.ChargeFrequency = "Usage-Based"
	}

	credits, err := r.parseCredits(rec, line)
	if err != nil {
		return err
	}
	sku := val(rec, r.skuDesc)
	if cat == "Usage" {
		lower := strings.ToLower(sku)
		switch {
		case hasCUD(credits):
			row.PricingCategory = "Committed"
		case strings.Contains(lower, "spot") || strings.Contains(lower, "preemptible"):
			row.PricingCategory = "Dynamic"
		default:
			row.PricingCategory = "Standard"
		}
	}
	if row.PricingQuantity, err = r.dec(rec, r.pricingAmount, line); err != nil {
		return err
	}
	if row.ConsumedQuantity, err = r.dec(rec, r.usageAmount, line); err != nil {
		return err
	}
	row.PricingUnit = r.str(trimSpace(val(rec, r.pricingUnit)))
	row.ConsumedUnit = r.str(trimSpace(val(rec, r.usageUnit)))

	row.BillingAccountID = r.str(trimSpace(val(rec, r.account)))
	row.SubAccountID = r.str(trimSpace(val(rec, r.project)))
	row.SubAccountName = r.str(val(rec, r.projectName))
	row.BillingCurrency = r.str(trimSpace(val(rec, r.currency)))
	row.ChargeDescription = r.str(sku)
	row.PublisherName = r.str(firstNonEmpty(val(rec, r.seller), "Google Cloud"))
	row.ServiceName = r.str(trimSpace(val(rec, r.service)))
	row.ServiceCategory = r.category(gcpCategories(), row.ServiceName, line)
	row.ResourceID = trimSpace(val(rec, r.resourceID))
	row.ResourceName = trimSpace(val(rec, r.resourceName))
	row.RegionID = r.str(firstNonEmpty(val(rec, r.region), val(rec, r.location)))
	row.SkuID = r.str(trimSpace(val(rec, r.skuID)))
	if row.Tags, err = r.tags(rec, line); err != nil {
		return err
	}
	r.emit(&row)

	for _, c := range credits {
		cr := row
		cr.ChargeCategory, cr.ChargeFrequency, cr.PricingCategory = "Credit", "", ""
		cr.BilledCost, cr.EffectiveCost = c.amount, c.amount
		cr.ListCost, cr.ContractedCost = decimal.Decimal{}, decimal.Decimal{}
		cr.PricingQuantity, cr.ConsumedQuantity = decimal.Decimal{}, decimal.Decimal{}
		cr.PricingUnit, cr.ConsumedUnit = "", ""
		cr.ChargeDescription = r.str(firstNonEmpty(c.fullName, c.name, c.kind))
		if strings.HasPrefix(c.kind, "COMMITTED_USAGE_DISCOUNT") && c.id != "" {
			cr.CommitmentDiscountID = r.str(c.id)
			cr.CommitmentDiscountName = r.str(firstNonEmpty(c.fullName, c.name))
			cr.CommitmentDiscountType, cr.CommitmentDiscountCategory = "Committed Use Discount", "Usage"
			if c.kind == "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE" {
				cr.CommitmentDiscountCategory = "Spend"
			}
		}
		r.emit(&cr)
	}
	return nil
}

func hasCUD(credits []gcpCredit) bool {
	for _, c := range credits {
		if strings.HasPrefix(c.kind, "COMMITTED_USAGE_DISCOUNT") {
			return true
		}
	}
	return false
}

// parseCredits reads the credits column: a list of {'name', 'amount',
// 'full_name', 'id', 'type'}.
func (r *gcpReader) parseCredits(rec []string, line int) ([]gcpCredit, error) {
	s := trimSpace(val(rec, r.credits))
	if s == "" || s == "[]" {
		return nil, nil
	}
	bad := func(msg string) error { return r.rowErr(line, r.credits, s, msg) }
	v, err := parsePy(s)
	if err != nil {
		return nil, bad("is not a list of credits: " + err.Error())
	}
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, bad("is not a list of credits")
	}
	out := make([]gcpCredit, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, bad("is not a list of credits")
		}
		var c gcpCredit
		switch a := m["amount"].(type) {
		case pyNumber:
			if c.amount, ok = parseDecimal(string(a)); !ok {
				return nil, bad("has an amount that is not a number")
			}
		case string:
			if c.amount, ok = parseDecimal(trimSpace(a)); !ok {
				return nil, bad("has an amount that is not a number")
			}
		case nil:
		default:
			return nil, bad("has an amount that is not a number")
		}
		c.id, c.name, c.fullName, c.kind = pyString(m["id"]), pyString(m["name"]), pyString(m["full_name"]), pyString(m["type"])
		out = append(out, c)
	}
	return out, nil
}

func (r *gcpReader) tags(rec []string, line int) (string, error) {
	labels, project := val(rec, r.labels), val(rec, r.projectLabels)
	if labels == r.lastLabels[0] && project == r.lastLabels[1] {
		return r.lastTagsJSON, nil
	}
	m := map[string]string{}
	if err := parseLabels(project, m); err != nil {
		return "", r.rowErr(line, r.projectLabels, project, "is not a list of labels: "+err.Error())
	}
	if err := parseLabels(labels, m); err != nil {
		return "", r.rowErr(line, r.labels, labels, "is not a list of labels: "+err.Error())
	}
	r.lastLabels = [2]string{labels, project}
	r.lastTagsJSON = tagsJSON(m)
	return r.lastTagsJSON, nil
}

// pacificMonthStart is midnight of the first of the month in
// America/Los_Angeles, in UTC, by the US daylight-saving rules in force
// since 2007 (the first of April to November is in daylight time), so that
// no time zone database is needed.
func pacificMonthStart(year int, month time.Month) time.Time {
	t := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC) // normalises month 13
	offset := 8 * time.Hour
	if t.Month() >= time.April && t.Month() <= time.November {
		offset = 7 * time.Hour
	}
	return t.Add(offset)
}
