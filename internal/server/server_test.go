package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

// copyTree copies examples/acme so that a test can break it.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := "../../examples/acme"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type env struct {
	srv   *Server
	ts    *httptest.Server
	store *store.Store
	dir   string
}

func newEnv(t *testing.T, dir string) *env {
	t.Helper()
	return newEnvOn(t, dir, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
}

// forEachStore runs a test on SQLite and on a real PostgreSQL.
func forEachStore(t *testing.T, dir string, test func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newEnv(t, dir)) })
	t.Run("postgres", func(t *testing.T) { test(t, newEnvOn(t, dir, testenv.PostgresURL(t))) })
}

func newEnvOn(t *testing.T, dir, dbURL string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := New(ctx, Config{ConfigDir: dir, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{srv: srv, ts: ts, store: st, dir: dir}
}

func (e *env) token(t *testing.T, role store.Role) string {
	t.Helper()
	secret, _, err := e.store.CreateToken(context.Background(), "test-"+string(role), role, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func (e *env) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	code, body := e.do(t, "GET", path, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

func (e *env) auditCount(t *testing.T) int {
	t.Helper()
	entries, err := e.store.ListAudit(context.Background(), store.AuditQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestAPIServices(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	var all struct {
		Services []struct {
			Metadata struct{ Name string }
			Spec     struct {
				Owner string
				Tier  int
			}
		}
		Count, Total int
	}
	e.getJSON(t, "/api/v1/services", &all)
	if all.Count != 25 || all.Total != 25 || len(all.Services) != 25 {
		t.Errorf("services: count %d total %d len %d; want 25", all.Count, all.Total, len(all.Services))
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"team=shop-checkout&tier=1", []string{"checkout", "payments"}},
		{"q=search", []string{"legacy-search", "search"}},
		{"product=data-platform&lifecycle=production", []string{"etl-scheduler", "event-ingest", "reporting", "warehouse"}},
		{"q=postgres+shared", []string{"postgres-shared"}},
		{"q=nothing-matches-this", nil},
	}
	for _, tt := range tests {
		var got struct {
			Services []struct{ Metadata struct{ Name string } }
		}
		e.getJSON(t, "/api/v1/services?"+tt.query, &got)
		var names []string
		for _, s := range got.Services {
			names = append(names, s.Metadata.Name)
		}
		if diff := cmp.Diff(tt.want, names); diff != "" {
			t.Errorf("services?%s (-want +got):\n%s", tt.query, diff)
		}
	}
	if code, _ := e.do(t, "GET", "/api/v1/services?tier=9", "", ""); code != http.StatusBadRequest {
		t.Errorf("tier=9: status %d; want 400", code)
	}
}

func TestAPIServiceAndWho(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	var svc struct {
		Metadata   struct{ Name string }
		Spec       struct{ Owner string }
		Dependents []string
		Matrix     []struct {
			Concern, Team, Via string
			Owner              bool
		} `json:"responsibility_matrix"`
	}
	e.getJSON(t, "/api/v1/services/payments", &svc)
	if svc.Spec.Owner != "shop-checkout" {
		t.Errorf("payments owner %q", svc.Spec.Owner)
	}
	if diff := cmp.Diff([]string{"billing", "checkout"}, svc.Dependents); diff != "" {
		t.Errorf("dependents (-want +got):\n%s", diff)
	}
	found := false
	for _, m := range svc.Matrix {
		if m.Concern == "security-patching" {
			found = true
			if m.Team != "sre" || m.Via != "service" {
				t.Errorf("security-patching = %+v; want sre via service", m)
			}
		}
	}
	if !found {
		t.Error("matrix lacks security-patching")
	}
	if code, _ := e.do(t, "GET", "/api/v1/services/nope", "", ""); code != http.StatusNotFound {
		t.Errorf("unknown service: %d; want 404", code)
	}

	type who struct {
		Service string
		Concern *struct{ Team, Via string }
		Match   *struct{ Service, Rule string }
		Team    struct{ Metadata struct{ Name string } }
	}
	var w who
	e.getJSON(t, "/api/v1/who?service=checkout", &w)
	if w.Team.Metadata.Name != "shop-checkout" || w.Concern != nil {
		t.Errorf("who checkout = %+v", w)
	}
	w = who{}
	e.getJSON(t, "/api/v1/who?service=checkout&concern=database-backup", &w)
	if w.Team.Metadata.Name != "sre" || w.Concern == nil || w.Concern.Via != "organisation" {
		t.Errorf("who checkout database-backup = %+v", w)
	}
	w = who{}
	e.getJSON(t, "/api/v1/who?terraform=module.payments.aws_db_instance.main", &w)
	if w.Match == nil || w.Match.Service != "payments" || w.Match.Rule != "terraform" || w.Team.Metadata.Name != "shop-checkout" {
		t.Errorf("who terraform = %+v", w)
	}
	w = who{}
	e.getJSON(t, "/api/v1/who?account=719460283147&tag=service%3Dreporting", &w)
	if w.Match == nil || w.Match.Service != "reporting" {
		t.Errorf("who by tag = %+v", w)
	}
	for path, want := range map[string]int{
		"/api/v1/who":                            http.StatusBadRequest,
		"/api/v1/who?service=checkout&concern=x": http.StatusNotFound,
		"/api/v1/who?account=000000000000":       http.StatusNotFound,
		"/api/v1/who?tag=novalue":                http.StatusBadRequest,
		"/api/v1/nothing-here":                   http.StatusNotFound,
	} {
		if code, body := e.do(t, "GET", path, "", ""); code != want {
			t.Errorf("GET %s = %d; want %d: %s", path, code, want, body)
		}
	}
}

func TestAPITeams(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	var teams struct {
		Teams []struct {
			Metadata struct{ Name string }
			Services []string
		}
	}
	e.getJSON(t, "/api/v1/teams", &teams)
	if len(teams.Teams) != 9 {
		t.Errorf("%d teams; want 9", len(teams.Teams))
	}
	var sre struct {
		Metadata struct{ Name string }
		Spec     struct {
			Members []struct{ User string }
		}
		Services []string
	}
	e.getJSON(t, "/api/v1/teams/sre", &sre)
	if diff := cmp.Diff([]string{"api-gateway", "observability", "postgres-shared"}, sre.Services); diff != "" {
		t.Errorf("sre services (-want +got):\n%s", diff)
	}
	if len(sre.Spec.Members) != 6 {
		t.Errorf("sre has %d members; want 6", len(sre.Spec.Members))
	}
	// Webhook URLs are secrets: never in the API.
	_, body := e.do(t, "GET", "/api/v1/teams", "", "")
	if strings.Contains(body, `"webhook"`) {
		t.Error("team JSON exposes a webhook")
	}
}

// TestAuth checks that every state-changing endpoint refuses a missing or
// wrong token (401), a too-small role (403), and changes nothing then.
func TestAuth(t *testing.T) {
	forEachStore(t, "../../examples/acme", testAuth)
}

func testAuth(t *testing.T, e *env) {
	viewer, editor, admin := e.token(t, store.RoleViewer), e.token(t, store.RoleEditor), e.token(t, store.RoleAdmin)
	tokensBefore, _ := e.store.ListTokens(context.Background())

	tests := []struct {
		method, path, token, body string
		want                      int
	}{
		{"POST", "/-/reload", "", "", http.StatusUnauthorized},
		{"POST", "/-/reload", "kbn_wrong", "", http.StatusUnauthorized},
		{"POST", "/-/reload", viewer, "", http.StatusForbidden},
		{"POST", "/api/v1/tokens", "", `{"name":"x","role":"admin"}`, http.StatusUnauthorized},
		{"POST", "/api/v1/tokens", viewer, `{"name":"x","role":"admin"}`, http.StatusForbidden},
		{"POST", "/api/v1/tokens", editor, `{"name":"x","role":"admin"}`, http.StatusForbidden},
		{"GET", "/api/v1/tokens", editor, "", http.StatusForbidden},
		{"DELETE", "/api/v1/tokens/1", "", "", http.StatusUnauthorized},
		{"DELETE", "/api/v1/tokens/1", editor, "", http.StatusForbidden},
	}
	audit := e.auditCount(t)
	for _, tt := range tests {
		code, body := e.do(t, tt.method, tt.path, tt.token, tt.body)
		if code != tt.want {
			t.Errorf("%s %s with %q = %d; want %d: %s", tt.method, tt.path, tt.token, code, tt.want, body)
		}
	}
	if got := e.auditCount(t); got != audit {
		t.Errorf("audit log grew from %d to %d after refused requests", audit, got)
	}
	tokensAfter, _ := e.store.ListTokens(context.Background())
	// Authenticating a valid token records when it was last used; that
	// is bookkeeping, not a change.
	ignoreLastUsed := cmpopts.IgnoreFields(store.Token{}, "LastUsedAt")
	if diff := cmp.Diff(tokensBefore, tokensAfter, ignoreLastUsed); diff != "" {
		t.Errorf("tokens changed after refused requests (-before +after):\n%s", diff)
	}

	// Allowed: an editor reloads, an admin creates and revokes a token.
	if code, body := e.do(t, "POST", "/-/reload", editor, ""); code != http.StatusOK {
		t.Errorf("reload as editor = %d: %s", code, body)
	}
	code, body := e.do(t, "POST", "/api/v1/tokens", admin, `{"name":"ci","role":"editor"}`)
	if code != http.StatusCreated {
		t.Fatalf("create token as admin = %d: %s", code, body)
	}
	var created struct {
		Secret string
		Token  struct{ ID int64 }
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, "POST", "/-/reload", created.Secret, ""); code != http.StatusOK {
		t.Errorf("reload with the new token = %d: %s", code, body)
	}
	if code, _ := e.do(t, "POST", "/api/v1/tokens", admin, `{"name":"ci","role":"editor"}`); code != http.StatusConflict {
		t.Errorf("duplicate token name = %d; want 409", code)
	}
	for _, body := range []string{`{"name":"bad","role":"root"}`, `{"name":"","role":"viewer"}`, `{"name":" x","role":"viewer"}`, `{"nam":"x"}`, `not json`} {
		if code, resp := e.do(t, "POST", "/api/v1/tokens", admin, body); code != http.StatusBadRequest {
			t.Errorf("POST /api/v1/tokens %s = %d; want 400: %s", body, code, resp)
		}
	}
	if code, _ := e.do(t, "DELETE", "/api/v1/tokens/"+itoa(created.Token.ID), admin, ""); code != http.StatusNoContent {
		t.Errorf("revoke = %d; want 204", code)
	}
	if code, _ := e.do(t, "POST", "/-/reload", created.Secret, ""); code != http.StatusUnauthorized {
		t.Errorf("revoked token = %d; want 401", code)
	}

	// Every change is in the audit log with who did it.
	var log struct {
		Entries []struct{ Actor, Action, Target string }
	}
	e.getJSON(t, "/api/v1/audit?limit=4", &log)
	var got []string
	for _, x := range log.Entries {
		got = append(got, x.Actor+" "+x.Action+" "+x.Target)
	}
	want := []string{
		"token:test-admin token.revoke token/ci",
		"token:ci catalog.reload catalog/../../examples/acme",
		"token:test-admin token.create token/ci",
		"token:test-editor catalog.reload catalog/../../examples/acme",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBrokenTreeKeepsLastGood breaks the tree, reloads, and checks that
// the last good catalog is still served with the error on every page.
func TestBrokenTreeKeepsLastGood(t *testing.T) {
	dir := copyTree(t)
	e := newEnv(t, dir)
	editor := e.token(t, store.RoleEditor)
	path := filepath.Join(dir, "services", "shop.yaml")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "owner: shop-checkout", "owner: shop-chekout", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := e.do(t, "POST", "/-/reload", editor, "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "shop-chekout") {
		t.Fatalf("reload of a broken tree = %d: %s", code, body)
	}
	var st catalogStatus
	e.getJSON(t, "/api/v1/catalog", &st)
	if st.LastLoadOK || st.Services != 25 || len(st.LastErrors) != 1 {
		t.Errorf("status after a failed reload = ok %v, %d services, %d errors; want false, 25, 1", st.LastLoadOK, st.Services, len(st.LastErrors))
	}
	if e := st.LastErrors[0]; !strings.HasSuffix(e.File, "shop.yaml") || e.Line == 0 || e.Path != "spec.owner" {
		t.Errorf("error = %+v; want services/shop.yaml at a line, path spec.owner", e)
	}
	for _, page := range []string{"/services", "/services/checkout", "/teams", "/who", "/audit"} {
		code, body := e.do(t, "GET", page, "", "")
		if code != http.StatusOK || !strings.Contains(body, `id="catalog-error"`) || !strings.Contains(body, "shop-chekout") {
			t.Errorf("GET %s = %d; want the last good page with the error banner", page, code)
		}
	}
	// The failed attempt is audited.
	var log struct{ Entries []struct{ Action string } }
	e.getJSON(t, "/api/v1/audit?limit=1", &log)
	if len(log.Entries) != 1 || log.Entries[0].Action != "catalog.reload_failed" {
		t.Errorf("last audit entry = %+v; want catalog.reload_failed", log.Entries)
	}
	// And shown in the UI, with who did it and the state before and after.
	_, page := e.do(t, "GET", "/audit?action=catalog.reload_failed", "", "")
	for _, want := range []string{"token:test-editor", "catalog.reload_failed", "&#34;services&#34;: 25", "shop-chekout"} {
		if !strings.Contains(page, want) {
			t.Errorf("/audit lacks %q", want)
		}
	}

	// Fixed: the banner goes away.
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, "POST", "/-/reload", editor, ""); code != http.StatusOK {
		t.Fatalf("reload of the fixed tree = %d: %s", code, body)
	}
	if _, body := e.do(t, "GET", "/services", "", ""); strings.Contains(body, `id="catalog-error"`) {
		t.Error("error banner still shown after a good reload")
	}
}

// TestStartWithBrokenTree starts on a broken tree: the server runs, empty,
// and says why.
func TestStartWithBrokenTree(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: x}\nspec: {members: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dir)
	code, body := e.do(t, "GET", "/services", "", "")
	if code != http.StatusOK || !strings.Contains(body, "bad.yaml:4:") || !strings.Contains(body, "spec.members") {
		t.Errorf("GET /services = %d; want the error with its position:\n%s", code, body)
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/", 200, []string{"25 services", `href="/services/checkout"`, "Checkout &amp; Payments"}},
		{"/services?q=storefront", 200, []string{"1 of 25 services", `data-service="storefront"`}},
		{"/services?q=checkout", 200, []string{" of 25 services", `data-service="checkout"`, `data-service="payments"`}},
		{"/services?team=sre", 200, []string{`data-service="api-gateway"`, `data-service="postgres-shared"`}},
		{"/services/checkout", 200, []string{`id="owner"`, "Checkout &amp; Payments", `data-concern="database-backup"`, "Site Reliability Engineering", `href="/services/payments"`, "Used by"}},
		{"/services/payments", 200, []string{"this service", `href="/services/billing"`}},
		{"/services/rewards", 200, []string{"Backstage entity"}},
		{"/teams", 200, []string{`data-team="shop-checkout"`}},
		{"/teams/sre", 200, []string{"Sinead Reilly", `href="/services/api-gateway"`, "kubernetes-cluster", "security-patching"}},
		{"/who?service=payments&concern=security-patching", 200, []string{`id="who-answer"`, "Site Reliability Engineering", "own matrix"}},
		{"/who?terraform=module.checkout.aws_sqs_queue.orders", 200, []string{`id="resource-answer"`, "module.checkout.*"}},
		{"/audit", 200, []string{"Audit log"}},
		{"/services/nope", 404, []string{"No service named"}},
		{"/teams/nope", 404, []string{"No team named"}},
		{"/nope", 404, []string{"There is no page"}},
		{"/static/kiban.css", 200, []string{"--accent"}},
	}
	for _, tt := range tests {
		code, body := e.do(t, "GET", tt.path, "", "")
		if code != tt.code {
			t.Errorf("GET %s = %d; want %d", tt.path, code, tt.code)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tt.path, w)
			}
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	if code, body := e.do(t, "GET", "/healthz", "", ""); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	e.do(t, "GET", "/services/checkout", "", "")
	code, body := e.do(t, "GET", "/metrics", "", "")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`kiban_http_requests_total{code="200",handler="GET /services/{name}",method="GET"} 1`,
		"kiban_catalog_services 25",
		"kiban_catalog_teams 9",
		"kiban_catalog_last_load_ok 1",
		`kiban_catalog_loads_total{result="success"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestServicesPagination checks that a large catalog is listed a page at a
// time, with links that keep the filters.
func TestServicesPagination(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: t}\nspec: {}\n")
	for i := range 450 {
		fmt.Fprintf(&b, "---\napiVersion: kiban.dev/v1\nkind: Service\nmetadata: {name: svc-%03d}\nspec: {owner: t, tier: %d}\n", i, i%2+1)
	}
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dir)
	tests := []struct {
		path       string
		rows       int
		first      string
		want, none []string
	}{
		{"/services", 200, "svc-000", []string{"1–200 of 450", `href="/services?page=2"`}, []string{`rel="prev"`}},
		{"/services?page=3", 50, "svc-400", []string{"401–450 of 450", `href="/services?page=2"`}, []string{`rel="next"`}},
		{"/services?tier=1&page=2", 25, "svc-400", []string{"201–225 of 225", "tier=1"}, []string{`rel="next"`}},
		{"/services?q=svc-01", 10, "svc-010", []string{"10 of 450 services"}, []string{`class="pager"`}},
	}
	for _, tt := range tests {
		code, body := e.do(t, "GET", tt.path, "", "")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", tt.path, code)
		}
		if got := strings.Count(body, "<tr data-service="); got != tt.rows {
			t.Errorf("GET %s: %d rows; want %d", tt.path, got, tt.rows)
		}
		if i := strings.Index(body, "<tr data-service="); i < 0 || !strings.HasPrefix(body[i:], `<tr data-service="`+tt.first+`"`) {
			t.Errorf("GET %s: first row is not %s", tt.path, tt.first)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tt.path, w)
			}
		}
		for _, w := range tt.none {
			if strings.Contains(body, w) {
				t.Errorf("GET %s: body has %q", tt.path, w)
			}
		}
	}
}

// TestAPIConventions checks what every API client relies on: methods,
// tokens on open endpoints, suggestions and readable JSON.
func TestAPIConventions(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	viewer := e.token(t, store.RoleViewer)
	tests := []struct {
		method, path, token string
		code                int
		want                string
	}{
		{"POST", "/api/v1/teams", "", http.StatusMethodNotAllowed, `"POST is not allowed on /api/v1/teams; use GET"`},
		{"GET", "/-/reload", "", http.StatusMethodNotAllowed, "use POST"},
		{"PUT", "/api/v1/tokens/3", "", http.StatusMethodNotAllowed, "use DELETE"},
		{"GET", "/api/v1/teams", "kbn_not-a-token", http.StatusUnauthorized, "invalid or revoked token"},
		{"GET", "/api/v1/teams", viewer, http.StatusOK, `"Checkout & Payments"`},
		{"GET", "/api/v1/services/chekout", "", http.StatusNotFound, `unknown service \"chekout\"; did you mean \"checkout\"?`},
		{"GET", "/api/v1/who?service=paymnts", "", http.StatusNotFound, `did you mean \"payments\"?`},
		{"GET", "/services/chekout", "", http.StatusNotFound, "Did you mean checkout?"},
	}
	for _, tt := range tests {
		code, body := e.do(t, tt.method, tt.path, tt.token, "")
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s = %d %s; want %d with %s", tt.method, tt.path, code, body, tt.code, tt.want)
		}
	}
	admin := e.token(t, store.RoleAdmin)
	for body, want := range map[string]string{
		`{"name":"","role":"viewer"}`:           `"token name is required"`,
		`{"name":"x","role":"root"}`:            `unknown role`,
		`{"name":"test-admin","role":"viewer"}`: `"a token named \"test-admin\" is already active; revoke it first or choose another name"`,
	} {
		if _, resp := e.do(t, "POST", "/api/v1/tokens", admin, body); !strings.Contains(resp, want) || strings.Contains(resp, "store:") {
			t.Errorf("POST /api/v1/tokens %s = %s; want %s without internal wording", body, resp, want)
		}
	}
}

// TestEventsAndSLOs posts events for checkout's availability SLO and reads
// its status back.
func TestEventsAndSLOs(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor, viewer := e.token(t, store.RoleEditor), e.token(t, store.RoleViewer)
	now := time.Now().UTC().Truncate(time.Minute)
	body := fmt.Sprintf(`{"id": "batch-1", "events": [
		{"sli": "checkout-availability", "time": %q, "good": 990, "total": 1000},
		{"sli": "checkout/payment", "time": %q, "good": 100, "total": 100}]}`,
		now.Add(-10*time.Minute).Format(time.RFC3339), now.Add(-10*time.Minute).Format(time.RFC3339))
	for _, tt := range []struct {
		token, body string
		want        int
	}{
		{"", body, http.StatusUnauthorized},
		{viewer, body, http.StatusForbidden},
		{editor, `{"events": [{"sli": "nope", "time": "2026-11-20T10:00:00Z", "good": 1, "total": 1}]}`, http.StatusUnprocessableEntity},
		{editor, `{"events": [{"sli": "checkout-availability", "time": "2026-11-20T10:00:00Z", "good": 2, "total": 1}]}`, http.StatusUnprocessableEntity},
		{editor, `not json`, http.StatusBadRequest},
	} {
		if code, resp := e.do(t, "POST", "/api/v1/events", tt.token, tt.body); code != tt.want {
			t.Errorf("POST /api/v1/events = %d; want %d: %s", code, tt.want, resp)
		}
	}
	// Nothing was stored by the refused requests.
	var before struct{ SLOs []slostatus.Status }
	e.getJSON(t, "/api/v1/slos?service=checkout", &before)
	for _, s := range before.SLOs {
		if s.OK {
			t.Fatalf("%s has data before any accepted event", s.ID)
		}
	}
	if code, resp := e.do(t, "POST", "/api/v1/events", editor, body); code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/events = %d: %s", code, resp)
	}
	// The same delivery again is counted once.
	if code, resp := e.do(t, "POST", "/api/v1/events", editor, body); code != http.StatusOK || !strings.Contains(resp, `"duplicate": true`) {
		t.Errorf("repeated delivery = %d %s", code, resp)
	}
	var got struct {
		Status slostatus.Status
	}
	e.getJSON(t, "/api/v1/slos/checkout-availability", &got)
	// 1% errors against a 0.1% budget: -900% left.
	if !got.Status.OK || got.Status.Total != 1000 || math.Abs(got.Status.Remaining-(-9)) > 1e-9 {
		t.Errorf("status = %+v; want 1,000 events and -900%% budget left", got.Status)
	}
	var list struct{ SLOs []slostatus.Status }
	e.getJSON(t, "/api/v1/slos", &list)
	if len(list.SLOs) != 8 || list.SLOs[0].ID != "checkout-availability" {
		t.Errorf("GET /api/v1/slos: %d SLOs, first %q; want 8 with checkout-availability first", len(list.SLOs), list.SLOs[0].ID)
	}
	if code, _ := e.do(t, "GET", "/api/v1/slos/nope", "", ""); code != http.StatusNotFound {
		t.Errorf("unknown SLO = %d; want 404", code)
	}
	if code, _ := e.do(t, "GET", "/api/v1/slos?at=yesterday", "", ""); code != http.StatusBadRequest {
		t.Errorf("bad at = %d; want 400", code)
	}
}

func TestAPIIngestLogs(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	ts := time.Now().UTC().Add(-5 * time.Minute).Format("2006-01-02T15:04:05.000000Z")
	line := `https ` + ts + ` app/shop/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.001 0.020 0.001 200 200 34 366 "GET https://shop.acme.example:443/api/search?q=socks HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "shop.acme.example" "-" 0 ` + ts + ` "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"` + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(line + "not a log line\n"))
	zw.Close()
	if code, _ := e.do(t, "POST", "/api/v1/ingest/logs?format=alb", "", gz.String()); code != http.StatusUnauthorized {
		t.Errorf("no token = %d; want 401", code)
	}
	if code, body := e.do(t, "POST", "/api/v1/ingest/logs?format=w3c", editor, gz.String()); code != http.StatusBadRequest {
		t.Errorf("bad format = %d %s", code, body)
	}
	code, body := e.do(t, "POST", "/api/v1/ingest/logs?format=alb&source=shipper-1", editor, gz.String())
	if code != http.StatusAccepted || !strings.Contains(body, `"matched": 1`) || !strings.Contains(body, `"malformed": 1`) {
		t.Fatalf("ingest = %d %s", code, body)
	}
	if code, body := e.do(t, "POST", "/api/v1/ingest/logs?format=alb", editor, gz.String()); code != http.StatusOK || !strings.Contains(body, `"duplicate": true`) {
		t.Errorf("repeat = %d %s", code, body)
	}
	var got struct{ Status slostatus.Status }
	e.getJSON(t, "/api/v1/slos/search-availability", &got)
	if !got.Status.OK || got.Status.Total != 1 {
		t.Errorf("search availability after ingest = %+v", got.Status)
	}
}
