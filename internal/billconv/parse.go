package billconv

import (
	"time"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// parseDecimal parses a number as billing exports write it (an optional
// sign, digits, a decimal point, an exponent): the FOCUS reader's parser.
func parseDecimal(s string) (decimal.Decimal, bool) { return focus.ParseDecimal(s) }

// Timestamp quirks found by parseTime.
const (
	tsNoTZ     = 1 << iota // no zone, or a space for the T: read as UTC
	tsDateOnly             // a date without a time: midnight UTC
	tsUSDate               // M/D/YYYY, as Azure writes dates
)

// parseTime parses the timestamps billing exports write: RFC 3339 with or
// without seconds, fractions or zone ("2023-11-13T10:00Z",
// "2023-11-01T00:00:00.000Z", "2020-11-09 23:00:00+00:00",
// "2018-06-01 00:00:00", " UTC" suffixes), ISO dates ("2020-09-22"), and
// Azure's US dates ("09/22/2023", "9/2/2023"). It returns the time in UTC,
// the quirks seen and false when s is none of these.
func parseTime(s string) (time.Time, int, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return parseISO(s)
	}
	return parseUSDate(s)
}

func parseISO(s string) (time.Time, int, bool) {
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || !validDate(year, month, day) {
		return time.Time{}, 0, false
	}
	if len(s) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), tsDateOnly, true
	}
	quirks := 0
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
	hour, ok1 := digits(s[11:13])
	minute, ok2 := digits(s[14:16])
	if !ok1 || !ok2 || hour > 23 || minute > 59 {
		return time.Time{}, 0, false
	}
	p := 16
	sec, nsec := 0, 0
	if p < len(s) && s[p] == ':' {
		if len(s) < p+3 {
			return time.Time{}, 0, false
		}
		var ok bool
		if sec, ok = digits(s[p+1 : p+3]); !ok || sec > 60 {
			return time.Time{}, 0, false
		}
		p += 3
		if p < len(s) && s[p] == '.' {
			p++
			start, n, scale := p, 0, 0
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
	if p+1 < len(s) && s[p] == ' ' {
		p++
	}
	offset := 0
	switch rest := s[p:]; {
	case rest == "":
		quirks |= tsNoTZ
	case rest == "Z" || rest == "z" || rest == "UTC" || rest == "GMT":
		quirks &^= tsNoTZ
	case rest[0] == '+' || rest[0] == '-':
		var oh, om int
		ok := false
		switch {
		case len(rest) == 3:
			oh, ok = digits(rest[1:3])
		case len(rest) == 5:
			oh, ok = digits(rest[1:3])
			if ok {
				om, ok = digits(rest[3:5])
			}
		case len(rest) == 6 && rest[3] == ':':
			oh, ok = digits(rest[1:3])
			if ok {
				om, ok = digits(rest[4:6])
			}
		}
		if !ok || oh > 23 || om > 59 {
			return time.Time{}, 0, false
		}
		quirks &^= tsNoTZ
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), quirks, true
}

// parseUSDate parses M/D/YYYY or MM/DD/YYYY, optionally followed by a
// midnight time (" 00:00:00" or " 12:00:00 AM"), as Azure writes dates.
func parseUSDate(s string) (time.Time, int, bool) {
	var f [3]int
	i := 0
	for k := range 3 {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 4 {
			f[k] = f[k]*10 + int(s[i]-'0')
			i++
		}
		n := i - start
		if n == 0 || (k < 2 && n > 2) || (k == 2 && n != 4) {
			return time.Time{}, 0, false
		}
		if k < 2 {
			if i >= len(s) || s[i] != '/' {
				return time.Time{}, 0, false
			}
			i++
		}
	}
	switch rest := s[i:]; rest {
	case "", " 00:00:00", " 0:00:00", " 12:00:00 AM", " 00:00":
	default:
		return time.Time{}, 0, false
	}
	month, day, year := f[0], f[1], f[2]
	if !validDate(year, month, day) {
		return time.Time{}, 0, false
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), tsUSDate | tsDateOnly, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthStart is the first instant of t's month in UTC.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r' || s[j-1] == '\n') {
		j--
	}
	return s[i:j]
}
