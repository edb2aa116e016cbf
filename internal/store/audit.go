package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one change recorded in the audit log.
type AuditEntry struct {
	ID int64 `json:"id"`
	// At is when the change was made, in UTC. RecordAudit fills in the
	// current time when it is zero.
	At time.Time `json:"at"`
	// Actor is who made the change: "token:NAME" for an API token,
	// "cli:USER" for a command run by USER, "signal:SIGHUP" for a reload.
	Actor string `json:"actor"`
	// Action is what was done, as "<kind>.<verb>", such as "token.create".
	Action string `json:"action"`
	// Target is what was changed, as "<kind>/<name>", such as "token/ci".
	Target string `json:"target"`
	// Before and After are JSON snapshots of the target around the change;
	// Before is empty for a creation and After for a deletion. A JSON null
	// is stored as no snapshot. They are returned compacted, and on
	// PostgreSQL with object keys reordered.
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	// RequestID optionally ties the entry to the request that made it.
	RequestID string `json:"request_id,omitempty"`
}

// AuditQuery selects audit entries for [Store.ListAudit]. Zero fields match
// everything.
type AuditQuery struct {
	// Limit is the most entries to return: DefaultAuditLimit if zero, at
	// most MaxAuditLimit.
	Limit int
	// BeforeID, if not zero, returns only entries older than the one with
	// this ID: pass the last ID of a page to get the next page.
	BeforeID int64
	// Actor, Action and Target, if set, must match exactly.
	Actor, Action, Target string
}

// Limits on the number of entries ListAudit returns.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 500
)

// execer is satisfied by *sql.DB and *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// RecordAudit writes e to the audit log on its own. A change and its audit
// entry must be written together with [Tx.RecordAudit] instead. The ID of e
// is ignored; Actor and Action are required.
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) error {
	return s.recordAudit(ctx, s.db, e)
}

func (s *Store) recordAudit(ctx context.Context, db execer, e AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return errors.New("store: record audit: actor and action are required")
	}
	before, err := jsonArg(e.Before)
	if err != nil {
		return fmt.Errorf("store: record audit: before: %w", err)
	}
	after, err := jsonArg(e.After)
	if err != nil {
		return fmt.Errorf("store: record audit: after: %w", err)
	}
	at := s.Now()
	if !e.At.IsZero() {
		at = dbTime(e.At)
	}
	_, err = db.ExecContext(ctx,
		`INSERT INTO audit_log (at, actor, action, target, before, after, request_id)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		at, e.Actor, e.Action, e.Target, before, after, e.RequestID)
	if err != nil {
		return fmt.Errorf("store: record audit: %w", err)
	}
	return nil
}

// jsonArg returns msg compacted as a query argument, or nil (SQL NULL) if msg
// is empty or a JSON null.
func jsonArg(msg json.RawMessage) (any, error) {
	if len(msg) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, msg); err != nil {
		return nil, err
	}
	if buf.String() == "null" {
		return nil, nil
	}
	return buf.String(), nil
}

// ListAudit returns the entries matching q, newest first.
func (s *Store) ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.Limit < 0 || q.BeforeID < 0 {
		return nil, errors.New("store: list audit: limit and before ID must not be negative")
	}
	limit := pageLimit(q.Limit, DefaultAuditLimit, MaxAuditLimit)

	var cond conditions
	if q.BeforeID != 0 {
		cond.add("id < $%d", q.BeforeID)
	}
	if q.Actor != "" {
		cond.add("actor = $%d", q.Actor)
	}
	if q.Action != "" {
		cond.add("action = $%d", q.Action)
	}
	if q.Target != "" {
		cond.add("target = $%d", q.Target)
	}
	query := `SELECT id, at, actor, action, target, before, after, request_id FROM audit_log`
	query += cond.where()
	cond.args = append(cond.args, limit)
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(cond.args))

	rows, err := s.db.QueryContext(ctx, query, cond.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	entries := []AuditEntry{}
	for rows.Next() {
		var (
			e             AuditEntry
			at            nullTime
			before, after []byte
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &before, &after, &e.RequestID); err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		e.At = at.Time
		if e.Before, err = compactJSON(before); err != nil {
			return nil, fmt.Errorf("store: list audit: entry %d: before: %w", e.ID, err)
		}
		if e.After, err = compactJSON(after); err != nil {
			return nil, fmt.Errorf("store: list audit: entry %d: after: %w", e.ID, err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return entries, nil
}

// compactJSON returns b compacted, or nil if b is empty.
func compactJSON(b []byte) (json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
