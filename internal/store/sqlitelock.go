package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// sqliteLocker keeps two kiban processes, or two Opens in one process, from
// migrating one SQLite database at once. goose reads the schema version
// before it begins the transaction that applies a migration, so without a
// lock both would try to apply it. SQLite has no advisory locks, so this is
// a lease: a row in kiban_locks that its holder renews while it migrates, and
// that others may take over once it expires, as it does soon after its
// holder crashes.
//
// It implements goose's lock.Locker.
type sqliteLocker struct {
	name    string        // the lock's row in kiban_locks
	owner   string        // identifies this holder
	lease   time.Duration // how long the lock lasts unless renewed
	poll    time.Duration // how often to retry a held lock
	timeout time.Duration // how long to wait for a held lock

	mu   sync.Mutex
	stop context.CancelFunc // stops renewing; nil when not held
	done chan struct{}      // closed when renewing has stopped
}

func newSQLiteLocker() *sqliteLocker {
	b := make([]byte, 16)
	rand.Read(b) // Never fails; see its documentation.
	return &sqliteLocker{
		name:    "migrate",
		owner:   hex.EncodeToString(b),
		lease:   30 * time.Second,
		poll:    250 * time.Millisecond,
		timeout: migrationLockTimeout * time.Second,
	}
}

// Lock waits until it holds the lock, then renews it in the background until
// Unlock.
func (l *sqliteLocker) Lock(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kiban_locks (
		name       TEXT PRIMARY KEY,
		owner      TEXT NOT NULL,
		expires_at INTEGER NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("create lock table: %w", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, l.timeout,
		fmt.Errorf("another process held the %s lock for over %v", l.name, l.timeout))
	defer cancel()
	for {
		// Take the lock if it is free, expired, or somehow already ours.
		res, err := db.ExecContext(ctx,
			`INSERT INTO kiban_locks (name, owner, expires_at) VALUES ($1, $2, $3)
			 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			 WHERE kiban_locks.expires_at < $4 OR kiban_locks.owner = excluded.owner`,
			l.name, l.owner, time.Now().Add(l.lease).UnixMilli(), time.Now().UnixMilli())
		if err != nil {
			if ctx.Err() != nil {
				err = context.Cause(ctx)
			}
			return fmt.Errorf("take %s lock: %w", l.name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("take %s lock: %w", l.name, err)
		} else if n == 1 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("take %s lock: %w", l.name, context.Cause(ctx))
		case <-time.After(l.poll):
		}
	}

	renewCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	l.mu.Lock()
	l.stop, l.done = stop, done
	l.mu.Unlock()
	go func() {
		defer close(done)
		l.renew(renewCtx, db)
	}()
	return nil
}

// renew extends the lease until ctx is canceled.
func (l *sqliteLocker) renew(ctx context.Context, db *sql.DB) {
	t := time.NewTicker(l.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := db.ExecContext(ctx,
			`UPDATE kiban_locks SET expires_at = $1 WHERE name = $2 AND owner = $3`,
			time.Now().Add(l.lease).UnixMilli(), l.name, l.owner)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "store: renew lock", "lock", l.name, "error", err)
		}
	}
}

// Unlock stops renewing the lock and releases it.
func (l *sqliteLocker) Unlock(ctx context.Context, db *sql.DB) error {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop, l.done = nil, nil
	l.mu.Unlock()
	if stop == nil {
		return errors.New("unlock: lock not held")
	}
	stop()
	<-done
	_, err := db.ExecContext(ctx, `DELETE FROM kiban_locks WHERE name = $1 AND owner = $2`, l.name, l.owner)
	if err != nil {
		return fmt.Errorf("release %s lock: %w", l.name, err)
	}
	return nil
}
