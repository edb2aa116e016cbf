package postmortem

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is how the postmortem prints instants, always in UTC.
const TimeLayout = "2006-01-02 15:04 UTC"

// none stands in for an unknown or empty value in a table.
const none = "—"

// maxDetectionAlerts is how many of the earliest alerts Detection lists.
const maxDetectionAlerts = 3

// Prompts written into sections that have nothing to prefill. They ask about
// systems and processes, never about who is at fault.
const (
	promptSummary     = "_In two or three sentences: what happened, who was affected, and how service was restored._"
	promptImpact      = "_Who and what was affected, for how long, and how badly? Include customer-facing symptoms and any data or revenue impact._"
	promptRootCauses  = "_What conditions made this possible? Describe systems and processes, not people._"
	promptTrigger     = "_What change or event set those conditions in motion: a deploy, a configuration change, a traffic pattern, a dependency?_"
	promptDetection   = "_Did our signals tell us early enough? What would have caught this sooner?_"
	promptResolution  = "_What stopped the impact, and what restored normal service? What slowed recovery down?_"
	promptTimeline    = "_Key moments from the first signal to resolution, in UTC. Record what was known at the time, not what was learned later._"
	promptWentWell    = "_Which tools, runbooks, alerts and practices helped? What should we keep doing?_"
	promptWentWrong   = "_Where did our systems, tooling or processes make this harder? Focus on gaps, not on who._"
	promptLucky       = "_What could have made this worse, and didn't? Near misses are worth fixing too._"
	promptActionItems = "_What will we change so this is less likely, or less harmful, next time? Each item needs an owner and a due date._"
)

// Template returns a blameless postmortem draft in Markdown, prefilled from
// the incident. The output depends only on in.
func Template(in Input) string {
	var b strings.Builder
	title := oneLine(in.Title)
	if title == "" {
		title = "incident #" + strconv.FormatInt(in.ID, 10)
	}
	b.WriteString("# Postmortem: " + title + "\n\n")
	b.WriteString("_This postmortem is blameless: it describes how our systems and processes allowed this to happen, and what we will change. It does not assign fault to people._\n\n")
	writeFacts(&b, in)

	section(&b, SectionSummary)
	if s := strings.TrimSpace(in.Summary); s != "" {
		b.WriteString(s + "\n\n")
	} else {
		b.WriteString(promptSummary + "\n\n")
	}

	section(&b, SectionImpact)
	writeImpact(&b, in)

	section(&b, SectionRootCauses)
	b.WriteString(promptRootCauses + "\n\n")

	section(&b, SectionTrigger)
	b.WriteString(promptTrigger + "\n\n")

	section(&b, SectionDetection)
	writeDetection(&b, in)

	section(&b, SectionResolution)
	writeResolution(&b, in)

	section(&b, SectionTimeline)
	writeTimeline(&b, in.Timeline)

	section(&b, SectionWentWell)
	b.WriteString(promptWentWell + "\n\n")

	section(&b, SectionWentWrong)
	b.WriteString(promptWentWrong + "\n\n")

	section(&b, SectionLucky)
	b.WriteString(promptLucky + "\n\n")

	section(&b, SectionActionItems)
	writeActionItems(&b, in.ActionItems)

	return strings.TrimRight(b.String(), "\n") + "\n"
}

func section(b *strings.Builder, heading string) {
	b.WriteString("## " + heading + "\n\n")
}

func writeFacts(b *strings.Builder, in Input) {
	started := in.StartedAt
	if started.IsZero() {
		started = in.OpenedAt
	}
	mitigated := in.MonitoringAt
	if mitigated == nil {
		mitigated = in.ResolvedAt
	}
	rows := [][2]string{
		{"Incident", "INC-" + strconv.FormatInt(in.ID, 10)},
		{"Severity", severity(in.Severity)},
		{"Status", in.Status},
		{"Owning team", in.Team},
		{"Services", strings.Join(nonEmpty(in.Services), ", ")},
		{"Incident commander", in.Commander},
		{"Scribe", in.Scribe},
		{"Communications", in.Communications},
		{"Started", formatTime(in.StartedAt)},
		{"Detected / opened", formatTime(in.OpenedAt)},
		{"Acknowledged", formatTimePtr(in.AcknowledgedAt)},
	}
	if in.IdentifiedAt != nil {
		// Identification is optional in most workflows: show it only when
		// it was recorded.
		rows = append(rows, [2]string{"Identified", formatTimePtr(in.IdentifiedAt)})
	}
	rows = append(rows,
		[2]string{"Mitigated (monitoring)", formatTimePtr(in.MonitoringAt)},
		[2]string{"Resolved", formatTimePtr(in.ResolvedAt)},
		[2]string{"Time to acknowledge", span(in.OpenedAt, in.AcknowledgedAt)},
		[2]string{"Time to mitigate", span(started, mitigated)},
		[2]string{"Time to resolve", span(started, in.ResolvedAt)},
	)
	b.WriteString("| Field | Value |\n| --- | --- |\n")
	for _, r := range rows {
		b.WriteString("| " + r[0] + " | " + cell(r[1]) + " |\n")
	}
	b.WriteString("\n")
}

func writeImpact(b *strings.Builder, in Input) {
	wrote := false
	if ci := strings.TrimSpace(in.CustomerImpact); ci != "" {
		if strings.ContainsAny(ci, lineBreaks) {
			// Keep the author's paragraphs and lists intact.
			b.WriteString("**Customer impact:**\n\n" + ci + "\n\n")
		} else {
			b.WriteString("**Customer impact:** " + ci + "\n\n")
		}
		wrote = true
	}
	if svcs := nonEmpty(in.Services); len(svcs) > 0 {
		b.WriteString("**Services affected:** " + oneLine(strings.Join(svcs, ", ")) + "\n\n")
		wrote = true
	}
	if len(in.SLOs) > 0 {
		b.WriteString("**Error budget consumed** (share of each SLO's error budget for its window):\n\n")
		for _, s := range in.SLOs {
			name := oneLine(s.Name)
			id := oneLine(s.ID)
			switch {
			case name == "" && id == "":
				name = "unnamed SLO"
			case name == "":
				name = id
				id = ""
			}
			line := "- **" + oneLine(name) + "**"
			if id != "" && id != name {
				line += " (" + oneLine(id) + ")"
			}
			line += ": " + budget(s.BudgetConsumed) + "\n"
			b.WriteString(line)
		}
		b.WriteString("\n")
		wrote = true
	}
	if !wrote {
		b.WriteString(promptImpact + "\n\n")
	}
}

func budget(f float64) string {
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return "unknown"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

func writeDetection(b *strings.Builder, in Input) {
	alerts := make([]Alert, len(in.Alerts))
	copy(alerts, in.Alerts)
	sort.SliceStable(alerts, func(i, j int) bool { return alerts[i].StartsAt.Before(alerts[j].StartsAt) })
	switch {
	case len(alerts) == 0:
		line := "No alert is attached to this incident: it was declared by hand"
		if !in.OpenedAt.IsZero() {
			line += " at " + formatTime(in.OpenedAt)
		}
		b.WriteString(line + ".\n\n")
	case len(alerts) == 1:
		b.WriteString("First detected by alert " + describeAlert(alerts[0]) + ".\n\n")
	default:
		b.WriteString("First detected by these alerts:\n\n")
		for _, a := range alerts[:min(len(alerts), maxDetectionAlerts)] {
			b.WriteString("- " + describeAlert(a) + "\n")
		}
		if n := len(alerts) - maxDetectionAlerts; n > 0 {
			more := "alerts"
			if n == 1 {
				more = "alert"
			}
			b.WriteString("- and " + strconv.Itoa(n) + " more " + more + "\n")
		}
		b.WriteString("\n")
	}
	if len(alerts) > 0 && !in.OpenedAt.IsZero() && !alerts[0].StartsAt.IsZero() {
		if d := in.OpenedAt.Sub(alerts[0].StartsAt); d >= time.Minute {
			b.WriteString("The incident was opened " + formatDuration(d) + " after the first alert fired.\n\n")
		}
	}
	b.WriteString(promptDetection + "\n\n")
}

func describeAlert(a Alert) string {
	name := oneLine(a.Name)
	if name == "" {
		name = "unnamed alert"
	}
	s := "**" + name + "**"
	if svc := oneLine(a.Service); svc != "" {
		s += " on " + oneLine(svc)
	}
	if !a.StartsAt.IsZero() {
		s += ", firing from " + formatTime(a.StartsAt)
	}
	if a.EndsAt != nil && !a.EndsAt.IsZero() {
		s += " to " + formatTime(*a.EndsAt)
	}
	return s
}

func writeResolution(b *strings.Builder, in Input) {
	started := in.StartedAt
	if started.IsZero() {
		started = in.OpenedAt
	}
	wrote := false
	for _, m := range []struct {
		what string
		at   *time.Time
	}{
		{"Mitigated (monitoring)", in.MonitoringAt},
		{"Resolved", in.ResolvedAt},
	} {
		if m.at == nil || m.at.IsZero() {
			continue
		}
		line := "- " + m.what + " at " + formatTime(*m.at)
		if d := span(started, m.at); d != none {
			line += ", " + d + " after impact started"
		}
		b.WriteString(line + ".\n")
		wrote = true
	}
	if wrote {
		b.WriteString("\n")
	}
	b.WriteString(promptResolution + "\n\n")
}

func writeTimeline(b *strings.Builder, entries []TimelineEntry) {
	if len(entries) == 0 {
		b.WriteString(promptTimeline + "\n\n")
		return
	}
	sorted := make([]TimelineEntry, len(entries))
	copy(sorted, entries)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	b.WriteString("| Time (UTC) | Who | What |\n| --- | --- | --- |\n")
	for _, e := range sorted {
		what := oneLine(e.Text)
		if k := oneLine(e.Kind); k != "" {
			if what != "" {
				what = k + ": " + what
			} else {
				what = k
			}
		}
		b.WriteString("| " + cell(formatTime(e.At)) + " | " + cell(e.Actor) + " | " + cell(what) + " |\n")
	}
	b.WriteString("\n")
}

func writeActionItems(b *strings.Builder, items []ActionItem) {
	if len(items) == 0 {
		b.WriteString(promptActionItems + "\n\n")
	}
	b.WriteString("| Action | Owner | Type | Due | Status | Tracker |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, it := range items {
		b.WriteString("| " + cell(it.Title) + " | " + cell(it.Owner) + " | " + cell(it.Type) + " | " +
			cell(it.Due) + " | " + cell(it.Status) + " | " + trackerLink(it.TrackerURL) + " |\n")
	}
	b.WriteString("\n")
}

// trackerLink writes a tracker URL as a Markdown autolink when it has a
// scheme, and as plain cell text otherwise. Characters that would end the
// autolink or the table cell are percent-encoded.
func trackerLink(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return none
	}
	if !hasScheme(u) {
		return cell(u)
	}
	var b strings.Builder
	for _, r := range u {
		switch {
		case r == ' ':
			b.WriteString("%20")
		case r == '|':
			b.WriteString("%7C")
		case r == '<':
			b.WriteString("%3C")
		case r == '>':
			b.WriteString("%3E")
		case r < 0x20 || r == 0x7f:
			// Control characters are never part of a URL: drop them.
		default:
			b.WriteRune(r)
		}
	}
	return "<" + b.String() + ">"
}

// hasScheme reports whether u starts with a URI scheme as CommonMark
// autolinks require: a letter, then 1 to 31 letters, digits, '+', '.' or '-',
// then ':'.
func hasScheme(u string) bool {
	i := strings.IndexByte(u, ':')
	if i < 2 || i > 32 {
		return false
	}
	for j := 0; j < i; j++ {
		c := u[j]
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if j == 0 && !isLetter {
			return false
		}
		if !isLetter && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func severity(s int) string {
	if s < 1 || s > 4 {
		return ""
	}
	return "SEV" + strconv.Itoa(s)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

// span formats end − start, or none when either end is unknown or the
// interval is negative.
func span(start time.Time, end *time.Time) string {
	if start.IsZero() || end == nil || end.IsZero() {
		return none
	}
	d := end.Sub(start)
	if d < 0 {
		return none
	}
	return formatDuration(d)
}

// formatDuration is HumanDuration, with none for a negative duration
// (times out of order).
func formatDuration(d time.Duration) string {
	if d < 0 {
		return none
	}
	return HumanDuration(d)
}

// HumanDuration prints a duration the way people read incident times:
// "45s" under a minute, otherwise rounded to the minute as "12m",
// "1h 5m", "2h" or "1d 3h 20m"; negative durations get a minus sign.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		return "-" + HumanDuration(-d)
	}
	if d < time.Minute {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	d = d.Round(time.Minute)
	var parts []string
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.unit; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+u.name)
			d -= n * u.unit
		}
	}
	return strings.Join(parts, " ")
}

// cell makes s safe to put in one Markdown table cell: line breaks become
// spaces and '|' is escaped. Empty values show as none.
func cell(s string) string {
	s = oneLine(s)
	if s == "" {
		return none
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// oneLine joins the lines of s with single spaces and trims it, so that it
// fits in a table cell, a list item or a heading.
func oneLine(s string) string {
	if !strings.ContainsAny(s, lineBreaks) {
		return strings.TrimSpace(s)
	}
	var parts []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(lineBreaks, r) }) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// lineBreaks are the characters that end a line in Markdown or in a browser.
const lineBreaks = "\r\n\v\f\u0085\u2028\u2029"

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = oneLine(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
