package focus

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Row is one FOCUS row with the columns kiban uses. Money is exact decimal,
// never float.
type Row struct {
	Line int // 1-based line of the row in the file (header is line 1)

	BillingAccountID, BillingAccountName, SubAccountID, SubAccountName string
	BillingCurrency                                                    string

	BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd time.Time // UTC

	BilledCost, EffectiveCost, ListCost, ContractedCost decimal.Decimal // absent/NULL/empty = zero

	ChargeCategory, ChargeClass, ChargeDescription, ChargeFrequency string

	// ProviderName is FOCUS 1.0–1.2's ProviderName; when that is absent or
	// empty, FOCUS 1.3's ServiceProviderName, else HostProviderName.
	ProviderName, PublisherName, InvoiceIssuerName string

	ServiceName, ServiceCategory, ServiceSubcategory string

	ResourceID, ResourceName, ResourceType, RegionID string

	SkuID, PricingCategory, PricingUnit string

	PricingQuantity, ConsumedQuantity decimal.Decimal
	ConsumedUnit                      string

	CommitmentDiscountID, CommitmentDiscountName, CommitmentDiscountType, CommitmentDiscountStatus, CommitmentDiscountCategory string

	CommitmentDiscountQuantity decimal.Decimal // FOCUS 1.1+; zero when absent
	CommitmentDiscountUnit     string

	Tags string // the Tags column as written (JSON object text, possibly quirky); parse with ParseTags
}

// RowError is a row the reader could not read. The reader continues with the
// next row after it.
type RowError struct {
	Line   int    // line where the row starts
	Column string // the column at fault; empty when the row as a whole is
	Value  string // the value at fault, as written
	Msg    string // what is wrong, e.g. "is not a number"
}

func (e *RowError) Error() string {
	switch {
	case e.Column == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Value == "":
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s: %s %s", e.Line, e.Column, quoteShort(e.Value), e.Msg)
}

// Tolerance is one kind of quirk the reader accepted: how many times, the
// first line it was seen on (1 for the header) and an example.
type Tolerance struct {
	Kind      string
	Count     int
	FirstLine int
	Example   string
}

// Kinds of Tolerance, in the order Tolerated lists them.
const (
	TolByteOrderMark       = "UTF-8 byte-order mark"
	TolColumnName          = "column name in another case or with spaces"
	TolDuplicateColumn     = "duplicate column ignored"
	TolNoEffectiveCost     = "no EffectiveCost column: EffectiveCost = BilledCost"
	TolServiceProviderName = "no ProviderName column: ProviderName from ServiceProviderName/HostProviderName"
	TolNoProviderName      = "no ProviderName column: ProviderName empty"
	TolNULL                = "NULL read as empty"
	TolTimestampNoTZ       = "timestamp without T/Z read as UTC"
	TolDateOnly            = "date without time read as midnight UTC"
	TolHourOverflow        = "hour past 23 carried into the next day"
	TolSpaces              = "spaces around a number or timestamp"
	TolTagsWithoutBraces   = "Tags without braces"
	TolBlankRow            = "row of empty fields skipped"
)

const (
	tolCount   = 13
	maxIntern  = 1 << 16 // interned strings per reader
	bufferSize = 256 << 10
)

var tolKinds = [tolCount]string{
	TolByteOrderMark, TolColumnName, TolDuplicateColumn, TolNoEffectiveCost,
	TolServiceProviderName, TolNoProviderName, TolNULL, TolTimestampNoTZ,
	TolDateOnly, TolHourOverflow, TolSpaces, TolTagsWithoutBraces, TolBlankRow,
}

const (
	tolBOM = iota
	tolColumnName
	tolDuplicate
	tolNoEffectiveCost
	tolServiceProvider
	tolNoProvider
	tolNULL
	tolNoTZ
	tolDateOnly
	tolHourOverflow
	tolSpaces
	tolTagsBraces
	tolBlankRow
)

// The columns the reader reads.
const (
	cBillingAccountID = iota
	cBillingAccountName
	cSubAccountID
	cSubAccountName
	cBillingCurrency
	cBillingPeriodStart
	cBillingPeriodEnd
	cChargePeriodStart
	cChargePeriodEnd
	cBilledCost
	cEffectiveCost
	cListCost
	cContractedCost
	cChargeCategory
	cChargeClass
	cChargeDescription
	cChargeFrequency
	cProviderName
	cPublisherName
	cInvoiceIssuerName
	cServiceProviderName
	cHostProviderName
	cServiceName
	cServiceCategory
	cServiceSubcategory
	cResourceID
	cResourceName
	cResourceType
	cRegionID
	cSkuID
	cPricingCategory
	cPricingUnit
	cPricingQuantity
	cConsumedQuantity
	cConsumedUnit
	cCommitmentDiscountID
	cCommitmentDiscountName
	cCommitmentDiscountType
	cCommitmentDiscountStatus
	cCommitmentDiscountCategory
	cCommitmentDiscountQuantity
	cCommitmentDiscountUnit
	cTags
	numCols
)

var colNames = [numCols]string{
	"BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName",
	"BillingCurrency",
	"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
	"BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
	"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ProviderName", "PublisherName", "InvoiceIssuerName",
	"ServiceProviderName", "HostProviderName",
	"ServiceName", "ServiceCategory", "ServiceSubcategory",
	"ResourceId", "ResourceName", "ResourceType", "RegionId",
	"SkuId", "PricingCategory", "PricingUnit",
	"PricingQuantity", "ConsumedQuantity", "ConsumedUnit",
	"CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountType",
	"CommitmentDiscountStatus", "CommitmentDiscountCategory",
	"CommitmentDiscountQuantity", "CommitmentDiscountUnit",
	"Tags",
}

// required are the columns without which kiban cannot place and sum cost.
var required = []int{cBilledCost, cChargePeriodStart, cBillingPeriodStart}

// noIntern are the string columns with too many distinct values to intern.
var noIntern = [numCols]bool{cResourceID: true, cResourceName: true, cTags: true}

var colByName = func() map[string]int {
	m := make(map[string]int, numCols)
	for i, n := range colNames {
		m[strings.ToLower(n)] = i
	}
	return m
}()

// Columns that first appeared in a FOCUS version (from the FOCUS changelog),
// lower case. The 1.0 list holds columns new in 1.0, which earlier drafts lack.
var versionColumns = []struct {
	version string
	columns []string
}{
	{"1.3", []string{"serviceprovidername", "hostprovidername", "allocatedmethodid", "allocatedmethoddetails",
		"allocatedresourceid", "allocatedresourcename", "allocatedtags", "contractapplied"}},
	{"1.2", []string{"billingaccounttype", "subaccounttype", "invoiceid", "pricingcurrency",
		"pricingcurrencycontractedunitprice", "pricingcurrencyeffectivecost", "pricingcurrencylistunitprice"}},
	{"1.1", []string{"capacityreservationid", "capacityreservationstatus", "commitmentdiscountquantity",
		"commitmentdiscountunit", "servicesubcategory", "skumeter", "skupricedetails"}},
	{"1.0", []string{"chargeclass", "commitmentdiscountstatus", "contractedcost", "contractedunitprice",
		"regionid", "regionname", "consumedquantity", "consumedunit"}},
}

// Reader reads FOCUS rows from a CSV export. It is not safe for concurrent
// use.
type Reader struct {
	cr      Records
	header  []string
	idx     [numCols]int // field index of each column, -1 when absent
	extra   []string
	version string
	row     Row
	tol     [tolCount]Tolerance

	noEffectiveCost bool

	intern    map[string]string
	last      [numCols]string // last raw value seen per column
	lastStr   [numCols]string // its interned string
	lastDec   [numCols]decimal.Decimal
	lastTime  [numCols]time.Time
	lastQuirk [numCols]int

	// Decimals parsed in the current row: costs and quantities often repeat
	// across columns (BilledCost = EffectiveCost = ListCost on demand).
	rowDecs [8]struct {
		s string
		d decimal.Decimal
	}
	nRowDecs int
}

// NewReader reads the header of a FOCUS CSV export from r. It detects gzip by
// its magic bytes, strips a UTF-8 byte-order mark and matches column names
// case-insensitively, ignoring surrounding spaces. It fails, naming them, when
// required columns are missing (BilledCost, ChargePeriodStart,
// BillingPeriodStart); a missing EffectiveCost or ProviderName is tolerated
// (see Tolerated).
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, bufferSize)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("focus: reading gzip: %w", err)
		}
		br = bufio.NewReaderSize(gz, bufferSize)
	}
	fr := &Reader{intern: make(map[string]string, 256)}
	if bom, _ := br.Peek(3); len(bom) == 3 && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf {
		_, _ = br.Discard(3)
		fr.noteHeader(tolBOM, "EF BB BF")
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	fr.cr = cr
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("focus: empty input: no header")
	}
	if err != nil {
		return nil, fmt.Errorf("focus: reading the header: %w", err)
	}
	fr.header = append([]string(nil), rec...)
	if err := fr.mapColumns(); err != nil {
		return nil, err
	}
	return fr, nil
}

// Records is a source of rows as text fields after a header, such as
// encoding/csv's Reader or a Parquet file read as text.
type Records interface {
	// Read returns the next row's fields, or io.EOF after the last. The
	// slice may be reused by the next call. An error that concerns one row
	// only (a *csv.ParseError, or an error with a RowLine() int method)
	// lets reading go on; any other is final.
	Read() ([]string, error)
	// FieldPos returns the line (the header being line 1) and column of
	// field of the row last read.
	FieldPos(field int) (line, column int)
}

// RecordsRowError returns the *RowError for an error of a Records source
// that concerns one row, after which reading goes on: a *csv.ParseError,
// or an error with a RowLine() int method (a Parquet value the schema does
// not allow); nil for any other error.
func RecordsRowError(err error) *RowError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine
		if line == 0 {
			line = pe.Line
		}
		return &RowError{Line: line, Msg: "bad CSV: " + pe.Err.Error()}
	}
	var re interface{ RowLine() int }
	if errors.As(err, &re) {
		return &RowError{Line: re.RowLine(), Msg: err.Error()}
	}
	return nil
}

// NewRecordReader reads FOCUS rows from rows, whose columns are header,
// as [NewReader] does from a CSV export.
func NewRecordReader(header []string, rows Records) (*Reader, error) {
	fr := &Reader{intern: make(map[string]string, 256), cr: rows, header: slices.Clone(header)}
	if err := fr.mapColumns(); err != nil {
		return nil, err
	}
	return fr, nil
}

func (r *Reader) mapColumns() error {
	for i := range r.idx {
		r.idx[i] = -1
	}
	present := make(map[string]bool, len(r.header))
	for i, name := range r.header {
		key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		present[key] = true
		c, ok := colByName[key]
		switch {
		case !ok:
			r.extra = append(r.extra, name)
			continue
		case r.idx[c] >= 0:
			r.extra = append(r.extra, name)
			r.noteHeader(tolDuplicate, name)
			continue
		}
		r.idx[c] = i
		if name != colNames[c] {
			r.noteHeader(tolColumnName, strconv.Quote(name)+" as "+colNames[c])
		}
	}
	var missing []string
	for _, c := range required {
		if r.idx[c] < 0 {
			missing = append(missing, colNames[c])
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("focus: not a FOCUS export: missing required columns %s", strings.Join(missing, ", "))
		if hint := nativeExport(present); hint != "" {
			msg += " (this looks like " + hint + "; export FOCUS instead)"
		}
		return errors.New(msg)
	}
	if r.idx[cEffectiveCost] < 0 {
		r.noEffectiveCost = true
		r.noteHeader(tolNoEffectiveCost, "EffectiveCost = BilledCost")
	}
	if r.idx[cProviderName] < 0 {
		if r.idx[cServiceProviderName] >= 0 || r.idx[cHostProviderName] >= 0 {
			r.noteHeader(tolServiceProvider, "FOCUS 1.3 columns")
		} else {
			r.noteHeader(tolNoProvider, "ProviderName empty")
		}
	}
	r.version = "1.0+"
	for _, v := range versionColumns {
		for _, c := range v.columns {
			if present[c] {
				r.version = v.version
				return nil
			}
		}
	}
	return nil
}

// nativeExport names the provider export a header comes from, when it is not
// FOCUS but a well-known native format.
func nativeExport(present map[string]bool) string {
	has := func(prefix string) bool {
		for c := range present {
			if strings.HasPrefix(c, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case present["lineitem/referenceno"] || has("cost/mycost"):
		return "an OCI cost report"
	case has("lineitem/") || has("line_item_"):
		return "an AWS Cost and Usage Report"
	case present["costinbillingcurrency"] || present["pretaxcost"] || present["metercategory"] || has("kategorie der verbrauchseinheit"):
		return "an Azure cost details export"
	case present["service.description"] || present["usage_start_time"]:
		return "a Google Cloud billing export"
	}
	return ""
}

// Columns returns the header as read.
func (r *Reader) Columns() []string { return append([]string(nil), r.header...) }

// Extra returns the columns the reader does not read, as written in the
// header, in header order.
func (r *Reader) Extra() []string { return append([]string(nil), r.extra...) }

// Version returns a best guess of the FOCUS version from the columns present:
// "1.3" (ServiceProviderName, HostProviderName, Allocated*…), "1.2"
// (InvoiceId, PricingCurrency, BillingAccountType…), "1.1"
// (CommitmentDiscountQuantity, CapacityReservationId, ServiceSubcategory…),
// "1.0" (ChargeClass, ContractedCost, RegionId…), else "1.0+". Optional
// columns may be left out of an export, so a newer file can look older.
func (r *Reader) Version() string { return r.version }

// Tolerated returns the quirks accepted so far, in a fixed order of kinds.
func (r *Reader) Tolerated() []Tolerance {
	var out []Tolerance
	for _, t := range r.tol {
		if t.Count > 0 {
			out = append(out, t)
		}
	}
	return out
}

func (r *Reader) noteHeader(kind int, example string) {
	t := &r.tol[kind]
	t.Kind = tolKinds[kind]
	t.Count++
	if t.Count == 1 {
		t.FirstLine = 1
		t.Example = example
	}
}

func (r *Reader) note(kind, line int, column, value string) {
	t := &r.tol[kind]
	t.Count++
	if t.Count == 1 {
		t.Kind = tolKinds[kind]
		t.FirstLine = line
		t.Example = column + ": " + quoteShort(value)
	}
}

// Next returns the next row, or io.EOF after the last one. A row that cannot
// be read gives a *RowError, after which Next continues with the following
// row; any other error (a failing or truncated input) is final. The returned
// Row is reused by the next call: copy what you keep. String columns are
// interned (up to 65,536 distinct values per Reader) except ResourceID,
// ResourceName and Tags, which share memory with the row's text: clone them
// (strings.Clone) if you keep many for long.
func (r *Reader) Next() (*Row, error) {
	for {
		rec, err := r.cr.Read()
		if err != nil {
			if re := RecordsRowError(err); re != nil {
				return nil, re
			}
			return nil, err
		}
		line, _ := r.cr.FieldPos(0)
		if len(rec) != len(r.header) {
			if len(rec) == 1 && trimSpace(rec[0]) == "" {
				r.note(tolBlankRow, line, "row", rec[0])
				continue
			}
			return nil, &RowError{Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(r.header))}
		}
		for i, f := range rec {
			if len(f) == 4 && isNULL(f) {
				rec[i] = ""
				r.note(tolNULL, line, r.header[i], f)
			}
		}
		row, err := r.decode(rec, line)
		if err == errBlankRow {
			r.note(tolBlankRow, line, "row", strings.Repeat(",", len(rec)-1))
			continue
		}
		return row, err
	}
}

var errBlankRow = errors.New("blank row")

func (r *Reader) decode(rec []string, line int) (*Row, error) {
	row := &r.row
	row.Line = line
	r.nRowDecs = 0
	var err error
	if row.BillingPeriodStart, err = r.time(rec, cBillingPeriodStart, line, true); err != nil {
		return nil, err
	}
	if row.ChargePeriodStart, err = r.time(rec, cChargePeriodStart, line, true); err != nil {
		return nil, err
	}
	if row.BillingPeriodEnd, err = r.time(rec, cBillingPeriodEnd, line, false); err != nil {
		return nil, err
	}
	if row.ChargePeriodEnd, err = r.time(rec, cChargePeriodEnd, line, false); err != nil {
		return nil, err
	}
	if row.BilledCost, err = r.dec(rec, cBilledCost, line); err != nil {
		return nil, err
	}
	if r.noEffectiveCost {
		row.EffectiveCost = row.BilledCost
	} else if row.EffectiveCost, err = r.dec(rec, cEffectiveCost, line); err != nil {
		return nil, err
	}
	if row.ListCost, err = r.dec(rec, cListCost, line); err != nil {
		return nil, err
	}
	if row.ContractedCost, err = r.dec(rec, cContractedCost, line); err != nil {
		return nil, err
	}
	if row.PricingQuantity, err = r.dec(rec, cPricingQuantity, line); err != nil {
		return nil, err
	}
	if row.ConsumedQuantity, err = r.dec(rec, cConsumedQuantity, line); err != nil {
		return nil, err
	}
	if row.CommitmentDiscountQuantity, err = r.dec(rec, cCommitmentDiscountQuantity, line); err != nil {
		return nil, err
	}

	row.BillingAccountID = r.str(rec, cBillingAccountID)
	row.BillingAccountName = r.str(rec, cBillingAccountName)
	row.SubAccountID = r.str(rec, cSubAccountID)
	row.SubAccountName = r.str(rec, cSubAccountName)
	row.BillingCurrency = r.str(rec, cBillingCurrency)
	row.ChargeCategory = r.str(rec, cChargeCategory)
	row.ChargeClass = r.str(rec, cChargeClass)
	row.ChargeDescription = r.str(rec, cChargeDescription)
	row.ChargeFrequency = r.str(rec, cChargeFrequency)
	row.ProviderName = r.str(rec, cProviderName)
	if row.ProviderName == "" {
		if row.ProviderName = r.str(rec, cServiceProviderName); row.ProviderName == "" {
			row.ProviderName = r.str(rec, cHostProviderName)
		}
	}
	row.PublisherName = r.str(rec, cPublisherName)
	row.InvoiceIssuerName = r.str(rec, cInvoiceIssuerName)
	row.ServiceName = r.str(rec, cServiceName)
	row.ServiceCategory = r.str(rec, cServiceCategory)
	row.ServiceSubcategory = r.str(rec, cServiceSubcategory)
	row.ResourceID = r.str(rec, cResourceID)
	row.ResourceName = r.str(rec, cResourceName)
	row.ResourceType = r.str(rec, cResourceType)
	row.RegionID = r.str(rec, cRegionID)
	row.SkuID = r.str(rec, cSkuID)
	row.PricingCategory = r.str(rec, cPricingCategory)
	row.PricingUnit = r.str(rec, cPricingUnit)
	row.ConsumedUnit = r.str(rec, cConsumedUnit)
	row.CommitmentDiscountID = r.str(rec, cCommitmentDiscountID)
	row.CommitmentDiscountName = r.str(rec, cCommitmentDiscountName)
	row.CommitmentDiscountType = r.str(rec, cCommitmentDiscountType)
	row.CommitmentDiscountStatus = r.str(rec, cCommitmentDiscountStatus)
	row.CommitmentDiscountCategory = r.str(rec, cCommitmentDiscountCategory)
	row.CommitmentDiscountUnit = r.str(rec, cCommitmentDiscountUnit)
	row.Tags = r.str(rec, cTags)
	if t := row.Tags; t != "" && t[0] != '{' {
		if tt := trimSpace(t); tt != "" && tt[0] != '{' {
			r.note(tolTagsBraces, line, colNames[cTags], t)
		}
	}
	return row, nil
}

// str returns column c of rec, interned unless c has too many distinct
// values.
func (r *Reader) str(rec []string, c int) string {
	i := r.idx[c]
	if i < 0 {
		return ""
	}
	s := rec[i]
	if s == "" || noIntern[c] {
		return s
	}
	if s == r.last[c] {
		return r.lastStr[c]
	}
	v, ok := r.intern[s]
	if !ok {
		if len(r.intern) >= maxIntern {
			return s
		}
		v = strings.Clone(s)
		r.intern[v] = v
	}
	r.last[c], r.lastStr[c] = s, v
	return v
}

// dec returns column c of rec as a decimal; empty is zero.
func (r *Reader) dec(rec []string, c, line int) (decimal.Decimal, error) {
	i := r.idx[c]
	if i < 0 {
		return decimal.Decimal{}, nil
	}
	s := rec[i]
	if s == "" {
		return decimal.Decimal{}, nil
	}
	if s == r.last[c] {
		return r.lastDec[c], nil
	}
	v := s
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		if v = trimSpace(v); v == "" {
			return decimal.Decimal{}, nil
		}
		r.note(tolSpaces, line, colNames[c], s)
	}
	for j := 0; j < r.nRowDecs; j++ {
		if e := &r.rowDecs[j]; e.s == v {
			return e.d, nil
		}
	}
	d, ok := parseDecimal(v)
	if !ok {
		return d, &RowError{Line: line, Column: r.header[i], Value: s, Msg: "is not a number"}
	}
	if v == s {
		r.last[c], r.lastDec[c] = s, d
	}
	if r.nRowDecs < len(r.rowDecs) {
		r.rowDecs[r.nRowDecs].s, r.rowDecs[r.nRowDecs].d = v, d
		r.nRowDecs++
	}
	return d, nil
}

// time returns column c of rec as a UTC time; empty is the zero time, or an
// error when the column is required.
func (r *Reader) time(rec []string, c, line int, req bool) (time.Time, error) {
	i := r.idx[c]
	if i < 0 {
		return time.Time{}, nil
	}
	s := rec[i]
	var t time.Time
	var quirks int
	if s != "" && s == r.last[c] {
		t, quirks = r.lastTime[c], r.lastQuirk[c]
	} else {
		v := s
		if v != "" && (v[0] == ' ' || v[len(v)-1] == ' ') {
			v = trimSpace(v)
			r.note(tolSpaces, line, colNames[c], s)
		}
		if v == "" {
			if !req {
				return time.Time{}, nil
			}
			if blank(rec) {
				return time.Time{}, errBlankRow
			}
			return time.Time{}, &RowError{Line: line, Column: r.header[i], Msg: "is empty or NULL"}
		}
		var ok bool
		if t, quirks, ok = parseTime(v); !ok {
			return t, &RowError{Line: line, Column: r.header[i], Value: s, Msg: "is not a timestamp"}
		}
		if v == s {
			r.last[c], r.lastTime[c], r.lastQuirk[c] = s, t, quirks
		}
	}
	if quirks != 0 {
		if quirks&tsNoTZ != 0 {
			r.note(tolNoTZ, line, colNames[c], s)
		}
		if quirks&tsDateOnly != 0 {
			r.note(tolDateOnly, line, colNames[c], s)
		}
		if quirks&tsHourOverflow != 0 {
			r.note(tolHourOverflow, line, colNames[c], s)
		}
	}
	return t, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if trimSpace(f) != "" {
			return false
		}
	}
	return true
}
