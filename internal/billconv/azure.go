package billconv

import (
	"strings"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// azureReader converts Azure cost details exports, in any header spelling
// (PascalCase, camelCase, localized with the English name in parentheses),
// following Microsoft's FinOps toolkit (ConvertTo-FinOpsSchema and its
// open data) where the focus_converters rules are silent:
//
//	BillingAccountId/Name  EA: /providers/Microsoft.Billing/billingAccounts/{BillingAccountId},
//	                       BillingAccountName; MCA: …/billingAccounts/{id}/billingProfiles/
//	                       {BillingProfileId}, BillingProfileName (the invoice scope); without
//	                       a billing account (pay-as-you-go): the subscription
//	SubAccountId/Name      /subscriptions/{SubscriptionId|SubscriptionGuid}, SubscriptionName
//	                       (Microsoft's FOCUS export writes both ids this way)
//	BillingPeriodStart/End BillingPeriodStartDate, BillingPeriodEndDate + 1 day (Azure writes the
//	                       last day); without them the calendar month of the charge (noted)
//	ChargePeriodStart/End  Date (UsageDateTime, UsageDate) and the day after
//	BilledCost             CostInBillingCurrency (Cost, PreTaxCost); 0 for commitment-covered
//	                       usage with a cost, which only amortized exports have (the purchase
//	                       is billed)
//	EffectiveCost          the same cost; 0 for commitment purchases in amortized exports; in
//	                       actual-cost exports purchases stay unamortized (noted)
//	ListCost               PayGCostInBillingCurrency, else PayGPrice × Quantity, when positive;
//	                       else EffectiveCost
//	ContractedCost         UnitPrice × Quantity when UnitPrice is positive, else the cost
//	BillingCurrency        BillingCurrency (BillingCurrencyCode, Currency)
//	ChargeCategory         ChargeType: Usage, UnusedReservation, UnusedSavingsPlan → Usage;
//	                       Purchase, Tax; Refund, Credit → Credit; none (older exports) → Usage;
//	                       anything else → Adjustment
//	ChargeFrequency        Frequency: OneTime, Recurring, UsageBased
//	ChargeDescription      ProductName (Product), else MeterName
//	ProviderName           "Microsoft"; PublisherName PublisherName or "Microsoft";
//	                       InvoiceIssuerName PartnerName or "Microsoft"
//	ServiceName, ServiceCategory, ServiceSubcategory
//	                       the toolkit's Services.csv by ConsumedService and the resource type
//	                       of ResourceId; else focus_converters' azure_category_mapping.csv by
//	                       ConsumedService (name MeterCategory); else Other (noted)
//	ResourceId             ResourceId (InstanceId, InstanceName), lower case as in Microsoft's
//	                       FOCUS export; ResourceName ResourceName, else the id's last segment
//	RegionId               ResourceLocation (Location) through the toolkit's Regions.csv
//	SkuId                  ProductId, else MeterId
//	PricingCategory        PricingModel: OnDemand → Standard, Spot → Dynamic, Reservation and
//	                       SavingsPlan → Committed
//	Pricing/ConsumedQuantity, Unit
//	                       Quantity × the block of UnitOfMeasure ("10K" is 10,000 Units) from
//	                       the toolkit's PricingUnits.csv
//	CommitmentDiscount*    benefitId (else ReservationId), benefitName (ReservationName); Type
//	                       Reservation (Usage) or Savings Plan (Spend); Status Used, or Unused
//	                       for UnusedReservation/UnusedSavingsPlan
//	Tags                   Tags, with or without braces (noted)
type azureReader struct {
	*base
	kind      string // "ea", "mca" or "payg"
	amortized bool

	account, accountName, profile, profileName, sub, subName int
	bpStart, bpEnd, date, cost, currency                     int
	chargeType, pricingModel, frequency                      int
	benefitID, benefitName, reservationID, reservationName   int
	consumed, resourceID, resourceName, resourceType         int
	location, meterCategory, meterName, meterID, productName int
	productID, serviceName                                   int
	quantity, uom, unitPrice, paygPrice, paygCost            int
	publisher, partner, tags                                 int

	lastTags, lastTagsJSON string
}

const azureLookahead = 1000

func newAzure(b *base) *azureReader {
	c := b.cols
	r := &azureReader{base: b,
		account: c.find("billingaccountid"), accountName: c.find("billingaccountname"),
		profile: c.find("billingprofileid"), profileName: c.find("billingprofilename"),
		sub: c.find("subscriptionid", "subscriptionguid"), subName: c.find("subscriptionname"),
		bpStart: c.find("billingperiodstartdate"), bpEnd: c.find("billingperiodenddate"),
		date:       c.find("date", "usagedatetime", "usagedate"),
		cost:       c.find("costinbillingcurrency", "cost", "pretaxcost"),
		currency:   c.find("billingcurrency", "billingcurrencycode", "currency"),
		chargeType: c.find("chargetype"), pricingModel: c.find("pricingmodel"), frequency: c.find("frequency"),
		benefitID: c.find("benefitid"), benefitName: c.find("benefitname"),
		reservationID: c.find("reservationid"), reservationName: c.find("reservationname"),
		consumed: c.find("consumedservice"), resourceID: c.find("resourceid", "instanceid", "instancename"),
		resourceName: c.find("resourcename"), resourceType: c.find("resourcetype"),
		location:      c.find("resourcelocation", "location", "resourcelocationnormalized"),
		meterCategory: c.find("metercategory"), meterName: c.find("metername"), meterID: c.find("meterid"),
		productName: c.find("productname", "product"), productID: c.find("productid"),
		serviceName: c.find("servicename"),
		quantity:    c.find("quantity", "usagequantity"), uom: c.find("unitofmeasure"),
		unitPrice: c.find("unitprice"), paygPrice: c.find("paygprice"), paygCost: c.find("paygcostinbillingcurrency"),
		publisher: c.find("publishername"), partner: c.find("partnername"), tags: c.find("tags"),
	}
	r.classify(c)
	b.conv = r.convert
	return r
}

// classify tells EA from MCA, and actual from amortized cost, from the
// header and the first rows: the formats share their columns.
func (r *azureReader) classify(c *columns) {
	if c.has("pretaxcost") && !c.has("costinbillingcurrency", "cost") {
		r.kind, r.format = "payg", "azure-payg"
		return
	}
	if c.has("partnername", "customertenantid", "resellername") {
		r.kind = "mca"
	}
	decided := false
	for _, rec := range r.src.lookahead(azureLookahead) {
		if rec.err != nil {
			continue
		}
		f := rec.fields
		if r.kind == "" {
			a, p := trimSpace(val(f, r.account)), trimSpace(val(f, r.profile))
			if a != "" && p != "" {
				r.kind = "ea"
				if !strings.EqualFold(a, p) {
					r.kind = "mca"
				}
			}
		}
		if !decided {
			commitment, purchase, usage := r.commitmentKind(f)
			cost, ok := parseDecimal(trimSpace(val(f, r.cost)))
			switch {
			case strings.HasPrefix(strings.ToLower(trimSpace(val(f, r.chargeType))), "unused"):
				r.amortized, decided = true, true
			case commitment && usage && ok && cost.Sign() > 0:
				r.amortized, decided = true, true
			case commitment && purchase && ok && cost.Sign() != 0:
				decided = true
			}
		}
		if r.kind != "" && decided {
			break
		}
	}
	if r.kind == "" {
		r.kind = "ea"
	}
	r.format = "azure-" + r.kind
	if r.kind == "ea" {
		r.format += "-actual"
	}
	if r.amortized {
		r.format = "azure-" + r.kind + "-amortized"
	}
}

// commitmentKind says whether a row concerns a commitment discount (as
// the FinOps toolkit tells), and whether it is its purchase or usage.
func (r *azureReader) commitmentKind(f []string) (commitment, purchase, usage bool) {
	cs := strings.ToLower(trimSpace(val(f, r.consumed)))
	pm := strings.ToLower(trimSpace(val(f, r.pricingModel)))
	commitment = cs == "microsoft.capacity" || cs == "microsoft.billingbenefits" ||
		pm == "reservation" || pm == "savingsplan" ||
		trimSpace(val(f, r.reservationID)) != "" || trimSpace(val(f, r.benefitID)) != ""
	switch strings.ToLower(trimSpace(val(f, r.chargeType))) {
	case "purchase":
		purchase = commitment
	case "usage", "unusedreservation", "unusedsavingsplan":
		usage = commitment
	}
	return commitment, purchase, usage
}

func (r *azureReader) convert(rec []string, line int) error {
	row := focus.Row{Line: line, ProviderName: "Microsoft"}
	var err error
	if row.ChargePeriodStart, err = r.chargeStart(rec, r.date, line, true); err != nil {
		return err
	}
	row.ChargePeriodEnd = row.ChargePeriodStart.AddDate(0, 0, 1)
	if row.BillingPeriodStart, err = r.time(rec, r.bpStart, line, true); err != nil {
		return err
	}
	if row.BillingPeriodEnd, err = r.time(rec, r.bpEnd, line, true); err != nil {
		return err
	}
	if !row.BillingPeriodEnd.IsZero() && row.BillingPeriodEnd.Day() != 1 {
		row.BillingPeriodEnd = row.BillingPeriodEnd.AddDate(0, 0, 1) // the last day, inclusive
	}
	r.billingPeriod(&row, line, "no BillingPeriodStartDate")

	cost, err := r.dec(rec, r.cost, line)
	if err != nil {
		return err
	}
	commitment, purchase, usage := r.commitmentKind(rec)
	row.BilledCost, row.EffectiveCost = cost, cost
	if usage && cost.Sign() > 0 {
		row.BilledCost = decimal.Decimal{}
	}
	if purchase {
		if r.amortized {
			row.EffectiveCost = decimal.Decimal{}
		} else if cost.Sign() != 0 {
			r.tol.note(tolNotAmortized, line, quoteShort(val(rec, r.productName)))
		}
	}

	ct := trimSpace(val(rec, r.chargeType))
	switch strings.ToLower(ct) {
	case "usage", "unusedreservation", "unusedsavingsplan", "":
		row.ChargeCategory = "Usage"
	case "purchase":
		row.ChargeCategory = "Purchase"
	case "tax":
		row.ChargeCategory = "Tax"
	case "refund", "credit":
		row.ChargeCategory = "Credit"
	case "adjustment", "roundingadjustment":
		row.ChargeCategory = "Adjustment"
	default:
		row.ChargeCategory = "Adjustment"
		r.tol.note(tolChargeType, line, r.cols.header[r.chargeType]+": "+quoteShort(ct))
	}
	switch strings.ToLower(trimSpace(val(rec, r.frequency))) {
	case "onetime":
		row.ChargeFrequency = "One-Time"
	case "recurring":
		row.ChargeFrequency = "Recurring"
	case "usagebased":
		row.ChargeFrequency = "Usage-Based"
	case "":
		if row.ChargeCategory == "Usage" {
			row.ChargeFrequency = "Usage-Based"
		}
	}

	// Commitment discounts.
	pm := strings.ToLower(trimSpace(val(rec, r.pricingModel)))
	if commitment {
		id := firstNonEmpty(val(rec, r.benefitID), val(rec, r.reservationID))
		switch low := strings.ToLower(id); {
		case id == "" && (purchase || usage):
			r.tol.note(tolNoCommitmentID, line, quoteShort(firstNonEmpty(val(rec, r.productName), pm)))
		case id == "":
		case strings.Contains(low, "/microsoft.billingbenefits/") || (!strings.Contains(low, "/microsoft.capacity/") && pm == "savingsplan"):
			row.CommitmentDiscountType, row.CommitmentDiscountCategory = "Savings Plan", "Spend"
		default:
			row.CommitmentDiscountType, row.CommitmentDiscountCategory = "Reservation", "Usage"
		}
		if id != "" {
			row.CommitmentDiscountID = r.str(id)
			row.CommitmentDiscountName = r.str(firstNonEmpty(val(rec, r.benefitName), val(rec, r.reservationName)))
			if row.ChargeCategory == "Usage" {
				row.CommitmentDiscountStatus = "Used"
				if strings.HasPrefix(strings.ToLower(ct), "unused") {
					row.CommitmentDiscountStatus = "Unused"
				}
			}
		}
	}
	if row.ChargeCategory == "Usage" {
		switch {
		case pm == "reservation" || pm == "savingsplan" || usage:
			row.PricingCategory = "Committed"
		case pm == "spot":
			row.PricingCategory = "Dynamic"
		default:
			row.PricingCategory = "Standard"
		}
	}

	// List and contracted cost, quantities.
	qty, err := r.dec(rec, r.quantity, line)
	if err != nil {
		return err
	}
	list, ok, err := r.decOK(rec, r.paygCost, line)
	if err != nil {
		return err
	}
	if !ok || list.Sign() <= 0 {
		price, err := r.dec(rec, r.paygPrice, line)
		if err != nil {
			return err
		}
		list = price.Mul(qty)
	}
	if list.Sign() <= 0 {
		list = row.EffectiveCost
	}
	row.ListCost = list
	unitPrice, err := r.dec(rec, r.unitPrice, line)
	if err != nil {
		return err
	}
	row.ContractedCost = cost
	if unitPrice.Sign() > 0 {
		row.ContractedCost = unitPrice.Mul(qty)
	}
	uom := val(rec, r.uom)
	row.ConsumedQuantity, row.ConsumedUnit = qty, r.str(trimSpace(uom))
	if u, ok := azureUnits()[uom]; ok {
		row.ConsumedQuantity, row.ConsumedUnit = qty.Mul(u.block), u.unit
	} else if trimSpace(uom) != "" {
		r.tol.note(tolUnknownUOM, line, r.cols.header[r.uom]+": "+quoteShort(uom))
	}
	row.PricingQuantity, row.PricingUnit = row.ConsumedQuantity, row.ConsumedUnit

	// Accounts.
	sub := trimSpace(val(rec, r.sub))
	if sub != "" {
		row.SubAccountID = r.str("/subscriptions/" + sub)
	}
	row.SubAccountName = r.str(val(rec, r.subName))
	account, profile := trimSpace(val(rec, r.account)), trimSpace(val(rec, r.profile))
	switch {
	case r.kind == "payg" || account == "":
		row.BillingAccountID, row.BillingAccountName = row.SubAccountID, row.SubAccountName
	case r.kind == "mca" && profile != "":
		row.BillingAccountID = r.str("/providers/Microsoft.Billing/billingAccounts/" + account + "/billingProfiles/" + profile)
		row.BillingAccountName = r.str(val(rec, r.profileName))
	default:
		row.BillingAccountID = r.str("/providers/Microsoft.Billing/billingAccounts/" + account)
		row.BillingAccountName = r.str(val(rec, r.accountName))
	}
	row.BillingCurrency = r.str(trimSpace(val(rec, r.currency)))
	row.ChargeDescription = r.str(firstNonEmpty(val(rec, r.productName), val(rec, r.meterName)))
	row.PublisherName = r.str(firstNonEmpty(val(rec, r.publisher), "Microsoft"))
	row.InvoiceIssuerName = r.str(firstNonEmpty(val(rec, r.partner), "Microsoft"))
	row.SkuID = r.str(firstNonEmpty(val(rec, r.productID), val(rec, r.meterID)))
	row.RegionID = r.str(azureRegion(val(rec, r.location)))

	id := trimSpace(val(rec, r.resourceID))
	row.ResourceID = strings.ToLower(id)
	row.ResourceName = firstNonEmpty(val(rec, r.resourceName))
	if row.ResourceName == "" && strings.HasPrefix(id, "/") {
		row.ResourceName = id[strings.LastIndexByte(id, '/')+1:]
	}
	rt := strings.ToLower(trimSpace(val(rec, r.resourceType)))
	if rt == "" {
		rt = armType(id)
	}
	r.service(&row, rec, rt, line)

	if row.Tags, err = r.azureTags(rec, line); err != nil {
		return err
	}
	r.emit(&row)
	return nil
}

// service fills ServiceName, ServiceCategory and ServiceSubcategory.
func (r *azureReader) service(row *focus.Row, rec []string, rt string, line int) {
	cs := strings.ToLower(trimSpace(val(rec, r.consumed)))
	fallbackName := firstNonEmpty(val(rec, r.meterCategory), val(rec, r.serviceName), val(rec, r.consumed))
	t := azureServices()
	s, ok := t.byPair[cs+"|"+rt]
	if !ok && rt != "" {
		s, ok = t.byType[rt]
	}
	if ok {
		row.ServiceName, row.ServiceCategory, row.ServiceSubcategory = r.str(s.name), s.category, r.str(s.subcategory)
		return
	}
	row.ServiceName = r.str(fallbackName)
	if c, ok := azureCategories()[cs]; ok {
		row.ServiceCategory = c
		return
	}
	if s, ok := t.byConsumed[cs]; ok && cs != "" {
		row.ServiceName, row.ServiceCategory, row.ServiceSubcategory = r.str(s.name), s.category, r.str(s.subcategory)
		return
	}
	row.ServiceCategory = r.category(nil, firstNonEmpty(val(rec, r.consumed), fallbackName), line)
}

func (r *azureReader) azureTags(rec []string, line int) (string, error) {
	s := val(rec, r.tags)
	t := trimSpace(s)
	if t == "" {
		return "", nil
	}
	if t[0] != '{' {
		r.tol.note(tolTagsBraces, line, r.cols.header[r.tags]+": "+quoteShort(s))
	}
	if s == r.lastTags {
		return r.lastTagsJSON, nil
	}
	m, err := focus.ParseTags(s)
	if err != nil {
		return "", r.rowErr(line, r.tags, s, "is not a JSON object of tags")
	}
	r.lastTags, r.lastTagsJSON = s, tagsJSON(m)
	return r.lastTagsJSON, nil
}

// azureRegion maps a location as Azure exports write it ("EastUS",
// "US East", "westus2") to a RegionId.
func azureRegion(loc string) string {
	loc = strings.ToLower(trimSpace(loc))
	if loc == "" {
		return ""
	}
	regions := azureRegions()
	if id, ok := regions[loc]; ok {
		return id
	}
	compact := strings.ReplaceAll(loc, " ", "")
	if id, ok := regions[compact]; ok {
		return id
	}
	return compact
}

// armType is the resource type of an Azure resource id, lower case:
// "/subscriptions/…/providers/Microsoft.Sql/servers/s/databases/d" is
// "microsoft.sql/servers/databases".
func armType(id string) string {
	low := strings.ToLower(id)
	i := strings.LastIndex(low, "/providers/")
	if i < 0 {
		return ""
	}
	parts := strings.Split(strings.Trim(low[i+len("/providers/"):], "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	t := parts[0]
	for j := 1; j < len(parts); j += 2 {
		t += "/" + parts[j]
	}
	return t
}
