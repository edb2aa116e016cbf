package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// OutboxMessage is a chat message waiting to be sent to a team. It is
// written in the same transaction as the change it announces, and sent
// afterwards, so that a message goes out if and only if the change was
// committed, even across restarts.
type OutboxMessage struct {
	ID   int64  `json:"id"`
	Team string `json:"team"`
	Kind string `json:"kind"` // such as incident.opened, actions.digest
	// DedupKey, when set, makes a second message with the same key a
	// no-op (a daily digest is sent once per team and day).
	DedupKey  string          `json:"dedup_key,omitempty"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
	Attempts  int             `json:"attempts"`
	SentAt    *time.Time      `json:"sent_at"`
	FailedAt  *time.Time      `json:"failed_at"`
	LastError string          `json:"last_error,omitempty"`
}

// Enqueue adds a message to the outbox. It reports false when a message
// with the same DedupKey is already there.
func (tx *Tx) Enqueue(ctx context.Context, m OutboxMessage) (bool, error) {
	if !json.Valid(m.Payload) {
		return false, fmt.Errorf("store: enqueue %s: %w: payload is not JSON", m.Kind, ErrInvalid)
	}
	var dedup any
	if m.DedupKey != "" {
		dedup = m.DedupKey
	}
	now := tx.Now()
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (team, kind, dedup_key, payload, created_at, next_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (dedup_key) DO NOTHING`,
		m.Team, m.Kind, dedup, string(m.Payload), now)
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", m.Kind, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// PendingMessages returns up to limit messages due for a (first or next)
// attempt at now, oldest first.
func (s *Store) PendingMessages(ctx context.Context, now time.Time, limit int) ([]OutboxMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, team, kind, COALESCE(dedup_key, ''), payload, created_at, attempts, last_error
		FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= $1 ORDER BY id LIMIT $2`, dbTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending messages: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		var payload []byte
		var created nullTime
		if err := rows.Scan(&m.ID, &m.Team, &m.Kind, &m.DedupKey, &payload, &created, &m.Attempts, &m.LastError); err != nil {
			return nil, fmt.Errorf("store: pending messages: %w", err)
		}
		m.Payload, m.CreatedAt = payload, created.Time
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClaimMessages returns up to limit messages due at now, each claimed for
// lease: another process asking meanwhile does not get them, so replicas
// sharing a database do not send a message twice. A claimed message that
// is neither marked sent nor attempted (the process died) is due again
// when the lease ends.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	due, err := s.PendingMessages(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	claimed := due[:0]
	for _, m := range due {
		res, err := s.db.ExecContext(ctx, `UPDATE outbox SET next_at = $1
			WHERE id = $2 AND next_at <= $3 AND sent_at IS NULL AND failed_at IS NULL`,
			dbTime(now.Add(lease)), m.ID, dbTime(now))
		if err != nil {
			return nil, fmt.Errorf("store: claim message %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			claimed = append(claimed, m)
		}
	}
	return claimed, nil
}

// MarkSent records that message id was delivered.
func (s *Store) MarkSent(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2`, s.Now(), id)
	if err != nil {
		return fmt.Errorf("store: mark message %d sent: %w", id, err)
	}
	return nil
}

// MarkAttempt records a failed delivery of message id: it is tried again
// at next, or given up for good when next is nil.
func (s *Store) MarkAttempt(ctx context.Context, id int64, msg string, next *time.Time) error {
	var err error
	if next == nil {
		_, err = s.db.ExecContext(ctx, `UPDATE outbox SET failed_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
			s.Now(), msg, id)
	} else {
		_, err = s.db.ExecContext(ctx, `UPDATE outbox SET next_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
			dbTime(*next), msg, id)
	}
	if err != nil {
		return fmt.Errorf("store: mark message %d attempt: %w", id, err)
	}
	return nil
}

// Messages returns the latest outbox messages of a team (all teams when
// empty), newest first, sent or not.
func (s *Store) Messages(ctx context.Context, team string, limit int) ([]OutboxMessage, error) {
	var c conditions
	if team != "" {
		c.add("team = $%d", team)
	}
	limit = pageLimit(limit, DefaultAlertLimit, MaxAlertLimit)
	rows, err := s.db.QueryContext(ctx, `SELECT id, team, kind, COALESCE(dedup_key, ''), payload, created_at, attempts,
		sent_at, failed_at, last_error FROM outbox`+c.where()+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	defer rows.Close()
	out := []OutboxMessage{}
	for rows.Next() {
		var m OutboxMessage
		var payload []byte
		var created, sent, failed nullTime
		if err := rows.Scan(&m.ID, &m.Team, &m.Kind, &m.DedupKey, &payload, &created, &m.Attempts, &sent, &failed, &m.LastError); err != nil {
			return nil, fmt.Errorf("store: messages: %w", err)
		}
		m.Payload, m.CreatedAt, m.SentAt, m.FailedAt = payload, created.Time, sent.ptr(), failed.ptr()
		out = append(out, m)
	}
	return out, rows.Err()
}
