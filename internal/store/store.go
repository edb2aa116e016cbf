// Package store is kiban's persistence layer. It runs on SQLite (the default,
// for a single binary with no dependencies) or on PostgreSQL, with the same
// code and the same tests on both.
//
// # Opening
//
// [Open] takes a database URL: sqlite:PATH (or sqlite://PATH) or
// postgres://… (or postgresql://…). It applies the embedded schema migrations
// before returning.
//
// # Portable SQL
//
// Every query is one SQL text for both dialects: $N placeholders, RETURNING,
// and ON CONFLICT … DO UPDATE all work on both. Times are written as UTC
// time.Time values truncated to microseconds (PostgreSQL's precision), and
// read back as UTC.
//
// # Migrations
//
// The schema lives in migrations/sqlite and migrations/postgres, which hold
// the same numbered goose migrations written for each dialect. A feature that
// needs a table adds the next numbered file to both folders; a test checks
// that the folders stay in step. Open migrates under a lock, so that several
// kiban processes can start at once on one database: a PostgreSQL advisory
// lock, or on SQLite a lease in the kiban_locks table.
//
// # SQLite
//
// Every pooled connection is configured through the DSN: WAL journal mode,
// synchronous=NORMAL, foreign_keys=ON, and a busy_timeout, so that a
// connection waiting for the write lock sleeps instead of failing with
// SQLITE_BUSY. Transactions begin with BEGIN IMMEDIATE, so a transaction
// takes the write lock when it starts and waits for it under busy_timeout
// rather than failing later when a read lock cannot be upgraded. The pool
// holds several connections: with WAL, readers never block the writer or
// each other, and writers queue for SQLite's single write lock. A single
// connection would avoid the queueing but make every reader wait behind
// every writer, and deadlock code that queries the Store while holding a
// transaction. A new database file is created with mode 0600.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // Registers the "pgx" driver.
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialects reported by [Store.Dialect].
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Errors returned by the store. Callers test for them with errors.Is.
var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports that a record would violate a uniqueness rule, for
	// example a token name already in use.
	ErrConflict = errors.New("conflict")
	// ErrUnauthenticated reports that a token secret is unknown or revoked.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInvalid reports input the store refuses, such as an empty token
	// name; the error's text says what was expected.
	ErrInvalid = errors.New("invalid")
)

// Connection settings.
const (
	// sqliteBusyTimeout is how long, in milliseconds, an SQLite connection
	// waits for a lock before failing with SQLITE_BUSY.
	sqliteBusyTimeout = 5000
	// sqliteMaxConns caps the SQLite pool: enough for concurrent readers
	// under WAL, few enough that waiting writers stay cheap.
	sqliteMaxConns = 8
	// postgresMaxConns caps the PostgreSQL pool of one kiban process.
	postgresMaxConns = 16
	// migrationLockTimeout is how long, in seconds, Open waits for another
	// kiban process to finish migrating the same database.
	migrationLockTimeout = 300
)

//go:embed migrations
var migrations embed.FS

// Store is a handle to kiban's database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string
	// now returns the current time; tests replace it.
	now func() time.Time
}

// Open connects to the database at dbURL and migrates it to the latest
// schema. dbURL is sqlite:PATH, sqlite://PATH, postgres://… or
// postgresql://…; the caller supplies any default.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	dialect, dsn, err := parseURL(dbURL)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	var db *sql.DB
	switch dialect {
	case DialectSQLite:
		db, err = openSQLite(dsn)
	case DialectPostgres:
		db, err = openPostgres(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	if err := connect(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// parseURL splits a database URL into a dialect and a driver DSN.
func parseURL(dbURL string) (dialect, dsn string, err error) {
	if dbURL == "" {
		return "", "", errors.New("empty database URL (want sqlite:PATH or postgres://…)")
	}
	scheme, rest, ok := strings.Cut(dbURL, ":")
	if !ok {
		return "", "", errors.New("database URL has no scheme (want sqlite:PATH or postgres://…)")
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return "", "", errors.New("sqlite URL has no path (want sqlite:PATH)")
		}
		if strings.Contains(path, "?") {
			return "", "", errors.New("sqlite URL must not contain '?': connection parameters are set by kiban")
		}
		if path == ":memory:" || strings.HasPrefix(path, "file:") {
			return "", "", errors.New("sqlite URL must name a database file")
		}
		return DialectSQLite, path, nil
	case "postgres", "postgresql":
		if _, err := url.Parse(dbURL); err != nil {
			// url.Error quotes the URL, which may hold a password.
			return "", "", errors.New("invalid postgres URL")
		}
		return DialectPostgres, dbURL, nil
	default:
		// Only the scheme is quoted: the rest may hold a password.
		return "", "", fmt.Errorf("unsupported database URL scheme %q (want sqlite:PATH, postgres:// or postgresql://)", scheme)
	}
}

// createMu serializes the creation of SQLite database files; see
// createSQLiteFile.
var createMu sync.Mutex

// createSQLiteFile creates the database file at path, readable by its owner
// only, unless it exists; SQLite gives the -wal and -shm files the same mode.
//
// Closing a file descriptor drops all of the process's POSIX locks on the
// file, including those of SQLite connections. So the file is only ever
// opened here when it did not exist, and under createMu, so that another
// Open in this process cannot connect to it before it is closed.
func createSQLiteFile(path string) error {
	createMu.Lock()
	defer createMu.Unlock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func openSQLite(path string) (*sql.DB, error) {
	if err := createSQLiteFile(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	// Write times in a format that the driver parses back and that sorts
	// lexically in time order when all times are UTC.
	q.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	return db, nil
}

// connect opens the first connection of db.
//
// Several connections that set up a new SQLite database at once may fail
// with SQLITE_BUSY, without waiting for busy_timeout, while one of them
// switches the database to WAL mode. The switch is made once for the life of
// the database file, so connect retries for as long as busy_timeout.
func connect(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout * time.Millisecond)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY.
func isBusy(err error) bool {
	sqliteErr, ok := errors.AsType[*sqlite.Error](err)
	return ok && sqliteErr.Code()&0xff == sqlite3.SQLITE_BUSY
}

func openPostgres(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns / 4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// migrate applies the embedded migrations that the database lacks.
func (s *Store) migrate(ctx context.Context) error {
	provider, err := s.migrations()
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		slog.InfoContext(ctx, "store: applied migration",
			"dialect", s.dialect, "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// migrations returns the goose provider of the dialect's embedded
// migrations.
func (s *Store) migrations() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	// Several kiban processes may start at once against one database; a lock
	// lets one of them migrate while the others wait.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	var dialect goose.Dialect
	switch s.dialect {
	case DialectSQLite:
		dialect = goose.DialectSQLite3
		opts = append(opts, goose.WithLocker(newSQLiteLocker()))
	case DialectPostgres:
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, migrationLockTimeout))
		if err != nil {
			return nil, fmt.Errorf("store: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	provider, err := goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	return provider, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Dialect returns [DialectSQLite] or [DialectPostgres].
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// DB returns the underlying database for feature packages. Queries must be
// portable (see the package documentation); changes that need an audit entry
// go through [Store.InTx].
func (s *Store) DB() *sql.DB { return s.db }

// Now returns the current time as the store writes it: UTC, truncated to
// microseconds.
func (s *Store) Now() time.Time { return dbTime(s.now()) }

// SetClock makes the store read the current time from now, for tests and
// for replaying history; nil restores time.Now. Call it before the store
// is shared.
func (s *Store) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.now = now
}

// dbTime normalizes t to what both databases store exactly.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// isUniqueViolation reports whether err is a unique-constraint violation on
// either database.
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505" // unique_violation
	}
	if sqliteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// timeFormats are the layouts nullTime accepts for times held as text: the
// driver's own (_time_format=sqlite), RFC 3339, and SQLite's CURRENT_TIMESTAMP.
var timeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
}

// nullTime scans a nullable time from either driver. SQLite's driver returns
// text rather than time.Time when it cannot see a column's declared type,
// as for RETURNING clauses and expressions.
type nullTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements [sql.Scanner].
func (n *nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n = nullTime{}
		return nil
	case time.Time:
		*n = nullTime{Time: v.UTC(), Valid: true}
		return nil
	case []byte:
		return n.parse(string(v))
	case string:
		return n.parse(v)
	}
	return fmt.Errorf("cannot scan %T into a time", v)
}

func (n *nullTime) parse(s string) error {
	for _, layout := range timeFormats {
		if t, err := time.Parse(layout, s); err == nil {
			*n = nullTime{Time: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("cannot parse %q as a time", s)
}

// ptr returns the time as a pointer, nil when it is NULL.
func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	return &n.Time
}
