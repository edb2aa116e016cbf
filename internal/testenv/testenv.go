// Package testenv gives tests access to the external services kiban's tests
// run against: a real PostgreSQL server, a real Chromium binary, and
// Prometheus' promtool and Alertmanager.
//
// Each helper follows the same rule when its service is not configured: the
// test is skipped on a developer machine, and fails when the environment
// variable CI is true, so that a misconfigured CI job cannot silently skip
// tests. `make test` provisions them and sets the variables.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by this package.
const (
	// PostgresURLEnv names the URL of a PostgreSQL server on loopback on which
	// the user has the CREATEDB privilege (a superuser in practice), for
	// example postgres://kiban@127.0.0.1:5433/postgres?sslmode=disable.
	PostgresURLEnv = "KIBAN_TEST_POSTGRES_URL"
	// ChromiumEnv names the path of a Chromium or Chrome binary.
	ChromiumEnv = "KIBAN_TEST_CHROMIUM"
	// PromtoolEnv names the path of Prometheus' promtool.
	PromtoolEnv = "KIBAN_TEST_PROMTOOL"
	// AlertmanagerEnv names the path of Prometheus' Alertmanager binary.
	AlertmanagerEnv = "KIBAN_TEST_ALERTMANAGER"
)

// adminTimeout bounds each administrative statement (CREATE and DROP
// DATABASE) so that an unreachable server fails the test instead of hanging.
const adminTimeout = 30 * time.Second

// PostgresURL returns the URL of a fresh, empty PostgreSQL database created
// for t on the server named by KIBAN_TEST_POSTGRES_URL. The database is
// dropped, with any remaining connections terminated, when t finishes.
//
// If the variable is unset, PostgresURL skips t, or fails it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresURLEnv)
	if admin == "" {
		unavailable(t, PostgresURLEnv+" is not set; run `make test`, which provisions a throwaway PostgreSQL, "+
			"or set it to the URL of a superuser on a local server, e.g. "+
			"postgres://kiban@127.0.0.1:5433/postgres?sslmode=disable")
	}
	u, err := url.Parse(admin)
	if err != nil {
		// The error may quote the URL, which may hold a password.
		t.Fatalf("testenv: %s is not a valid URL", PostgresURLEnv)
	}

	name := "kiban_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// adminExec runs one statement on its own connection to the server at
// connString.
// CREATE DATABASE and DROP DATABASE cannot run inside a transaction block, so
// they are sent as plain simple-protocol statements.
func adminExec(ctx context.Context, connString, stmt string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol)
	return err
}

// Chromium returns the path of a Chromium or Chrome binary: the one named by
// KIBAN_TEST_CHROMIUM, or else the first of chromium, chromium-browser and
// google-chrome found on PATH.
//
// If none is found, Chromium skips t, or fails it when CI=true. A
// KIBAN_TEST_CHROMIUM that does not name an executable always fails t.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ChromiumEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("testenv: %s=%q: %v", ChromiumEnv, p, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	unavailable(t, "no Chromium found: set "+ChromiumEnv+" to its path, put chromium, chromium-browser "+
		"or google-chrome on PATH, or run `make test`")
	return ""
}

// Promtool returns the path of Prometheus' promtool: $KIBAN_TEST_PROMTOOL,
// else promtool on PATH. If there is none, Promtool skips t, or fails it
// when CI=true.
func Promtool(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(PromtoolEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("testenv: %s=%q: %v", PromtoolEnv, p, err)
		}
		return path
	}
	if path, err := exec.LookPath("promtool"); err == nil {
		return path
	}
	unavailable(t, "no promtool found: set "+PromtoolEnv+", install Debian's prometheus package, or run `make test`")
	return ""
}

// Alertmanager returns the path of Prometheus' Alertmanager:
// $KIBAN_TEST_ALERTMANAGER, else prometheus-alertmanager (Debian's name) or
// alertmanager on PATH. If there is none, Alertmanager skips t, or fails it
// when CI=true. The test starts its own server (on loopback, with a
// temporary --storage.path and clustering disabled).
func Alertmanager(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(AlertmanagerEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("testenv: %s=%q: %v", AlertmanagerEnv, p, err)
		}
		return path
	}
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	unavailable(t, "no Alertmanager found: set "+AlertmanagerEnv+", install Debian's prometheus-alertmanager package, or run `make test`")
	return ""
}

// unavailable fails t when running in CI and skips it otherwise.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if inCI() {
		t.Fatal("testenv: " + msg + " (required because CI=true)")
	}
	t.Skip("testenv: " + msg)
}

// inCI reports whether the environment variable CI holds a true value.
func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// randomHex returns n random bytes in hexadecimal.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // Never fails; see its documentation.
	return hex.EncodeToString(b)
}
