package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/testenv"
)

// forEachURL runs fn as a subtest on the URL of a fresh SQLite file and of a
// fresh PostgreSQL database.
func forEachURL(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run(DialectSQLite, func(t *testing.T) {
		fn(t, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	})
	t.Run(DialectPostgres, func(t *testing.T) {
		fn(t, testenv.PostgresURL(t))
	})
}

// forEachStore runs fn as a subtest on a fresh store on each database.
func forEachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	forEachURL(t, func(t *testing.T, dbURL string) {
		fn(t, openStore(t, dbURL))
	})
}

// openStore opens dbURL and closes it when t finishes.
func openStore(t testing.TB, dbURL string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fakeClock makes s read the time from the returned pointer.
func fakeClock(s *Store, start time.Time) *time.Time {
	now := start
	s.now = func() time.Time { return now }
	return &now
}

func TestOpen(t *testing.T) {
	forEachURL(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		s := openStore(t, dbURL)
		if got, want := s.Dialect(), t.Name()[strings.LastIndex(t.Name(), "/")+1:]; got != want {
			t.Errorf("Dialect() = %q, want %q", got, want)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		var version int64
		if err := s.DB().QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil {
			t.Fatalf("read schema version: %v", err)
		}
		if want := int64(len(migrationNames(t, s.Dialect()))); version != want {
			t.Errorf("schema version = %d, want %d", version, want)
		}
	})
}

func TestOpenTwice(t *testing.T) {
	forEachURL(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		first := openStore(t, dbURL)
		_, tok, err := first.CreateToken(ctx, "ci", RoleEditor, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}

		// Migrating an up-to-date database, while another handle is open,
		// changes nothing.
		second := openStore(t, dbURL)
		got, err := second.ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if diff := cmp.Diff(got, []Token{tok}); diff != "" {
			t.Errorf("ListTokens after reopening (-got +want):\n%s", diff)
		}
	})
}

func TestOpenConcurrently(t *testing.T) {
	// Several processes starting at once on a new database each migrate it,
	// or wait for another to.
	forEachURL(t, func(t *testing.T, dbURL string) {
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				s, err := Open(t.Context(), dbURL)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("Open: %v", err)
			}
		}
		s := openStore(t, dbURL)
		var applied int
		if err := s.DB().QueryRowContext(t.Context(),
			`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
			t.Fatalf("count applied migrations: %v", err)
		}
		if want := len(migrationNames(t, s.Dialect())); applied != want {
			t.Errorf("%d migrations applied, want %d, each once", applied, want)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		dbURL   string
		wantErr string
	}{
		{"empty", "", "empty database URL"},
		{"no scheme", "kiban.db", "no scheme"},
		{"mysql", "mysql://kiban:hunter2@db/kiban", `unsupported database URL scheme "mysql"`},
		{"sqlite without path", "sqlite:", "no path"},
		{"sqlite with parameters", "sqlite:kiban.db?_pragma=foo", "must not contain '?'"},
		{"sqlite in memory", "sqlite::memory:", "must name a database file"},
		{"sqlite missing directory", "sqlite:" + filepath.Join(t.TempDir(), "missing", "kiban.db"), "store: open sqlite:"},
		{"postgres unreachable", "postgres://kiban:hunter2@127.0.0.1:1/kiban?connect_timeout=5", "store: open postgres:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.dbURL)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want error containing %q", tt.dbURL, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open(%q) error = %q, want it to contain %q", tt.dbURL, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open(%q) error = %q, which leaks the password", tt.dbURL, err)
			}
		})
	}
}

func TestOpenSQLiteURLForms(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		dbURL string
		file  string
	}{
		{"sqlite:" + filepath.Join(dir, "a.db"), "a.db"},
		{"sqlite://" + filepath.Join(dir, "b.db"), "b.db"},
		{"SQLite:" + filepath.Join(dir, "c.db"), "c.db"},
	}
	for _, tt := range tests {
		s := openStore(t, tt.dbURL)
		if got := s.Dialect(); got != DialectSQLite {
			t.Errorf("Open(%q).Dialect() = %q, want %q", tt.dbURL, got, DialectSQLite)
		}
		fi, err := os.Stat(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatalf("Open(%q) did not create %s: %v", tt.dbURL, tt.file, err)
		}
		if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
			t.Errorf("Open(%q) created %s with mode %v, want %v", tt.dbURL, tt.file, got, want)
		}
	}
}

func TestSQLiteSettings(t *testing.T) {
	s := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	// Check several connections, since every pooled connection must be
	// configured: hold them all open at once.
	ctx := t.Context()
	for i := range sqliteMaxConns {
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		defer conn.Close()
		pragmas := []struct {
			name string
			want string
		}{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"synchronous", "1"}, // NORMAL
			{"busy_timeout", "5000"},
		}
		for _, p := range pragmas {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
				t.Fatalf("connection %d: PRAGMA %s: %v", i, p.name, err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.name, got, p.want)
			}
		}
	}
}

// migrationNames returns the names of the embedded migrations of dialect.
func migrationNames(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		t.Fatalf("read migrations: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestMigrationsInStep(t *testing.T) {
	sqliteNames := migrationNames(t, DialectSQLite)
	if len(sqliteNames) == 0 {
		t.Fatal("no SQLite migrations")
	}
	if diff := cmp.Diff(migrationNames(t, DialectPostgres), sqliteNames); diff != "" {
		t.Errorf("PostgreSQL migrations differ from SQLite ones (-postgres +sqlite):\n%s", diff)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"UTC", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"microseconds", time.Date(2024, 1, 1, 0, 0, 0, 123456000, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 123456000, time.UTC)},
		{"nanoseconds truncated", time.Date(2024, 1, 1, 0, 0, 0, 123456789, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 123456000, time.UTC)},
		{"other zone", time.Date(2024, 7, 1, 3, 0, 0, 500000000, zone), time.Date(2024, 6, 30, 21, 30, 0, 500000000, time.UTC)},
		{"local", time.Date(2030, 12, 31, 12, 0, 0, 0, time.Local), time.Date(2030, 12, 31, 12, 0, 0, 0, time.Local).UTC()},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		for _, tt := range tests {
			if err := s.RecordAudit(ctx, AuditEntry{At: tt.in, Actor: "test", Action: "time." + tt.name}); err != nil {
				t.Fatalf("RecordAudit: %v", err)
			}
			entries, err := s.ListAudit(ctx, AuditQuery{Action: "time." + tt.name})
			if err != nil {
				t.Fatalf("ListAudit: %v", err)
			}
			if len(entries) != 1 {
				t.Fatalf("%s: ListAudit returned %d entries, want 1", tt.name, len(entries))
			}
			got := entries[0].At
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("%s: stored %v, read back %v, want %v in UTC", tt.name, tt.in, got, tt.want)
			}
		}

		// Times compare correctly in SQL, including sub-second ones.
		pivot := time.Date(2024, 1, 1, 0, 0, 0, 123456000, time.UTC)
		for _, c := range []struct {
			op   string
			want int
		}{
			{">", 3},
			{">=", 5},
			{"<", 0},
			{"=", 2},
		} {
			var got int
			err := s.DB().QueryRowContext(ctx,
				`SELECT count(*) FROM audit_log WHERE at `+c.op+` $1`, pivot).Scan(&got)
			if err != nil {
				t.Fatalf("compare times: %v", err)
			}
			if got != c.want {
				t.Errorf("%d entries with at %s %v, want %d", got, c.op, pivot, c.want)
			}
		}
	})
}

func TestInTx(t *testing.T) {
	errBoom := errors.New("boom")
	insert := func(ctx context.Context, tx *Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO tokens (name, role, hash, prefix, created_at, created_by)
			 VALUES ($1, $2, $3, $4, $5, $6)`,
			"t", "viewer", "h", "p", tx.Now(), "test")
		if err != nil {
			return err
		}
		return tx.RecordAudit(ctx, AuditEntry{Actor: "test", Action: "token.create", Target: "token/t"})
	}
	tests := []struct {
		name       string
		fn         func(ctx context.Context, tx *Tx) error
		wantErr    error
		wantPanic  bool
		wantTokens int
		wantAudit  int
	}{
		{
			name:       "commit",
			fn:         insert,
			wantTokens: 1,
			wantAudit:  1,
		},
		{
			name: "error",
			fn: func(ctx context.Context, tx *Tx) error {
				if err := insert(ctx, tx); err != nil {
					return err
				}
				return errBoom
			},
			wantErr: errBoom,
		},
		{
			name: "panic",
			fn: func(ctx context.Context, tx *Tx) error {
				if err := insert(ctx, tx); err != nil {
					return err
				}
				panic(errBoom)
			},
			wantPanic: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, s *Store) {
				ctx := t.Context()
				var err error
				panicked := func() (panicked bool) {
					defer func() { panicked = recover() != nil }()
					err = s.InTx(ctx, func(tx *Tx) error { return tt.fn(ctx, tx) })
					return false
				}()
				if panicked != tt.wantPanic {
					t.Errorf("InTx panicked = %v, want %v", panicked, tt.wantPanic)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("InTx error = %v, want %v", err, tt.wantErr)
				}
				if got := countRows(t, s, "tokens"); got != tt.wantTokens {
					t.Errorf("%d tokens after InTx, want %d", got, tt.wantTokens)
				}
				if got := countRows(t, s, "audit_log"); got != tt.wantAudit {
					t.Errorf("%d audit entries after InTx, want %d", got, tt.wantAudit)
				}
				// The connection went back to the pool in a usable state.
				if _, _, err := s.CreateToken(ctx, "after", RoleViewer, "test"); err != nil {
					t.Errorf("CreateToken after InTx: %v", err)
				}
			})
		})
	}
}

// countRows returns the number of rows in table.
func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestConcurrentWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		const writers, each = 8, 10
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				for i := range each {
					err := s.InTx(ctx, func(tx *Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
							return err
						}
						return tx.RecordAudit(ctx, AuditEntry{Actor: "test", Action: "write", Target: strings.Repeat("x", w+i)})
					})
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Errorf("concurrent InTx: %v", err)
			}
		}
		if got, want := countRows(t, s, "audit_log"), writers*each; got != want {
			t.Errorf("%d audit entries, want %d", got, want)
		}
	})
}

func TestNullTimeScan(t *testing.T) {
	want := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	tests := []struct {
		in   any
		want nullTime
	}{
		{nil, nullTime{}},
		{want.In(time.FixedZone("x", 3600)), nullTime{Time: want, Valid: true}},
		{"2024-05-06 07:08:09.123456+00:00", nullTime{Time: want, Valid: true}},
		{[]byte("2024-05-06T07:08:09.123456Z"), nullTime{Time: want, Valid: true}},
		{"2024-05-06 07:08:09", nullTime{Time: want.Truncate(time.Second), Valid: true}},
	}
	for _, tt := range tests {
		var got nullTime
		if err := got.Scan(tt.in); err != nil {
			t.Errorf("Scan(%#v): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("Scan(%#v) (-got +want):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []any{"yesterday", 42} {
		var got nullTime
		if err := got.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) succeeded, want error", bad)
		}
	}
}
