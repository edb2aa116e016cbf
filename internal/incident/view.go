package incident

import (
	"time"

	"kiban.dev/kiban/internal/store"
)

// Detail is an incident with everything around it, as the API returns
// it (GET /api/v1/incidents/{id}) and its clients read it.
type Detail struct {
	Incident    store.Incident        `json:"incident"`
	URL         string                `json:"url"`
	Timeline    []store.IncidentEvent `json:"timeline"`
	Alerts      []store.ReceivedAlert `json:"alerts"`
	SLOs        []SLOImpact           `json:"slos"`
	ActionItems []store.ActionItem    `json:"action_items"`
	Postmortem  *PostmortemRef        `json:"postmortem"`
}

// PostmortemRef is the state of an incident's postmortem in its Detail.
type PostmortemRef struct {
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at"`
	URL         string     `json:"url"`
}

// LibraryHit is one postmortem found in the library
// (GET /api/v1/postmortems).
type LibraryHit struct {
	Incident store.Incident `json:"incident"`
	Status   string         `json:"status"`
	Cause    string         `json:"cause_category"`
	Tags     []string       `json:"tags"`
	Snippet  string         `json:"snippet,omitempty"`
	URL      string         `json:"url"`
}
