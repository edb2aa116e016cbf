package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AlertRecord is one episode of an SLO's burn-rate alert of one severity:
// from when it started firing to when it resolved.
type AlertRecord struct {
	ID       int64  `json:"id"`
	SLOID    string `json:"slo_id"`
	Severity string `json:"severity"`
	// Team owned the SLO when the alert started.
	Team      string    `json:"team"`
	StartedAt time.Time `json:"started_at"`
	// ResolvedAt is nil while the alert fires.
	ResolvedAt *time.Time `json:"resolved_at"`
}

// OpenAlert records that the alert of an SLO and severity started firing
// at at. It does nothing when one is already open for them (as after a
// restart, when a firing alert is announced again).
func (s *Store) OpenAlert(ctx context.Context, sloID, severity, team string, at time.Time) error {
	if sloID == "" || severity == "" {
		return errors.New("store: open alert: SLO id and severity are required")
	}
	// The partial unique index slo_alerts_open_idx makes a second open
	// alert a conflict, which is ignored.
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO slo_alerts (slo_id, severity, team, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		sloID, severity, team, dbTime(at))
	if err != nil {
		return fmt.Errorf("store: open alert %s/%s: %w", sloID, severity, err)
	}
	return nil
}

// ResolveAlert records that the open alert of an SLO and severity resolved
// at at. It does nothing when none is open.
func (s *Store) ResolveAlert(ctx context.Context, sloID, severity string, at time.Time) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE slo_alerts SET resolved_at = $1 WHERE slo_id = $2 AND severity = $3 AND resolved_at IS NULL`,
		dbTime(at), sloID, severity)
	if err != nil {
		return fmt.Errorf("store: resolve alert %s/%s: %w", sloID, severity, err)
	}
	return nil
}

// Alerts returns an SLO's alerts that fired at some time in [from, to):
// started before to, and still firing or resolved after from. Newest
// first.
func (s *Store) Alerts(ctx context.Context, sloID string, from, to time.Time) ([]AlertRecord, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, slo_id, severity, team, started_at, resolved_at FROM slo_alerts
		 WHERE slo_id = $1 AND started_at < $2 AND (resolved_at IS NULL OR resolved_at > $3)
		 ORDER BY started_at DESC, id DESC`,
		sloID, dbTime(to), dbTime(from))
	if err != nil {
		return nil, fmt.Errorf("store: alerts of %s: %w", sloID, err)
	}
	defer rows.Close()
	var out []AlertRecord
	for rows.Next() {
		var a AlertRecord
		var started, resolved nullTime
		if err := rows.Scan(&a.ID, &a.SLOID, &a.Severity, &a.Team, &started, &resolved); err != nil {
			return nil, fmt.Errorf("store: alerts of %s: %w", sloID, err)
		}
		a.StartedAt, a.ResolvedAt = started.Time, resolved.ptr()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alerts of %s: %w", sloID, err)
	}
	return out, nil
}
