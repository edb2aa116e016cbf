package parquetrec

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// How a leaf column's values are written.
const (
	textBytes     = iota // the bytes as they are: STRING, ENUM, JSON, BSON, no logical type
	textBool             // true, false
	textInt              // signed INT32 or INT64
	textUint             // unsigned INT32 or INT64
	textFloat            // FLOAT
	textDouble           // DOUBLE
	textDecimal          // DECIMAL on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY
	textTimestamp        // TIMESTAMP: RFC 3339 UTC
	textInt96            // a legacy INT96 timestamp
	textDate             // DATE: 2006-01-02
	textTime             // TIME: 15:04:05.999999999
	textUUID             // UUID: 8-4-4-4-12 hex
)

// maxScale bounds a DECIMAL's scale: the text of a value is at least scale
// digits long, and no real export comes close.
const maxScale = 1000

// leaf says how the values of a leaf column are written.
type leaf struct {
	text  int   // textBytes, textBool, …
	scale int   // DECIMAL: digits after the point
	unit  int64 // TIMESTAMP, TIME: nanoseconds per unit
	json  bool  // the JSON logical type: embedded as is in nested JSON when valid
}

// newLeaf returns how to write values of type t.
func newLeaf(t parquet.Type) (leaf, error) {
	var logical format.LogicalTypeValue
	if lt := t.LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch lt := logical.(type) {
	case *format.StringType, *format.EnumType, *format.BsonType:
		return leaf{text: textBytes}, nil
	case *format.JsonType:
		return leaf{text: textBytes, json: true}, nil
	case *format.DecimalType:
		if lt.Scale < 0 || lt.Scale > maxScale || (lt.Precision > 0 && lt.Scale > lt.Precision) {
			return leaf{}, fmt.Errorf("%s has a scale outside 0 to its precision (at most %d)", lt, maxScale)
		}
		return leaf{text: textDecimal, scale: int(lt.Scale)}, nil
	case *format.TimestampType:
		unit, err := nanosPer(&lt.Unit)
		if err != nil {
			return leaf{}, fmt.Errorf("%s: %w", lt, err)
		}
		return leaf{text: textTimestamp, unit: unit}, nil
	case *format.TimeType:
		unit, err := nanosPer(&lt.Unit)
		if err != nil {
			return leaf{}, fmt.Errorf("%s: %w", lt, err)
		}
		return leaf{text: textTime, unit: unit}, nil
	case *format.DateType:
		return leaf{text: textDate}, nil
	case *format.IntType:
		if !lt.IsSigned {
			return leaf{text: textUint}, nil
		}
		return leaf{text: textInt}, nil
	case *format.UUIDType:
		if t.Kind() == parquet.FixedLenByteArray && t.Length() == 16 {
			return leaf{text: textUUID}, nil
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return leaf{text: textBool}, nil
	case parquet.Int32, parquet.Int64:
		return leaf{text: textInt}, nil
	case parquet.Int96:
		return leaf{text: textInt96}, nil
	case parquet.Float:
		return leaf{text: textFloat}, nil
	case parquet.Double:
		return leaf{text: textDouble}, nil
	}
	return leaf{text: textBytes}, nil
}

func nanosPer(u *format.TimeUnit) (int64, error) {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return 1e6, nil
	case *format.MicroSeconds:
		return 1e3, nil
	case *format.NanoSeconds:
		return 1, nil
	}
	return 0, fmt.Errorf("unknown time unit %q", u)
}

// appendText appends the text of the non-null value v.
func (l *leaf) appendText(dst []byte, v parquet.Value) ([]byte, error) {
	k := v.Kind()
	switch l.text {
	case textBytes:
		if k == parquet.ByteArray || k == parquet.FixedLenByteArray {
			return append(dst, v.ByteArray()...), nil
		}
	case textBool:
		if k == parquet.Boolean {
			return strconv.AppendBool(dst, v.Boolean()), nil
		}
	case textInt:
		switch k {
		case parquet.Int32:
			return strconv.AppendInt(dst, int64(v.Int32()), 10), nil
		case parquet.Int64:
			return strconv.AppendInt(dst, v.Int64(), 10), nil
		}
	case textUint:
		switch k {
		case parquet.Int32:
			return strconv.AppendUint(dst, uint64(v.Uint32()), 10), nil
		case parquet.Int64:
			return strconv.AppendUint(dst, v.Uint64(), 10), nil
		}
	case textFloat:
		if k == parquet.Float {
			return strconv.AppendFloat(dst, float64(v.Float()), 'f', -1, 32), nil
		}
	case textDouble:
		if k == parquet.Double {
			return strconv.AppendFloat(dst, v.Double(), 'f', -1, 64), nil
		}
	case textDecimal:
		switch k {
		case parquet.Int32:
			return appendDecimalInt(dst, int64(v.Int32()), l.scale), nil
		case parquet.Int64:
			return appendDecimalInt(dst, v.Int64(), l.scale), nil
		case parquet.ByteArray, parquet.FixedLenByteArray:
			return appendDecimalBytes(dst, v.ByteArray(), l.scale)
		}
	case textTimestamp, textTime:
		var n int64
		switch k {
		case parquet.Int32:
			n = int64(v.Int32())
		case parquet.Int64:
			n = v.Int64()
		default:
			return dst, unexpected(k)
		}
		// Split into seconds and nanoseconds so that no unit overflows.
		perSec := int64(1e9) / l.unit
		t := time.Unix(n/perSec, n%perSec*l.unit).UTC()
		if l.text == textTime {
			return t.AppendFormat(dst, "15:04:05.999999999"), nil
		}
		return t.AppendFormat(dst, time.RFC3339Nano), nil
	case textInt96:
		if k == parquet.Int96 {
			// 8 bytes of nanoseconds in the day, then 4 of the Julian day,
			// both little-endian.
			b := v.ByteArray()
			if len(b) != 12 {
				return dst, fmt.Errorf("INT96 value of %d bytes, want 12", len(b))
			}
			const unixJulianDay = 2440588
			nanos := binary.LittleEndian.Uint64(b)
			day := int64(binary.LittleEndian.Uint32(b[8:]))
			t := time.Unix((day-unixJulianDay)*86400, 0).Add(time.Duration(nanos)).UTC()
			return t.AppendFormat(dst, time.RFC3339Nano), nil
		}
	case textDate:
		if k == parquet.Int32 {
			return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, time.DateOnly), nil
		}
	case textUUID:
		if k == parquet.FixedLenByteArray && len(v.ByteArray()) == 16 {
			b := v.ByteArray()
			dst = hex.AppendEncode(dst, b[:4])
			dst = append(dst, '-')
			dst = hex.AppendEncode(dst, b[4:6])
			dst = append(dst, '-')
			dst = hex.AppendEncode(dst, b[6:8])
			dst = append(dst, '-')
			dst = hex.AppendEncode(dst, b[8:10])
			dst = append(dst, '-')
			return hex.AppendEncode(dst, b[10:]), nil
		}
	}
	return dst, unexpected(k)
}

func unexpected(k parquet.Kind) error {
	return fmt.Errorf("a %v value does not match the column's type", k)
}

// appendJSON appends the JSON of the non-null value v: a number, a boolean,
// an embedded JSON value or a string.
func (l *leaf) appendJSON(dst []byte, v parquet.Value, scratch *[]byte) ([]byte, error) {
	if l.text == textBytes && !l.json && (v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray) {
		return appendJSONBytes(dst, v.ByteArray()), nil
	}
	t, err := l.appendText((*scratch)[:0], v)
	*scratch = t
	if err != nil {
		return dst, err
	}
	switch l.text {
	case textBool, textInt, textUint, textDecimal:
		return append(dst, t...), nil
	case textFloat, textDouble:
		f := v.Double()
		if v.Kind() == parquet.Float {
			f = float64(v.Float())
		}
		if !math.IsInf(f, 0) && !math.IsNaN(f) {
			return append(dst, t...), nil
		}
	case textBytes:
		if l.json && json.Valid(t) {
			return append(dst, t...), nil
		}
	}
	return appendJSONBytes(dst, t), nil
}

// appendDecimalInt appends the decimal whose unscaled value is n.
func appendDecimalInt(dst []byte, n int64, scale int) []byte {
	var buf [20]byte
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	return appendDecimal(dst, n < 0, strconv.AppendUint(buf[:0], u, 10), scale)
}

// appendDecimalBytes appends the decimal whose unscaled value is b, a
// big-endian two's complement integer.
func appendDecimalBytes(dst, b []byte, scale int) ([]byte, error) {
	if len(b) == 0 {
		return dst, fmt.Errorf("empty DECIMAL value")
	}
	// Most values fit in an int64: the bytes before the last 8 only extend
	// the sign.
	if len(b) <= 8 || fitsInt64(b) {
		n := int64(int8(b[0])) // sign-extends
		for _, c := range b[1:] {
			n = n<<8 | int64(c)
		}
		return appendDecimalInt(dst, n, scale), nil
	}
	var x big.Int
	x.SetBytes(b)
	neg := b[0]&0x80 != 0
	if neg { // x - 2^(8·len(b))
		var m big.Int
		x.Sub(&x, m.Lsh(big.NewInt(1), uint(8*len(b))))
		x.Neg(&x)
	}
	return appendDecimal(dst, neg, x.Append(nil, 10), scale), nil
}

// fitsInt64 reports whether the big-endian two's complement b, longer than
// 8 bytes, fits in an int64.
func fitsInt64(b []byte) bool {
	n := len(b) - 8
	sign := byte(0)
	if b[n]&0x80 != 0 {
		sign = 0xff
	}
	for _, c := range b[:n] {
		if c != sign {
			return false
		}
	}
	return true
}

// appendDecimal appends digits, the decimal digits of an unscaled value,
// with a point before its last scale digits.
func appendDecimal(dst []byte, neg bool, digits []byte, scale int) []byte {
	if neg {
		dst = append(dst, '-')
	}
	if scale == 0 {
		return append(dst, digits...)
	}
	if len(digits) > scale {
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-scale:]...)
	}
	dst = append(dst, '0', '.')
	for range scale - len(digits) {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// appendJSONBytes appends s as a JSON string, invalid UTF-8 replaced by
// U+FFFD.
func appendJSONBytes(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
