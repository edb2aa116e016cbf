package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var secretPattern = regexp.MustCompile(`^kbn_[a-z2-7]{52}$`)

func TestTokenLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		start := time.Date(2025, 3, 4, 5, 6, 7, 890123000, time.UTC)
		now := fakeClock(s, start)

		secret, tok, err := s.CreateToken(ctx, "ci", RoleEditor, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !secretPattern.MatchString(secret) {
			t.Errorf("secret %q does not match %v", secret, secretPattern)
		}
		want := Token{
			ID:        tok.ID,
			Name:      "ci",
			Role:      RoleEditor,
			Prefix:    secret[:8],
			CreatedAt: start,
			CreatedBy: "user/alice",
		}
		if diff := cmp.Diff(tok, want); diff != "" {
			t.Errorf("CreateToken (-got +want):\n%s", diff)
		}
		if tok.ID == 0 {
			t.Error("CreateToken returned ID 0")
		}

		// Authenticating records the first use.
		*now = start.Add(time.Second)
		got, err := s.Authenticate(ctx, secret)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		firstUse := *now
		want.LastUsedAt = &firstUse
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("Authenticate (-got +want):\n%s", diff)
		}
		list, err := s.ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if diff := cmp.Diff(list, []Token{want}); diff != "" {
			t.Errorf("ListTokens (-got +want):\n%s", diff)
		}

		// Revoking makes the token fail to authenticate, and keeps it listed.
		*now = start.Add(time.Hour)
		if err := s.RevokeToken(ctx, tok.ID, "user/bob"); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if _, err := s.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Authenticate after revocation: error = %v, want %v", err, ErrUnauthenticated)
		}
		revokedAt := *now
		want.RevokedAt = &revokedAt
		list, err = s.ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if diff := cmp.Diff(list, []Token{want}); diff != "" {
			t.Errorf("ListTokens after revocation (-got +want):\n%s", diff)
		}

		// Revoking again does nothing.
		*now = start.Add(2 * time.Hour)
		if err := s.RevokeToken(ctx, tok.ID, "user/bob"); err != nil {
			t.Errorf("RevokeToken again: %v", err)
		}
		entries, err := s.ListAudit(ctx, AuditQuery{Action: "token.revoke"})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d token.revoke entries, want 1", len(entries))
		}
		before := want
		before.RevokedAt = nil
		checkAudit(t, entries[0], AuditEntry{
			ID:     entries[0].ID,
			At:     revokedAt,
			Actor:  "user/bob",
			Action: "token.revoke",
			Target: "token/ci",
		}, &before, &want)
	})
}

// checkAudit compares an audit entry about a token with want, decoding its
// Before and After snapshots.
func checkAudit(t *testing.T, got, want AuditEntry, wantBefore, wantAfter *Token) {
	t.Helper()
	for _, snap := range []struct {
		name string
		raw  json.RawMessage
		want *Token
	}{
		{"before", got.Before, wantBefore},
		{"after", got.After, wantAfter},
	} {
		if snap.want == nil {
			if snap.raw != nil {
				t.Errorf("audit %s = %s, want none", snap.name, snap.raw)
			}
			continue
		}
		var tok Token
		if err := json.Unmarshal(snap.raw, &tok); err != nil {
			t.Errorf("audit %s = %s: %v", snap.name, snap.raw, err)
			continue
		}
		if diff := cmp.Diff(&tok, snap.want); diff != "" {
			t.Errorf("audit %s (-got +want):\n%s", snap.name, diff)
		}
	}
	got.Before, got.After = nil, nil
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("audit entry (-got +want):\n%s", diff)
	}
}

func TestCreateTokenAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		secret, tok, err := s.CreateToken(ctx, "deploy", RoleAdmin, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		entries, err := s.ListAudit(ctx, AuditQuery{})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d audit entries, want 1", len(entries))
		}
		checkAudit(t, entries[0], AuditEntry{
			ID:     entries[0].ID,
			At:     tok.CreatedAt,
			Actor:  "user/alice",
			Action: "token.create",
			Target: "token/deploy",
		}, nil, &tok)
		after := string(entries[0].After)
		for _, leak := range []string{secret, hashSecret(secret), "hash", "secret"} {
			if strings.Contains(after, leak) {
				t.Errorf("audit after = %s, which contains %q", after, leak)
			}
		}
	})
}

func TestCreateTokenAtomic(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		// Make the audit insert fail: the token must not be created either.
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE audit_log RENAME TO audit_log_hidden`); err != nil {
			t.Fatalf("hide audit log: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, "ci", RoleViewer, "user/alice"); err == nil {
			t.Error("CreateToken without an audit log succeeded, want error")
		}
		if got := countRows(t, s, "tokens"); got != 0 {
			t.Errorf("%d tokens after failed CreateToken, want 0", got)
		}
	})
}

func TestCreateTokenErrors(t *testing.T) {
	tests := []struct {
		name      string
		tokenName string
		role      Role
		actor     string
		wantErr   string
	}{
		{"empty name", "", RoleViewer, "user/alice", "name is required"},
		{"padded name", " ci", RoleViewer, "user/alice", "white space"},
		{"long name", strings.Repeat("x", 101), RoleViewer, "user/alice", "at most 100"},
		{"unknown role", "ci", Role("root"), "user/alice", `unknown role "root"`},
		{"empty role", "ci", "", "user/alice", "unknown role"},
		{"no actor", "ci", RoleViewer, "", "actor is required"},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		for _, tt := range tests {
			_, _, err := s.CreateToken(t.Context(), tt.tokenName, tt.role, tt.actor)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: CreateToken error = %v, want one containing %q", tt.name, err, tt.wantErr)
			}
		}
		if got := countRows(t, s, "tokens"); got != 0 {
			t.Errorf("%d tokens after failed creations, want 0", got)
		}
	})
}

func TestCreateTokenNameConflict(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		_, first, err := s.CreateToken(ctx, "ci", RoleViewer, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, "ci", RoleAdmin, "user/alice"); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateToken with a name in use: error = %v, want %v", err, ErrConflict)
		}
		if got := countRows(t, s, "audit_log"); got != 1 {
			t.Errorf("%d audit entries after a conflict, want 1", got)
		}

		// Once the first token is revoked, its name can be reused.
		if err := s.RevokeToken(ctx, first.ID, "user/alice"); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		secret, second, err := s.CreateToken(ctx, "ci", RoleAdmin, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken reusing a revoked name: %v", err)
		}
		got, err := s.Authenticate(ctx, secret)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if got.ID != second.ID || got.Role != RoleAdmin {
			t.Errorf("Authenticate = token %d with role %s, want token %d with role %s", got.ID, got.Role, second.ID, RoleAdmin)
		}
	})
}

func TestAuthenticateFailures(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		secret, _, err := s.CreateToken(ctx, "ci", RoleViewer, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		other, revoked, err := s.CreateToken(ctx, "old", RoleAdmin, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if err := s.RevokeToken(ctx, revoked.ID, "user/alice"); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		tests := []struct {
			name   string
			secret string
		}{
			{"empty", ""},
			{"no prefix", strings.TrimPrefix(secret, SecretPrefix)},
			{"truncated", secret[:len(secret)-1]},
			{"altered", secret[:len(secret)-1] + "x"},
			{"upper case", strings.ToUpper(secret)},
			{"hash", hashSecret(secret)},
			{"prefix only", secret[:8]},
			{"revoked", other},
		}
		for _, tt := range tests {
			if _, err := s.Authenticate(ctx, tt.secret); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("%s: Authenticate error = %v, want %v", tt.name, err, ErrUnauthenticated)
			}
		}
	})
}

func TestAuthenticateLastUsedThrottle(t *testing.T) {
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		after time.Duration // since start
		want  time.Duration // LastUsedAt since start
	}{
		{0, 0},
		{30 * time.Second, 0},
		{59*time.Second + 999999*time.Microsecond, 0},
		{60 * time.Second, 60 * time.Second},
		{61 * time.Second, 60 * time.Second},
		{time.Hour, time.Hour},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		now := fakeClock(s, start)
		secret, _, err := s.CreateToken(ctx, "ci", RoleViewer, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		for _, step := range steps {
			*now = start.Add(step.after)
			tok, err := s.Authenticate(ctx, secret)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			want := start.Add(step.want)
			if tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(want) {
				t.Errorf("at +%v: Authenticate LastUsedAt = %v, want %v", step.after, tok.LastUsedAt, want)
			}
			list, err := s.ListTokens(ctx)
			if err != nil {
				t.Fatalf("ListTokens: %v", err)
			}
			if got := list[0].LastUsedAt; got == nil || !got.Equal(want) {
				t.Errorf("at +%v: stored LastUsedAt = %v, want %v", step.after, got, want)
			}
		}
	})
}

func TestRevokeTokenNotFound(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		if err := s.RevokeToken(t.Context(), 42, "user/alice"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RevokeToken(42) error = %v, want %v", err, ErrNotFound)
		}
		if got := countRows(t, s, "audit_log"); got != 0 {
			t.Errorf("%d audit entries after a failed revocation, want 0", got)
		}
	})
}

func TestListTokensEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		got, err := s.ListTokens(t.Context())
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if got == nil || len(got) != 0 {
			t.Errorf("ListTokens = %#v, want an empty non-nil slice", got)
		}
	})
}

// TestSecretNeverStored checks that no column of any table holds a token's
// secret, or the part of it that Prefix does not show.
func TestSecretNeverStored(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		secret, tok, err := s.CreateToken(ctx, "ci", RoleAdmin, "user/alice")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, err := s.Authenticate(ctx, secret); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if err := s.RevokeToken(ctx, tok.ID, "user/alice"); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		hidden := secret[len(tok.Prefix):]

		for _, table := range []string{"tokens", "audit_log"} {
			rows, err := s.DB().QueryContext(ctx, `SELECT * FROM `+table)
			if err != nil {
				t.Fatalf("select from %s: %v", table, err)
			}
			cols, err := rows.Columns()
			if err != nil {
				t.Fatalf("columns of %s: %v", table, err)
			}
			n := 0
			for rows.Next() {
				n++
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatalf("scan %s: %v", table, err)
				}
				for i, v := range vals {
					text := fmt.Sprint(v)
					if b, ok := v.([]byte); ok {
						text = string(b)
					}
					if strings.Contains(text, hidden) {
						t.Errorf("%s.%s = %q, which contains the secret", table, cols[i], text)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			rows.Close()
			if n == 0 {
				t.Errorf("%s is empty", table)
			}
		}

		if s.Dialect() == DialectSQLite {
			// Nor does any file of the database.
			var path string
			if err := s.DB().QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
				t.Fatalf("database path: %v", err)
			}
			files, err := filepath.Glob(path + "*")
			if err != nil || len(files) == 0 {
				t.Fatalf("database files %q: %v", files, err)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatalf("read %s: %v", f, err)
				}
				if strings.Contains(string(b), hidden) {
					t.Errorf("%s contains the secret", f)
				}
			}
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	s := openStore(b, "sqlite:"+filepath.Join(b.TempDir(), "kiban.db"))
	secret, _, err := s.CreateToken(b.Context(), "bench", RoleViewer, "user/alice")
	if err != nil {
		b.Fatalf("CreateToken: %v", err)
	}
	for b.Loop() {
		if _, err := s.Authenticate(b.Context(), secret); err != nil {
			b.Fatalf("Authenticate: %v", err)
		}
	}
}
