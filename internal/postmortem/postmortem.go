// Package postmortem builds the blameless postmortem document of an incident.
//
// A postmortem is a Markdown document. [Template] writes a first draft,
// prefilled from what the incident already knows (its facts, timeline, alerts,
// SLO impact and action items), with short prompts in blameless language for
// the sections people still have to write. The draft is then edited by hand.
//
// [Render] turns the Markdown into HTML that is safe to insert into a page:
// GitHub-flavoured Markdown, with raw HTML and dangerous link destinations
// (javascript:, vbscript:, data: other than images, file:) dropped. It
// refuses, with an error wrapping [ErrTooComplex], documents that would be
// costly to render: over [MaxRenderBytes], or with very long paragraphs,
// deep nesting or huge tables.
//
// [Sections] and [Missing] check an edited document for the H2 sections a
// postmortem must keep, and [Export] produces the Markdown file a user
// downloads, with a YAML front-matter block describing the incident.
//
// The package depends on no other kiban package: callers convert their
// incident into an [Input].
package postmortem

import (
	"time"
)

// Input is everything a prefilled postmortem needs to know about an incident.
type Input struct {
	ID       int64
	Title    string
	Severity int // 1 (most severe) to 4, shown as SEV1..SEV4.
	Status   string
	Team     string
	Services []string

	Commander      string
	Scribe         string
	Communications string

	Summary        string
	CustomerImpact string

	StartedAt      time.Time // when impact began; OpenedAt is used when zero
	OpenedAt       time.Time // when the incident was declared or detected
	AcknowledgedAt *time.Time
	IdentifiedAt   *time.Time
	MonitoringAt   *time.Time // mitigated: a fix is in place and being watched
	ResolvedAt     *time.Time

	Timeline    []TimelineEntry
	Alerts      []Alert
	SLOs        []SLOImpact
	ActionItems []ActionItem
}

// TimelineEntry is one event in the incident's timeline.
type TimelineEntry struct {
	At    time.Time
	Kind  string
	Actor string
	Text  string
}

// Alert is an alert attached to the incident.
type Alert struct {
	Name     string
	Service  string
	StartsAt time.Time
	EndsAt   *time.Time
}

// SLOImpact is how much of an SLO's error budget the incident consumed.
type SLOImpact struct {
	ID   string
	Name string
	// BudgetConsumed is the fraction of the window's error budget the
	// incident consumed, e.g. 0.12 for 12%. Negative means unknown.
	BudgetConsumed float64
}

// ActionItem is a follow-up action from the postmortem.
type ActionItem struct {
	Title      string
	Owner      string
	Type       string
	Due        string
	Status     string
	TrackerURL string
}

// Required section headings (H2), in the order Template writes them.
const (
	SectionSummary     = "Summary"
	SectionImpact      = "Impact"
	SectionRootCauses  = "Root causes"
	SectionTrigger     = "Trigger"
	SectionDetection   = "Detection"
	SectionResolution  = "Resolution"
	SectionTimeline    = "Timeline"
	SectionWentWell    = "What went well"
	SectionWentWrong   = "What went wrong"
	SectionLucky       = "Where we got lucky"
	SectionActionItems = "Action items"
)

var requiredSections = []string{
	SectionSummary,
	SectionImpact,
	SectionRootCauses,
	SectionTrigger,
	SectionDetection,
	SectionResolution,
	SectionTimeline,
	SectionWentWell,
	SectionWentWrong,
	SectionLucky,
	SectionActionItems,
}

// RequiredSections returns the H2 headings every postmortem must have, in
// order. The caller owns the returned slice.
func RequiredSections() []string {
	return append([]string(nil), requiredSections...)
}
