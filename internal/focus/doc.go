// Package focus reads FinOps FOCUS 1.0–1.2 cost and usage exports in CSV,
// the format AWS, Azure, Google Cloud and OCI write, for `kiban cost import`.
//
// The reader is fast (it streams with encoding/csv, reuses one Row, interns
// repeated low-cardinality strings and parses money without going through
// big-number arithmetic when the digits fit in an int64) and lenient: real
// exports are rarely valid FOCUS, so the reader accepts what it can read
// without guessing, and records every quirk it accepted in
// [Reader.Tolerated] with a count, the first line and an example, so that the
// caller can tell the user what was wrong with the file. Tolerated are:
//
//   - gzip-compressed input (detected by its magic bytes) and a UTF-8
//     byte-order mark;
//   - column names in any case and with surrounding spaces; unknown columns
//     (such as an extra Id or x_ vendor columns) are ignored and listed by
//     [Reader.Extra]; a repeated column is ignored after its first occurrence;
//   - a missing EffectiveCost column (EffectiveCost is then BilledCost), a
//     missing ProviderName column (FOCUS 1.3's ServiceProviderName or
//     HostProviderName is used instead, or ProviderName is left empty);
//   - the literal NULL, in any case, in any column: read as empty;
//   - timestamps without the T or the Z ("2024-09-01 00:00:00", read as
//     UTC), dates without a time ("2024-09-01", midnight UTC), hours past 23
//     (carried into the next day, as in the FOCUS 1.2 spec's own examples);
//     RFC 3339 timestamps with an offset or fractional seconds are valid and
//     converted to UTC;
//   - spaces around numbers and timestamps;
//   - a Tags value without its braces (`"k":"v","k2":"v2"`, as Azure writes
//     them); see [ParseTags];
//   - rows whose fields are all empty (skipped).
//
// What the reader cannot read without guessing is an error. Missing required
// columns (BilledCost, ChargePeriodStart, BillingPeriodStart) make
// [NewReader] fail with the list of what is missing, and with a hint when the
// file is a provider's native export rather than FOCUS. A row with too few or
// too many fields, a malformed CSV quote, a cost or quantity that is not a
// decimal number, a timestamp that is not one, or an empty ChargePeriodStart
// or BillingPeriodStart makes [Reader.Next] return a [*RowError] naming the
// line and column; the reader then continues with the next row, so a caller
// can skip bad rows and report them.
//
// Money and quantities are exact decimals ([github.com/shopspring/decimal]),
// never floats; an empty or NULL cost is zero.
package focus
