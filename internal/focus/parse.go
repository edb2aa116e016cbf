package focus

import (
	"math/big"
	"time"

	"github.com/shopspring/decimal"
)

const (
	// maxExponent bounds the decimal exponent of a number: no cost or
	// quantity needs more, and unbounded exponents make printing a decimal
	// arbitrarily slow.
	maxExponent = 1000
	// maxDigits bounds the significant digits of a number, for the same reason.
	maxDigits = 100
)

// ParseDecimal parses a number as billing exports write it; see
// parseDecimal. Native export readers share it.
func ParseDecimal(s string) (decimal.Decimal, bool) { return parseDecimal(s) }

// parseDecimal parses a FOCUS numeric value: an optional sign, digits with at
// most one decimal point, and an optional exponent ("1.2E-5"). It returns
// false for anything else. Values whose significant digits fit in an int64
// are built with decimal.New, which is several times faster than
// decimal.NewFromString; zero is the zero Decimal and allocates nothing.
func parseDecimal(s string) (decimal.Decimal, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	sig, digits, frac := 0, 0, 0
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
			if dot {
				frac++
			}
			if sig == 0 && c == '0' {
				continue
			}
			sig++
			if sig <= 18 {
				mant = mant*10 + uint64(c-'0')
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return decimal.Decimal{}, false
	}
	exp := -frac
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decimal.Decimal{}, false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return decimal.Decimal{}, false
		}
		e := 0
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return decimal.Decimal{}, false
			}
			if e < 1<<20 {
				e = e*10 + int(c-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if sig == 0 {
		return decimal.Decimal{}, true
	}
	if sig > maxDigits || exp < -maxExponent || exp > maxExponent {
		return decimal.Decimal{}, false
	}
	if sig <= 18 {
		m := int64(mant)
		if neg {
			m = -m
		}
		return decimal.New(m, int32(exp)), true
	}
	// More digits than an int64 holds: collect them and use big.Int.
	buf := make([]byte, 0, sig+1)
	if neg {
		buf = append(buf, '-')
	}
	started := false
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == 'e' || c == 'E' {
			break
		}
		if c < '0' || c > '9' || (!started && c == '0') {
			continue
		}
		started = true
		buf = append(buf, c)
	}
	var b big.Int
	if _, ok := b.SetString(string(buf), 10); !ok {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromBigInt(&b, int32(exp)), true
}

// Timestamp quirks found by parseTime, as a bit set.
const (
	tsNoTZ         = 1 << iota // no T between date and time, or no zone: read as UTC
	tsDateOnly                 // date without time: midnight UTC
	tsHourOverflow             // hour past 23, carried into the next day(s)
)

// parseTime parses a FOCUS date/time: RFC 3339 ("2024-09-01T00:00:00Z", with
// fractional seconds or a numeric offset, converted to UTC), and the quirks
// "2024-09-01 00:00:00" (space instead of T), no zone (read as UTC), no
// seconds, a " UTC" suffix, a date alone, and hours past 23. It returns the
// quirks found and false when s is not a timestamp.
func parseTime(s string) (time.Time, int, bool) {
	var quirks int
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, 0, false
	}
	year, ok1 := digits4(s[0:4])
	month, ok2 := digits2(s[5:7])
	day, ok3 := digits2(s[8:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, 0, false
	}
	if len(s) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), tsDateOnly, true
	}
	switch s[10] {
	case 'T', 't':
	case ' ':
		quirks |= tsNoTZ
	default:
		return time.Time{}, 0, false
	}
	if len(s) < 16 || s[13] != ':' {
		return time.Time{}, 0, false
	}
	hour, ok1 := digits2(s[11:13])
	minute, ok2 := digits2(s[14:16])
	if !ok1 || !ok2 || minute > 59 {
		return time.Time{}, 0, false
	}
	if hour > 23 {
		quirks |= tsHourOverflow
	}
	p := 16
	sec, nsec := 0, 0
	if p < len(s) && s[p] == ':' {
		if len(s) < p+3 {
			return time.Time{}, 0, false
		}
		var ok bool
		if sec, ok = digits2(s[p+1 : p+3]); !ok || sec > 60 {
			return time.Time{}, 0, false
		}
		p += 3
		if p < len(s) && (s[p] == '.' || s[p] == ',') {
			p++
			n, scale := 0, 0
			start := p
			for ; p < len(s) && s[p] >= '0' && s[p] <= '9'; p++ {
				if scale < 9 {
					n = n*10 + int(s[p]-'0')
					scale++
				}
			}
			if p == start {
				return time.Time{}, 0, false
			}
			for ; scale < 9; scale++ {
				n *= 10
			}
			nsec = n
		}
	}
	if p < len(s) && s[p] == ' ' && p+1 < len(s) {
		p++ // "2024-09-01 00:00:00 UTC", "... +00:00"
	}
	offset := 0
	switch rest := s[p:]; {
	case rest == "":
		quirks |= tsNoTZ
	case rest == "Z" || rest == "z" || rest == "UTC" || rest == "GMT":
	case rest[0] == '+' || rest[0] == '-':
		// ±hh, ±hhmm or ±hh:mm
		var oh, om int
		var ok bool
		switch {
		case len(rest) == 3:
			oh, ok = digits2(rest[1:3])
		case len(rest) == 5:
			oh, ok = digits2(rest[1:3])
			if ok {
				om, ok = digits2(rest[3:5])
			}
		case len(rest) == 6 && rest[3] == ':':
			oh, ok = digits2(rest[1:3])
			if ok {
				om, ok = digits2(rest[4:6])
			}
		}
		if !ok || oh > 23 || om > 59 {
			return time.Time{}, 0, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, quirks, true
}

func digits2(s string) (int, bool) {
	a, b := s[0]-'0', s[1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

func digits4(s string) (int, bool) {
	hi, ok1 := digits2(s[0:2])
	lo, ok2 := digits2(s[2:4])
	return hi*100 + lo, ok1 && ok2
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
