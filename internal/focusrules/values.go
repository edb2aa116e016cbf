package focusrules

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Value tests used by the check functions. A CSV value is always a string;
// these decide what the string is.

// isNumber reports whether s is a decimal number as a reader of a Decimal
// column would accept it (TypeDecimal, CheckDecimalValue): an optional sign,
// digits with an optional fraction, an optional exponent. No spaces,
// thousands separators, currency symbols, NaN or Infinity.
func isNumber(s string) bool {
	_, ok := scanNumber(s, true)
	return ok
}

// isNumericFormat reports whether s follows the FOCUS NumericFormat
// attribute: an integer, a decimal or E notation ("mEn"), a minus sign only
// for negative values (NumericFormat-A-010-M: no "+"), a single ".",
// an exponent sign only when negative, nothing else.
func isNumericFormat(s string) bool {
	_, ok := scanNumber(s, false)
	return ok
}

// scanNumber scans a number; lenient allows a leading "+" and a "+" in the
// exponent. It returns the exponent's value (saturated) for callers that
// guard arithmetic.
func scanNumber(s string, lenient bool) (exp int, ok bool) {
	i, n := 0, len(s)
	if i < n && (s[i] == '-' || (lenient && s[i] == '+')) {
		i++
	}
	intDigits := 0
	for i < n && s[i] >= '0' && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < n && s[i] == '.' {
		i++
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
		if fracDigits == 0 && (!lenient || intDigits == 0) {
			return 0, false // "1." is not NumericFormat; "." is nothing
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return 0, false
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if i < n && (s[i] == '-' || (lenient && s[i] == '+')) {
			neg = s[i] == '-'
			i++
		}
		digits := 0
		for i < n && s[i] >= '0' && s[i] <= '9' {
			if exp < 1<<20 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
			digits++
		}
		if digits == 0 {
			return 0, false
		}
		if neg {
			exp = -exp
		}
	}
	return exp, i == n
}

// maxArith bounds the numbers decimal arithmetic is done on, so that a
// value such as 1e999999999 cannot make a comparison allocate gigabytes.
const (
	maxArithLen = 200
	maxArithExp = 400
)

// parseDecimal parses s for arithmetic and comparison.
func parseDecimal(s string) (decimal.Decimal, bool) {
	if len(s) > maxArithLen {
		return decimal.Decimal{}, false
	}
	exp, ok := scanNumber(s, true)
	if !ok || exp > maxArithExp || exp < -maxArithExp {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// isFOCUSDateTime reports whether s is in the FOCUS DateTimeFormat: the
// extended ISO 8601 form in UTC, YYYY-MM-DDTHH:mm:ssZ, and a real instant.
func isFOCUSDateTime(s string) bool {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return false
	}
	return d <= time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dateTimeLayouts are what TypeDateTime accepts as a date/time value in
// text: what a typed reader would load as a timestamp. Whether it is in the
// FOCUS format is FormatDateTime's question.
var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// isDateTime reports whether s is a date/time value (TypeDateTime).
func isDateTime(s string) bool {
	if len(s) < 10 || len(s) > 40 || s[4] != '-' {
		return false
	}
	if isFOCUSDateTime(s) {
		return true
	}
	for _, l := range dateTimeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// isKeyValue reports whether s follows the FOCUS KeyValueFormat: a JSON
// object (KeyValueFormat-A-001-M, ECMA-404) with unique keys (A-002-M) whose
// values are numbers, strings, true, false or null (A-003-M), never objects
// or arrays (A-004-M). It scans without allocating for the usual object.
func isKeyValue(s string) bool {
	p := jsonScanner{s: s}
	p.space()
	if !p.eat('{') {
		return false
	}
	var small [16]string
	keys := small[:0]
	p.space()
	if !p.eat('}') {
		for {
			p.space()
			key, ok := p.str()
			if !ok {
				return false
			}
			for _, k := range keys {
				if k == key {
					return false
				}
			}
			keys = append(keys, key)
			p.space()
			if !p.eat(':') {
				return false
			}
			p.space()
			if !p.scalar() {
				return false
			}
			p.space()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return false
		}
	}
	p.space()
	return p.i == len(s)
}

type jsonScanner struct {
	s string
	i int
}

func (p *jsonScanner) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str scans a JSON string and returns its value: the raw text when it has
// no escapes, else the decoded string.
func (p *jsonScanner) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start, escaped := p.i, false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			raw := p.s[start:p.i]
			p.i++
			if !escaped {
				return raw, true
			}
			var out string
			if err := json.Unmarshal([]byte(p.s[start-1:p.i]), &out); err != nil {
				return "", false
			}
			return out, true
		case c < 0x20:
			return "", false
		case c == '\\':
			escaped = true
			p.i++
			if p.i >= len(p.s) {
				return "", false
			}
			switch p.s[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if p.i+5 > len(p.s) {
					return "", false
				}
				for _, h := range []byte(p.s[p.i+1 : p.i+5]) {
					if !isHex(h) {
						return "", false
					}
				}
				p.i += 5
			default:
				return "", false
			}
		default:
			p.i++
		}
	}
	return "", false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scalar scans a string, number, true, false or null.
func (p *jsonScanner) scalar() bool {
	if p.i >= len(p.s) {
		return false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(p.s)-p.i >= len(lit) && p.s[p.i:p.i+len(lit)] == lit {
			p.i += len(lit)
			return true
		}
	}
	return false
}

// number scans a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonScanner) number() bool {
	p.eat('-')
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.eat('0') {
		// no leading zeros
	} else if digits() == 0 {
		return false
	}
	if p.eat('.') && digits() == 0 {
		return false
	}
	if p.eat('e') || p.eat('E') {
		if !p.eat('+') {
			p.eat('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// isCurrencyCode reports whether s is three upper-case letters, the shape
// of an ISO 4217 alphabetic code (CurrencyFormat-A-001-C).
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isNationalCurrency reports whether s is the ISO 4217 code of a national
// (or monetary-union) currency.
func isNationalCurrency(s string) bool {
	_, ok := nationalCurrencies[s]
	return ok
}

// isValidString reports whether s is a valid Unicode string
// (StringHandling-A-001-M): well-formed UTF-8.
func isValidString(s string) bool { return utf8.ValidString(s) }
