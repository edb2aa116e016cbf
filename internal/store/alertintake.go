package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Alert states, as Alertmanager names them.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// IncomingAlert is one alert of an Alertmanager webhook delivery, already
// resolved to its owner.
type IncomingAlert struct {
	Fingerprint  string
	Status       string // AlertFiring or AlertResolved: the alert's own status
	AlertName    string
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     time.Time
	EndsAt       *time.Time // nil when Alertmanager sends no end
	GeneratorURL string
	Service      string
	Team         string
	Unowned      bool
}

// AlertDelivery is one webhook delivery of Alertmanager.
type AlertDelivery struct {
	GroupKey    string
	Receiver    string
	ExternalURL string
	Status      string // the group's status
	Truncated   int    // alerts Alertmanager left out (max_alerts)
	Actor       string
	Alerts      []IncomingAlert
}

// DeliveryResult counts what a delivery carried and changed.
type DeliveryResult struct {
	ID        int64 `json:"-"`
	Alerts    int   `json:"alerts"`
	Firing    int   `json:"firing"`
	Resolved  int   `json:"resolved"`
	Unowned   int   `json:"unowned"`
	Truncated int   `json:"truncated"`
	// New and Changed count alerts first seen, and alerts whose status or
	// end changed; the others were repeats.
	New     int `json:"-"`
	Changed int `json:"-"`
	// Moved lists the fingerprints of the alerts first seen or changed,
	// in delivery order: what incidents must hear about.
	Moved []string `json:"-"`
}

// ReceivedAlert is an alert as last received from Alertmanager.
type ReceivedAlert struct {
	ID            int64             `json:"id"`
	Fingerprint   string            `json:"fingerprint"`
	State         string            `json:"state"`
	AlertName     string            `json:"alertname"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
	StartsAt      time.Time         `json:"starts_at"`
	EndsAt        *time.Time        `json:"ends_at"`
	GeneratorURL  string            `json:"generator_url"`
	GroupKey      string            `json:"group_key"`
	Receiver      string            `json:"receiver"`
	ExternalURL   string            `json:"external_url"`
	Service       string            `json:"service"`
	Team          string            `json:"team"`
	Unowned       bool              `json:"unowned"`
	FirstReceived time.Time         `json:"first_received"`
	LastReceived  time.Time         `json:"last_received"`
	Deliveries    int64             `json:"deliveries"`
}

// ReceivedAlertQuery filters [Store.ReceivedAlerts]; zero fields match all.
type ReceivedAlertQuery struct {
	State       string
	Team        string
	Service     string
	UnownedOnly bool
	Limit       int // DefaultAlertLimit when 0, at most MaxAlertLimit
}

// Limits of [Store.ReceivedAlerts].
const (
	DefaultAlertLimit = 100
	MaxAlertLimit     = 1000
)

// RecordAlertDelivery stores a delivery and upserts its alerts by
// fingerprint, in one transaction. An alert already stored with the same
// status and end keeps its state; only its delivery count and last
// receipt move. Otherwise its status, start, end, annotations and where it
// came from are updated. The owner is the one resolved at first receipt.
func (s *Store) RecordAlertDelivery(ctx context.Context, d AlertDelivery) (DeliveryResult, error) {
	var res DeliveryResult
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.RecordAlertDelivery(ctx, d)
		return err
	})
	if err != nil {
		return DeliveryResult{}, err
	}
	return res, nil
}

// RecordAlertDelivery is [Store.RecordAlertDelivery] in a transaction, so
// that what the alerts change (incidents) commits with them.
func (tx *Tx) RecordAlertDelivery(ctx context.Context, d AlertDelivery) (DeliveryResult, error) {
	res, err := checkDelivery(d)
	if err != nil {
		return DeliveryResult{}, err
	}
	err = func() error {
		now := tx.Now()
		err := tx.QueryRowContext(ctx,
			`INSERT INTO alert_deliveries (received_at, group_key, receiver, external_url, status, alerts, truncated, actor)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			now, d.GroupKey, d.Receiver, d.ExternalURL, d.Status, len(d.Alerts), d.Truncated, d.Actor).Scan(&res.ID)
		if err != nil {
			return err
		}
		for _, a := range d.Alerts {
			var status string
			var ends nullTime
			err := tx.QueryRowContext(ctx, `SELECT status, ends_at FROM alerts WHERE fingerprint = $1`, a.Fingerprint).Scan(&status, &ends)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res.New++
			case err != nil:
				return err
			case status == a.Status && sameTime(ends.ptr(), a.EndsAt):
				if _, err := tx.ExecContext(ctx,
					`UPDATE alerts SET deliveries = deliveries + 1, last_received = $1 WHERE fingerprint = $2`,
					now, a.Fingerprint); err != nil {
					return err
				}
				continue
			default:
				res.Changed++
			}
			res.Moved = append(res.Moved, a.Fingerprint)
			labels, err := jsonMap(a.Labels)
			if err != nil {
				return err
			}
			annotations, err := jsonMap(a.Annotations)
			if err != nil {
				return err
			}
			var endsAt any
			if a.EndsAt != nil {
				endsAt = dbTime(*a.EndsAt)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO alerts (fingerprint, status, alertname, labels, annotations, starts_at, ends_at, generator_url,
				   group_key, receiver, external_url, service, team, unowned, first_received, last_received, deliveries)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1)
				 ON CONFLICT (fingerprint) DO UPDATE SET
				   status = excluded.status, annotations = excluded.annotations,
				   starts_at = excluded.starts_at, ends_at = excluded.ends_at,
				   generator_url = excluded.generator_url, group_key = excluded.group_key,
				   receiver = excluded.receiver, external_url = excluded.external_url,
				   last_received = excluded.last_received, deliveries = alerts.deliveries + 1`,
				a.Fingerprint, a.Status, a.AlertName, labels, annotations, dbTime(a.StartsAt), endsAt, a.GeneratorURL,
				d.GroupKey, d.Receiver, d.ExternalURL, a.Service, a.Team, a.Unowned, now); err != nil {
				return fmt.Errorf("alert %s: %w", a.Fingerprint, err)
			}
		}
		return nil
	}()
	if err != nil {
		return DeliveryResult{}, fmt.Errorf("store: record alert delivery: %w", err)
	}
	return res, nil
}

// checkDelivery validates a delivery and counts its alerts.
func checkDelivery(d AlertDelivery) (DeliveryResult, error) {
	res := DeliveryResult{Alerts: len(d.Alerts), Truncated: d.Truncated}
	for _, a := range d.Alerts {
		if a.Fingerprint == "" || (a.Status != AlertFiring && a.Status != AlertResolved) || a.StartsAt.IsZero() {
			return DeliveryResult{}, fmt.Errorf("store: record alert delivery: alert %q: %w: needs a fingerprint, a start and status firing or resolved", a.Fingerprint, ErrInvalid)
		}
		switch a.Status {
		case AlertFiring:
			res.Firing++
		case AlertResolved:
			res.Resolved++
		}
		if a.Unowned {
			res.Unowned++
		}
	}
	return res, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return dbTime(*a).Equal(dbTime(*b))
}

func jsonMap(m map[string]string) (string, error) {
	if m == nil {
		m = map[string]string{}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// ReceivedAlerts returns the alerts matching q, newest start first.
func (s *Store) ReceivedAlerts(ctx context.Context, q ReceivedAlertQuery) ([]ReceivedAlert, error) {
	if q.Limit < 0 {
		return nil, errors.New("store: received alerts: limit must not be negative")
	}
	limit := pageLimit(q.Limit, DefaultAlertLimit, MaxAlertLimit)
	var cond conditions
	if q.State != "" {
		cond.add("status = $%d", q.State)
	}
	if q.Team != "" {
		cond.add("team = $%d", q.Team)
	}
	if q.Service != "" {
		cond.add("service = $%d", q.Service)
	}
	if q.UnownedOnly {
		cond.add("unowned = $%d", true)
	}
	query := `SELECT ` + receivedAlertColumns + ` FROM alerts`
	query += cond.where()
	cond.args = append(cond.args, limit)
	query += fmt.Sprintf(" ORDER BY starts_at DESC, id DESC LIMIT $%d", len(cond.args))

	rows, err := s.db.QueryContext(ctx, query, cond.args...)
	if err != nil {
		return nil, fmt.Errorf("store: received alerts: %w", err)
	}
	defer rows.Close()
	var out []ReceivedAlert
	for rows.Next() {
		a, err := scanReceivedAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: received alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: received alerts: %w", err)
	}
	return out, nil
}

const receivedAlertColumns = `id, fingerprint, status, alertname, labels, annotations, starts_at, ends_at, generator_url,
	group_key, receiver, external_url, service, team, unowned, first_received, last_received, deliveries`

// scanReceivedAlert reads the receivedAlertColumns of a row.
func scanReceivedAlert(r rowScanner) (ReceivedAlert, error) {
	var (
		a                           ReceivedAlert
		labels, annotations         []byte
		starts, ends, first, latest nullTime
	)
	if err := r.Scan(&a.ID, &a.Fingerprint, &a.State, &a.AlertName, &labels, &annotations, &starts, &ends, &a.GeneratorURL,
		&a.GroupKey, &a.Receiver, &a.ExternalURL, &a.Service, &a.Team, &a.Unowned, &first, &latest, &a.Deliveries); err != nil {
		return ReceivedAlert{}, err
	}
	if err := json.Unmarshal(labels, &a.Labels); err != nil {
		return ReceivedAlert{}, fmt.Errorf("%s: labels: %w", a.Fingerprint, err)
	}
	if err := json.Unmarshal(annotations, &a.Annotations); err != nil {
		return ReceivedAlert{}, fmt.Errorf("%s: annotations: %w", a.Fingerprint, err)
	}
	a.StartsAt, a.EndsAt, a.FirstReceived, a.LastReceived = starts.Time, ends.ptr(), first.Time, latest.Time
	return a, nil
}

// AlertDeliveryRecord is one stored webhook delivery.
type AlertDeliveryRecord struct {
	ID          int64     `json:"id"`
	ReceivedAt  time.Time `json:"received_at"`
	GroupKey    string    `json:"group_key"`
	Receiver    string    `json:"receiver"`
	ExternalURL string    `json:"external_url"`
	Status      string    `json:"status"`
	Alerts      int       `json:"alerts"`
	Truncated   int       `json:"truncated"`
	Actor       string    `json:"actor"`
}

// AlertDeliveries returns the most recent deliveries, newest first.
func (s *Store) AlertDeliveries(ctx context.Context, limit int) ([]AlertDeliveryRecord, error) {
	if limit <= 0 || limit > MaxAlertLimit {
		limit = DefaultAlertLimit
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, received_at, group_key, receiver, external_url, status, alerts, truncated, actor
		 FROM alert_deliveries ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: alert deliveries: %w", err)
	}
	defer rows.Close()
	var out []AlertDeliveryRecord
	for rows.Next() {
		var d AlertDeliveryRecord
		var at nullTime
		if err := rows.Scan(&d.ID, &at, &d.GroupKey, &d.Receiver, &d.ExternalURL, &d.Status, &d.Alerts, &d.Truncated, &d.Actor); err != nil {
			return nil, fmt.Errorf("store: alert deliveries: %w", err)
		}
		d.ReceivedAt = at.Time
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alert deliveries: %w", err)
	}
	return out, nil
}
