// Package billconv reads cloud billing exports as they come, FOCUS or a
// provider's native format, and gives FOCUS rows ([focus.Row]) for
// `kiban cost import`.
//
// [NewReader] detects the format from the header. FOCUS goes through
// [focus.Reader] unchanged. The native formats are converted column by
// column following the FinOps Foundation's focus_converters rules and, for
// Azure, Microsoft's FinOps toolkit:
//
//   - "aws-cur": AWS Cost and Usage Report, legacy (lineItem/UnblendedCost,
//     resourceTags/user:* columns);
//   - "aws-cur2": CUR 2.0 and Athena-style snake_case names
//     (line_item_unblended_cost, a resource_tags map column);
//   - "azure-ea-actual", "azure-ea-amortized", "azure-mca",
//     "azure-mca-amortized": Azure cost details exports (Enterprise
//     Agreement or Microsoft Customer Agreement, actual or amortized cost),
//     in any of their header spellings, camelCase or localized
//     ("Kategorie der Verbrauchseinheit (MeterCategory)");
//   - "azure-payg": the older pay-as-you-go usage details (SubscriptionGuid,
//     UsageDateTime, PreTaxCost);
//   - "gcp-billing": the Google Cloud BigQuery billing export flattened to
//     CSV (service.description, labels and credits written as Python
//     literals);
//   - "oci": Oracle Cloud cost reports (lineItem/referenceNo, cost/myCost,
//     tags/<namespace>.<key> columns).
//
// Native readers follow [focus.Reader]'s contract: Next returns rows (the
// Row is reused by the next call) and io.EOF at the end; a row that cannot
// be read is a [*focus.RowError] naming the line and column, after which
// reading continues; every quirk accepted is counted in Tolerated. Money is
// exact ([github.com/shopspring/decimal]).
//
// How each FOCUS column is filled from each format is documented on the
// converters (aws.go, azure.go, gcp.go, oci.go).
package billconv

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/parquetrec"
)

// Reader reads FOCUS or a native export, detected from the header.
type Reader interface {
	// Next returns the next row, or io.EOF after the last one. A row that
	// cannot be read gives a *focus.RowError, after which Next continues;
	// any other error is final. The returned Row is reused by the next
	// call.
	Next() (*focus.Row, error)
	// Tolerated returns the quirks accepted so far.
	Tolerated() []focus.Tolerance
	// Extra returns the columns of the file that are not read, as written.
	Extra() []string
	// Format names the format read: "focus-1.2" (focus- and the
	// [focus.Reader.Version]), "aws-cur", "aws-cur2", "azure-ea-actual",
	// "azure-ea-amortized", "azure-mca", "azure-mca-amortized",
	// "azure-payg", "gcp-billing" or "oci", with "-parquet" appended when
	// the file is Parquet. A Parquet reader also has a Close method
	// (io.Closer) that removes the temporary copy it may have made.
	Format() string
}

const (
	bufferSize = 64 << 10
	// maxHeader bounds the header line.
	maxHeader = 1 << 20
)

// ErrUnknownFormat is wrapped by the error NewReader gives for a header it
// does not recognise.
var ErrUnknownFormat = errors.New("not a FOCUS export nor a known native billing export")

// NewReader reads the header of a billing export from r and returns a
// reader for its format. The export is CSV or Parquet (detected by its
// magic bytes, its columns taken as the header; see newParquet). Gzip is
// detected by its magic bytes and a UTF-8 byte-order mark is skipped. A
// header that is neither FOCUS nor a native
// format it knows is an error wrapping ErrUnknownFormat that says what was
// expected.
func NewReader(r io.Reader) (Reader, error) {
	br := bufio.NewReaderSize(r, bufferSize)
	first := br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("billconv: reading gzip: %w", err)
		}
		br = bufio.NewReaderSize(gz, bufferSize)
	}
	if magic, _ := br.Peek(len(parquetrec.Magic)); string(magic) == parquetrec.Magic {
		return newParquet(r, br, br != first)
	}
	bom := false
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3)
		bom = true
	}
	// Read the header, keeping the bytes read to replay them to the reader
	// of the format.
	var head bytes.Buffer
	cr := csv.NewReader(io.TeeReader(io.LimitReader(br, maxHeader), &head))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("billconv: empty input: no header")
	}
	if err != nil {
		return nil, fmt.Errorf("billconv: reading the header: %w", err)
	}
	if head.Len() >= maxHeader && cr.InputOffset() >= maxHeader {
		return nil, fmt.Errorf("billconv: header longer than %d bytes", maxHeader)
	}
	stream := io.MultiReader(&head, br)

	if isFOCUS(header) {
		if bom { // for focus.Reader to note it
			stream = io.MultiReader(bytes.NewReader([]byte("\ufeff")), stream)
		}
		fr, err := focus.NewReader(stream)
		if err != nil {
			return nil, err
		}
		return focusReader{fr}, nil
	}

	kind := detect(header)
	if kind == "" {
		return nil, unknownFormat(header)
	}
	var tol tolerances
	if bom {
		tol.note(tolBOM, 1, "EF BB BF")
	}
	src, header, err := newSource(stream, &tol)
	if err != nil {
		return nil, err
	}
	return newNative(kind, src, header, &tol), nil
}

func unknownFormat(header []string) error {
	return fmt.Errorf("billconv: %w: expected FOCUS (BilledCost, ChargePeriodStart, BillingPeriodStart), "+
		"an AWS Cost and Usage Report (lineItem/UnblendedCost or line_item_unblended_cost, with the usage start date), "+
		"Azure cost details (Cost, CostInBillingCurrency or PreTaxCost, with Date or UsageDateTime and MeterCategory or ConsumedService), "+
		"a Google Cloud billing export (cost, usage_start_time, service.description or billing_account_id) "+
		"or an OCI cost report (cost/myCost, lineItem/intervalUsageStart); the header starts %s",
		ErrUnknownFormat, quoteShort(strings.Join(header, ",")))
}

// newNative returns the reader of a native export of kind.
func newNative(kind string, src *source, header []string, tol *tolerances) Reader {
	b := &base{src: src, cols: newColumns(header, tol), tol: tol, intern: make(map[string]string, 256)}
	switch kind {
	case "aws":
		return newAWS(b)
	case "azure":
		return newAzure(b)
	case "gcp":
		return newGCP(b)
	default:
		return newOCI(b)
	}
}

// isFOCUS reports whether the header has FOCUS's required columns.
func isFOCUS(header []string) bool {
	need := map[string]bool{"billedcost": false, "chargeperiodstart": false, "billingperiodstart": false}
	for _, h := range header {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, ok := need[k]; ok {
			need[k] = true
		}
	}
	for _, ok := range need {
		if !ok {
			return false
		}
	}
	return true
}

// detect names the native format of a header: "aws", "azure", "gcp",
// "oci", or "".
func detect(header []string) string {
	has := map[string]bool{}
	for _, h := range header {
		has[canon(h)] = true
	}
	hasAny := func(names ...string) bool {
		for _, n := range names {
			if has[n] {
				return true
			}
		}
		return false
	}
	switch {
	case has["costmycost"] && has["lineitemintervalusagestart"]:
		return "oci"
	case has["lineitemunblendedcost"] && has["lineitemusagestartdate"]:
		return "aws"
	case has["cost"] && has["usagestarttime"] && hasAny("servicedescription", "billingaccountid"):
		return "gcp"
	case hasAny("costinbillingcurrency", "cost", "pretaxcost") && hasAny("date", "usagedatetime", "usagedate") &&
		hasAny("metercategory", "consumedservice", "meterid"):
		return "azure"
	}
	return ""
}

// focusReader is a FOCUS export read by focus.Reader.
type focusReader struct{ *focus.Reader }

func (f focusReader) Format() string { return "focus-" + f.Version() }
