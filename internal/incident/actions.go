package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// ActionItemRequest adds an action item to an incident.
type ActionItemRequest struct {
	Title string `json:"title"`
	// Owner is a person (their handle in a Team's members) or a team.
	Owner      string `json:"owner"`
	Type       string `json:"type"` // mitigate, prevent or process
	Due        string `json:"due"`  // YYYY-MM-DD
	Status     string `json:"status"`
	TrackerURL string `json:"tracker_url"`
	// CreatedAt records an item after the fact; default now.
	CreatedAt *time.Time `json:"created_at"`
}

// ActionItemPatch changes an action item; nil fields stay as they are.
type ActionItemPatch struct {
	Title      *string `json:"title"`
	Owner      *string `json:"owner"`
	Type       *string `json:"type"`
	Due        *string `json:"due"`
	Status     *string `json:"status"`
	TrackerURL *string `json:"tracker_url"`
	// At is when the change happened (default now), so that an item
	// closed earlier is recorded with its real closing time.
	At *time.Time `json:"at"`
}

// ownerTeam is the team that answers for an item owned by owner: the
// owner if it is a team, else the first team (by name) that has the owner
// as a member, else fallback.
func ownerTeam(c *catalog.Catalog, owner, fallback string) string {
	if _, ok := c.Team(owner); ok {
		return owner
	}
	for _, t := range c.Teams {
		for _, m := range t.Spec.Members {
			if m.User == owner {
				return t.Name
			}
		}
	}
	return fallback
}

// AddActionItem adds an action item to incident id.
func (m *Manager) AddActionItem(ctx context.Context, actor string, id int64, req ActionItemRequest) (store.ActionItem, error) {
	now := m.now().UTC()
	if err := m.checkTime("created_at", req.CreatedAt, now); err != nil {
		return store.ActionItem{}, err
	}
	if req.Status == "" {
		req.Status = store.ActionOpen
	}
	c := m.catalog()
	var item store.ActionItem
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		a := store.ActionItem{IncidentID: id, Title: strings.TrimSpace(req.Title), Owner: strings.TrimSpace(req.Owner),
			Type: req.Type, Due: req.Due, Status: req.Status, TrackerURL: strings.TrimSpace(req.TrackerURL)}
		a.Team = ownerTeam(c, a.Owner, in.Team)
		if req.CreatedAt != nil {
			a.CreatedAt = req.CreatedAt.UTC()
		}
		item, err = tx.InsertActionItem(ctx, a)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, item.CreatedAt, store.EventActionItem, actor,
			fmt.Sprintf("Action item added: %s (%s, %s)", item.Title, item.Owner, item.Type),
			map[string]any{"action_item": item.ID}); err != nil {
			return err
		}
		return tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: "action_item.create",
			Target: fmt.Sprintf("action_item/%d", item.ID), After: mustJSON(item)})
	})
	if err != nil {
		return store.ActionItem{}, fmt.Errorf("add action item to incident %d: %w", id, err)
	}
	return item, nil
}

// UpdateActionItem changes action item id.
func (m *Manager) UpdateActionItem(ctx context.Context, actor string, id int64, p ActionItemPatch) (store.ActionItem, error) {
	if err := m.checkTime("at", p.At, m.now().UTC()); err != nil {
		return store.ActionItem{}, err
	}
	c := m.catalog()
	var after store.ActionItem
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := tx.ActionItem(ctx, id)
		if err != nil {
			return err
		}
		a := before
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&a.Title, p.Title)
		set(&a.Type, p.Type)
		set(&a.Due, p.Due)
		set(&a.Status, p.Status)
		set(&a.TrackerURL, p.TrackerURL)
		if p.Owner != nil && strings.TrimSpace(*p.Owner) != a.Owner {
			in, err := tx.Incident(ctx, a.IncidentID)
			if err != nil {
				return err
			}
			a.Owner = strings.TrimSpace(*p.Owner)
			a.Team = ownerTeam(c, a.Owner, in.Team)
		}
		var at time.Time
		if p.At != nil {
			at = p.At.UTC()
			if at.Before(before.CreatedAt) {
				return fmt.Errorf("%w: at is before the item was created (%s)", ErrInvalid, before.CreatedAt.Format(time.RFC3339))
			}
			if a.Closed() && !before.Closed() {
				a.ClosedAt = &at
			}
		}
		after, err = tx.UpdateActionItem(ctx, a)
		if err != nil {
			return err
		}
		if after.Status != before.Status {
			if err := addEvent(ctx, tx, a.IncidentID, at, store.EventActionItem, actor,
				fmt.Sprintf("Action item %s: %s", strings.ReplaceAll(after.Status, "_", " "), after.Title),
				map[string]any{"action_item": after.ID, "from": before.Status, "to": after.Status}); err != nil {
				return err
			}
		}
		return tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: "action_item.update",
			Target: fmt.Sprintf("action_item/%d", id), Before: mustJSON(before), After: mustJSON(after)})
	})
	if err != nil {
		return store.ActionItem{}, fmt.Errorf("update action item %d: %w", id, err)
	}
	return after, nil
}

// Digest queues, for each team with overdue action items on day now (UTC),
// one chat message listing them; a team gets at most one digest a day
// however often Digest runs. It returns the teams queued.
func (m *Manager) Digest(ctx context.Context, now time.Time) ([]string, error) {
	today := now.UTC().Format(time.DateOnly)
	items, err := m.store.ActionItems(ctx, store.ActionItemQuery{OverdueOn: today})
	if err != nil {
		return nil, err
	}
	byTeam := map[string][]store.ActionItem{}
	var teams []string
	for _, a := range items {
		if _, seen := byTeam[a.Team]; !seen {
			teams = append(teams, a.Team)
		}
		byTeam[a.Team] = append(byTeam[a.Team], a)
	}
	var queued []string
	err = m.store.InTx(ctx, func(tx *store.Tx) error {
		for _, team := range teams {
			msg := m.digestMessage(team, byTeam[team], now)
			ok, err := m.enqueueFor(ctx, tx, team, "actions.digest", "actions.digest:"+team+":"+today, msg)
			if err != nil {
				return err
			}
			if ok {
				queued = append(queued, team)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("action item digest: %w", err)
	}
	return queued, nil
}

func (m *Manager) digestMessage(team string, items []store.ActionItem, now time.Time) notify.Message {
	today := now.UTC().Format(time.DateOnly)
	head := fmt.Sprintf("%d overdue action item", len(items))
	if len(items) != 1 {
		head += "s"
	}
	head += " for " + team
	var b strings.Builder
	for k, a := range items {
		if k == 10 {
			fmt.Fprintf(&b, "…and %d more\n", len(items)-k)
			break
		}
		fmt.Fprintf(&b, "• %s — %s, due %s (%s late), from %s\n", notify.Escape(a.Title), notify.Escape(a.Owner), a.Due, daysLate(a.Due, today),
			m.link(a.IncidentID, fmt.Sprintf("INC-%d", a.IncidentID)))
	}
	return notify.Message{Text: head, Blocks: []notify.Block{notify.Header(head), notify.Section(b.String())}}
}

// daysLate says how many days past due an item is on day today.
func daysLate(due, today string) string {
	d, err1 := time.Parse(time.DateOnly, due)
	t, err2 := time.Parse(time.DateOnly, today)
	if err1 != nil || err2 != nil {
		return "?"
	}
	n := int(t.Sub(d).Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // kiban's own types always marshal
	}
	return b
}
