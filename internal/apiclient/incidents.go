package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

func incidentPath(id int64) string { return fmt.Sprintf("/api/v1/incidents/%d", id) }

// Incidents lists incidents, latest first. query takes team, service,
// status (a status or "open"), severity, from, to and limit.
func (c *Client) Incidents(ctx context.Context, query url.Values) ([]store.Incident, error) {
	var out struct {
		Incidents []store.Incident `json:"incidents"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/incidents", query, nil, &out)
	return out.Incidents, err
}

// Incident returns incident id with its timeline, alerts, SLO impact,
// action items and postmortem state.
func (c *Client) Incident(ctx context.Context, id int64) (incident.Detail, error) {
	var d incident.Detail
	err := c.call(ctx, http.MethodGet, incidentPath(id), nil, nil, &d)
	return d, err
}

// OpenIncident opens an incident.
func (c *Client) OpenIncident(ctx context.Context, req incident.OpenRequest) (store.Incident, error) {
	var in store.Incident
	err := c.call(ctx, http.MethodPost, "/api/v1/incidents", nil, req, &in)
	return in, err
}

// UpdateIncident applies a patch: only its non-nil fields change.
func (c *Client) UpdateIncident(ctx context.Context, id int64, p incident.Patch) (store.Incident, error) {
	var in store.Incident
	err := c.call(ctx, http.MethodPatch, incidentPath(id), nil, p, &in)
	return in, err
}

// AddNote adds a note to an incident's timeline, at a past time or now
// (nil).
func (c *Client) AddNote(ctx context.Context, id int64, text string, at *time.Time) (store.Incident, error) {
	var in store.Incident
	body := struct {
		Text string     `json:"text"`
		At   *time.Time `json:"at"`
	}{text, at}
	err := c.call(ctx, http.MethodPost, incidentPath(id)+"/notes", nil, body, &in)
	return in, err
}

// AddActionItem adds an action item to incident id.
func (c *Client) AddActionItem(ctx context.Context, id int64, req incident.ActionItemRequest) (store.ActionItem, error) {
	var a store.ActionItem
	err := c.call(ctx, http.MethodPost, incidentPath(id)+"/action-items", nil, req, &a)
	return a, err
}

// ActionItems lists action items. query takes team, owner, incident,
// open=true and overdue=true.
func (c *Client) ActionItems(ctx context.Context, query url.Values) ([]store.ActionItem, error) {
	var out struct {
		Items []store.ActionItem `json:"action_items"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/action-items", query, nil, &out)
	return out.Items, err
}

// UpdateActionItem changes action item id: only the patch's non-nil
// fields change.
func (c *Client) UpdateActionItem(ctx context.Context, id int64, p incident.ActionItemPatch) (store.ActionItem, error) {
	var a store.ActionItem
	err := c.call(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/action-items/%d", id), nil, p, &a)
	return a, err
}

// Metrics returns the incident report. query takes by (team or service),
// team, service, from and to (months, YYYY-MM; to is exclusive).
func (c *Client) Metrics(ctx context.Context, query url.Values) (incident.Metrics, error) {
	var m incident.Metrics
	err := c.call(ctx, http.MethodGet, "/api/v1/incidents/metrics", query, nil, &m)
	return m, err
}

// StartPostmortem creates the postmortem draft of incident id, prefilled
// from the incident, or returns the existing one (created false).
func (c *Client) StartPostmortem(ctx context.Context, id int64) (p store.Postmortem, created bool, err error) {
	path := incidentPath(id) + "/postmortem"
	status, data, err := c.send(ctx, http.MethodPost, path, nil, nil)
	if err != nil {
		return store.Postmortem{}, false, err
	}
	if err := decode(http.MethodPost, path, data, &p); err != nil {
		return store.Postmortem{}, false, err
	}
	// 201 for a new draft, 200 for the existing postmortem.
	return p, status == http.StatusCreated, nil
}

// Postmortem returns the postmortem of incident id.
func (c *Client) Postmortem(ctx context.Context, id int64) (store.Postmortem, error) {
	var p store.Postmortem
	err := c.call(ctx, http.MethodGet, incidentPath(id)+"/postmortem", nil, nil, &p)
	return p, err
}

// ExportPostmortem returns the postmortem as a Markdown file with YAML
// front matter.
func (c *Client) ExportPostmortem(ctx context.Context, id int64) ([]byte, error) {
	return c.Do(ctx, http.MethodGet, incidentPath(id)+"/postmortem", url.Values{"format": {"markdown"}}, nil)
}

// SavePostmortem replaces the postmortem's text, cause category and tags.
// A non-zero e.Version must be the stored version, else the server
// answers 409 and nothing is saved.
func (c *Client) SavePostmortem(ctx context.Context, id int64, e incident.PostmortemEdit) (store.Postmortem, error) {
	var p store.Postmortem
	err := c.call(ctx, http.MethodPut, incidentPath(id)+"/postmortem", nil, e, &p)
	return p, err
}

// SetPostmortemStatus moves the postmortem through review: draft,
// in_review or published; at (optional) records a past step.
func (c *Client) SetPostmortemStatus(ctx context.Context, id int64, status string, at *time.Time) (store.Postmortem, error) {
	var p store.Postmortem
	body := struct {
		Status string     `json:"status"`
		At     *time.Time `json:"at,omitempty"`
	}{status, at}
	err := c.call(ctx, http.MethodPost, incidentPath(id)+"/postmortem/status", nil, body, &p)
	return p, err
}

// SearchPostmortems searches the postmortem library. query takes q,
// service, team, tag, cause and status.
func (c *Client) SearchPostmortems(ctx context.Context, query url.Values) ([]incident.LibraryHit, error) {
	var out struct {
		Postmortems []incident.LibraryHit `json:"postmortems"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/postmortems", query, nil, &out)
	return out.Postmortems, err
}
