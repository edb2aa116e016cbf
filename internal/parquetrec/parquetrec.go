// Package parquetrec reads a Parquet file as CSV-like string records, so that
// readers written for CSV billing exports (FOCUS, native AWS, Azure and GCP
// exports) read Parquet exports unchanged.
//
// A record holds one string per top-level field of the file's schema, written
// as a CSV export of the same data would write it: NULL is empty, integers
// and decimals are exact base-10 text ("-0.0010" for DECIMAL(p,4) -10),
// floating-point numbers are the shortest text that reads back to the same
// value, timestamps are RFC 3339 in UTC with fractional seconds only when
// they are not zero, dates are "2006-01-02", and nested fields (MAP, LIST,
// groups) are compact JSON, such as the {"k":"v"} of a FOCUS Tags map. See
// [Reader.Read] for the full list.
//
// Rows are read one row group at a time through a small reused buffer, so
// memory is bounded by the pages of one row group, not by the file.
//
// Parquet files are outside input: a malformed file makes [Open] or
// [Reader.Read] return an error, never panic.
package parquetrec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Magic is the 4 bytes a Parquet file starts (and ends) with.
const Magic = "PAR1"

// rowsPerBatch is how many rows are decoded at a time from a row group.
const rowsPerBatch = 64

// Reader reads a Parquet file row by row as strings, like a CSV reader. It is
// not safe for concurrent use.
type Reader struct {
	file   *parquet.File
	src    io.ReaderAt
	size   int64
	header []string
	fields []field
	leaves []string // dotted path of each leaf column, for errors

	group     int           // index of the row group being read
	rows      parquet.Rows  // rows of row group `group`; nil between groups
	groupRows int64         // rows read from row group `group` so far
	batch     []parquet.Row // decoded rows, reused
	batchLen  int
	batchPos  int

	record  []string
	line    int // line of the last row read; the header is line 1
	err     error
	vals    [][]parquet.Value // values of each leaf column in the current row
	pos     []int             // read position in vals of each leaf column
	scratch []byte
	jsonBuf []byte
}

// field is a top-level field of the schema: a column of the record.
type field struct {
	node *node
	flat bool // a non-repeated leaf: exactly one value per row

	// The text of the last value, reused when the next value is the same:
	// billing exports repeat most values from row to row.
	last     string
	haveLast bool
	lastKind parquet.Kind
	lastBits uint64 // the last value, for fixed-size kinds
	lastRaw  []byte // the last value, for byte arrays whose text is not their bytes
}

// Open reads the footer (schema, row groups) of the Parquet file r of size bytes.
func Open(r io.ReaderAt, size int64) (rd *Reader, err error) {
	if err := checkFooter(r, size); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("parquetrec: reading the footer: %w", panicError(p))
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("parquetrec: reading the footer: %w", err)
	}
	rd = &Reader{file: f, src: r, size: size, batch: make([]parquet.Row, rowsPerBatch)}
	for _, c := range f.Root().Columns() {
		n, err := newNode(c, &rd.leaves)
		if err != nil {
			return nil, fmt.Errorf("parquetrec: %w", err)
		}
		rd.header = append(rd.header, c.Name())
		rd.fields = append(rd.fields, field{node: n, flat: n.kind == kindLeaf && !n.repeated})
	}
	leaves := len(rd.leaves)
	if leaves == 0 {
		return nil, errors.New("parquetrec: the file's schema has no columns")
	}
	rd.record = make([]string, len(rd.header))
	rd.vals = make([][]parquet.Value, leaves)
	rd.pos = make([]int, leaves)
	rd.line = 1
	return rd, nil
}

// checkFooter tells a file that is not Parquet, or is cut short, from a
// malformed one, and checks the lengths and counts in the footer, before the
// library reads it.
func checkFooter(r io.ReaderAt, size int64) error {
	const minSize = int64(2*len(Magic) + 4) // magic, footer length, magic
	var head [len(Magic)]byte
	if size >= int64(len(Magic)) {
		if err := readFull(r, head[:], 0); err != nil {
			return fmt.Errorf("parquetrec: reading the file's magic bytes: %w", err)
		}
	}
	switch {
	case string(head[:]) == "PARE":
		return errors.New("parquetrec: the Parquet file is encrypted (magic PARE); encrypted files are not supported")
	case string(head[:]) != Magic:
		return fmt.Errorf("parquetrec: not a Parquet file: it does not start with %q", Magic)
	case size < minSize:
		return fmt.Errorf("parquetrec: truncated Parquet file: %d bytes, a Parquet file has at least %d", size, minSize)
	}
	var trailer [4 + len(Magic)]byte // footer length, magic
	if err := readFull(r, trailer[:], size-int64(len(trailer))); err != nil {
		return fmt.Errorf("parquetrec: reading the file's magic bytes: %w", err)
	}
	if string(trailer[4:]) != Magic {
		return fmt.Errorf("parquetrec: truncated or malformed Parquet file: it does not end with %q", Magic)
	}
	// The library allocates the footer's length, and the counts of the lists
	// in it, before it reads them.
	n := binary.LittleEndian.Uint32(trailer[:4])
	if int64(n) > size-minSize {
		return fmt.Errorf("parquetrec: truncated or malformed Parquet file: a footer of %d bytes does not fit in %d", n, size)
	}
	footer := make([]byte, n)
	if err := readFull(r, footer, size-int64(len(trailer))-int64(n)); err != nil {
		return fmt.Errorf("parquetrec: reading the footer: %w", err)
	}
	w := thriftWalker{b: footer}
	if err := w.walkStruct(); err != nil {
		return fmt.Errorf("parquetrec: reading the footer: %w", err)
	}
	return nil
}

func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// panicError turns a recovered panic into an error.
func panicError(p any) error {
	if err, ok := p.(error); ok {
		return fmt.Errorf("malformed file: %w", err)
	}
	return fmt.Errorf("malformed file: %v", p)
}

// Header returns the column names: the top-level field names of the schema, in schema order.
func (r *Reader) Header() []string { return append([]string(nil), r.header...) }

// Read returns the next row's fields as strings, or io.EOF after the last row. The slice is reused by the next call (like encoding/csv with ReuseRecord).
//
// The text of each field is what a CSV export of the same data holds:
//
//   - NULL: empty;
//   - BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY (STRING, ENUM, JSON, or no logical
//     type): the bytes as they are; UUID: its 8-4-4-4-12 hex form;
//   - INT32 and INT64, signed or unsigned: base 10;
//   - DECIMAL (on INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY): the
//     exact decimal with all its scale's digits, such as "1.2345" and "-0.0010";
//   - FLOAT and DOUBLE: the shortest text that reads back to the same value
//     (strconv.FormatFloat with 'f', -1), "NaN", "+Inf" or "-Inf";
//   - BOOLEAN: "true" or "false";
//   - TIMESTAMP (millis, micros, nanos) and INT96 timestamps: RFC 3339 in UTC,
//     "2006-01-02T15:04:05Z", with fractional seconds only when not zero
//     (a timestamp not adjusted to UTC is written as if it were UTC);
//     DATE: "2006-01-02"; TIME: "15:04:05" with fractional seconds when not zero;
//   - a MAP, LIST, group or repeated field: compact JSON, {"k":"v"} for a
//     map, [...] for a list, {"name":...} for a group; an empty map is "{}".
//     Inside JSON, numbers and booleans are JSON numbers and booleans (NaN and
//     infinities strings), JSON values are embedded when valid, everything
//     else is a JSON string, NULL is null.
//
// An error that concerns one row (a value the schema does not allow) is a
// *RowError; Read can be called again to read the next row. An error reading
// the file (a malformed page, a row group shorter than the footer says) is
// returned by every later call.
func (r *Reader) Read() (record []string, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			record, err = nil, r.fail(fmt.Errorf("parquetrec: row group %d: %w", r.group, panicError(p)))
		}
	}()
	row, err := r.next()
	if err != nil {
		return nil, r.fail(err)
	}
	r.line++
	if err := r.decode(row); err != nil {
		return nil, &RowError{Line: r.line, Err: err}
	}
	return r.record, nil
}

// RowError is an error in one row (a value its schema does not allow);
// reading can go on with the next row.
type RowError struct {
	Line int // the row's line, the header being line 1
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("parquetrec: line %d: %v", e.Line, e.Err) }

func (e *RowError) Unwrap() error { return e.Err }

// RowLine returns the row's line: readers of text records take an error
// with this method as concerning one row.
func (e *RowError) RowLine() int { return e.Line }

// fail makes err the error of every later Read, and releases the row group
// being read.
func (r *Reader) fail(err error) error {
	r.err = err
	if r.rows != nil {
		rows := r.rows
		r.rows = nil
		func() {
			defer func() { _ = recover() }() // its state may be what panicked
			_ = rows.Close()
		}()
	}
	return err
}

// FieldPos reports the position of field of the row last read, like (*csv.Reader).FieldPos: line is the row's number counting the header as line 1 (first data row = line 2), column is field+1.
//
// Before the first row is read, line is 1. Like (*csv.Reader).FieldPos, it
// panics when field is out of range.
func (r *Reader) FieldPos(field int) (line, column int) {
	if field < 0 || field >= len(r.record) {
		panic(fmt.Sprintf("parquetrec: FieldPos: field %d out of range [0, %d)", field, len(r.record)))
	}
	return r.line, field + 1
}

// next returns the next row of the file, moving from row group to row group.
func (r *Reader) next() (parquet.Row, error) {
	groups := r.file.RowGroups()
	for r.batchPos >= r.batchLen {
		if r.rows == nil {
			if r.group >= len(groups) {
				return nil, io.EOF
			}
			if err := r.checkPages(r.group); err != nil {
				return nil, fmt.Errorf("parquetrec: row group %d: %w", r.group, err)
			}
			r.rows = groups[r.group].Rows()
			r.groupRows = 0
		}
		want := groups[r.group].NumRows()
		n, err := r.rows.ReadRows(r.batch)
		r.batchLen, r.batchPos = n, 0
		r.groupRows += int64(n)
		switch {
		case r.groupRows > want:
			return nil, fmt.Errorf("parquetrec: row group %d: more rows than the %d the footer says", r.group, want)
		case err == io.EOF:
			if r.groupRows != want {
				return nil, fmt.Errorf("parquetrec: row group %d: %d rows, the footer says %d", r.group, r.groupRows, want)
			}
			if err := r.rows.Close(); err != nil {
				return nil, fmt.Errorf("parquetrec: row group %d: %w", r.group, err)
			}
			r.rows = nil
			r.group++
		case err != nil:
			return nil, fmt.Errorf("parquetrec: row group %d: %w", r.group, err)
		case n == 0:
			return nil, fmt.Errorf("parquetrec: row group %d: %w", r.group, io.ErrNoProgress)
		}
	}
	row := r.batch[r.batchPos]
	r.batchPos++
	return row, nil
}

// decode fills r.record from row.
func (r *Reader) decode(row parquet.Row) error {
	if err := r.split(row); err != nil {
		return err
	}
	for i := range r.fields {
		f := &r.fields[i]
		n := f.node
		if f.flat {
			vals := r.vals[n.first]
			if len(vals) != 1 {
				return fmt.Errorf("column %q: %d values for a field that is not repeated", r.header[i], len(vals))
			}
			v := vals[0]
			if v.IsNull() || v.DefinitionLevel() < n.maxDef {
				r.record[i] = ""
				continue
			}
			s, err := f.text(v, &r.scratch)
			if err != nil {
				return fmt.Errorf("column %q: %w", r.header[i], err)
			}
			r.record[i] = s
			continue
		}
		s, err := r.nested(f)
		if err != nil {
			return fmt.Errorf("column %q: %w", r.header[i], err)
		}
		r.record[i] = s
	}
	return nil
}

// split sets r.vals to the values of each leaf column in row.
func (r *Reader) split(row parquet.Row) error {
	clear(r.vals)
	for start := 0; start < len(row); {
		c := row[start].Column()
		end := start + 1
		for end < len(row) && row[end].Column() == c {
			end++
		}
		if c < 0 || c >= len(r.vals) || r.vals[c] != nil {
			return fmt.Errorf("a value of column index %d is out of place in the row", c)
		}
		r.vals[c] = row[start:end]
		start = end
	}
	for c, v := range r.vals {
		if len(v) == 0 {
			return fmt.Errorf("column %q has no value", r.leaves[c])
		}
	}
	return nil
}

// text returns the text of the non-null value v of the flat field f.
func (f *field) text(v parquet.Value, scratch *[]byte) (string, error) {
	l := &f.node.leaf
	k := v.Kind()
	switch k {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		if l.text == textBytes {
			if !f.haveLast || f.lastKind != k || string(b) != f.last {
				f.last, f.lastKind, f.haveLast = string(b), k, true
			}
			return f.last, nil
		}
		if f.haveLast && f.lastKind == k && string(b) == string(f.lastRaw) {
			return f.last, nil
		}
		t, err := l.appendText((*scratch)[:0], v)
		*scratch = t
		if err != nil {
			f.haveLast = false
			return "", err
		}
		f.last, f.lastKind, f.haveLast = string(t), k, true
		f.lastRaw = append(f.lastRaw[:0], b...)
		return f.last, nil
	case parquet.Boolean, parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
		if f.haveLast && f.lastKind == k && f.lastBits == v.Uint64() {
			return f.last, nil
		}
		t, err := l.appendText((*scratch)[:0], v)
		*scratch = t
		if err != nil {
			f.haveLast = false
			return "", err
		}
		f.last, f.lastKind, f.lastBits, f.haveLast = string(t), k, v.Uint64(), true
		return f.last, nil
	}
	t, err := l.appendText((*scratch)[:0], v)
	*scratch = t
	return string(t), err
}

// nested returns the JSON text of the nested or repeated field f.
func (r *Reader) nested(f *field) (string, error) {
	n := f.node
	if n.first == n.end { // a group without leaves holds nothing
		return "", nil
	}
	for c := n.first; c < n.end; c++ {
		r.pos[c] = 0
	}
	var b []byte
	var err error
	null := false
	if n.optional {
		v, err := r.peek(n)
		if err != nil {
			return "", err
		}
		null = v.DefinitionLevel() < n.maxDef
	}
	switch {
	case null:
		err = r.skip(n)
	case n.optional:
		b, err = r.appendContent(r.jsonBuf[:0], n)
	default:
		b, err = r.appendValue(r.jsonBuf[:0], n)
	}
	if b != nil {
		r.jsonBuf = b
	}
	if err != nil {
		return "", err
	}
	for c := n.first; c < n.end; c++ {
		if r.pos[c] != len(r.vals[c]) {
			return "", errLevels
		}
	}
	if null {
		return "", nil
	}
	if f.haveLast && string(b) == f.last {
		return f.last, nil
	}
	f.last, f.haveLast = string(b), true
	return f.last, nil
}

var errLevels = errors.New("the values' repetition and definition levels do not match the schema")

// Nested values are assembled from the values of their leaf columns (the
// record assembly of the Dremel paper): r.pos holds the position of the next
// value of each leaf column. A null or empty node at some level has exactly
// one value, with a lower definition level, in each leaf column below it; a
// value whose repetition level equals a repeated node's starts its next
// element.

// peek returns the next value of n's first leaf column.
func (r *Reader) peek(n *node) (parquet.Value, error) {
	c := n.first
	if r.pos[c] >= len(r.vals[c]) {
		return parquet.Value{}, errLevels
	}
	return r.vals[c][r.pos[c]], nil
}

// skip moves past the one value a null or empty n has in each of its leaf
// columns.
func (r *Reader) skip(n *node) error {
	for c := n.first; c < n.end; c++ {
		if r.pos[c] >= len(r.vals[c]) {
			return errLevels
		}
		r.pos[c]++
	}
	return nil
}

// appendValue appends the JSON of n: an array when n is repeated, null when
// it is optional and null, else its content.
func (r *Reader) appendValue(dst []byte, n *node) ([]byte, error) {
	if n.repeated {
		return r.appendRepeated(dst, n, n, elemContent)
	}
	if n.optional {
		v, err := r.peek(n)
		if err != nil {
			return dst, err
		}
		if v.DefinitionLevel() < n.maxDef {
			return append(dst, "null"...), r.skip(n)
		}
	}
	return r.appendContent(dst, n)
}

// appendContent appends the JSON of one (not null) n, ignoring its
// repetition.
func (r *Reader) appendContent(dst []byte, n *node) ([]byte, error) {
	switch n.kind {
	case kindLeaf:
		c := n.first
		if r.pos[c] >= len(r.vals[c]) {
			return dst, errLevels
		}
		v := r.vals[c][r.pos[c]]
		r.pos[c]++
		if v.IsNull() {
			return dst, errLevels
		}
		return n.leaf.appendJSON(dst, v, &r.scratch)
	case kindList:
		return r.appendRepeated(dst, n.children[0], n, elemList)
	case kindMap:
		return r.appendRepeated(dst, n.children[0], n, elemMap)
	}
	dst = append(dst, '{')
	for i, c := range n.children {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c.jsonName...)
		var err error
		if dst, err = r.appendValue(dst, c); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// How appendRepeated writes each element of a repeated node.
const (
	elemContent = iota // the repeated node itself: an unannotated repeated field
	elemList           // owner is a LIST, the element is owner.elem or else the repeated node
	elemMap            // owner is a MAP, the repeated node holds a key and a value
)

// appendRepeated appends the elements of the repeated node rep, as a JSON
// array, or as an object for a map.
func (r *Reader) appendRepeated(dst []byte, rep, owner *node, elem int) ([]byte, error) {
	open, close := byte('['), byte(']')
	if elem == elemMap {
		open, close = '{', '}'
	}
	v, err := r.peek(rep)
	if err != nil {
		return dst, err
	}
	if v.DefinitionLevel() < rep.maxDef { // no elements
		return append(dst, open, close), r.skip(rep)
	}
	dst = append(dst, open)
	for i := 0; ; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch {
		case elem == elemMap:
			dst, err = r.appendEntry(dst, owner)
		case elem == elemList && owner.elem != nil:
			dst, err = r.appendValue(dst, owner.elem)
		default:
			dst, err = r.appendContent(dst, rep)
		}
		if err != nil {
			return dst, err
		}
		c := rep.first
		if r.pos[c] >= len(r.vals[c]) {
			break
		}
		next := r.vals[c][r.pos[c]].RepetitionLevel()
		if next < rep.maxRep {
			break
		}
		if next > rep.maxRep {
			return dst, errLevels
		}
	}
	return append(dst, close), nil
}

// appendEntry appends one "key":value entry of the MAP m.
func (r *Reader) appendEntry(dst []byte, m *node) ([]byte, error) {
	key := m.key
	c := key.first
	if r.pos[c] >= len(r.vals[c]) {
		return dst, errLevels
	}
	k := r.vals[c][r.pos[c]]
	r.pos[c]++
	switch {
	case k.IsNull() || k.DefinitionLevel() < key.maxDef:
		dst = append(dst, `""`...) // keys are required; a null one is written as ""
	case key.leaf.text == textBytes && (k.Kind() == parquet.ByteArray || k.Kind() == parquet.FixedLenByteArray):
		dst = appendJSONBytes(dst, k.ByteArray())
	default:
		t, err := key.leaf.appendText(r.scratch[:0], k)
		r.scratch = t
		if err != nil {
			return dst, err
		}
		dst = appendJSONBytes(dst, t)
	}
	dst = append(dst, ':')
	if m.value == nil {
		return append(dst, "null"...), nil
	}
	return r.appendValue(dst, m.value)
}

// node is a field of the schema.
type node struct {
	name               string
	jsonName           []byte // "name": in a group's JSON
	kind               int    // kindLeaf, kindGroup, kindList or kindMap
	optional, repeated bool
	maxDef, maxRep     int
	first, end         int // its leaf columns are [first, end)

	children []*node // fields of a group; the repeated node of a LIST or MAP
	elem     *node   // a LIST's element, when it is not its repeated node
	key      *node   // a MAP's key
	value    *node   // a MAP's value; nil when it has none
	leaf     leaf    // how a leaf's values are written
}

const (
	kindLeaf = iota
	kindGroup
	kindList
	kindMap
)

// newNode returns the node of column c, appending the dotted paths of its
// leaf columns to *leaves.
func newNode(c *parquet.Column, leaves *[]string) (*node, error) {
	n := &node{
		name:     c.Name(),
		jsonName: append(appendJSONBytes(nil, []byte(c.Name())), ':'),
		optional: c.Optional(),
		repeated: c.Repeated(),
		maxDef:   c.MaxDefinitionLevel(),
		maxRep:   c.MaxRepetitionLevel(),
	}
	if c.Leaf() {
		path := strings.Join(c.Path(), ".")
		if c.Index() != len(*leaves) {
			return nil, fmt.Errorf("column %q: leaf index %d, want %d", path, c.Index(), len(*leaves))
		}
		l, err := newLeaf(c.Type())
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", path, err)
		}
		n.kind, n.leaf = kindLeaf, l
		n.first, n.end = len(*leaves), len(*leaves)+1
		*leaves = append(*leaves, path)
		return n, nil
	}
	n.kind = kindGroup
	n.first = len(*leaves)
	for _, cc := range c.Columns() {
		child, err := newNode(cc, leaves)
		if err != nil {
			return nil, err
		}
		if child.first < child.end { // a group without leaves has no values
			n.children = append(n.children, child)
		}
	}
	n.end = len(*leaves)

	var logical format.LogicalTypeValue
	if lt := c.Type().LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch logical.(type) {
	case *format.ListType:
		// LIST: <list> { repeated <rep> { <element> } }, or the backward
		// compatible forms of the format's LogicalTypes.md.
		if len(n.children) != 1 || !n.children[0].repeated {
			break
		}
		n.kind = kindList
		rep := n.children[0]
		if rep.kind != kindLeaf && len(rep.children) == 1 && rep.name != "array" && rep.name != n.name+"_tuple" {
			n.elem = rep.children[0]
		}
	case *format.MapType:
		// MAP: <map> { repeated <kv> { required <key>; <value> } }.
		if len(n.children) != 1 {
			break
		}
		kv := n.children[0]
		if !kv.repeated || kv.kind == kindLeaf || len(kv.children) < 1 || len(kv.children) > 2 ||
			kv.children[0].kind != kindLeaf || kv.children[0].repeated {
			break
		}
		n.kind = kindMap
		n.key = kv.children[0]
		if len(kv.children) == 2 {
			n.value = kv.children[1]
		}
	}
	return n, nil
}

// Limits on what a page header may ask the library to allocate. A page's
// compressed size must fit in its column chunk; these bound the rest, far
// above what writers produce (pages of about 1 MiB and 20,000 values).
const (
	maxPageBytes  = 64 << 20 // uncompressed size of a page, or 1024 times its compressed size
	maxPageValues = 16 << 20 // values in a page, or 8 per uncompressed byte
)

// checkPages walks the page headers of the column chunks of row group g and
// checks that each page lies in its chunk and that its sizes and value count
// are within bounds: parquet-go allocates them as it reads a header, before
// it finds out that they do not match the file.
func (r *Reader) checkPages(g int) error {
	md := r.file.Metadata()
	if g >= len(md.RowGroups) {
		return nil
	}
	for c := range md.RowGroups[g].Columns {
		m := &md.RowGroups[g].Columns[c].MetaData
		name := fmt.Sprint(c)
		if c < len(r.leaves) {
			name = r.leaves[c]
		}
		start := m.DataPageOffset
		if m.DictionaryPageOffset != 0 {
			start = m.DictionaryPageOffset
		}
		end := start + m.TotalCompressedSize
		if start < 0 || m.TotalCompressedSize < 0 || end < start || end > r.size {
			return fmt.Errorf("column %q: its pages at [%d, %d) are not in the file of %d bytes", name, start, end, r.size)
		}
		for off := start; off < end; {
			h, n, err := r.pageHeader(off, end)
			if err != nil {
				return fmt.Errorf("column %q: page header at offset %d: %w", name, off, err)
			}
			size, usize := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
			if size < 0 || size > end-off-n {
				return fmt.Errorf("column %q: page at offset %d: %d bytes do not fit in its column chunk", name, off, size)
			}
			if usize < 0 || usize > max(maxPageBytes, 1024*size) {
				return fmt.Errorf("column %q: page at offset %d: uncompressed size %d is out of bounds", name, off, usize)
			}
			values := int64(-1)
			switch {
			case h.DataPageHeader.Valid:
				values = int64(h.DataPageHeader.V.NumValues)
			case h.DataPageHeaderV2.Valid:
				values = int64(h.DataPageHeaderV2.V.NumValues)
			case h.DictionaryPageHeader.Valid:
				values = int64(h.DictionaryPageHeader.V.NumValues)
			}
			if values > max(maxPageValues, 8*usize) {
				return fmt.Errorf("column %q: page at offset %d: %d values are more than this reader accepts in a page", name, off, values)
			}
			off += n + size
		}
	}
	return nil
}

// pageHeader reads the header of the page at off, in a column chunk that
// ends at end, and returns it with its length.
func (r *Reader) pageHeader(off, end int64) (*format.PageHeader, int64, error) {
	window := min(end-off, 1024)
	for {
		if int64(cap(r.scratch)) < window {
			r.scratch = make([]byte, window)
		}
		b := r.scratch[:window]
		if err := readFull(r.src, b, off); err != nil {
			return nil, 0, err
		}
		w := thriftWalker{b: b}
		err := w.walkStruct()
		if errors.Is(err, errThriftShort) && window < end-off {
			window = min(4*window, end-off)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		h := new(format.PageHeader)
		if err := thrift.Unmarshal(new(thrift.CompactProtocol), b[:w.off], h); err != nil {
			return nil, 0, err
		}
		return h, int64(w.off), nil
	}
}

var errThriftShort = errors.New("malformed metadata: a length or count runs past the end")

// thriftWalker walks a struct in the Thrift compact protocol, the encoding
// of Parquet's metadata, without decoding it, to check that every length and
// count fits in the bytes there are: parquet-go allocates the counts it reads
// before it reads their elements.
type thriftWalker struct {
	b     []byte
	off   int
	depth int
}

func (w *thriftWalker) byte() (byte, error) {
	if w.off >= len(w.b) {
		return 0, errThriftShort
	}
	w.off++
	return w.b[w.off-1], nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	x, n := binary.Uvarint(w.b[w.off:])
	switch {
	case n == 0:
		return 0, errThriftShort
	case n < 0:
		return 0, errors.New("malformed metadata: a varint overflows")
	}
	w.off += n
	return x, nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.off) {
		return errThriftShort
	}
	w.off += int(n)
	return nil
}

func (w *thriftWalker) walkStruct() error {
	for {
		h, err := w.byte()
		if err != nil || h == 0 { // 0: the end of the struct
			return err
		}
		if h>>4 == 0 { // the field id follows, rather than its delta
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if t := h & 0xf; t != 1 && t != 2 { // a boolean field is all in its header
			if err := w.walk(t); err != nil {
				return err
			}
		}
	}
}

// walk walks one value of type t.
func (w *thriftWalker) walk(t byte) error {
	if w.depth++; w.depth > 64 {
		return errors.New("malformed metadata: nested too deep")
	}
	defer func() { w.depth-- }()
	switch t {
	case 1, 2, 3: // a boolean in a list, a byte
		return w.skip(1)
	case 4, 5, 6: // integers
		_, err := w.uvarint()
		return err
	case 7: // double
		return w.skip(8)
	case 8: // binary
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case 9, 10: // list, set
		h, err := w.byte()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		if n > uint64(len(w.b)-w.off) { // each element takes a byte or more
			return errThriftShort
		}
		for range n {
			if err := w.walk(h & 0xf); err != nil {
				return err
			}
		}
		return nil
	case 11: // map
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		if n > uint64(len(w.b)-w.off)/2 {
			return errThriftShort
		}
		for range n {
			if err := w.walk(kv >> 4); err != nil {
				return err
			}
			if err := w.walk(kv & 0xf); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct
		return w.walkStruct()
	}
	return fmt.Errorf("malformed metadata: unknown Thrift type %d", t)
}

// OpenStream opens the Parquet file that br reads. br buffers r (or, when
// gzipped, r decompressed) and must only have been peeked at. r is read
// in place when it is an *os.File or a *bytes.Reader whose reading started
// at its beginning; otherwise the file is first copied from br to a
// temporary file, which close removes. close must be called when done.
func OpenStream(r io.Reader, br *bufio.Reader, gzipped bool) (rd *Reader, close func() error, err error) {
	ra, size, closeFn, err := input(r, br, gzipped)
	if err != nil {
		return nil, nil, err
	}
	rd, err = Open(ra, size)
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return rd, closeFn, nil
}

// input returns the Parquet file as an io.ReaderAt of size bytes.
func input(r io.Reader, br *bufio.Reader, gzipped bool) (io.ReaderAt, int64, func() error, error) {
	nothing := func() error { return nil }
	if !gzipped {
		switch f := r.(type) {
		case *os.File:
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && off == int64(br.Buffered()) {
				if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
					return f, st.Size(), nothing, nil
				}
			}
		case *bytes.Reader:
			if f.Size()-int64(f.Len()) == int64(br.Buffered()) {
				return f, f.Size(), nothing, nil
			}
		}
	}
	tmp, err := os.CreateTemp("", "kiban-parquet-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("parquetrec: copying the file to read it: %w", err)
	}
	remove := func() error {
		return errors.Join(tmp.Close(), os.Remove(tmp.Name()))
	}
	size, err := io.Copy(tmp, br)
	if err != nil {
		remove()
		return nil, 0, nil, fmt.Errorf("parquetrec: copying the file to read it: %w", err)
	}
	return tmp, size, remove, nil
}
