// Package focusrules checks FinOps FOCUS exports against the FOCUS 1.2
// requirements model, for `kiban cost validate`.
//
// The model is the machine-readable one of the FOCUS validator
// (finopsfoundation/focus_validator, rules/model-1.2.json, MIT), embedded
// unchanged: 621 ModelRules, each with a keyword (MUST, MUST NOT, SHOULD,
// SHOULD NOT, RECOMMENDED, MAY), a MustSatisfy text, a Requirement and a
// Condition built from 22 check functions, applicability criteria, and a
// Type: Static rules have a Requirement, Dynamic ones (201) do not.
//
// # Evaluation
//
// A CSV export (gzip detected by its magic bytes, a UTF-8 byte-order mark
// removed) is streamed with encoding/csv: memory does not grow with the
// file, except for CheckDistinctCount, which keeps up to ExpectedCount+1
// values of its second column per distinct value of its first. The empty
// field and the literal NULL are null, as the FOCUS validator's CSV loader
// reads them (Options.NullValues changes the literal). Every CSV value is a
// string, so TypeString holds; the other functions test the text:
//
//   - ColumnPresent: the header (an exact, case-sensitive name);
//   - TypeDecimal, CheckDecimalValue: a decimal number ([+-]digits[.digits]
//     [e[+-]digits]);
//   - FormatNumeric: the NumericFormat attribute, stricter: no "+" sign, no
//     "+" in the exponent, no "1.", nothing but the number;
//   - TypeDateTime: a date/time (RFC 3339, "2006-01-02 15:04:05", a date);
//     FormatDateTime: the DateTimeFormat attribute, YYYY-MM-DDTHH:mm:ssZ, a
//     real instant;
//   - FormatString: valid Unicode (StringHandling-A-001-M);
//   - FormatKeyValue: a JSON object with unique keys and scalar values;
//   - FormatCurrency: three upper-case letters (any string too when
//     VIRTUAL_CURRENCY_SUPPORTED is claimed); CheckNationalCurrency: an ISO
//     4217 code of a national currency;
//   - CheckValue, CheckNotValue: null, a string (exact, case-sensitive) or a
//     number (compared as a decimal); CheckSameValue, CheckNotSameValue;
//   - CheckGreaterOrEqualThanValue, ColumnByColumnEqualsColumnValue: exact
//     decimal comparison and multiplication, no float rounding;
//   - CheckDistinctCount: each non-null value of the first column has
//     exactly ExpectedCount distinct non-null values of the second;
//   - AND, OR; CheckModelRule composes rules (see below).
//
// Checks are three-valued, as in SQL, which the FOCUS validator runs its
// checks in: a comparison with a null value is unknown. A requirement fails
// a row only when it is false, a condition selects a row only when it is
// true. So a null fails "MUST NOT be null" but not "MUST be one of the
// allowed values" (its own rule), and a condition such as "ProviderName is
// not InvoiceIssuerName" does not select a row where one is null. One
// exception: CheckNotValue(col, "value") holds for null, so "when
// ChargeClass is not \"Correction\"" selects the rows whose ChargeClass is
// null, which is every row but corrections (read as SQL, the seventeen
// conditions of this form would leave out the ordinary rows they are
// about).
//
// # The tree of rules
//
// Composite rules (AND or OR of CheckModelRule) group rules: the dataset
// rule CostAndUsage-D-000-M over the presence rules and one composite per
// column, each over that column's rules. A rule inherits the applicability
// criteria and the conditions of the composites above it: the rules of
// ResourceId are not applicable unless the criteria of ResourceId-C-000-C
// are claimed, and those under "When ListUnitPrice is not null, …" apply to
// the rows where ListUnitPrice is not null. A rule needing criteria applies
// only when all of them are claimed (the presence rules' texts say "and").
// An AND composite's status is that of its parts (fail if one fails); it is
// not counted, its parts are. The two OR composites (InvoiceId-C-003-C,
// SubAccountType-C-003-C: "nullability is defined as follows") are row
// checks: a row satisfies them when one of the alternatives whose own
// condition selects it holds; the alternatives are evaluated alone too, for
// information, but only the OR is counted.
//
// A rule on a column absent from the file is skipped (its presence rule,
// if applicable, fails); in a condition, an absent column reads as null, as
// for a provider without the feature. Dynamic rules are not checked: the
// model gives them no requirement, since they need context beyond the rows
// (invoices, price lists, history). MAY rules are not checked either: they
// permit, they require nothing. FormatUnit is not checked: UnitFormat's
// recommended units and their capitalisation are SHOULD-level and no
// pattern captures them (the FOCUS validator skips it too). Each such rule
// has its reason in the report; none is reported as passed.
//
// # Errata
//
// Twelve rules of the 1.2 model are encoded against their own MustSatisfy
// text, e.g. CommitmentDiscountStatus-C-005-M lists "Active", "Expired",
// "Pending" where FOCUS 1.2 has "Used" and "Unused", and
// CommitmentDiscountStatus-C-003-C ("MUST be null when …") checks not null.
// [Embedded] checks them as their text says, and says so in each result's
// Erratum; [EmbeddedAsPublished] checks them as encoded. Four rules have a
// malformed condition ("CheckCondition" for "ColumnName"; {"AND": …} without
// CheckFunction), read as intended in both, with a note in Normalized (the
// FOCUS validator drops such conditions, applying the rule to every row).
package focusrules
