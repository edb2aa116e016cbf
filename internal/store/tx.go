package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a database transaction opened by [Store.InTx]. Feature packages make
// a change and record its audit entry through the same Tx, so that both are
// committed or neither is.
type Tx struct {
	tx *sql.Tx
	s  *Store
}

// InTx runs fn in a transaction. It commits if fn returns nil and rolls back
// if fn returns an error, which InTx returns unchanged, or panics, in which
// case InTx rolls back and panics again. fn must not use the Tx after it
// returns.
//
// On SQLite the transaction holds the database's single write lock from the
// start, so fn should be quick and must not wait on another transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Rollback fails with sql.ErrTxDone if the context was canceled,
		// which has already rolled the transaction back.
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			err = errors.Join(err, fmt.Errorf("store: roll back: %w", rbErr))
		}
	}()
	if err := fn(&Tx{tx: sqlTx, s: s}); err != nil {
		return err
	}
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// ExecContext executes a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query expected to return at most one row in the
// transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, query, args...)
}

// RecordAudit writes e to the audit log as part of the transaction; see
// [Store.RecordAudit].
func (tx *Tx) RecordAudit(ctx context.Context, e AuditEntry) error {
	return tx.s.recordAudit(ctx, tx.tx, e)
}

// Dialect returns the dialect of the store that opened the transaction.
func (tx *Tx) Dialect() string { return tx.s.dialect }

// Now returns the current time as the store writes it; see [Store.Now].
func (tx *Tx) Now() time.Time { return tx.s.Now() }
