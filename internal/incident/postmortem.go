package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/postmortem"
	"kiban.dev/kiban/internal/store"
)

// SLOImpact is the error budget an incident consumed on one SLO.
type SLOImpact struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Consumed is the fraction of the SLO window's error budget spent
	// between the incident's start and its resolution (or now); nil when
	// there is no SLI data for the SLO. Why says why not.
	Consumed *float64 `json:"budget_consumed"`
	Why      string   `json:"no_data,omitempty"`
}

// BudgetFunc returns the error budget remaining (1 = untouched) of SLO id
// at time at, or false and why when there is no data.
type BudgetFunc func(ctx context.Context, id string, at time.Time) (remaining float64, ok bool, why string)

// Impacts computes the budget the incident consumed on each linked SLO:
// the remaining budget at its start minus the remaining budget at its
// resolution (or now). Over a rolling window this also counts events that
// left the window meanwhile, negligible for an incident of hours against
// a window of weeks.
func (m *Manager) Impacts(ctx context.Context, in store.Incident) []SLOImpact {
	out := []SLOImpact{}
	c := m.catalog()
	end := m.now().UTC()
	if in.ResolvedAt != nil {
		end = *in.ResolvedAt
	}
	for _, id := range in.SLOs {
		im := SLOImpact{ID: id}
		if s, ok := c.SLO(id); ok {
			im.Name = s.Spec.Service + " " + s.Name
			if s.Title != "" {
				im.Name = s.Title
			}
		}
		if m.budget == nil {
			im.Why = "no SLI source configured"
			out = append(out, im)
			continue
		}
		before, ok1, why1 := m.budget(ctx, id, in.StartedAt)
		after, ok2, why2 := m.budget(ctx, id, end)
		switch {
		case !ok2:
			im.Why = why2
		case !ok1:
			im.Why = why1
		default:
			v := max(before-after, 0)
			im.Consumed = &v
		}
		out = append(out, im)
	}
	return out
}

// PostmortemInput gathers what the postmortem template needs.
func (m *Manager) PostmortemInput(ctx context.Context, id int64) (postmortem.Input, error) {
	in, err := m.store.Incident(ctx, id)
	if err != nil {
		return postmortem.Input{}, err
	}
	events, err := m.store.IncidentEvents(ctx, id)
	if err != nil {
		return postmortem.Input{}, err
	}
	alerts, err := m.store.IncidentAlerts(ctx, id)
	if err != nil {
		return postmortem.Input{}, err
	}
	items, err := m.store.ActionItems(ctx, store.ActionItemQuery{IncidentID: id})
	if err != nil {
		return postmortem.Input{}, err
	}
	pin := postmortem.Input{ID: in.ID, Title: in.Title, Severity: in.Severity, Status: in.Status, Team: in.Team,
		Services: in.Services, Commander: in.Commander, Scribe: in.Scribe, Communications: in.Communications,
		Summary: in.Summary, CustomerImpact: in.CustomerImpact, StartedAt: in.StartedAt, OpenedAt: in.OpenedAt,
		AcknowledgedAt: in.AcknowledgedAt, IdentifiedAt: in.IdentifiedAt, MonitoringAt: in.MonitoringAt, ResolvedAt: in.ResolvedAt}
	for _, e := range events {
		if e.Kind == store.EventPostmortem {
			continue
		}
		pin.Timeline = append(pin.Timeline, postmortem.TimelineEntry{At: e.At, Kind: e.Kind, Actor: e.Actor, Text: e.Text})
	}
	for _, a := range alerts {
		pin.Alerts = append(pin.Alerts, postmortem.Alert{Name: a.AlertName, Service: a.Service, StartsAt: a.StartsAt, EndsAt: a.EndsAt})
	}
	for _, im := range m.Impacts(ctx, in) {
		v := -1.0
		if im.Consumed != nil {
			v = *im.Consumed
		}
		pin.SLOs = append(pin.SLOs, postmortem.SLOImpact{ID: im.ID, Name: im.Name, BudgetConsumed: v})
	}
	for _, a := range items {
		pin.ActionItems = append(pin.ActionItems, postmortem.ActionItem{Title: a.Title, Owner: a.Owner, Type: a.Type,
			Due: a.Due, Status: a.Status, TrackerURL: a.TrackerURL})
	}
	return pin, nil
}

// StartPostmortem creates the incident's postmortem as a draft prefilled
// from the incident, or returns the one that exists (created false).
func (m *Manager) StartPostmortem(ctx context.Context, actor string, id int64) (p store.Postmortem, created bool, err error) {
	if p, err := m.store.Postmortem(ctx, id); err == nil {
		return p, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Postmortem{}, false, err
	}
	pin, err := m.PostmortemInput(ctx, id)
	if err != nil {
		return store.Postmortem{}, false, err
	}
	body := postmortem.Template(pin)
	err = m.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Postmortem(ctx, id); err == nil {
			return nil // started meanwhile
		}
		p = store.Postmortem{IncidentID: id, Status: store.PostmortemDraft, Body: body, Author: actor}
		if _, err := tx.SavePostmortem(ctx, p, pin.Title); err != nil {
			return err
		}
		created = true
		if err := addEvent(ctx, tx, id, time.Time{}, store.EventPostmortem, actor, "Postmortem draft started", nil); err != nil {
			return err
		}
		return tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: "postmortem.create",
			Target: fmt.Sprintf("postmortem/%d", id), After: mustJSON(map[string]any{"status": p.Status})})
	})
	if err != nil {
		return store.Postmortem{}, false, fmt.Errorf("start postmortem of incident %d: %w", id, err)
	}
	p, err = m.store.Postmortem(ctx, id)
	return p, created, err
}

// PostmortemEdit replaces a postmortem's text and classification.
type PostmortemEdit struct {
	Body          string   `json:"body"`
	CauseCategory string   `json:"cause_category"`
	Tags          []string `json:"tags"`
	// Version is the version the editor started from; a save over a newer
	// version is refused (ErrConflict) so no edit is lost. 0 skips the
	// check.
	Version int `json:"version"`
}

// ErrConflict is an edit over a newer version.
var ErrConflict = store.ErrConflictingVersion

// CauseCategories are the cause categories the library filters by.
var CauseCategories = []string{"change", "capacity", "configuration", "dependency", "hardware", "security", "software", "expiry", "human-process", "unknown"}

func cleanTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if len(t) > 40 || strings.ContainsAny(t, " ,\t\n") {
			return nil, fmt.Errorf("%w: tag %q must be one word of at most 40 characters", ErrInvalid, t)
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// SavePostmortem saves an edit of the postmortem (which must exist). A
// published postmortem stays published: corrections are part of its
// history in the audit log.
func (m *Manager) SavePostmortem(ctx context.Context, actor string, id int64, e PostmortemEdit) (store.Postmortem, error) {
	if strings.TrimSpace(e.Body) == "" {
		return store.Postmortem{}, fmt.Errorf("%w: the postmortem is empty", ErrInvalid)
	}
	if e.CauseCategory != "" && !slices.Contains(CauseCategories, e.CauseCategory) {
		return store.Postmortem{}, fmt.Errorf("%w: cause category %q is not one of %s", ErrInvalid, e.CauseCategory, strings.Join(CauseCategories, ", "))
	}
	tags, err := cleanTags(e.Tags)
	if err != nil {
		return store.Postmortem{}, err
	}
	err = m.store.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		before, err := tx.Postmortem(ctx, id)
		if err != nil {
			return err
		}
		p := before
		p.Body, p.CauseCategory, p.Tags, p.Version = e.Body, e.CauseCategory, tags, e.Version
		if _, err := tx.SavePostmortem(ctx, p, in.Title); err != nil {
			return err
		}
		return tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: "postmortem.update", Target: fmt.Sprintf("postmortem/%d", id),
			Before: mustJSON(map[string]any{"version": before.Version, "cause_category": before.CauseCategory, "tags": before.Tags, "bytes": len(before.Body)}),
			After:  mustJSON(map[string]any{"version": before.Version + 1, "cause_category": p.CauseCategory, "tags": p.Tags, "bytes": len(p.Body)})})
	})
	if err != nil {
		return store.Postmortem{}, fmt.Errorf("save postmortem of incident %d: %w", id, err)
	}
	return m.store.Postmortem(ctx, id)
}

// postmortemMoves are the review steps allowed: a draft goes to review;
// a review is published or sent back; a published postmortem can be
// taken back to review for a correction.
var postmortemMoves = map[string][]string{
	store.PostmortemDraft:     {store.PostmortemInReview},
	store.PostmortemInReview:  {store.PostmortemDraft, store.PostmortemPublished},
	store.PostmortemPublished: {store.PostmortemInReview},
}

// SetPostmortemStatus moves a postmortem through review. Publishing needs
// the incident resolved or closed and every section of the template
// present.
//
// at, when not nil, is when the step happened, to record a past review;
// it is never in the future nor before the incident opened, and such a
// step is not announced in chat when older than an hour.
func (m *Manager) SetPostmortemStatus(ctx context.Context, actor string, id int64, to string, at *time.Time) (store.Postmortem, error) {
	now := m.now().UTC()
	if err := m.checkTime("at", at, now); err != nil {
		return store.Postmortem{}, err
	}
	when := now
	if at != nil {
		when = at.UTC()
	}
	var in store.Incident
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		in, err = tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		p, err := tx.Postmortem(ctx, id)
		if err != nil {
			return err
		}
		from := p.Status
		if from == to {
			return nil
		}
		if when.Before(in.OpenedAt) {
			return fmt.Errorf("%w: at is before the incident opened", ErrInvalid)
		}
		if !slices.Contains(postmortemMoves[from], to) {
			return fmt.Errorf("%w: a %s postmortem cannot become %s (allowed: %s)", ErrInvalid, label2(from), label2(to),
				strings.Join(postmortemMoves[from], ", "))
		}
		if to == store.PostmortemPublished {
			if in.Open() {
				return fmt.Errorf("%w: incident %d is %s; resolve it before publishing its postmortem", ErrInvalid, id, in.Status)
			}
			if missing := postmortem.Missing(p.Body); len(missing) > 0 {
				return fmt.Errorf("%w: the postmortem lacks the sections %s", ErrInvalid, strings.Join(missing, ", "))
			}
			p.PublishedAt = &when
		}
		p.Status, p.Version = to, 0
		if _, err := tx.SavePostmortem(ctx, p, in.Title); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, when, store.EventPostmortem, actor, "Postmortem "+label2(to),
			map[string]any{"from": from, "to": to}); err != nil {
			return err
		}
		if err := tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: "postmortem.status", Target: fmt.Sprintf("postmortem/%d", id),
			Before: mustJSON(map[string]string{"status": from}), After: mustJSON(map[string]string{"status": to})}); err != nil {
			return err
		}
		if (to == store.PostmortemPublished || to == store.PostmortemInReview) && now.Sub(when) <= quietAfter {
			head := fmt.Sprintf("Postmortem %s: %s", label2(to), label(in))
			body := m.link(in.ID, label(in)) + "\nBy " + notify.Escape(actor)
			return m.enqueue(ctx, tx, in, "postmortem."+to, notify.Message{Text: head,
				Blocks: []notify.Block{notify.Header(head), notify.Section(body)}})
		}
		return nil
	})
	if err != nil {
		return store.Postmortem{}, fmt.Errorf("postmortem of incident %d: %w", id, err)
	}
	return m.store.Postmortem(ctx, id)
}

// label2 names a review state in prose.
func label2(status string) string { return strings.ReplaceAll(status, "_", " ") }

// ExportPostmortem returns the postmortem as a Markdown file with front
// matter.
func (m *Manager) ExportPostmortem(ctx context.Context, id int64) (string, error) {
	p, err := m.store.Postmortem(ctx, id)
	if err != nil {
		return "", err
	}
	pin, err := m.PostmortemInput(ctx, id)
	if err != nil {
		return "", err
	}
	return postmortem.Export(pin, p.Body, p.Status, p.PublishedAt), nil
}
