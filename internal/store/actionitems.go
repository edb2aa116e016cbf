package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Action item types and states.
const (
	ActionMitigate = "mitigate"
	ActionPrevent  = "prevent"
	ActionProcess  = "process"

	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionWontFix    = "wontfix"
)

// ActionItem is a follow-up of an incident, tracked until it closes.
type ActionItem struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	Title      string `json:"title"`
	// Owner is a person (their handle) or a team name; Team is the team
	// that answers for the item: the owner if a team, else the owner's
	// team, else the incident's.
	Owner      string     `json:"owner"`
	Team       string     `json:"team"`
	Type       string     `json:"type"`
	Due        string     `json:"due"` // YYYY-MM-DD, or empty
	Status     string     `json:"status"`
	TrackerURL string     `json:"tracker_url"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at"`
}

// Closed reports whether the item is done or will not be done.
func (a ActionItem) Closed() bool { return a.Status == ActionDone || a.Status == ActionWontFix }

// Overdue reports whether the item is still open after its due day, as
// seen on day today (YYYY-MM-DD).
func (a ActionItem) Overdue(today string) bool {
	return !a.Closed() && a.Due != "" && a.Due < today
}

// OnTime reports whether a closed item closed on or before its due day
// (in UTC); items without a due day are on time.
func (a ActionItem) OnTime() bool {
	return a.Closed() && a.ClosedAt != nil && (a.Due == "" || a.ClosedAt.UTC().Format(time.DateOnly) <= a.Due)
}

func validActionItem(a ActionItem) error {
	var problems []string
	if strings.TrimSpace(a.Title) == "" {
		problems = append(problems, "title is empty")
	}
	if strings.TrimSpace(a.Owner) == "" {
		problems = append(problems, "owner is empty (a person or a team)")
	}
	switch a.Type {
	case ActionMitigate, ActionPrevent, ActionProcess:
	default:
		problems = append(problems, fmt.Sprintf("type %q is not mitigate, prevent or process", a.Type))
	}
	switch a.Status {
	case ActionOpen, ActionInProgress, ActionDone, ActionWontFix:
	default:
		problems = append(problems, fmt.Sprintf("status %q is not open, in_progress, done or wontfix", a.Status))
	}
	if a.Due != "" {
		if _, err := time.Parse(time.DateOnly, a.Due); err != nil {
			problems = append(problems, fmt.Sprintf("due %q is not a date (YYYY-MM-DD)", a.Due))
		}
	}
	if a.TrackerURL != "" {
		u, err := url.Parse(a.TrackerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("tracker_url %q is not an http(s) URL", a.TrackerURL))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

const actionItemColumns = `id, incident_id, title, owner, team, type, due, status, tracker_url, created_at, updated_at, closed_at`

func scanActionItem(r rowScanner) (ActionItem, error) {
	var a ActionItem
	var created, updated, closed nullTime
	if err := r.Scan(&a.ID, &a.IncidentID, &a.Title, &a.Owner, &a.Team, &a.Type, &a.Due, &a.Status, &a.TrackerURL,
		&created, &updated, &closed); err != nil {
		return ActionItem{}, err
	}
	a.CreatedAt, a.UpdatedAt, a.ClosedAt = created.Time, updated.Time, closed.ptr()
	return a, nil
}

// InsertActionItem stores a new action item; a zero CreatedAt is now.
func (tx *Tx) InsertActionItem(ctx context.Context, a ActionItem) (ActionItem, error) {
	if err := validActionItem(a); err != nil {
		return ActionItem{}, fmt.Errorf("store: add action item: %w", err)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.Now()
	}
	a.CreatedAt = dbTime(a.CreatedAt)
	a.UpdatedAt = a.CreatedAt
	if a.Closed() && a.ClosedAt == nil {
		now := tx.Now()
		a.ClosedAt = &now
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO action_items (incident_id, title, owner, team, type, due, status,
		tracker_url, created_at, updated_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
		a.IncidentID, a.Title, a.Owner, a.Team, a.Type, a.Due, a.Status, a.TrackerURL, a.CreatedAt, timeArg(a.ClosedAt)).Scan(&a.ID)
	if err != nil {
		return ActionItem{}, fmt.Errorf("store: add action item: %w", err)
	}
	return a, nil
}

// ActionItem reads action item id in the transaction.
func (tx *Tx) ActionItem(ctx context.Context, id int64) (ActionItem, error) {
	a, err := scanActionItem(tx.QueryRowContext(ctx, `SELECT `+actionItemColumns+` FROM action_items WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ActionItem{}, fmt.Errorf("store: action item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ActionItem{}, fmt.Errorf("store: action item %d: %w", id, err)
	}
	return a, nil
}

// UpdateActionItem writes a over the stored item a.ID. Closing sets
// ClosedAt to now unless given; reopening clears it.
func (tx *Tx) UpdateActionItem(ctx context.Context, a ActionItem) (ActionItem, error) {
	if err := validActionItem(a); err != nil {
		return ActionItem{}, fmt.Errorf("store: update action item %d: %w", a.ID, err)
	}
	switch {
	case a.Closed() && a.ClosedAt == nil:
		now := tx.Now()
		a.ClosedAt = &now
	case !a.Closed():
		a.ClosedAt = nil
	}
	a.UpdatedAt = tx.Now()
	res, err := tx.ExecContext(ctx, `UPDATE action_items SET title = $1, owner = $2, team = $3, type = $4, due = $5,
		status = $6, tracker_url = $7, updated_at = $8, closed_at = $9 WHERE id = $10`,
		a.Title, a.Owner, a.Team, a.Type, a.Due, a.Status, a.TrackerURL, a.UpdatedAt, timeArg(a.ClosedAt), a.ID)
	if err != nil {
		return ActionItem{}, fmt.Errorf("store: update action item %d: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ActionItem{}, fmt.Errorf("store: update action item %d: %w", a.ID, ErrNotFound)
	}
	return a, nil
}

// ActionItemQuery filters [Store.ActionItems]; zero fields match all.
type ActionItemQuery struct {
	IncidentID int64
	Team       string
	Owner      string
	// OpenOnly keeps items not done or won't-fix; OverdueOn (YYYY-MM-DD)
	// keeps open items due before that day.
	OpenOnly  bool
	OverdueOn string
	// CreatedFrom and CreatedTo bound the creation time.
	CreatedFrom, CreatedTo time.Time
}

// ActionItems returns the items matching q, by due day (undated last),
// then ID.
func (s *Store) ActionItems(ctx context.Context, q ActionItemQuery) ([]ActionItem, error) {
	var c conditions
	if q.IncidentID != 0 {
		c.add("incident_id = $%d", q.IncidentID)
	}
	if q.Team != "" {
		c.add("team = $%d", q.Team)
	}
	if q.Owner != "" {
		c.add("owner = $%d", q.Owner)
	}
	if q.OpenOnly || q.OverdueOn != "" {
		c.add("status NOT IN ($%d, 'wontfix')", ActionDone)
	}
	if q.OverdueOn != "" {
		c.add("due <> '' AND due < $%d", q.OverdueOn)
	}
	if !q.CreatedFrom.IsZero() {
		c.add("created_at >= $%d", dbTime(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		c.add("created_at < $%d", dbTime(q.CreatedTo))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemColumns+` FROM action_items`+c.where()+
		` ORDER BY CASE WHEN due = '' THEN 1 ELSE 0 END, due, id`, c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: action items: %w", err)
	}
	defer rows.Close()
	out := []ActionItem{}
	for rows.Next() {
		a, err := scanActionItem(rows)
		if err != nil {
			return nil, fmt.Errorf("store: action items: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
