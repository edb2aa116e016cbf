package parquetrec

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// fuzzSeed is a small valid file with a column of most kinds, nulls, a map
// and two row groups.
func fuzzSeed(tb testing.TB) []byte {
	schema := newSchema(
		"s", parquet.Optional(parquet.String()),
		"d", parquet.Optional(parquet.Decimal(10, 38, parquet.FixedLenByteArrayType(16))),
		"i", parquet.Optional(parquet.Decimal(4, 18, parquet.Int64Type)),
		"f", parquet.Optional(parquet.Leaf(parquet.DoubleType)),
		"t", parquet.Optional(parquet.Timestamp(parquet.Microsecond)),
		"m", parquet.Optional(parquet.Map(parquet.String(), parquet.Optional(parquet.String()))),
	)
	rows := []parquet.Row{
		{str("a").Level(0, 1, 0), fixedDecimal("-12345").Level(0, 1, 1), parquet.Int64Value(-10).Level(0, 1, 2),
			parquet.DoubleValue(0.5).Level(0, 1, 3), parquet.Int64Value(1725148800000001).Level(0, 1, 4),
			str("k").Level(0, 2, 5), str("k2").Level(1, 2, 5), str("v").Level(0, 3, 6), null.Level(1, 2, 6)},
		{null.Level(0, 0, 0), null.Level(0, 0, 1), null.Level(0, 0, 2), null.Level(0, 0, 3), null.Level(0, 0, 4),
			null.Level(0, 1, 5), null.Level(0, 1, 6)},
		{str("c").Level(0, 1, 0), fixedDecimal("99999999999999999999999999999999999999").Level(0, 1, 1),
			parquet.Int64Value(1).Level(0, 1, 2), parquet.DoubleValue(-1e300).Level(0, 1, 3),
			parquet.Int64Value(-1).Level(0, 1, 4), null.Level(0, 0, 5), null.Level(0, 0, 6)},
	}
	return writeRows(tb, schema, rows, parquet.MaxRowsPerRowGroup(2))
}

// withoutCRC returns data with the checksums taken out of its page headers,
// so that mutated pages reach the decoders rather than the checksum check.
func withoutCRC(tb testing.TB, data []byte) []byte {
	tb.Helper()
	md := footer(tb, data)
	out := []byte(Magic)
	for g := range md.RowGroups {
		for c := range md.RowGroups[g].Columns {
			m := &md.RowGroups[g].Columns[c].MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset != 0 {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			newStart := int64(len(out))
			for off := start; off < end; {
				w := thriftWalker{b: data[off:end]}
				if err := w.walkStruct(); err != nil {
					tb.Fatal(err)
				}
				var h format.PageHeader
				if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[off:off+int64(w.off)], &h); err != nil {
					tb.Fatal(err)
				}
				if h.Type != format.DictionaryPage && m.DictionaryPageOffset != 0 && m.DataPageOffset == off {
					m.DataPageOffset = int64(len(out))
				}
				h.CRC = 0
				b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, b...)
				page := off + int64(w.off)
				out = append(out, data[page:page+int64(h.CompressedPageSize)]...)
				off = page + int64(h.CompressedPageSize)
			}
			if m.DictionaryPageOffset != 0 {
				m.DictionaryPageOffset = newStart
			} else {
				m.DataPageOffset = newStart
			}
			m.TotalCompressedSize = int64(len(out)) - newStart
			// The page indexes are not copied.
			cc := &md.RowGroups[g].Columns[c]
			cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
		}
	}
	b, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		tb.Fatal(err)
	}
	out = append(out, b...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
	return append(out, Magic...)
}

// FuzzOpen checks that no file, however malformed, makes Open or Read panic.
func FuzzOpen(f *testing.F) {
	seed := fuzzSeed(f)
	f.Add(seed)
	for _, n := range []int{0, 3, 4, 12, len(seed) / 3, len(seed) / 2, len(seed) - 9, len(seed) - 1} {
		f.Add(seed[:n]) // truncated
	}
	for _, i := range []int{4, 20, 60, len(seed) / 2, len(seed) - 30, len(seed) - 12, len(seed) - 8} {
		corrupt := bytes.Clone(seed)
		corrupt[i] ^= 0xff
		f.Add(corrupt)
	}
	_, header, records := readCSV(f, focusSample)
	focusSeed := focusParquet(f, header, records[:4], false, 1, parquet.MaxRowsPerRowGroup(2))
	f.Add(focusSeed)
	// Without checksums, and with the older data pages and compression, so
	// that mutations reach the page decoders.
	f.Add(withoutCRC(f, seed))
	f.Add(withoutCRC(f, focusSeed))
	f.Add(withoutCRC(f, focusParquet(f, header, records[:4], true, 1,
		parquet.DataPageVersion(1), parquet.Compression(&parquet.Snappy))))

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if r != nil {
				t.Fatal("Open returned a Reader and an error")
			}
			if !strings.HasPrefix(err.Error(), "parquetrec: ") {
				t.Fatalf("error %q does not start with parquetrec:", err)
			}
			return
		}
		n := len(r.Header())
		line := 1
		for range 10000 {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			line++
			if got, _ := r.FieldPos(0); err == nil && got != line {
				t.Fatalf("FieldPos line %d, want %d", got, line)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "parquetrec: ") {
					t.Fatalf("error %q does not start with parquetrec:", err)
				}
				if !strings.HasPrefix(err.Error(), "parquetrec: line ") {
					return // a file error: every later Read returns it
				}
				continue
			}
			if len(rec) != n {
				t.Fatalf("record of %d fields, the header has %d", len(rec), n)
			}
		}
	})
}

// TestWithoutCRC checks the fuzz seeds' helper: the file reads the same
// without its checksums.
func TestWithoutCRC(t *testing.T) {
	seed := fuzzSeed(t)
	_, want := readAll(t, seed)
	_, got := readAll(t, withoutCRC(t, seed))
	if !cmp.Equal(want, got) {
		t.Errorf("without checksums: %q, want %q", got, want)
	}
}
