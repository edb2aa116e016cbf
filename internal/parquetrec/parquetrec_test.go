package parquetrec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// orderedGroup is a parquet.Group whose fields keep the order of names;
// parquet.Group sorts its fields by name.
type orderedGroup struct {
	parquet.Group
	names []string
}

type orderedField struct {
	parquet.Node
	name string
}

func (f orderedField) Name() string { return f.name }

func (f orderedField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := make([]parquet.Field, len(g.names))
	for i, n := range g.names {
		fields[i] = orderedField{g.Group[n], n}
	}
	return fields
}

// newSchema returns a schema with fields in the order given, as name, node
// pairs.
func newSchema(fields ...any) *parquet.Schema {
	g := orderedGroup{Group: parquet.Group{}}
	for i := 0; i < len(fields); i += 2 {
		name := fields[i].(string)
		g.names = append(g.names, name)
		g.Group[name] = fields[i+1].(parquet.Node)
	}
	return parquet.NewSchema("test", g)
}

// writeRows writes rows, whose values carry their levels and column index,
// as a Parquet file.
func writeRows(tb testing.TB, schema *parquet.Schema, rows []parquet.Row, options ...parquet.WriterOption) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, append([]parquet.WriterOption{schema}, options...)...)
	if _, err := w.WriteRows(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every record of the Parquet file data.
func readAll(tb testing.TB, data []byte) (header []string, records [][]string) {
	tb.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return r.Header(), records
		}
		if err != nil {
			tb.Fatal(err)
		}
		records = append(records, append([]string(nil), rec...))
	}
}

// null is a NULL value of an optional top-level column.
var null = parquet.NullValue()

func str(s string) parquet.Value { return parquet.ByteArrayValue([]byte(s)) }

// decimalBytes is the size-byte big-endian two's complement of the integer
// unscaled, as DECIMAL stores it in a FIXED_LEN_BYTE_ARRAY; size 0 is for a
// BYTE_ARRAY of as many bytes as the magnitude and a sign bit take.
func decimalBytes(unscaled string, size int) []byte {
	x, ok := new(big.Int).SetString(unscaled, 10)
	if !ok {
		panic("bad integer " + unscaled)
	}
	if size == 0 {
		size = (x.BitLen() + 8) / 8
	}
	if x.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(8*size)))
	}
	return x.FillBytes(make([]byte, size))
}

func fixedDecimal(unscaled string) parquet.Value {
	return parquet.FixedLenByteArrayValue(decimalBytes(unscaled, 16))
}

func int96(unixNanos int64) parquet.Value {
	const unixJulianDay = 2440588
	day := unixNanos/(86400*1e9) + unixJulianDay
	nanos := uint64(unixNanos % (86400 * 1e9))
	return parquet.Int96Value(deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day)})
}

func TestReadTypes(t *testing.T) {
	uuid := make([]byte, 16)
	for i := range uuid {
		uuid[i] = byte(i)
	}
	decimal38 := parquet.Decimal(10, 38, parquet.FixedLenByteArrayType(16))
	tests := []struct {
		name   string
		node   parquet.Node
		values []parquet.Value
		want   []string
	}{
		{"string", parquet.String(),
			[]parquet.Value{str("Amazon Web Services, Inc."), str("héllo \"x\"\nline 2"), str(""), null},
			[]string{"Amazon Web Services, Inc.", "héllo \"x\"\nline 2", "", ""}},
		{"enum", parquet.Enum(), []parquet.Value{str("USD"), null}, []string{"USD", ""}},
		{"json", parquet.JSON(), []parquet.Value{str(`{"a": [1, 2]}`)}, []string{`{"a": [1, 2]}`}},
		{"byte array without logical type", parquet.Leaf(parquet.ByteArrayType),
			[]parquet.Value{str("raw"), null}, []string{"raw", ""}},
		{"fixed len byte array without logical type", parquet.Leaf(parquet.FixedLenByteArrayType(3)),
			[]parquet.Value{parquet.FixedLenByteArrayValue([]byte("abc"))}, []string{"abc"}},
		{"uuid", parquet.UUID(), []parquet.Value{parquet.FixedLenByteArrayValue(uuid)},
			[]string{"00010203-0405-0607-0809-0a0b0c0d0e0f"}},

		{"boolean", parquet.Leaf(parquet.BooleanType),
			[]parquet.Value{parquet.BooleanValue(true), parquet.BooleanValue(false), null},
			[]string{"true", "false", ""}},
		{"int8", parquet.Int(8), []parquet.Value{parquet.Int32Value(-128), parquet.Int32Value(127)}, []string{"-128", "127"}},
		{"int16", parquet.Int(16), []parquet.Value{parquet.Int32Value(-32768)}, []string{"-32768"}},
		{"int32", parquet.Int(32),
			[]parquet.Value{parquet.Int32Value(math.MinInt32), parquet.Int32Value(0), null},
			[]string{"-2147483648", "0", ""}},
		{"int64", parquet.Int(64),
			[]parquet.Value{parquet.Int64Value(math.MaxInt64), parquet.Int64Value(math.MinInt64), null},
			[]string{"9223372036854775807", "-9223372036854775808", ""}},
		{"int32 without logical type", parquet.Leaf(parquet.Int32Type), []parquet.Value{parquet.Int32Value(-7)}, []string{"-7"}},
		{"uint8", parquet.Uint(8), []parquet.Value{parquet.Int32Value(255)}, []string{"255"}},
		{"uint16", parquet.Uint(16), []parquet.Value{parquet.Int32Value(65535)}, []string{"65535"}},
		{"uint32", parquet.Uint(32), []parquet.Value{parquet.Int32Value(-1)}, []string{"4294967295"}},
		{"uint64", parquet.Uint(64),
			[]parquet.Value{parquet.Int64Value(-1), parquet.Int64Value(1)},
			[]string{"18446744073709551615", "1"}},

		{"decimal(38,10) on fixed_len_byte_array", decimal38,
			[]parquet.Value{
				fixedDecimal("99999999999999999999999999999999999999"),
				fixedDecimal("-99999999999999999999999999999999999999"),
				fixedDecimal("123456789012345678901234567"),
				fixedDecimal("-1"),
				fixedDecimal("0"),
				fixedDecimal("12345"),
				fixedDecimal("9223372036854775807"),  // the largest int64
				fixedDecimal("9223372036854775808"),  // one more: math/big
				fixedDecimal("-9223372036854775808"), // the smallest int64
				fixedDecimal("-9223372036854775809"), // one less: math/big
				null,
			},
			[]string{
				"9999999999999999999999999999.9999999999",
				"-9999999999999999999999999999.9999999999",
				"12345678901234567.8901234567",
				"-0.0000000001",
				"0.0000000000",
				"0.0000012345",
				"922337203.6854775807",
				"922337203.6854775808",
				"-922337203.6854775808",
				"-922337203.6854775809",
				"",
			}},
		{"decimal(18,4) on int64", parquet.Decimal(4, 18, parquet.Int64Type),
			[]parquet.Value{parquet.Int64Value(12345), parquet.Int64Value(-10), parquet.Int64Value(math.MinInt64), parquet.Int64Value(0), null},
			[]string{"1.2345", "-0.0010", "-922337203685477.5808", "0.0000", ""}},
		{"decimal(9,2) on int32", parquet.Decimal(2, 9, parquet.Int32Type),
			[]parquet.Value{parquet.Int32Value(-5), parquet.Int32Value(100), parquet.Int32Value(math.MaxInt32)},
			[]string{"-0.05", "1.00", "21474836.47"}},
		{"decimal(5,0) on int32", parquet.Decimal(0, 5, parquet.Int32Type),
			[]parquet.Value{parquet.Int32Value(-42)}, []string{"-42"}},
		{"decimal(50,3) on byte_array", parquet.Decimal(3, 50, parquet.ByteArrayType),
			[]parquet.Value{
				parquet.ByteArrayValue([]byte{0x01}),
				parquet.ByteArrayValue([]byte{0xff}),
				parquet.ByteArrayValue(decimalBytes("-12345678901234567890123456789012345678901234567890", 0)),
			},
			[]string{"0.001", "-0.001", "-12345678901234567890123456789012345678901234567.890"}},

		{"float", parquet.Leaf(parquet.FloatType),
			[]parquet.Value{
				parquet.FloatValue(0.1), parquet.FloatValue(math.MaxFloat32), parquet.FloatValue(float32(math.Copysign(0, -1))),
				parquet.FloatValue(float32(math.NaN())), parquet.FloatValue(float32(math.Inf(1))), parquet.FloatValue(float32(math.Inf(-1))), null,
			},
			[]string{"0.1", "340282350000000000000000000000000000000", "-0", "NaN", "+Inf", "-Inf", ""}},
		{"double", parquet.Leaf(parquet.DoubleType),
			[]parquet.Value{
				parquet.DoubleValue(math.Nextafter(0.3, 1)), parquet.DoubleValue(1e21), parquet.DoubleValue(1.5e-7),
				parquet.DoubleValue(-0.0000008), parquet.DoubleValue(math.NaN()), parquet.DoubleValue(math.Inf(-1)), null,
			},
			[]string{"0.30000000000000004", "1000000000000000000000", "0.00000015", "-0.0000008", "NaN", "-Inf", ""}},

		{"timestamp millis", parquet.Timestamp(parquet.Millisecond),
			[]parquet.Value{parquet.Int64Value(1725148800000), parquet.Int64Value(1725148800123), parquet.Int64Value(-1), null},
			[]string{"2024-09-01T00:00:00Z", "2024-09-01T00:00:00.123Z", "1969-12-31T23:59:59.999Z", ""}},
		{"timestamp micros", parquet.Timestamp(parquet.Microsecond),
			[]parquet.Value{parquet.Int64Value(1725152400000000), parquet.Int64Value(1725148800000001), parquet.Int64Value(1725148800500000)},
			[]string{"2024-09-01T01:00:00Z", "2024-09-01T00:00:00.000001Z", "2024-09-01T00:00:00.5Z"}},
		{"timestamp nanos", parquet.Timestamp(parquet.Nanosecond),
			[]parquet.Value{parquet.Int64Value(1725148800000000001), parquet.Int64Value(-1)},
			[]string{"2024-09-01T00:00:00.000000001Z", "1969-12-31T23:59:59.999999999Z"}},
		{"timestamp micros not adjusted to UTC", parquet.TimestampAdjusted(parquet.Microsecond, false),
			[]parquet.Value{parquet.Int64Value(1725148800000000)}, []string{"2024-09-01T00:00:00Z"}},
		{"int96 timestamp", parquet.Leaf(parquet.Int96Type),
			[]parquet.Value{int96(1725152400500000000), int96(1725148800000000000), null},
			[]string{"2024-09-01T01:00:00.5Z", "2024-09-01T00:00:00Z", ""}},
		{"date", parquet.Date(),
			[]parquet.Value{parquet.Int32Value(19967), parquet.Int32Value(-1), null},
			[]string{"2024-09-01", "1969-12-31", ""}},
		{"time millis", parquet.Time(parquet.Millisecond),
			[]parquet.Value{parquet.Int32Value(3723004), parquet.Int32Value(0)}, []string{"01:02:03.004", "00:00:00"}},
		{"time micros", parquet.Time(parquet.Microsecond),
			[]parquet.Value{parquet.Int64Value(86399999999)}, []string{"23:59:59.999999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := make([]parquet.Row, len(tt.values))
			for i, v := range tt.values {
				def := 1
				if v.IsNull() {
					def = 0
				}
				rows[i] = parquet.Row{v.Level(0, def, 0)}
			}
			data := writeRows(t, newSchema("c", parquet.Optional(tt.node)), rows)
			header, got := readAll(t, data)
			if !cmp.Equal(header, []string{"c"}) {
				t.Errorf("header = %q, want [c]", header)
			}
			var values []string
			for _, rec := range got {
				if len(rec) != 1 {
					t.Fatalf("record %q has %d fields, want 1", rec, len(rec))
				}
				values = append(values, rec[0])
			}
			if diff := cmp.Diff(tt.want, values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadTags reads the FOCUS Tags column as AWS Data Exports write it,
// MAP<string,string> with optional values, from rows whose repetition and
// definition levels are written out by hand.
func TestReadTags(t *testing.T) {
	schema := newSchema(
		"BilledCost", parquet.Optional(parquet.Leaf(parquet.DoubleType)),
		"Tags", parquet.Optional(parquet.Map(parquet.String(), parquet.Optional(parquet.String()))),
		"x_Last", parquet.Optional(parquet.String()),
	)
	// Columns: 0 BilledCost, 1 Tags.key_value.key, 2 Tags.key_value.value, 3 x_Last.
	// Definition levels of Tags: 0 null map, 1 empty map, 2 entry with a null
	// value, 3 entry with a value. Repetition level 1: another entry.
	cost := parquet.DoubleValue(1.5).Level(0, 1, 0)
	last := str("z").Level(0, 1, 3)
	rows := []parquet.Row{
		{cost, null.Level(0, 0, 1), null.Level(0, 0, 2), last},
		{cost, null.Level(0, 1, 1), null.Level(0, 1, 2), last},
		{cost, str("env").Level(0, 2, 1), str("prod").Level(0, 3, 2), last},
		{
			cost,
			str("app").Level(0, 2, 1), str("team").Level(1, 2, 1), str("note").Level(1, 2, 1),
			str("web").Level(0, 3, 2), null.Level(1, 2, 2), str(`say "hi"`+"\n\x01é").Level(1, 3, 2),
			last,
		},
		{cost, str(`k"ey\`).Level(0, 2, 1), str("").Level(0, 3, 2), last},
	}
	_, got := readAll(t, writeRows(t, schema, rows))
	want := [][]string{
		{"1.5", "", "z"},
		{"1.5", "{}", "z"},
		{"1.5", `{"env":"prod"}`, "z"},
		{"1.5", `{"app":"web","team":null,"note":"say \"hi\"\n\u0001é"}`, "z"},
		{"1.5", `{"k\"ey\\":""}`, "z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

type nestedItem struct {
	Name string  `parquet:"name"`
	Qty  *int64  `parquet:"qty,optional"`
	Cost float64 `parquet:"cost"`
}

type nestedRow struct {
	ID     int64               `parquet:"id"`
	Items  []nestedItem        `parquet:"items,list"`
	Labels []string            `parquet:"labels"`
	Counts map[string]int64    `parquet:"counts"`
	ByHour map[int32]float64   `parquet:"by_hour"`
	Opt    map[string]string   `parquet:"opt,optional"`
	Matrix [][]int32           `parquet:"matrix,list"`
	Flags  []bool              `parquet:"flags,list"`
	Point  *struct{ X, Y int } `parquet:"point,optional"`
}

// TestReadNested reads LIST, MAP, group and repeated fields written by
// parquet-go from Go values, as JSON.
func TestReadNested(t *testing.T) {
	qty := int64(3)
	rows := []nestedRow{
		{
			ID:     1,
			Items:  []nestedItem{{"a", &qty, 0.25}, {"b\t", nil, -1}},
			Labels: []string{"x", "y"},
			Counts: map[string]int64{"k": -1},
			ByHour: map[int32]float64{7: 0.5},
			Opt:    map[string]string{},
			Matrix: [][]int32{{1, 2}, {}, {3}},
			Flags:  []bool{true, false},
			Point:  &struct{ X, Y int }{1, -2},
		},
		{ID: 2},
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[nestedRow](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	header, got := readAll(t, buf.Bytes())
	wantHeader := []string{"id", "items", "labels", "counts", "by_hour", "opt", "matrix", "flags", "point"}
	if diff := cmp.Diff(wantHeader, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	want := [][]string{
		{
			"1",
			`[{"name":"a","qty":3,"cost":0.25},{"name":"b\t","qty":null,"cost":-1}]`,
			`["x","y"]`,
			`{"k":-1}`,
			`{"7":0.5}`,
			`{}`,
			`[[1,2],[],[3]]`,
			`[true,false]`,
			`{"X":1,"Y":-2}`,
		},
		{"2", "[]", "[]", "{}", "{}", "", "[]", "[]", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s\nschema:\n%s", diff, w.Schema())
	}
}

// TestReadRowGroups reads a file of several row groups, each of several
// pages, and checks that rows keep their order and their line numbers across
// the boundaries.
func TestReadRowGroups(t *testing.T) {
	schema := newSchema(
		"Id", parquet.Int(64),
		"Name", parquet.Optional(parquet.String()),
		"Tags", parquet.Optional(parquet.Map(parquet.String(), parquet.String())),
	)
	const n = 1000
	rows := make([]parquet.Row, n)
	for i := range rows {
		row := parquet.Row{parquet.Int64Value(int64(i)).Level(0, 0, 0)}
		if i%7 == 0 {
			row = append(row, null.Level(0, 0, 1))
		} else {
			row = append(row, str(fmt.Sprintf("row %d", i)).Level(0, 1, 1))
		}
		switch i % 3 {
		case 0:
			row = append(row, null.Level(0, 0, 2), null.Level(0, 0, 3))
		case 1:
			row = append(row, str("n").Level(0, 2, 2), str("m").Level(1, 2, 2),
				str(fmt.Sprint(i)).Level(0, 2, 3), str("x").Level(1, 2, 3))
		case 2:
			row = append(row, null.Level(0, 1, 2), null.Level(0, 1, 3))
		}
		rows[i] = row
	}
	data := writeRows(t, schema, rows, parquet.MaxRowsPerRowGroup(300), parquet.PageBufferSize(512))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if g := len(f.RowGroups()); g != 4 {
		t.Fatalf("the file has %d row groups, the test wants 4", g)
	}

	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if line, col := r.FieldPos(0); line != 1 || col != 1 {
		t.Errorf("FieldPos(0) before the first row = %d, %d, want 1, 1 (the header)", line, col)
	}
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			if i != n {
				t.Fatalf("read %d rows, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		name := fmt.Sprintf("row %d", i)
		if i%7 == 0 {
			name = ""
		}
		tags := []string{"", fmt.Sprintf(`{"n":"%d","m":"x"}`, i), "{}"}[i%3]
		want := []string{fmt.Sprint(i), name, tags}
		if !cmp.Equal(rec, want) {
			t.Fatalf("row %d = %q, want %q", i, rec, want)
		}
		for field := range rec {
			line, col := r.FieldPos(field)
			if line != i+2 || col != field+1 {
				t.Fatalf("row %d: FieldPos(%d) = %d, %d, want %d, %d", i, field, line, col, i+2, field+1)
			}
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("Read after the end = %v, want io.EOF", err)
	}
}

// TestReadRowError checks that a value the reader cannot write, an empty
// DECIMAL, is an error naming its line and column, after which the next row
// reads.
func TestReadRowError(t *testing.T) {
	schema := newSchema("Id", parquet.Int(64), "c", parquet.Decimal(3, 9, parquet.ByteArrayType))
	rows := []parquet.Row{
		{parquet.Int64Value(1).Level(0, 0, 0), parquet.ByteArrayValue([]byte{0x01}).Level(0, 0, 1)},
		{parquet.Int64Value(2).Level(0, 0, 0), parquet.ByteArrayValue([]byte{}).Level(0, 0, 1)},
		{parquet.Int64Value(3).Level(0, 0, 0), parquet.ByteArrayValue([]byte{0xfe}).Level(0, 0, 1)},
	}
	data := writeRows(t, schema, rows)
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(1)
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) || re.RowLine() != line {
				t.Errorf("line %d: %v is not a *RowError of its line", line, err)
			}
			got = append(got, fmt.Sprintf("%d: %v", line, err))
			continue
		}
		got = append(got, fmt.Sprintf("%d: %q", line, rec))
	}
	want := []string{
		`2: ["1" "0.001"]`,
		`3: parquetrec: line 3: column "c": empty DECIMAL value`,
		`4: ["3" "-0.002"]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestReadNoRows reads a file with a schema and no rows, as an export of an
// empty billing period may be.
func TestReadNoRows(t *testing.T) {
	data := writeRows(t, newSchema("BilledCost", parquet.Optional(parquet.Leaf(parquet.DoubleType)), "ChargePeriodStart", parquet.String()), nil)
	header, got := readAll(t, data)
	if !cmp.Equal(header, []string{"BilledCost", "ChargePeriodStart"}) || len(got) != 0 {
		t.Errorf("header %q and records %q, want [BilledCost ChargePeriodStart] and none", header, got)
	}
}

func TestFieldPosOutOfRange(t *testing.T) {
	data := writeRows(t, newSchema("a", parquet.String()), []parquet.Row{{str("x").Level(0, 0, 0)}})
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("FieldPos(1) of a one-field record did not panic, like (*csv.Reader).FieldPos does")
		}
	}()
	r.FieldPos(1)
}

// footer returns the metadata of the Parquet file data.
func footer(tb testing.TB, data []byte) *format.FileMetaData {
	tb.Helper()
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[len(data)-8-n:len(data)-8], &md); err != nil {
		tb.Fatal(err)
	}
	return &md
}

// withFooter returns data with its footer replaced by md.
func withFooter(tb testing.TB, data []byte, md *format.FileMetaData) []byte {
	tb.Helper()
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	b, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		tb.Fatal(err)
	}
	out := append([]byte(nil), data[:len(data)-8-n]...)
	out = append(out, b...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
	return append(out, Magic...)
}

func TestOpenErrors(t *testing.T) {
	valid := writeRows(t, newSchema("a", parquet.String()), []parquet.Row{{str("x").Level(0, 0, 0)}})
	noColumns := withFooter(t, valid, &format.FileMetaData{
		Version: 1,
		Schema:  []format.SchemaElement{{Name: "schema"}},
	})
	hugeList := []byte{0x15, 0x02, 0x19, 0xfc} // version 1, schema: a list of structs of the size that follows
	hugeList = binary.AppendUvarint(hugeList, 1<<30)
	hugeList = append(hugeList, 0)
	hugeList = binary.LittleEndian.AppendUint32(append([]byte(Magic), hugeList...), uint32(len(hugeList)))
	hugeList = append(hugeList, Magic...)
	garbledFooter := bytes.Clone(valid)
	n := int(binary.LittleEndian.Uint32(valid[len(valid)-8:]))
	for i := len(valid) - 8 - n; i < len(valid)-8; i += 3 {
		garbledFooter[i] = 0xee
	}
	badDecimal := footer(t, valid)
	badDecimal.Schema[1].LogicalType = format.LogicalType{Value: &format.DecimalType{Precision: 5, Scale: 9}}
	decimalOnBoolean := footer(t, valid) // parquet-go panics on it
	decimalOnBoolean.Schema[1].Type = thrift.New(format.Boolean)
	decimalOnBoolean.Schema[1].LogicalType = format.LogicalType{Value: &format.DecimalType{Precision: 5, Scale: 2}}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, `not a Parquet file: it does not start with "PAR1"`},
		{"csv", []byte("BilledCost,ChargePeriodStart\n1,2024-09-01\n"), `not a Parquet file: it does not start with "PAR1"`},
		{"magic only", []byte("PAR1"), "truncated Parquet file: 4 bytes"},
		{"truncated", valid[:len(valid)-10], `truncated or malformed Parquet file: it does not end with "PAR1"`},
		{"encrypted", append([]byte("PARE"), valid[4:]...), "encrypted"},
		{"corrupt footer length", append(append([]byte(nil), valid[:len(valid)-8]...), 0xff, 0xff, 0, 0, 'P', 'A', 'R', '1'),
			"truncated or malformed Parquet file: a footer of 65535 bytes does not fit in 233"},
		// A footer of 19 bytes whose schema claims 2^30 elements: parquet-go
		// allocates them all before reading the first (a fatal out of memory).
		{"footer list longer than the footer", hugeList, "reading the footer: malformed metadata: a length or count runs past the end"},
		{"garbled footer", garbledFooter, "reading the footer"},
		{"no columns", noColumns, "the file's schema has no columns"},
		{"decimal on boolean", withFooter(t, valid, decimalOnBoolean), "reading the footer: malformed file: DECIMAL must be of type"},
		{"decimal scale over precision", withFooter(t, valid, badDecimal), `column "a": DECIMAL(5,9) has a scale outside 0 to its precision`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err == nil {
				t.Fatalf("Open succeeded with header %q, want an error", r.Header())
			}
			if !strings.HasPrefix(err.Error(), "parquetrec: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// withPageHeader returns data, a file of one column chunk, with the header
// of the chunk's first page edited.
func withPageHeader(tb testing.TB, data []byte, edit func(*format.PageHeader)) []byte {
	tb.Helper()
	md := footer(tb, data)
	m := &md.RowGroups[0].Columns[0].MetaData
	off := m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		off = m.DictionaryPageOffset
	}
	w := thriftWalker{b: data[off:]}
	if err := w.walkStruct(); err != nil {
		tb.Fatal(err)
	}
	var h format.PageHeader
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[off:off+int64(w.off)], &h); err != nil {
		tb.Fatal(err)
	}
	edit(&h)
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		tb.Fatal(err)
	}
	out := append(bytes.Clone(data[:off]), b...)
	out = append(out, data[off+int64(w.off):]...)
	// The chunk grew by the header's growth; so did the offset of the page after it.
	delta := int64(len(b) - w.off)
	m.TotalCompressedSize += delta
	if m.DictionaryPageOffset != 0 {
		m.DataPageOffset += delta
	}
	return withFooter(tb, out, md)
}

// TestReadErrors checks that a file whose footer and pages disagree gives an
// error naming the row group, and that the error sticks.
func TestReadErrors(t *testing.T) {
	rows := []parquet.Row{{str("a").Level(0, 0, 0)}, {str("b").Level(0, 0, 0)}, {str("c").Level(0, 0, 0)}}
	valid := writeRows(t, newSchema("a", parquet.String()), rows)

	moreRows := footer(t, valid)
	moreRows.RowGroups[0].NumRows = 4
	moreRows.NumRows = 4
	fewerRows := footer(t, valid)
	fewerRows.RowGroups[0].NumRows = 2
	fewerRows.NumRows = 2
	// Overwrite the page's data (after its header) with garbage.
	md := footer(t, valid)
	start := md.RowGroups[0].Columns[0].MetaData.DataPageOffset
	size := md.RowGroups[0].Columns[0].MetaData.TotalCompressedSize
	garbled := append([]byte(nil), valid...)
	for i := start + size/2; i < start+size; i++ {
		garbled[i] = 0xff
	}

	tests := []struct {
		name string
		data []byte
		want string
	}{
		// parquet-go allocates a page's sizes and value count as it reads its
		// header: 2 GiB, from a file of 200 bytes.
		{"page larger than its column chunk", withPageHeader(t, valid, func(h *format.PageHeader) { h.CompressedPageSize = math.MaxInt32 }),
			`parquetrec: row group 0: column "a": page at offset 4: 2147483647 bytes do not fit in its column chunk`},
		{"page of a huge uncompressed size", withPageHeader(t, valid, func(h *format.PageHeader) { h.UncompressedPageSize = math.MaxInt32 }),
			`parquetrec: row group 0: column "a": page at offset 4: uncompressed size 2147483647 is out of bounds`},
		{"page of too many values", withPageHeader(t, valid, func(h *format.PageHeader) {
			if h.DictionaryPageHeader.Valid {
				h.DictionaryPageHeader.V.NumValues = 1 << 30
			}
			if h.DataPageHeader.Valid {
				h.DataPageHeader.V.NumValues = 1 << 30
			}
			if h.DataPageHeaderV2.Valid {
				h.DataPageHeaderV2.V.NumValues = 1 << 30
			}
		}), `parquetrec: row group 0: column "a": page at offset 4: 1073741824 values are more than this reader accepts in a page`},
		{"fewer rows than the footer says", withFooter(t, valid, moreRows), "parquetrec: row group 0: 3 rows, the footer says 4"},
		{"more rows than the footer says", withFooter(t, valid, fewerRows), "parquetrec: row group 0: more rows than the 2 the footer says"},
		{"garbled page", garbled, "parquetrec: row group 0: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			var readErr error
			for range 10 {
				if _, readErr = r.Read(); readErr != nil {
					break
				}
			}
			if readErr == nil || readErr == io.EOF || !strings.Contains(readErr.Error(), tt.want) {
				t.Fatalf("Read error = %v, want one containing %q", readErr, tt.want)
			}
			if _, again := r.Read(); !errors.Is(again, readErr) {
				t.Errorf("Read after an error = %v, want the same error %v", again, readErr)
			}
		})
	}
}
