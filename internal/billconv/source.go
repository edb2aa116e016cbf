package billconv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// Kinds of focus.Tolerance a native reader reports besides focus's own
// (focus.TolByteOrderMark, focus.TolDuplicateColumn, focus.TolBlankRow,
// focus.TolTimestampNoTZ, focus.TolDateOnly, focus.TolSpaces,
// focus.TolTagsWithoutBraces), in the order Tolerated lists them.
const (
	TolShortRow          = "row shorter than the header: missing trailing fields read as empty"
	TolTrailingFields    = "row longer than the header: empty trailing fields ignored"
	TolBillingPeriod     = "no billing period: the calendar month of the charge"
	TolServiceCategory   = "service not in the category table: ServiceCategory Other"
	TolChargeType        = "unknown charge type: ChargeCategory Adjustment"
	TolNotAmortized      = "actual-cost export: commitment purchase not amortized (EffectiveCost = BilledCost)"
	TolNoCommitmentID    = "commitment discount line without the commitment's id"
	TolUnknownPricingUOM = "unit of measure not in the pricing units table: quantity and unit as written"
)

const (
	tolBOM = iota
	tolDuplicate
	tolShortRow
	tolTrailing
	tolBlankRow
	tolNoTZ
	tolDateOnly
	tolSpaces
	tolTagsBraces
	tolBillingPeriod
	tolServiceCategory
	tolChargeType
	tolNotAmortized
	tolNoCommitmentID
	tolUnknownUOM
	tolCount
)

var tolKinds = [tolCount]string{
	focus.TolByteOrderMark, focus.TolDuplicateColumn, TolShortRow, TolTrailingFields, focus.TolBlankRow,
	focus.TolTimestampNoTZ, focus.TolDateOnly, focus.TolSpaces, focus.TolTagsWithoutBraces,
	TolBillingPeriod, TolServiceCategory, TolChargeType, TolNotAmortized, TolNoCommitmentID,
	TolUnknownPricingUOM,
}

type tolerances [tolCount]focus.Tolerance

func (t *tolerances) note(kind, line int, example string) {
	x := &t[kind]
	x.Count++
	if x.Count == 1 {
		x.Kind = tolKinds[kind]
		x.FirstLine = line
		x.Example = example
	}
}

func (t *tolerances) list() []focus.Tolerance {
	var out []focus.Tolerance
	for _, x := range t {
		if x.Count > 0 {
			out = append(out, x)
		}
	}
	return out
}

// record is one row of the native file, or the error reading it.
type record struct {
	fields []string
	line   int
	err    error
}

// source reads the records of a CSV export after its header, with
// lookahead, and evens out rows whose field count is not the header's.
type source struct {
	cr    focus.Records
	clone bool // cr reuses the slice it returns, and records are queued
	width int
	queue []record
	eof   bool
	tol   *tolerances
}

func newSource(r io.Reader, tol *tolerances) (*source, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("billconv: reading the header: %w", err)
	}
	header = append([]string(nil), header...)
	return &source{cr: cr, width: len(header), tol: tol}, header, nil
}

// newRecordSource reads the records of rows, whose columns are header.
func newRecordSource(header []string, rows focus.Records, tol *tolerances) *source {
	return &source{cr: rows, clone: true, width: len(header), tol: tol}
}

// read returns the next record; its err is io.EOF at the end, a
// *focus.RowError for a row that cannot be read (reading continues after
// it) or another error, which is final.
func (s *source) read() record {
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue[0] = record{}
		s.queue = s.queue[1:]
		return r
	}
	if s.eof {
		return record{err: io.EOF}
	}
	r := s.readCSV()
	if r.err != nil && !isRowError(r.err) {
		s.eof = true
	}
	return r
}

// lookahead reads up to n records ahead and returns them without consuming
// them.
func (s *source) lookahead(n int) []record {
	for len(s.queue) < n && !s.eof {
		r := s.readCSV()
		if r.err != nil && !isRowError(r.err) {
			s.eof = true
		}
		s.queue = append(s.queue, r)
	}
	return s.queue
}

func (s *source) readCSV() record {
	for {
		rec, err := s.cr.Read()
		if err != nil {
			if re := focus.RecordsRowError(err); re != nil {
				return record{line: re.Line, err: re}
			}
			return record{err: err}
		}
		if s.clone {
			rec = slices.Clone(rec)
		}
		line, _ := s.cr.FieldPos(0)
		if blank(rec) {
			s.tol.note(tolBlankRow, line, "row: "+quoteShort(strings.Join(rec, ",")))
			continue
		}
		switch {
		case len(rec) < s.width:
			s.tol.note(tolShortRow, line, fmt.Sprintf("%d fields, the header has %d", len(rec), s.width))
			rec = append(rec, make([]string, s.width-len(rec))...)
		case len(rec) > s.width:
			if !blank(rec[s.width:]) {
				return record{line: line, err: &focus.RowError{Line: line,
					Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), s.width)}}
			}
			s.tol.note(tolTrailing, line, fmt.Sprintf("%d fields, the header has %d", len(rec), s.width))
			rec = rec[:s.width]
		}
		return record{fields: rec, line: line}
	}
}

func isRowError(err error) bool {
	var re *focus.RowError
	return errors.As(err, &re)
}

func blank(rec []string) bool {
	for _, f := range rec {
		if trimSpace(f) != "" {
			return false
		}
	}
	return true
}

// canon is the key a column name is matched by: the English name in
// parentheses when there is one (Azure's localized headers write
// "Kategorie der Verbrauchseinheit (MeterCategory)"), lower case, without
// spaces, '/', '_', '.', '-' and a byte-order mark. It makes AWS's legacy
// "lineItem/UnblendedCost" and CUR 2.0's "line_item_unblended_cost" the
// same key, and Azure's "CostInBillingCurrency", "costInBillingCurrency" and
// GCP's "service.description" and "service_description" likewise.
func canon(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "\ufeff")
	if i := strings.LastIndexByte(name, '('); i >= 0 {
		if j := strings.IndexByte(name[i:], ')'); j > 1 {
			name = name[i+1 : i+j]
		}
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, c := range strings.ToLower(name) {
		switch c {
		case ' ', '/', '_', '.', '-', '\t':
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// columns finds the columns of a header by canonical name and remembers
// which were used, for Extra.
type columns struct {
	header []string
	index  map[string]int
	used   []bool
}

func newColumns(header []string, tol *tolerances) *columns {
	c := &columns{header: header, index: make(map[string]int, len(header)), used: make([]bool, len(header))}
	for i, h := range header {
		k := canon(h)
		if _, dup := c.index[k]; dup {
			tol.note(tolDuplicate, 1, h)
			continue
		}
		c.index[k] = i
	}
	return c
}

// find returns the index of the first of the canonical names present, or
// -1, and marks it used.
func (c *columns) find(names ...string) int {
	for _, n := range names {
		if i, ok := c.index[n]; ok {
			c.used[i] = true
			return i
		}
	}
	return -1
}

func (c *columns) has(names ...string) bool {
	for _, n := range names {
		if _, ok := c.index[n]; ok {
			return true
		}
	}
	return false
}

func (c *columns) extra() []string {
	var out []string
	for i, h := range c.header {
		if !c.used[i] {
			out = append(out, h)
		}
	}
	return out
}

func val(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	return rec[i]
}

// base holds what every native reader shares.
type base struct {
	src    *source
	cols   *columns
	tol    *tolerances
	format string
	out    []focus.Row
	pos    int
	done   error
	conv   func(rec []string, line int) error

	intern map[string]string
}

const maxIntern = 1 << 16

// str returns s, interned: most string columns repeat a few values, and
// interning keeps kept rows from holding the whole line of text alive.
func (b *base) str(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := b.intern[s]; ok {
		return v
	}
	if len(b.intern) >= maxIntern {
		return strings.Clone(s)
	}
	v := strings.Clone(s)
	b.intern[v] = v
	return v
}

func (b *base) Format() string               { return b.format }
func (b *base) Tolerated() []focus.Tolerance { return b.tol.list() }
func (b *base) Extra() []string              { return b.cols.extra() }

func (b *base) Next() (*focus.Row, error) {
	for {
		if b.pos < len(b.out) {
			b.pos++
			return &b.out[b.pos-1], nil
		}
		if b.done != nil {
			return nil, b.done
		}
		r := b.src.read()
		if r.err != nil {
			if !isRowError(r.err) {
				b.done = r.err
			}
			return nil, r.err
		}
		b.out, b.pos = b.out[:0], 0
		if err := b.conv(r.fields, r.line); err != nil {
			b.out = b.out[:0]
			return nil, err
		}
	}
}

// emit appends a converted row. Quantities are kept where FOCUS has
// them: consumed quantities on usage, pricing quantities on usage and
// purchases.
func (b *base) emit(row *focus.Row) {
	if row.ChargeCategory != "Usage" {
		row.ConsumedQuantity, row.ConsumedUnit = decimal.Decimal{}, ""
		if row.ChargeCategory != "Purchase" {
			row.PricingQuantity, row.PricingUnit = decimal.Decimal{}, ""
		}
	}
	b.out = append(b.out, *row)
}

func (b *base) rowErr(line, col int, value, msg string) error {
	name := ""
	if col >= 0 {
		name = b.cols.header[col]
	}
	return &focus.RowError{Line: line, Column: name, Value: value, Msg: msg}
}

// dec reads column col as a decimal; empty or absent is zero.
func (b *base) dec(rec []string, col, line int) (decimal.Decimal, error) {
	s := val(rec, col)
	if s == "" {
		return decimal.Decimal{}, nil
	}
	v := s
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		if v = trimSpace(v); v == "" {
			return decimal.Decimal{}, nil
		}
		b.tol.note(tolSpaces, line, b.cols.header[col]+": "+quoteShort(s))
	}
	d, ok := parseDecimal(v)
	if !ok {
		return d, b.rowErr(line, col, s, "is not a number")
	}
	return d, nil
}

// decOK reads column col as a decimal and says whether it had a value.
func (b *base) decOK(rec []string, col, line int) (decimal.Decimal, bool, error) {
	if trimSpace(val(rec, col)) == "" {
		return decimal.Decimal{}, false, nil
	}
	d, err := b.dec(rec, col, line)
	return d, err == nil, err
}

// time reads column col as a timestamp. Empty is the zero time. Quirks
// (no zone; a date alone unless dateOnly is how the format writes it) are
// noted.
func (b *base) time(rec []string, col, line int, dateOnly bool) (time.Time, error) {
	s := val(rec, col)
	v := s
	if v != "" && (v[0] == ' ' || v[len(v)-1] == ' ') {
		v = trimSpace(v)
		b.tol.note(tolSpaces, line, b.cols.header[col]+": "+quoteShort(s))
	}
	if v == "" {
		return time.Time{}, nil
	}
	t, q, ok := parseTime(v)
	if !ok {
		return t, b.rowErr(line, col, s, "is not a timestamp")
	}
	if q&tsNoTZ != 0 {
		b.tol.note(tolNoTZ, line, b.cols.header[col]+": "+quoteShort(s))
	}
	if q&tsDateOnly != 0 && !dateOnly {
		b.tol.note(tolDateOnly, line, b.cols.header[col]+": "+quoteShort(s))
	}
	return t, nil
}

// chargeStart reads the required charge period start.
func (b *base) chargeStart(rec []string, col, line int, dateOnly bool) (time.Time, error) {
	if trimSpace(val(rec, col)) == "" {
		return time.Time{}, b.rowErr(line, col, "", "is empty")
	}
	return b.time(rec, col, line, dateOnly)
}

// billingPeriod completes a row's billing period: when the export has
// none, it is the calendar month of the charge (noted).
func (b *base) billingPeriod(row *focus.Row, line int, why string) {
	if !row.BillingPeriodStart.IsZero() {
		if row.BillingPeriodEnd.IsZero() {
			row.BillingPeriodEnd = row.BillingPeriodStart.AddDate(0, 1, 0)
		}
		return
	}
	row.BillingPeriodStart = monthStart(row.ChargePeriodStart)
	row.BillingPeriodEnd = row.BillingPeriodStart.AddDate(0, 1, 0)
	b.tol.note(tolBillingPeriod, line, why)
}

// category looks a service up in a category table; unknown is Other,
// noted.
func (b *base) category(table map[string]string, key string, line int) string {
	if c, ok := table[strings.ToLower(trimSpace(key))]; ok {
		return c
	}
	b.tol.note(tolServiceCategory, line, quoteShort(key))
	return "Other"
}

// quoteShort quotes s for a message, cut to a readable length.
func quoteShort(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
