package focus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseTags reads a FOCUS Tags value: a JSON object whose values are strings
// (or other JSON scalars). Tolerated quirks: an empty value or NULL (any case)
// gives a nil map; an object without its braces (`"k":"v","k2":"v2"`, and
// Azure's `"k": "v"` lists) is read as if the braces were there. Values that
// are not JSON strings (numbers, true, false, null, and the objects and arrays
// FOCUS forbids) become their compact JSON text, so `{"k":true}` gives
// "true". A repeated key keeps its last value. Anything else, such as
// GCP's Python-style `[{'key': 'k', 'value': 'v'}]`, is an error.
//
// The returned strings do not share memory with s, so keeping the map does
// not keep the row's text alive.
func ParseTags(s string) (map[string]string, error) {
	t := trimSpace(s)
	if t == "" || isNULL(t) {
		return nil, nil
	}
	if t[0] != '{' {
		t = "{" + t + "}"
	} else {
		t = strings.Clone(t)
	}
	if m, ok := parseTagsFast(t); ok {
		return m, nil
	}
	return parseTagsJSON(t, s)
}

// parseTagsFast reads the common case, an object of strings without escapes,
// without encoding/json. It returns false for anything else, valid or not.
func parseTagsFast(t string) (map[string]string, bool) {
	i := skipSpace(t, 1) // t[0] == '{'
	m := make(map[string]string, 8)
	if i < len(t) && t[i] == '}' {
		return m, skipSpace(t, i+1) == len(t)
	}
	for {
		k, j, ok := plainString(t, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(t, j)
		if i >= len(t) || t[i] != ':' {
			return nil, false
		}
		v, j, ok := plainString(t, skipSpace(t, i+1))
		if !ok {
			return nil, false
		}
		m[k] = v
		i = skipSpace(t, j)
		if i >= len(t) {
			return nil, false
		}
		switch t[i] {
		case ',':
			i = skipSpace(t, i+1)
		case '}':
			return m, skipSpace(t, i+1) == len(t)
		default:
			return nil, false
		}
	}
}

// plainString reads a JSON string at t[i] that has no escapes, no control
// characters and valid UTF-8, and returns its content and the index after it.
func plainString(t string, i int) (string, int, bool) {
	if i >= len(t) || t[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(t); j++ {
		switch c := t[j]; {
		case c == '"':
			s := t[i+1 : j]
			return s, j + 1, utf8.ValidString(s)
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func parseTagsJSON(t, orig string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(t), &raw); err != nil {
		return nil, fmt.Errorf("tags %s: %w", quoteShort(orig), jsonErr(err))
	}
	if raw == nil { // the JSON text was null
		return nil, fmt.Errorf("tags %s: not a JSON object", quoteShort(orig))
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		if len(v) > 0 && v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("tags %s: %w", quoteShort(orig), jsonErr(err))
			}
			m[k] = s
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, fmt.Errorf("tags %s: %w", quoteShort(orig), jsonErr(err))
		}
		m[k] = b.String()
	}
	return m, nil
}

func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return errors.New("not a JSON object")
	}
	return err
}

func skipSpace(t string, i int) int {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
		i++
	}
	return i
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}

// isNULL reports whether s is the literal NULL in any case.
func isNULL(s string) bool {
	return len(s) == 4 && s[0]|0x20 == 'n' && s[1]|0x20 == 'u' && s[2]|0x20 == 'l' && s[3]|0x20 == 'l'
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
