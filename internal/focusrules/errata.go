package focusrules

// An erratum corrects a rule of the 1.2 model whose machine-readable
// encoding contradicts its own MustSatisfy text, in a way that would report
// conforming data as failing (or check something other than what the text
// says). Each applies only while the rule still has the defective encoding,
// so a corrected model is read as published. Options.NoErrata evaluates the
// model exactly as published.
type erratum struct {
	id      string
	why     string
	applies func(*Rule) bool
	fix     func(*Rule)
}

func nullLit() *Literal                 { return &Literal{Null: true} }
func strLit(s string) *Literal          { return &Literal{Text: s} }
func cv(col string, v *Literal) *Check  { return &Check{Func: "CheckValue", Column: col, Value: v} }
func cnv(col string, v *Literal) *Check { return &Check{Func: "CheckNotValue", Column: col, Value: v} }

func encodedAs(c *Check, s string) bool { return c.String() == s }

// decimalValue is the erratum shared by the "MUST be a valid decimal value"
// rules that the model encodes as a second not-null check.
func decimalValue(id, col, was string) erratum {
	return erratum{
		id:      id,
		why:     `MustSatisfy says "` + col + ` MUST be a valid decimal value" but the model encodes ` + was + `; checked with CheckDecimalValue(` + col + `) as BilledCost-C-004-M is`,
		applies: func(r *Rule) bool { return encodedAs(r.Requirement, was) },
		fix:     func(r *Rule) { r.Requirement = &Check{Func: "CheckDecimalValue", Column: col} },
	}
}

var errata = []erratum{
	{
		id:      "CommitmentDiscountStatus-C-003-C",
		why:     `MustSatisfy says "MUST be null when CommitmentDiscountId is null" but the model encodes CheckNotValue(CommitmentDiscountStatus, null); checked as CheckValue(CommitmentDiscountStatus, null)`,
		applies: func(r *Rule) bool { return encodedAs(r.Requirement, "CheckNotValue(CommitmentDiscountStatus, null)") },
		fix:     func(r *Rule) { r.Requirement = cv("CommitmentDiscountStatus", nullLit()) },
	},
	{
		id:      "CommitmentDiscountStatus-C-004-C",
		why:     `MustSatisfy says "when CommitmentDiscountId is not null and ChargeCategory is \"Usage\"" but the model's Condition is CheckValue(CommitmentDiscountId, null); checked with that stated condition`,
		applies: func(r *Rule) bool { return encodedAs(r.Condition, "CheckValue(CommitmentDiscountId, null)") },
		fix: func(r *Rule) {
			r.Condition = &Check{Func: "AND", Items: []*Check{cnv("CommitmentDiscountId", nullLit()), cv("ChargeCategory", strLit("Usage"))}}
		},
	},
	{
		id:  "CommitmentDiscountStatus-C-005-M",
		why: `the model lists "Active", "Expired", "Pending", which are not FOCUS 1.2's CommitmentDiscountStatus values; checked against the spec's allowed values "Used" and "Unused" (as in the spec's own commitment discount examples)`,
		applies: func(r *Rule) bool {
			return encodedAs(r.Requirement, `OR(CheckValue(CommitmentDiscountStatus, "Active"), CheckValue(CommitmentDiscountStatus, "Expired"), CheckValue(CommitmentDiscountStatus, "Pending"))`)
		},
		fix: func(r *Rule) {
			r.Requirement = &Check{Func: "OR", Items: []*Check{cv("CommitmentDiscountStatus", strLit("Used")), cv("CommitmentDiscountStatus", strLit("Unused"))}}
		},
	},
	{
		id:      "ConsumedQuantity-C-006-C",
		why:     `MustSatisfy says "MUST NOT be null when ChargeClass is not \"Correction\"" but the model's Condition is CheckValue(ChargeClass, "Correction"); checked with CheckNotValue(ChargeClass, "Correction")`,
		applies: func(r *Rule) bool { return encodedAs(r.Condition, `CheckValue(ChargeClass, "Correction")`) },
		fix:     func(r *Rule) { r.Condition = cnv("ChargeClass", strLit("Correction")) },
	},
	decimalValue("EffectiveCost-C-004-M", "EffectiveCost", "CheckNotValue(EffectiveCost, null)"),
	decimalValue("ContractedCost-C-004-M", "ContractedCost", "CheckNotValue(ContractedCost, null)"),
	decimalValue("ListCost-C-004-M", "ListCost", "CheckNotValue(ListCost, null)"),
	decimalValue("PricingQuantity-C-008-M", "PricingQuantity", "CheckNotValue(PricingQuantity, null)"),
	decimalValue("PricingCurrencyEffectiveCost-C-004-M", "PricingCurrencyEffectiveCost", "CheckGreaterOrEqualThanValue(PricingCurrencyListUnitPrice, 0)"),
	{
		id:      "Tags-C-003-C",
		why:     `MustSatisfy says "When Tags is not null" but the model's Condition is CheckValue(Tags, null); read as CheckNotValue(Tags, null)`,
		applies: func(r *Rule) bool { return encodedAs(r.Condition, "CheckValue(Tags, null)") },
		fix:     func(r *Rule) { r.Condition = cnv("Tags", nullLit()) },
	},
	{
		id:      "CommitmentDiscountQuantity-C-010-C",
		why:     `MustSatisfy says "When ChargeCategory is \"Purchase\"" but the model's Condition is CheckValue(ChargeCategory, null); read as CheckValue(ChargeCategory, "Purchase")`,
		applies: func(r *Rule) bool { return encodedAs(r.Condition, "CheckValue(ChargeCategory, null)") },
		fix:     func(r *Rule) { r.Condition = cv("ChargeCategory", strLit("Purchase")) },
	},
	{
		id:  "ListUnitPrice-C-010-C",
		why: `MustSatisfy says "when PricingQuantity is not null and ChargeClass is not \"Correction\"" but the model's Condition tests ListUnitPrice instead of PricingQuantity; checked with the stated condition`,
		applies: func(r *Rule) bool {
			return encodedAs(r.Condition, `AND(CheckNotValue(ListUnitPrice, null), CheckNotValue(ChargeClass, "Correction"))`)
		},
		fix: func(r *Rule) {
			r.Condition = &Check{Func: "AND", Items: []*Check{cnv("PricingQuantity", nullLit()), cnv("ChargeClass", strLit("Correction"))}}
		},
	},
}
