package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Token is an API token's metadata. Its secret is shown once, by
// [Store.CreateToken], and never stored.
type Token struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Prefix is the first characters of the secret, to tell tokens apart.
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

const (
	// SecretPrefix starts every token secret, so that secrets are easy to
	// recognize, for example by secret scanners.
	SecretPrefix = "kbn_"
	// secretBytes is the entropy of a secret.
	secretBytes = 32
	// displayPrefixLen is how many characters of the secret Token.Prefix
	// keeps.
	displayPrefixLen = 8
	// maxTokenNameLen bounds token names, in characters.
	maxTokenNameLen = 100
	// lastUsedInterval is how stale a token's LastUsedAt may get: it is
	// written at most this often, so that authenticating is usually a read.
	lastUsedInterval = time.Minute
)

// secretEncoding writes secrets in lowercase base32 without padding.
var secretEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenColumns are the columns scanToken reads, in order.
const tokenColumns = `id, name, role, prefix, created_at, created_by, last_used_at, revoked_at`

// scanner is satisfied by *sql.Row and *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanToken(row scanner) (Token, error) {
	var (
		t                              Token
		createdAt, lastUsed, revokedAt nullTime
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Prefix, &createdAt, &t.CreatedBy, &lastUsed, &revokedAt); err != nil {
		return Token{}, err
	}
	t.CreatedAt = createdAt.Time
	t.LastUsedAt = lastUsed.ptr()
	t.RevokedAt = revokedAt.ptr()
	return t, nil
}

// hashSecret returns the SHA-256 of secret in hexadecimal, as stored.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ValidateTokenName checks that name can name a token; its error says
// what is expected.
func ValidateTokenName(name string) error {
	switch {
	case name == "":
		return errors.New("name is required")
	case strings.TrimSpace(name) != name:
		return errors.New("name must not start or end with white space")
	case !utf8.ValidString(name):
		return errors.New("name must be valid UTF-8")
	case utf8.RuneCountInString(name) > maxTokenNameLen:
		return fmt.Errorf("name must be at most %d characters", maxTokenNameLen)
	}
	return nil
}

// CreateToken creates a token with the given name and role on behalf of
// actor, and records it in the audit log. It returns the token's secret,
// which cannot be retrieved later. The name must not be in use by another
// token that is not revoked; otherwise the error wraps [ErrConflict].
func (s *Store) CreateToken(ctx context.Context, name string, role Role, actor string) (secret string, tok Token, err error) {
	if err := ValidateTokenName(name); err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w: %w", ErrInvalid, err)
	}
	if role.rank() == 0 {
		return "", Token{}, fmt.Errorf("store: create token: %w: unknown role %q", ErrInvalid, role)
	}
	if actor == "" {
		return "", Token{}, errors.New("store: create token: actor is required")
	}

	b := make([]byte, secretBytes)
	rand.Read(b) // Never fails; see its documentation.
	secret = SecretPrefix + secretEncoding.EncodeToString(b)
	tok = Token{
		Name:      name,
		Role:      role,
		Prefix:    secret[:displayPrefixLen],
		CreatedAt: s.Now(),
		CreatedBy: actor,
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO tokens (name, role, hash, prefix, created_at, created_by)
			 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			tok.Name, string(tok.Role), hashSecret(secret), tok.Prefix, tok.CreatedAt, tok.CreatedBy,
		).Scan(&tok.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("name %q is in use: %w", name, ErrConflict)
		}
		if err != nil {
			return err
		}
		after, err := json.Marshal(tok)
		if err != nil {
			return err
		}
		return tx.RecordAudit(ctx, AuditEntry{
			At:     tok.CreatedAt,
			Actor:  actor,
			Action: "token.create",
			Target: "token/" + name,
			After:  after,
		})
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return secret, tok, nil
}

// Authenticate returns the token whose secret this is. It returns
// [ErrUnauthenticated] if the secret is unknown or the token revoked.
//
// The token is looked up by the hash of the secret, so no comparison of
// secrets can leak timing. Its LastUsedAt is brought up to date at most once
// a minute; failing to do so is logged, and does not fail authentication.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, SecretPrefix) {
		return Token{}, ErrUnauthenticated
	}
	tok, err := scanToken(s.db.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE hash = $1 AND revoked_at IS NULL`,
		hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrUnauthenticated
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: authenticate: %w", err)
	}

	now := s.Now()
	if tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) < lastUsedInterval {
		return tok, nil
	}
	// The condition repeats the check so that concurrent requests write once.
	res, err := s.db.ExecContext(ctx,
		`UPDATE tokens SET last_used_at = $1
		 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)`,
		now, tok.ID, now.Add(-lastUsedInterval))
	if err != nil {
		slog.WarnContext(ctx, "store: authenticate: update last use", "token_id", tok.ID, "error", err)
		return tok, nil
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		tok.LastUsedAt = &now
	}
	return tok, nil
}

// ListTokens returns all tokens, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	toks := []Token{}
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		toks = append(toks, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return toks, nil
}

// RevokeToken revokes the token with the given ID on behalf of actor, and
// records it in the audit log. It returns an error wrapping [ErrNotFound] if
// there is no such token. Revoking a revoked token does nothing.
func (s *Store) RevokeToken(ctx context.Context, id int64, actor string) error {
	if actor == "" {
		return errors.New("store: revoke token: actor is required")
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		now := s.Now()
		after, err := scanToken(tx.QueryRowContext(ctx,
			`UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL
			 RETURNING `+tokenColumns,
			now, id))
		if errors.Is(err, sql.ErrNoRows) {
			var exists bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE id = $1)`, id).Scan(&exists)
			if err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("token %d: %w", id, ErrNotFound)
			}
			return nil // Already revoked.
		}
		if err != nil {
			return err
		}
		before := after
		before.RevokedAt = nil
		beforeJSON, err := json.Marshal(before)
		if err != nil {
			return err
		}
		afterJSON, err := json.Marshal(after)
		if err != nil {
			return err
		}
		return tx.RecordAudit(ctx, AuditEntry{
			At:     now,
			Actor:  actor,
			Action: "token.revoke",
			Target: "token/" + after.Name,
			Before: beforeJSON,
			After:  afterJSON,
		})
	})
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	return nil
}
