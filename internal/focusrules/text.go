package focusrules

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTextValue bounds a value quoted in text output.
const maxTextValue = 80

// WriteText writes the report as a linter does: one line per failing
// requirement, at the line of its first failure,
//
//	FILE:LINE: RULE-ID (KEYWORD) Column: MustSatisfy — found "value"; N rows, first at lines …
//
// one line per problem with the file, sorted by line and rule, then a
// summary. Composite rules and the alternatives of an OR are not listed
// (their parts are); rules not checked, skipped or not applicable are only
// counted (the JSON report has each with its reason).
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	type line struct {
		n    int
		id   string
		text string
	}
	var lines []line
	for _, is := range r.Issues {
		lines = append(lines, line{is.Line, "", fmt.Sprintf("%s:%d: %s", r.File, is.Line, is.Message)})
	}
	for i := range r.Rules {
		res := &r.Rules[i]
		if !res.Counted || res.Status != StatusFail {
			continue
		}
		lines = append(lines, line{res.FirstLine, res.ID, fmt.Sprintf("%s:%d: %s (%s) %s: %s — %s",
			r.File, res.FirstLine, res.ID, res.Keyword, res.Column, res.MustSatisfy, failureText(res))})
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].n != lines[j].n {
			return lines[i].n < lines[j].n
		}
		return lines[i].id < lines[j].id
	})
	for _, l := range lines {
		fmt.Fprintln(bw, l.text)
	}
	s := r.Summary
	verdict := "ok"
	if !r.OK() {
		verdict = "FAIL"
	}
	var fails []string
	if s.FailedMust > 0 {
		fails = append(fails, fmt.Sprintf("%d MUST", s.FailedMust))
	}
	if s.FailedShould > 0 {
		fails = append(fails, fmt.Sprintf("%d SHOULD", s.FailedShould))
	}
	if r.MalformedRows > 0 {
		fails = append(fails, plural(int(r.MalformedRows), "malformed row"))
	}
	head := fmt.Sprintf("%s: %s, %d rows, %s", r.File, verdict, r.Rows, plural(len(r.Columns), "column"))
	if len(fails) > 0 {
		head += " (" + strings.Join(fails, ", ") + ")"
	}
	fmt.Fprintln(bw, head)
	counts := []string{fmt.Sprintf("%d pass", s.Pass), fmt.Sprintf("%d fail", s.Fail)}
	if s.Skipped > 0 {
		counts = append(counts, fmt.Sprintf("%d skipped (column not in the file)", s.Skipped))
	}
	if s.NotChecked > 0 {
		var by []string
		for _, k := range []struct{ kind, text string }{
			{NotCheckedDynamic, "dynamic"}, {NotCheckedPermission, "MAY permission"},
			{NotCheckedUnsupported, "unsupported check"}, {NotCheckedStatus, "inactive"},
		} {
			if n := s.NotCheckedBy[k.kind]; n > 0 {
				if k.kind == NotCheckedDynamic {
					by = append(by, fmt.Sprintf("%d %s", n, k.text))
				} else {
					by = append(by, plural(n, k.text))
				}
			}
		}
		counts = append(counts, fmt.Sprintf("%d not checked (%s)", s.NotChecked, strings.Join(by, ", ")))
	}
	if s.NotApplicable > 0 {
		counts = append(counts, fmt.Sprintf("%d not applicable (criteria not claimed)", s.NotApplicable))
	}
	tail := ""
	if r.Errata > 0 {
		tail = fmt.Sprintf("; %s of the model corrected", plural(r.Errata, "rule"))
	}
	fmt.Fprintf(bw, "  %d requirements of the %s: %s%s\n", s.Counted, r.Model, strings.Join(counts, ", "), tail)
	return bw.Flush()
}

func failureText(res *Result) string {
	if res.Reason != "" {
		return res.Reason
	}
	var b strings.Builder
	if len(res.Examples) > 0 {
		b.WriteString("found ")
		b.WriteString(cellsText(res.Examples[0].Cells))
	}
	if res.Failed > 1 || len(res.Examples) == 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		unit := res.FailedUnit
		if unit == "" {
			unit = "rows"
		}
		fmt.Fprintf(&b, "%d %s", res.Failed, unit)
		if len(res.Examples) > 1 {
			lines := make([]string, len(res.Examples))
			for i, ex := range res.Examples {
				lines[i] = strconv.Itoa(ex.Line)
			}
			b.WriteString(", first at lines " + strings.Join(lines, ", "))
		}
	}
	return b.String()
}

func cellsText(cells []Cell) string {
	if len(cells) == 1 {
		return valueText(cells[0].Value)
	}
	parts := make([]string, len(cells))
	for i, c := range cells {
		if i > 0 && cells[i-1].Column == c.Column {
			parts[i] = valueText(c.Value) // another value of the same column
			continue
		}
		parts[i] = c.Column + " " + valueText(c.Value)
	}
	return strings.Join(parts, ", ")
}

func valueText(v *string) string {
	if v == nil {
		return "null"
	}
	s := *v
	if len(s) > maxTextValue {
		cut := maxTextValue
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
