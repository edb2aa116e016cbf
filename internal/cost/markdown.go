package cost

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as Markdown: a monthly review or a pull
// request comment.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	who := "the organisation"
	switch {
	case r.Service != "":
		who = "service `" + r.Service + "`"
	case r.Team != "":
		who = "team `" + r.Team + "`"
	}
	fmt.Fprintf(&b, "## Cost of %s, %s to %s\n\n", who, r.From, r.To)
	if len(r.Totals) == 0 {
		b.WriteString("No cost imported for this selection.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| | Currency | Billed | Effective | List | Savings |\n|---|---|---:|---:|---:|---:|\n")
	for _, t := range r.Totals {
		row(&b, "**Total**", t)
	}
	for _, u := range r.Unallocated {
		row(&b, "Unallocated", u)
	}
	for _, sec := range []struct {
		title string
		lines []Line
	}{
		{"Month", r.ByMonth}, {"Team", r.ByTeam}, {"Service", r.ByService}, {"Provider", r.ByProvider},
		{"Service category", r.ByServiceCategory}, {"Charge category", r.ByChargeCategory},
	} {
		if len(sec.lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### By %s\n\n| %s | Currency | Billed | Effective | List | Savings |\n|---|---|---:|---:|---:|---:|\n",
			strings.ToLower(sec.title), sec.title)
		for _, l := range sec.lines {
			row(&b, mdCell(l.Key), l.Amounts)
		}
	}
	for _, sec := range []struct {
		title string
		lines []ResourceLine
	}{{"Top resources", r.TopResources}, {"Top unallocated resources", r.TopUntagged}} {
		if len(sec.lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n| Resource | Provider | Service | Effective |\n|---|---|---|---:|\n", sec.title)
		for _, l := range sec.lines {
			fmt.Fprintf(&b, "| %s | %s | %s | %s %s |\n", mdCell(l.ResourceID), mdCell(l.Provider), mdCell(l.Service),
				l.Effective.StringFixed(2), l.Currency)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func row(b *strings.Builder, label string, a Amounts) {
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", label, a.Currency, a.Billed.StringFixed(2), a.Effective.StringFixed(2),
		a.List.StringFixed(2), a.Savings().StringFixed(2))
}

// mdCell keeps a value inside one table cell.
func mdCell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
