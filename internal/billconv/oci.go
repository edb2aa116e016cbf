package billconv

import (
	"strings"

	"kiban.dev/kiban/internal/focus"
)

// ociReader converts an Oracle Cloud cost report.
//
//	BillingAccountId       cost/subscriptionId (as focus_converters does)
//	SubAccountId           lineItem/tenantId
//	BillingPeriodStart/End the calendar month of the charge (the report has none; noted)
//	ChargePeriodStart/End  lineItem/intervalUsageStart, lineItem/intervalUsageEnd
//	BilledCost, EffectiveCost, ContractedCost
//	                       cost/myCost (cost/myCostOverage is left in Extra)
//	ListCost               EffectiveCost (the report has no list price)
//	BillingCurrency        cost/currencyCode
//	ChargeCategory         Usage; ChargeClass Correction when lineItem/isCorrection is true
//	ChargeDescription      product/Description
//	ProviderName, PublisherName, InvoiceIssuerName
//	                       "Oracle"
//	ServiceName            product/service; ServiceCategory through kiban's small
//	                       mappings/kiban_oci_category_mapping.csv, Other (noted) when missing
//	ResourceId             product/resourceId; ResourceType the type in its OCID
//	RegionId               product/region
//	SkuId                  cost/productSku
//	PricingCategory        Standard
//	PricingQuantity        usage/billedQuantity, unit cost/skuUnitDescription (also Consumed*)
//	Tags                   tags/<namespace>.<key> columns, keyed "<namespace>.<key>", empty
//	                       values skipped
type ociReader struct {
	*base
	subscription, tenant, start, end, cost, currency int
	correction, desc, service, resourceID, region    int
	sku, quantity, unit                              int
	tagCols                                          []tagColumn
}

func newOCI(b *base) *ociReader {
	c := b.cols
	r := &ociReader{base: b,
		subscription: c.find("costsubscriptionid"), tenant: c.find("lineitemtenantid"),
		start: c.find("lineitemintervalusagestart"), end: c.find("lineitemintervalusageend"),
		cost: c.find("costmycost"), currency: c.find("costcurrencycode"),
		correction: c.find("lineitemiscorrection"), desc: c.find("productdescription"),
		service: c.find("productservice"), resourceID: c.find("productresourceid"),
		region: c.find("productregion"), sku: c.find("costproductsku"),
		quantity: c.find("usagebilledquantity"), unit: c.find("costskuunitdescription"),
	}
	for i, h := range c.header {
		h = strings.TrimSpace(h)
		if len(h) > len("tags/") && strings.EqualFold(h[:len("tags/")], "tags/") {
			r.tagCols = append(r.tagCols, tagColumn{i, h[len("tags/"):]})
			c.used[i] = true
		}
	}
	b.format = "oci"
	b.conv = r.convert
	return r
}

func (r *ociReader) convert(rec []string, line int) error {
	row := focus.Row{Line: line, ProviderName: "Oracle", PublisherName: "Oracle", InvoiceIssuerName: "Oracle",
		ChargeCategory: "Usage", ChargeFrequency: "Usage-Based", PricingCategory: "Standard"}
	var err error
	if row.ChargePeriodStart, err = r.chargeStart(rec, r.start, line, false); err != nil {
		return err
	}
	if row.ChargePeriodEnd, err = r.time(rec, r.end, line, false); err != nil {
		return err
	}
	r.billingPeriod(&row, line, "OCI cost reports have no billing period")
	cost, err := r.dec(rec, r.cost, line)
	if err != nil {
		return err
	}
	row.BilledCost, row.EffectiveCost, row.ContractedCost, row.ListCost = cost, cost, cost, cost
	if strings.EqualFold(trimSpace(val(rec, r.correction)), "true") {
		row.ChargeClass = "Correction"
	}
	if row.PricingQuantity, err = r.dec(rec, r.quantity, line); err != nil {
		return err
	}
	row.ConsumedQuantity = row.PricingQuantity
	row.PricingUnit = r.str(trimSpace(val(rec, r.unit)))
	row.ConsumedUnit = row.PricingUnit

	row.BillingAccountID = r.str(trimSpace(val(rec, r.subscription)))
	row.SubAccountID = r.str(trimSpace(val(rec, r.tenant)))
	row.BillingCurrency = r.str(trimSpace(val(rec, r.currency)))
	row.ChargeDescription = r.str(val(rec, r.desc))
	row.ServiceName = r.str(trimSpace(val(rec, r.service)))
	row.ServiceCategory = r.category(ociCategories(), row.ServiceName, line)
	row.ResourceID = trimSpace(val(rec, r.resourceID))
	if strings.HasPrefix(row.ResourceID, "ocid1.") {
		if t, _, ok := strings.Cut(row.ResourceID[len("ocid1."):], "."); ok {
			row.ResourceType = r.str(t)
		}
	}
	row.RegionID = r.str(trimSpace(val(rec, r.region)))
	row.SkuID = r.str(trimSpace(val(rec, r.sku)))
	var tags map[string]string
	for _, t := range r.tagCols {
		if v := rec[t.index]; v != "" {
			if tags == nil {
				tags = make(map[string]string, len(r.tagCols))
			}
			tags[t.key] = v
		}
	}
	row.Tags = tagsJSON(tags)
	r.emit(&row)
	return nil
}
