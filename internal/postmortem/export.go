package postmortem

import (
	"strconv"
	"strings"
	"time"
)

// Export returns the Markdown file a user downloads: a YAML front-matter
// block describing the incident and the postmortem, then body. status is the
// postmortem's own status (such as draft or published), not the incident's;
// publishedAt is written only when set.
//
// The front matter has the keys incident_id, title, severity (SEV1..SEV4, or
// empty when unknown), status, team, services and published_at (RFC 3339,
// UTC). Strings are written as double-quoted scalars, so any value, however
// odd, reads back unchanged.
func Export(in Input, body string, status string, publishedAt *time.Time) string {
	var b strings.Builder
	b.WriteString("---\n")
	b.WriteString("incident_id: " + strconv.FormatInt(in.ID, 10) + "\n")
	b.WriteString("title: " + yamlString(in.Title) + "\n")
	b.WriteString("severity: " + yamlString(severity(in.Severity)) + "\n")
	b.WriteString("status: " + yamlString(status) + "\n")
	b.WriteString("team: " + yamlString(in.Team) + "\n")
	b.WriteString("services: [")
	for i, s := range in.Services {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(yamlString(s))
	}
	b.WriteString("]\n")
	if publishedAt != nil && !publishedAt.IsZero() {
		b.WriteString("published_at: " + yamlString(publishedAt.UTC().Format(time.RFC3339)) + "\n")
	}
	b.WriteString("---\n\n")
	b.WriteString(strings.TrimLeft(body, "\r\n"))
	if body != "" && !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// yamlString quotes s as a YAML double-quoted scalar. strconv.Quote's escapes
// (\a \b \f \n \r \t \v \\ \" \xXX \uXXXX \UXXXXXXXX) are all YAML escapes
// too, and after invalid UTF-8 is replaced it emits \xXX only for ASCII
// control characters, which YAML reads back as the same code points.
func yamlString(s string) string {
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}
