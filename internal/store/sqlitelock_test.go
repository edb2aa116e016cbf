package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSQLiteLocker(t *testing.T) {
	s := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	ctx := t.Context()
	newLocker := func() *sqliteLocker {
		l := newSQLiteLocker()
		l.name = "test"
		l.lease = 300 * time.Millisecond
		l.poll = 10 * time.Millisecond
		l.timeout = 150 * time.Millisecond
		return l
	}
	a, b := newLocker(), newLocker()

	if err := a.Lock(ctx, s.DB()); err != nil {
		t.Fatalf("a.Lock: %v", err)
	}
	// a renews its lease, so b times out even though it waits for longer
	// than the lease.
	b.timeout = 2 * a.lease
	if err := b.Lock(ctx, s.DB()); err == nil || !strings.Contains(err.Error(), "held the test lock") {
		t.Fatalf("b.Lock while a holds the lock: error = %v, want a timeout", err)
	}
	if err := a.Unlock(ctx, s.DB()); err != nil {
		t.Fatalf("a.Unlock: %v", err)
	}
	if err := a.Unlock(ctx, s.DB()); err == nil {
		t.Error("a.Unlock twice succeeded, want error")
	}

	// Once released, the lock can be taken.
	b.timeout = 150 * time.Millisecond
	if err := b.Lock(ctx, s.DB()); err != nil {
		t.Fatalf("b.Lock after a.Unlock: %v", err)
	}

	// A holder that stopped renewing, as if it crashed, loses the lock once
	// its lease expires.
	b.mu.Lock()
	b.stop()
	<-b.done
	b.stop = nil
	b.mu.Unlock()
	c := newLocker()
	c.timeout = 3 * c.lease
	start := time.Now()
	if err := c.Lock(ctx, s.DB()); err != nil {
		t.Fatalf("c.Lock after b's lease expired: %v", err)
	}
	if waited := time.Since(start); waited > c.timeout {
		t.Errorf("c.Lock waited %v", waited)
	}
	if err := c.Unlock(ctx, s.DB()); err != nil {
		t.Fatalf("c.Unlock: %v", err)
	}
}
