package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bucket counts an SLI's good and total events in one minute.
type Bucket struct {
	Key    string    `json:"sli"`
	Minute time.Time `json:"minute"` // UTC, truncated to the minute
	Good   int64     `json:"good"`
	Total  int64     `json:"total"`
}

// Ingest describes one ingested source (a log file, a log shipper's batch,
// a batch of events).
type Ingest struct {
	Digest    string // identifies the content; the same digest is refused
	Source    string // file name or "api"
	Kind      string // "logs" or "events"
	Actor     string
	Lines     int64
	Records   int64
	Matched   int64
	Malformed int64
}

// ErrDuplicate reports a source whose content was already ingested.
var ErrDuplicate = errors.New("already ingested")

// AddBuckets adds the counts of buckets (several may share a key and a
// minute) and records the ingest, in one transaction: a failure, or a
// digest already seen, leaves the store as it was. An empty digest skips
// the duplicate check.
func (s *Store) AddBuckets(ctx context.Context, in Ingest, buckets []Bucket) error {
	for _, b := range buckets {
		if b.Good < 0 || b.Total < 0 || b.Good > b.Total {
			return fmt.Errorf("store: add buckets: %s at %s: good %d and total %d: %w: expected 0 <= good <= total", b.Key, b.Minute.Format(time.RFC3339), b.Good, b.Total, ErrInvalid)
		}
	}
	// One row per key and minute: PostgreSQL refuses to update a row twice
	// in one statement.
	type km struct {
		key    string
		minute int64
	}
	merged := map[km]*Bucket{}
	var order []km
	for _, b := range buckets {
		k := km{b.Key, b.Minute.Unix() / 60}
		if m, ok := merged[k]; ok {
			m.Good += b.Good
			m.Total += b.Total
			continue
		}
		c := b
		merged[k] = &c
		order = append(order, k)
	}
	buckets = make([]Bucket, len(order))
	for i, k := range order {
		buckets[i] = *merged[k]
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if in.Digest != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ingests WHERE digest = $1`, in.Digest).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrDuplicate
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ingests (digest, source, kind, at, actor, lines, records, matched, malformed)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				in.Digest, in.Source, in.Kind, tx.Now(), in.Actor, in.Lines, in.Records, in.Matched, in.Malformed); err != nil {
				return err
			}
		}
		// Many rows per statement: one round trip per 500 buckets.
		const batch = 500
		for start := 0; start < len(buckets); start += batch {
			part := buckets[start:min(start+batch, len(buckets))]
			var q strings.Builder
			q.WriteString(`INSERT INTO sli_buckets (sli_key, minute, good, total) VALUES `)
			args := make([]any, 0, 4*len(part))
			for i, b := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
				args = append(args, b.Key, b.Minute.Unix()/60, b.Good, b.Total)
			}
			q.WriteString(` ON CONFLICT (sli_key, minute) DO UPDATE SET good = sli_buckets.good + excluded.good, total = sli_buckets.total + excluded.total`)
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("store: %s: %w", in.Source, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: add buckets: %w", err)
	}
	return nil
}

// Buckets returns the buckets of some SLI keys with from <= minute < to,
// ordered by key and minute.
func (s *Store) Buckets(ctx context.Context, keys []string, from, to time.Time) ([]Bucket, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT sli_key, minute, good, total FROM sli_buckets WHERE minute >= $1 AND minute < $2 AND sli_key IN (`)
	args := []any{from.Unix() / 60, (to.Unix() + 59) / 60}
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$%d", i+3)
		args = append(args, k)
	}
	q.WriteString(`) ORDER BY sli_key, minute`)
	rows, err := s.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: buckets: %w", err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		var minute int64
		if err := rows.Scan(&b.Key, &minute, &b.Good, &b.Total); err != nil {
			return nil, fmt.Errorf("store: buckets: %w", err)
		}
		b.Minute = time.Unix(minute*60, 0).UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: buckets: %w", err)
	}
	return out, nil
}
