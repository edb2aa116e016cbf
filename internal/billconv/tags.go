package billconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tagsJSON serialises tags as FOCUS writes them: a JSON object of strings,
// keys sorted; no tags is the empty string.
func tagsJSON(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // cannot fail for map[string]string
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pyValue is a value of a Python literal (or JSON): string, pyNumber, nil,
// bool, []any or map[string]any.
type pyNumber string

const maxPyDepth = 32

// parsePy parses a Python literal as BigQuery exports flattened to CSV by
// Python write nested columns: lists, dicts, strings in single or double
// quotes, numbers, None, True and False. JSON (double quotes, null, true,
// false) is read too.
func parsePy(s string) (any, error) {
	p := pyParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
	}
	return v, nil
}

type pyParser struct {
	s string
	i int
}

var errPyEnd = errors.New("unexpected end")

func (p *pyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > maxPyDepth {
		return nil, errors.New("nested too deep")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errPyEnd
	}
	switch c := p.s[p.i]; {
	case c == '[' || c == '(':
		return p.list(depth)
	case c == '{':
		return p.dict(depth)
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		start := p.i
		for p.i < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.i]) >= 0 {
			p.i++
		}
		return pyNumber(p.s[start:p.i]), nil
	default:
		start := p.i
		for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
			p.i++
		}
		switch p.s[start:p.i] {
		case "None", "null":
			return nil, nil
		case "True", "true":
			return true, nil
		case "False", "false":
			return false, nil
		}
		return nil, fmt.Errorf("unexpected %q at offset %d", c, start)
	}
}

func (p *pyParser) list(depth int) (any, error) {
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	var out []any
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, errPyEnd
		}
		if p.s[p.i] == closer {
			p.i++
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		} else if p.i < len(p.s) && p.s[p.i] != closer {
			return nil, fmt.Errorf("expected ',' or %q at offset %d", closer, p.i)
		}
	}
}

func (p *pyParser) dict(depth int) (any, error) {
	p.i++
	out := map[string]any{}
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, errPyEnd
		}
		if p.s[p.i] == '}' {
			p.i++
			return out, nil
		}
		if c := p.s[p.i]; c != '\'' && c != '"' {
			return nil, fmt.Errorf("expected a string key at offset %d", p.i)
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' at offset %d", p.i)
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out[k.(string)] = v
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		} else if p.i < len(p.s) && p.s[p.i] != '}' {
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
	}
}

// str reads a quoted string with Python's (and JSON's) escapes.
func (p *pyParser) str() (any, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return nil, errPyEnd
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return nil, errPyEnd
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return nil, fmt.Errorf("bad escape at offset %d", p.i-2)
				}
				b.WriteRune(rune(r))
				p.i += n
			default: // \\ \' \" and anything else stand for themselves
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return nil, errPyEnd
}

// pyString renders a scalar as a tag value.
func pyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case pyNumber:
		return string(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseLabels reads GCP labels: a list of {'key': k, 'value': v} (a dict
// of k: v is read too) into m; empty is no labels.
func parseLabels(s string, m map[string]string) error {
	s = trimSpace(s)
	if s == "" {
		return nil
	}
	v, err := parsePy(s)
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			kv, ok := e.(map[string]any)
			if !ok {
				return errors.New("not a list of {key, value}")
			}
			k, ok := kv["key"].(string)
			if !ok {
				return errors.New("a label without a key")
			}
			m[k] = pyString(kv["value"])
		}
	case map[string]any:
		for k, v := range x {
			m[k] = pyString(v)
		}
	case nil:
	default:
		return errors.New("not a list of labels")
	}
	return nil
}
