package testenv

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPostgresURL(t *testing.T) {
	ctx := t.Context()
	var dbURL string
	t.Run("fresh database", func(t *testing.T) {
		dbURL = PostgresURL(t)
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatalf("connect to test database: %v", err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil {
			t.Fatalf("count tables: %v", err)
		}
		if tables != 0 {
			t.Errorf("fresh database has %d tables, want 0", tables)
		}
	})
	if dbURL == "" {
		t.Skip("subtest skipped")
	}

	// The subtest has finished, so its cleanup must have dropped the database.
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse returned URL: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	conn, err := pgx.Connect(ctx, os.Getenv(PostgresURLEnv))
	if err != nil {
		t.Fatalf("connect to admin database: %v", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("look up database: %v", err)
	}
	if exists {
		t.Errorf("database %q still exists after its test finished", name)
	}
}

func TestPostgresURLUnique(t *testing.T) {
	a, b := PostgresURL(t), PostgresURL(t)
	if a == b {
		t.Errorf("PostgresURL returned %q twice", a)
	}
}

func TestInCI(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"", false},
		{"false", false},
		{"true", true},
		{"1", true},
		{"yes", false},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.value)
		if got := inCI(); got != tt.want {
			t.Errorf("CI=%q: inCI() = %v, want %v", tt.value, got, tt.want)
		}
	}
}
