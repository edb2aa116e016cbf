package promrules

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/rulefmt"
)

// The rule file is written directly rather than through a YAML encoder:
// its shape is fixed, and writing it is the hot path of kiban slo rules
// (1,000 SLOs make 7 MB of rules). Validate reads it back with Prometheus'
// own loader in the tests.

var numberRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^0[xob]`)

// yamlKeywords are plain scalars YAML would not read as strings.
var yamlKeywords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"null": true, "y": true, "n": true, "~": true, ".inf": true, "-.inf": true, ".nan": true,
}

// plainOK reports whether s can be written as a plain scalar in block
// context and read back as the same string.
func plainOK(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-' {
		if numberRE.MatchString(s) {
			return false
		}
	} else if len(s) <= 5 && yamlKeywords[strings.ToLower(s)] {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@` \t", rune(s[0])) {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.ContainsAny(s, "\n\r\t") ||
		strings.HasSuffix(s, ":") || strings.HasSuffix(s, " ") {
		return false
	}
	// A date or time would be read as a timestamp by YAML 1.1 readers.
	return !(len(s) >= 10 && s[4] == '-' && s[7] == '-' && s[0] >= '0' && s[0] <= '9')
}

// scalar writes a string as a YAML scalar: plain when that is safe, else
// double-quoted, or single-quoted when that spares escaping the quotes of
// PromQL matchers.
func scalar(b *bytes.Buffer, s string) {
	switch {
	case plainOK(s):
		b.WriteString(s)
	case strings.ContainsRune(s, '"') && !strings.ContainsAny(s, "'\n\r\t"):
		b.WriteByte('\'')
		b.WriteString(s)
		b.WriteByte('\'')
	default:
		b.WriteString(strconv.Quote(s))
	}
}

// block writes a multi-line string as a literal block scalar, indented.
func block(b *bytes.Buffer, s, indent string) {
	s = strings.TrimRight(s, "\n")
	if strings.ContainsAny(s, "\t\r") || strings.HasPrefix(s, " ") || strings.Contains(s, " \n") || strings.HasSuffix(s, " ") {
		// Literal blocks cannot hold these faithfully; quote instead.
		b.WriteString(strconv.Quote(s))
		b.WriteByte('\n')
		return
	}
	b.WriteString("|-\n")
	for line := range strings.SplitSeq(s, "\n") {
		if line != "" {
			b.WriteString(indent)
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
}

func writeMap(b *bytes.Buffer, key string, m map[string]string, indent string) {
	if len(m) == 0 {
		return
	}
	b.WriteString(indent + key + ":\n")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(indent + "  ")
		scalar(b, k)
		b.WriteString(": ")
		scalar(b, m[k])
		b.WriteByte('\n')
	}
}

// writeGroups writes rule groups under the given indentation, as the value
// of a "groups:" key.
func writeGroups(b *bytes.Buffer, groups []rulefmt.RuleGroup, indent string) {
	if len(groups) == 0 {
		b.WriteString(indent + "groups: []\n")
		return
	}
	b.WriteString(indent + "groups:\n")
	for _, g := range groups {
		b.WriteString(indent + "- name: ")
		scalar(b, g.Name)
		b.WriteString("\n" + indent + "  rules:\n")
		for _, r := range g.Rules {
			if r.Record != "" {
				b.WriteString(indent + "  - record: ")
				scalar(b, r.Record)
			} else {
				b.WriteString(indent + "  - alert: ")
				scalar(b, r.Alert)
			}
			b.WriteString("\n" + indent + "    expr: ")
			if strings.Contains(r.Expr, "\n") {
				block(b, r.Expr, indent+"      ")
			} else {
				scalar(b, r.Expr)
				b.WriteByte('\n')
			}
			writeMap(b, "labels", r.Labels, indent+"    ")
			writeMap(b, "annotations", r.Annotations, indent+"    ")
		}
	}
}
