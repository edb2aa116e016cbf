package accesslog

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonKey identifies a JSON field a record is made of.
type jsonKey int

const (
	keyOther jsonKey = iota
	keyTime
	keyHost
	keyMethod
	keyPath // keyPath to keyURL hold the path, in this order of preference.
	keyURI
	keyRequestURI
	keyURL
	keyRequest
	keyStatus
	keyDuration
	keyRequestTime
	keyDurationMS
	numKeys
)

// lookupKey returns the key of a field name, or keyOther.
func lookupKey(name []byte) jsonKey {
	switch string(name) {
	case "time":
		return keyTime
	case "host":
		return keyHost
	case "method":
		return keyMethod
	case "path":
		return keyPath
	case "uri":
		return keyURI
	case "request_uri":
		return keyRequestURI
	case "url":
		return keyURL
	case "request":
		return keyRequest
	case "status":
		return keyStatus
	case "duration":
		return keyDuration
	case "request_time":
		return keyRequestTime
	case "duration_ms":
		return keyDurationMS
	}
	return keyOther
}

// jsonKind is the kind of a JSON value.
type jsonKind byte

const (
	kindAbsent jsonKind = iota // Also null.
	kindString
	kindNumber
	kindOther // true, false, an object or an array.
)

// jsonValue is a scanned JSON value: a string's contents without its
// quotes (still escaped when esc is set), or a number's text.
type jsonValue struct {
	kind jsonKind
	raw  []byte
	esc  bool
}

// maxDepth bounds the nesting of a JSON line.
const maxDepth = 64

var (
	errJSONSyntax = errors.New("invalid JSON")
	errJSONDepth  = fmt.Errorf("JSON nested deeper than %d", maxDepth)
)

// keyNames names the keys, for error messages.
var keyNames = [numKeys]string{
	keyTime: "time", keyHost: "host", keyMethod: "method", keyPath: "path",
	keyURI: "uri", keyRequestURI: "request_uri", keyURL: "url",
	keyRequest: "request", keyStatus: "status", keyDuration: "duration",
	keyRequestTime: "request_time", keyDurationMS: "duration_ms",
}

// jsonl parses a line holding one JSON object.
func (p *parser) jsonl(line []byte) (Record, error) {
	var v [numKeys]jsonValue
	if err := scanObject(line, &v); err != nil {
		return Record{}, err
	}
	var (
		rec Record
		err error
	)
	switch t := v[keyTime]; t.kind {
	case kindAbsent:
		return Record{}, errors.New("no time")
	case kindString, kindNumber:
		if rec.Time, err = jsonTime(t); err != nil {
			return Record{}, fmt.Errorf("time: %w", err)
		}
	default:
		return Record{}, errors.New("time: expected a string or a number")
	}
	switch s := v[keyStatus]; s.kind {
	case kindAbsent:
		return Record{}, errors.New("no status")
	case kindString, kindNumber:
		var ok bool
		if rec.Status, ok = parseStatus(s.raw); !ok || s.esc {
			return Record{}, fmt.Errorf("status: invalid status %s", shown(s.raw))
		}
	default:
		return Record{}, errors.New("status: expected a number or a string")
	}
	rec.Duration = unknownDuration
	for _, k := range [...]jsonKey{keyDuration, keyRequestTime, keyDurationMS} {
		if v[k].kind == kindAbsent {
			continue
		}
		if rec.Duration, err = jsonDuration(v[k], k == keyDurationMS); err != nil {
			return Record{}, fmt.Errorf("%s: %w", keyNames[k], err)
		}
		break
	}

	// The strings.
	var s [numKeys][]byte
	for _, k := range [...]jsonKey{keyHost, keyMethod, keyPath, keyURI, keyRequestURI, keyURL, keyRequest} {
		switch v[k].kind {
		case kindAbsent:
			continue
		case kindString:
		default:
			return Record{}, fmt.Errorf("%s: expected a string", keyNames[k])
		}
		s[k] = v[k].raw
		if v[k].esc {
			s[k] = appendUnescaped(nil, s[k])
		}
	}
	hasPath := false
	for k := keyPath; k <= keyURL; k++ {
		hasPath = hasPath || v[k].kind == kindString
	}
	var rl requestLine
	if v[keyRequest].kind == kindString && (v[keyMethod].kind != kindString || !hasPath) {
		if rl, err = parseRequestLine(s[keyRequest]); err != nil {
			return Record{}, fmt.Errorf("request: %w", err)
		}
	}
	rec.Method = rl.method
	if m := s[keyMethod]; len(m) > 0 && !isDash(m) {
		if rec.Method, err = method(m); err != nil {
			return Record{}, fmt.Errorf("method: %w", err)
		}
	}
	host, path := rl.host, rl.path
	for k := keyPath; k <= keyURL; k++ {
		if v[k].kind == kindString {
			var h []byte
			h, path = splitTarget(s[k])
			if len(h) > 0 {
				host = h
			}
			break
		}
	}
	rec.Path = string(path)
	if h := s[keyHost]; len(h) > 0 {
		host = h
	}
	rec.Host = p.host(host)
	return rec, nil
}

// jsonTime converts a JSON time: an RFC 3339 string, a Unix time in
// seconds or milliseconds (a number, or a string holding one), or a
// string in nginx's $time_local format.
func jsonTime(v jsonValue) (time.Time, error) {
	b := v.raw
	if v.esc {
		b = appendUnescaped(nil, b)
	}
	if v.kind == kindString {
		if t, ok := parseRFC3339(b); ok {
			return t, nil
		}
		if t, ok := parseCLFTime(b); ok {
			return t, nil
		}
	}
	d, ok := parseDecimal(b)
	if !ok && v.kind == kindNumber {
		d, ok = floatDecimal(b)
	}
	switch {
	case !ok:
		return time.Time{}, fmt.Errorf("invalid time %s; expected RFC 3339 or Unix seconds or milliseconds", shown(b))
	case d.neg:
		return time.Time{}, fmt.Errorf("negative Unix time %s", shown(b))
	case d.ipart < 1e11: // Seconds, before the year 5138.
		return time.Unix(d.ipart, d.frac).UTC(), nil
	case d.ipart < 1e14: // Milliseconds, before the year 5138.
		return time.UnixMilli(d.ipart).Add(time.Duration(d.frac / 1000)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %s out of range of Unix seconds and milliseconds", shown(b))
}

// jsonDuration converts a JSON duration, in seconds or (when ms is set)
// milliseconds: a number, a string holding one, or "-" or "" for unknown.
// A negative duration is unknown.
func jsonDuration(v jsonValue, ms bool) (time.Duration, error) {
	b := v.raw
	switch {
	case v.kind == kindOther:
		return 0, errors.New("expected a number or a string")
	case v.kind == kindString && (len(b) == 0 || isDash(b)):
		return unknownDuration, nil
	}
	d, ok := parseDecimal(b)
	if !ok && v.kind == kindNumber {
		d, ok = floatDecimal(b)
	}
	if ok && !v.esc {
		var dur time.Duration
		if ms {
			dur, ok = d.millis()
		} else {
			dur, ok = d.seconds()
		}
		if ok {
			return dur, nil
		}
	}
	return 0, fmt.Errorf("invalid duration %s", shown(b))
}

// floatDecimal parses a JSON number with an exponent, such as 1.5e-3.
func floatDecimal(b []byte) (decimal, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.Abs(f) >= 1e18 {
		return decimal{}, false
	}
	d := decimal{neg: f < 0}
	f = math.Abs(f)
	ip := math.Floor(f)
	d.ipart, d.frac = int64(ip), int64(math.Round((f-ip)*1e9))
	if d.frac >= 1e9 {
		d.ipart, d.frac = d.ipart+1, d.frac-1e9
	}
	return d, true
}

// scanObject scans a line that must hold one JSON object, with nothing but
// white space around it, and fills v with the values of the known keys
// among its members. A repeated key's last value wins.
func scanObject(line []byte, v *[numKeys]jsonValue) error {
	i := skipWS(line, 0)
	if i == len(line) || line[i] != '{' {
		return errors.New("expected a JSON object")
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == '}' {
		i++
	} else {
		var keyBuf []byte
		for {
			if i == len(line) || line[i] != '"' {
				return fmt.Errorf("%w: expected a member name at offset %d", errJSONSyntax, i)
			}
			end, esc, err := scanString(line, i)
			if err != nil {
				return err
			}
			name := line[i+1 : end-1]
			if esc {
				keyBuf = appendUnescaped(keyBuf[:0], name)
				name = keyBuf
			}
			k := lookupKey(name)
			i = skipWS(line, end)
			if i == len(line) || line[i] != ':' {
				return fmt.Errorf("%w: expected ':' at offset %d", errJSONSyntax, i)
			}
			i = skipWS(line, i+1)
			val, next, err := scanValue(line, i, 1)
			if err != nil {
				return err
			}
			if k != keyOther {
				v[k] = val
			}
			i = skipWS(line, next)
			if i < len(line) && line[i] == ',' {
				i = skipWS(line, i+1)
				continue
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			return fmt.Errorf("%w: expected ',' or '}' at offset %d", errJSONSyntax, i)
		}
	}
	if i = skipWS(line, i); i != len(line) {
		return fmt.Errorf("%w: unexpected data after the object at offset %d", errJSONSyntax, i)
	}
	return nil
}

// scanValue scans the JSON value at line[i], at nesting depth depth, and
// returns it and the index just after it.
func scanValue(line []byte, i, depth int) (jsonValue, int, error) {
	if i == len(line) {
		return jsonValue{}, i, fmt.Errorf("%w: truncated value", errJSONSyntax)
	}
	switch c := line[i]; {
	case c == '"':
		end, esc, err := scanString(line, i)
		if err != nil {
			return jsonValue{}, i, err
		}
		return jsonValue{kind: kindString, raw: line[i+1 : end-1], esc: esc}, end, nil
	case c == '-' || '0' <= c && c <= '9':
		end, err := scanNumber(line, i)
		if err != nil {
			return jsonValue{}, i, err
		}
		return jsonValue{kind: kindNumber, raw: line[i:end]}, end, nil
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return jsonValue{}, i, errJSONDepth
		}
		end, err := skipComposite(line, i, depth+1)
		return jsonValue{kind: kindOther}, end, err
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if hasPrefix(line[i:], lit) {
			kind := kindOther
			if lit == "null" {
				kind = kindAbsent
			}
			return jsonValue{kind: kind}, i + len(lit), nil
		}
	}
	return jsonValue{}, i, fmt.Errorf("%w: unexpected %q at offset %d", errJSONSyntax, line[i], i)
}

// skipComposite scans the object or array at line[i], whose members are at
// nesting depth depth, and returns the index just after it.
func skipComposite(line []byte, i, depth int) (int, error) {
	obj := line[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == closer {
		return i + 1, nil
	}
	for {
		if obj {
			if i == len(line) || line[i] != '"' {
				return i, fmt.Errorf("%w: expected a member name at offset %d", errJSONSyntax, i)
			}
			end, _, err := scanString(line, i)
			if err != nil {
				return i, err
			}
			i = skipWS(line, end)
			if i == len(line) || line[i] != ':' {
				return i, fmt.Errorf("%w: expected ':' at offset %d", errJSONSyntax, i)
			}
			i = skipWS(line, i+1)
		}
		_, next, err := scanValue(line, i, depth)
		if err != nil {
			return i, err
		}
		i = skipWS(line, next)
		if i < len(line) && line[i] == ',' {
			i = skipWS(line, i+1)
			continue
		}
		if i < len(line) && line[i] == closer {
			return i + 1, nil
		}
		return i, fmt.Errorf("%w: expected ',' or %q at offset %d", errJSONSyntax, closer, i)
	}
}

// skipWS returns the index of the first byte at or after i that is not
// JSON white space.
func skipWS(line []byte, i int) int {
	for i < len(line) {
		switch line[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString scans the JSON string whose opening quote is at line[i] and
// returns the index just after its closing quote and whether it holds
// escapes.
func scanString(line []byte, i int) (end int, esc bool, err error) {
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			return j + 1, esc, nil
		case c == '\\':
			esc = true
			if j+1 == len(line) {
				return len(line), esc, fmt.Errorf("%w: unterminated string", errJSONSyntax)
			}
			switch line[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+6 > len(line) || !isHex4(line[j+2:j+6]) {
					return j, esc, fmt.Errorf("%w: invalid \\u escape at offset %d", errJSONSyntax, j)
				}
				j += 5
			default:
				return j, esc, fmt.Errorf("%w: invalid escape at offset %d", errJSONSyntax, j)
			}
		case c < 0x20:
			return j, esc, fmt.Errorf("%w: control character in a string at offset %d", errJSONSyntax, j)
		}
	}
	return len(line), esc, fmt.Errorf("%w: unterminated string", errJSONSyntax)
}

// scanNumber scans the JSON number at line[i] and returns the index just
// after it.
func scanNumber(line []byte, i int) (int, error) {
	j := i
	if line[j] == '-' {
		j++
	}
	switch {
	case j < len(line) && line[j] == '0':
		j++
	case j < len(line) && '1' <= line[j] && line[j] <= '9':
		j = skipDigits(line, j)
	default:
		return j, fmt.Errorf("%w: invalid number at offset %d", errJSONSyntax, i)
	}
	if j < len(line) && line[j] == '.' {
		k := skipDigits(line, j+1)
		if k == j+1 {
			return j, fmt.Errorf("%w: invalid number at offset %d", errJSONSyntax, i)
		}
		j = k
	}
	if j < len(line) && (line[j] == 'e' || line[j] == 'E') {
		j++
		if j < len(line) && (line[j] == '+' || line[j] == '-') {
			j++
		}
		k := skipDigits(line, j)
		if k == j {
			return j, fmt.Errorf("%w: invalid number at offset %d", errJSONSyntax, i)
		}
		j = k
	}
	return j, nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// appendUnescaped appends the contents of a JSON string that scanString
// accepted, unescaped, to dst. A lone UTF-16 surrogate becomes U+FFFD, as
// encoding/json makes it.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(s[i+1:]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2 = rune(hex4(s[i+3:]))
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\' and '/' stand for themselves.
			dst = append(dst, s[i])
		}
	}
	return dst
}

// hex4 decodes four hexadecimal digits that isHex4 accepted.
func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		n = n<<4 | int(c)
	}
	return n
}
