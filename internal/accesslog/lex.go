package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// This file holds the hand-written scanners the three formats share: field
// splitting, timestamps, decimal seconds and the normalisation of the
// request's method, host and path. They work on the line's bytes in place
// and allocate only for an error or an uncommon method.

// unknownDuration is Record.Duration when the log does not say how long the
// request took.
const unknownDuration time.Duration = -1

// maxShown is how much of an offending value an error message quotes.
const maxShown = 40

// errUnterminated reports a quoted or bracketed field without its closing
// delimiter, as a truncated line has.
var errUnterminated = errors.New("unterminated field")

// shown quotes b for an error message, cut to maxShown bytes.
func shown(b []byte) string {
	if len(b) > maxShown {
		return strconv.Quote(string(b[:maxShown])) + "..."
	}
	return strconv.Quote(string(b))
}

// skipSpaces returns the index of the first byte at or after i that is not
// a space.
func skipSpaces(line []byte, i int) int {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// nextField scans the field that starts at line[i] (i < len(line), not a
// space): a double-quoted string, in which a backslash escapes the next
// byte, or a bare word up to the next space. It returns the field without
// its quotes, whether it was quoted, and the index just after it. A closing
// quote must be followed by a space or the end of the line.
func nextField(line []byte, i int) (field []byte, quoted bool, next int, err error) {
	if line[i] != '"' {
		j := bytes.IndexByte(line[i:], ' ')
		if j < 0 {
			return line[i:], false, len(line), nil
		}
		return line[i : i+j], false, i + j, nil
	}
	start := i + 1
	j := start
	for {
		k := bytes.IndexByte(line[j:], '"')
		if k < 0 {
			return nil, true, len(line), errUnterminated
		}
		j += k
		// An odd run of backslashes before the quote escapes it.
		bs := 0
		for bs < j-start && line[j-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 1 {
			j++
			continue
		}
		if j+1 < len(line) && line[j+1] != ' ' {
			return nil, true, j, fmt.Errorf("unexpected %q after a closing quote", line[j+1])
		}
		return line[start:j], true, j + 1, nil
	}
}

// digits2 parses two ASCII digits.
func digits2(b []byte) (int, bool) {
	d0, d1 := b[0]-'0', b[1]-'0'
	if d0 > 9 || d1 > 9 {
		return 0, false
	}
	return int(d0)*10 + int(d1), true
}

// digits4 parses four ASCII digits.
func digits4(b []byte) (int, bool) {
	hi, ok1 := digits2(b)
	lo, ok2 := digits2(b[2:])
	return hi*100 + lo, ok1 && ok2
}

// daysIn returns the number of days in month m (1-12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civil holds a broken-down wall-clock time and its offset from UTC.
type civil struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	offset           int // Seconds east of UTC.
}

// utc validates c and returns the instant it names, in UTC. Years run from
// 1 to 9999; a leap second (60) is rejected, as time.Parse does.
func (c civil) utc() (time.Time, bool) {
	if c.year < 1 || c.month < 1 || c.month > 12 || c.day < 1 || c.day > daysIn(c.year, c.month) ||
		c.hour > 23 || c.min > 59 || c.sec > 59 {
		return time.Time{}, false
	}
	// Days since 1970-01-01 of a proleptic Gregorian date (Howard
	// Hinnant's days_from_civil); the year is at least 1, so the March-based
	// year is never negative.
	y, m := int64(c.year), int64(c.month)
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(c.day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	secs := days*86400 + int64(c.hour)*3600 + int64(c.min)*60 + int64(c.sec) - int64(c.offset)
	t := time.Unix(secs, int64(c.nsec)).UTC()
	if t.IsZero() {
		return time.Time{}, false
	}
	return t, true
}

// parseRFC3339 parses an RFC 3339 timestamp such as
// 2018-07-02T22:22:48.364000Z or 2024-03-01T10:00:00.5+01:00 (the offset may
// also be written +0100) and returns it in UTC.
func parseRFC3339(b []byte) (time.Time, bool) {
	// 2006-01-02T15:04:05Z is the shortest form.
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	var c civil
	var ok [6]bool
	c.year, ok[0] = digits4(b)
	c.month, ok[1] = digits2(b[5:])
	c.day, ok[2] = digits2(b[8:])
	c.hour, ok[3] = digits2(b[11:])
	c.min, ok[4] = digits2(b[14:])
	c.sec, ok[5] = digits2(b[17:])
	if ok != [6]bool{true, true, true, true, true, true} {
		return time.Time{}, false
	}
	i := 19
	if b[i] == '.' {
		i++
		n, scale := 0, 100_000_000
		start := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			n += int(b[i]-'0') * scale // Digits past nanoseconds add 0.
			scale /= 10
		}
		if i == start {
			return time.Time{}, false
		}
		c.nsec = n
	}
	off, ok2 := parseOffset(b[i:], true)
	if !ok2 {
		return time.Time{}, false
	}
	c.offset = off
	return c.utc()
}

// parseOffset parses a zone offset that ends its timestamp: "Z" (when z is
// true), ±hh:mm or ±hhmm. It returns seconds east of UTC.
func parseOffset(b []byte, z bool) (int, bool) {
	if z && len(b) == 1 && b[0] == 'Z' {
		return 0, true
	}
	var sign int
	switch {
	case len(b) == 0:
		return 0, false
	case b[0] == '+':
		sign = 1
	case b[0] == '-':
		sign = -1
	default:
		return 0, false
	}
	var hh, mm int
	var ok1, ok2 bool
	switch {
	case len(b) == 6 && b[3] == ':':
		hh, ok1 = digits2(b[1:])
		mm, ok2 = digits2(b[4:])
	case len(b) == 5:
		hh, ok1 = digits2(b[1:])
		mm, ok2 = digits2(b[3:])
	default:
		return 0, false
	}
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	return sign * (hh*3600 + mm*60), true
}

// parseCLFTime parses nginx's $time_local (the Common Log Format's time),
// 10/Oct/2000:13:55:36 -0700, and returns it in UTC.
func parseCLFTime(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	var c civil
	var ok [5]bool
	c.day, ok[0] = digits2(b)
	c.month = monthNumber(b[3:6])
	c.year, ok[1] = digits4(b[7:])
	c.hour, ok[2] = digits2(b[12:])
	c.min, ok[3] = digits2(b[15:])
	c.sec, ok[4] = digits2(b[18:])
	if ok != [5]bool{true, true, true, true, true} {
		return time.Time{}, false
	}
	off, ok2 := parseOffset(b[21:], false)
	if !ok2 {
		return time.Time{}, false
	}
	c.offset = off
	return c.utc()
}

// monthNumber returns 1-12 for an English three-letter month abbreviation,
// or 0.
func monthNumber(b []byte) int {
	switch string(b) {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// decimal is a decimal number without an exponent, such as 0.003, -1 or
// 1719830400123: its sign, its integer part and its fraction in units of
// 1e-9.
type decimal struct {
	neg   bool
	ipart int64
	frac  int64
}

// maxIntDigits bounds the integer part of a decimal so that it and its
// conversions below cannot overflow.
const maxIntDigits = 18

// parseDecimal parses [-]digits[.digits]. Fraction digits past the ninth
// are checked and dropped.
func parseDecimal(b []byte) (decimal, bool) {
	var d decimal
	i := 0
	if len(b) > 0 && b[0] == '-' {
		d.neg = true
		i++
	}
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i-start == maxIntDigits {
			return decimal{}, false
		}
		d.ipart = d.ipart*10 + int64(b[i]-'0')
	}
	if i == start {
		return decimal{}, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		fstart := i
		scale := int64(100_000_000)
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			d.frac += int64(b[i]-'0') * scale
			scale /= 10
		}
		if i == fstart {
			return decimal{}, false
		}
	}
	return d, i == len(b)
}

// maxSeconds bounds a duration: nothing is served for longer than a year,
// and a larger value would be a misread field.
const maxSeconds = 366 * 24 * 3600

// seconds converts a decimal number of seconds to a duration; a negative
// one (ALB writes -1) is unknownDuration.
func (d decimal) seconds() (time.Duration, bool) {
	switch {
	case d.neg:
		return unknownDuration, true
	case d.ipart > maxSeconds:
		return 0, false
	}
	return time.Duration(d.ipart)*time.Second + time.Duration(d.frac), true
}

// millis converts a decimal number of milliseconds to a duration; a
// negative one is unknownDuration.
func (d decimal) millis() (time.Duration, bool) {
	switch {
	case d.neg:
		return unknownDuration, true
	case d.ipart > maxSeconds*1000:
		return 0, false
	}
	return time.Duration(d.ipart)*time.Millisecond + time.Duration(d.frac/1000), true
}

// parseSeconds parses a duration written in decimal seconds, such as 0.004;
// a negative value is unknownDuration.
func parseSeconds(b []byte) (time.Duration, bool) {
	d, ok := parseDecimal(b)
	if !ok {
		return 0, false
	}
	return d.seconds()
}

// parseStatus parses a three-digit HTTP status code, 100 to 599.
func parseStatus(b []byte) (int, bool) {
	if len(b) != 3 {
		return 0, false
	}
	d0, d1, d2 := b[0]-'0', b[1]-'0', b[2]-'0'
	if d0 < 1 || d0 > 5 || d1 > 9 || d2 > 9 {
		return 0, false
	}
	return int(d0)*100 + int(d1)*10 + int(d2), true
}

// maxMethod bounds the length of a method; longer ones are garbage.
const maxMethod = 32

// isTchar reports whether c may appear in an HTTP token (RFC 9110,
// section 5.6.2), the syntax of a method.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// method returns the upper-cased method b, which must be an HTTP token.
// The common methods come back without allocating.
func method(b []byte) (string, error) {
	switch string(b) {
	case "GET":
		return "GET", nil
	case "POST":
		return "POST", nil
	case "HEAD":
		return "HEAD", nil
	case "PUT":
		return "PUT", nil
	case "DELETE":
		return "DELETE", nil
	case "OPTIONS":
		return "OPTIONS", nil
	case "PATCH":
		return "PATCH", nil
	case "CONNECT":
		return "CONNECT", nil
	case "TRACE":
		return "TRACE", nil
	}
	if len(b) == 0 || len(b) > maxMethod {
		return "", fmt.Errorf("invalid method %s", shown(b))
	}
	up := make([]byte, len(b))
	for i, c := range b {
		if !isTchar(c) {
			return "", fmt.Errorf("invalid method %s", shown(b))
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return string(up), nil
}

// requestLine holds the parts of an HTTP request line.
type requestLine struct {
	method string
	host   []byte // From an absolute-form target; nil otherwise.
	path   []byte
}

// parseRequestLine splits "METHOD target HTTP/x.y" (the protocol may be
// missing, as in HTTP/0.9, and the target may hold spaces). A request of
// "-", or one whose method is "-" (as ALB logs a request it could not
// parse), is a request without a line: its method and path are empty.
func parseRequestLine(b []byte) (requestLine, error) {
	var rl requestLine
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		if len(b) == 1 && b[0] == '-' {
			return rl, nil
		}
		if _, err := method(b); err != nil {
			return rl, err // Garbage, such as a TLS handshake.
		}
		return rl, fmt.Errorf("invalid request line %s; expected METHOD TARGET [PROTOCOL]", shown(b))
	}
	m, target := b[:sp], b[sp+1:]
	if last := bytes.LastIndexByte(target, ' '); last >= 0 {
		if proto := target[last+1:]; bytes.HasPrefix(proto, []byte("HTTP/")) || (len(proto) == 1 && proto[0] == '-') {
			target = target[:last]
		}
	}
	if len(m) == 1 && m[0] == '-' {
		rl.host, _ = splitTarget(target)
		return rl, nil
	}
	var err error
	if rl.method, err = method(m); err != nil {
		return rl, err
	}
	if len(target) == 0 {
		return rl, fmt.Errorf("invalid request line %s: no target", shown(b))
	}
	rl.host, rl.path = splitTarget(target)
	return rl, nil
}

// splitTarget splits a request target into the host of an absolute-form
// target (scheme://host[:port]/path, as ALB logs every request) and the
// path without its query.
func splitTarget(t []byte) (host, path []byte) {
	if i := bytes.Index(t, []byte("://")); i > 0 && isScheme(t[:i]) {
		rest := t[i+3:]
		end := len(rest)
		for j, c := range rest {
			if c == '/' || c == '?' || c == '#' {
				end = j
				break
			}
		}
		host, t = rest[:end], rest[end:]
		if len(t) > 0 && t[0] != '/' {
			t = t[:0] // Only a query; no path.
		}
	}
	if q := bytes.IndexByte(t, '?'); q >= 0 {
		t = t[:q]
	}
	return host, t
}

// isScheme reports whether b is a URI scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func isScheme(b []byte) bool {
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return len(b) > 0
}

// hostOnly strips the port (and an IPv6 address's brackets) from a
// host[:port]; "-" is no host.
func hostOnly(b []byte) []byte {
	if len(b) == 1 && b[0] == '-' {
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		if end := bytes.IndexByte(b, ']'); end > 0 {
			return b[1:end]
		}
		return b
	}
	if c := bytes.IndexByte(b, ':'); c >= 0 && bytes.LastIndexByte(b, ':') == c {
		return b[:c] // One colon: host:port. More: a bare IPv6 address.
	}
	return b
}

// hasPrefix reports whether b begins with s.
func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}
