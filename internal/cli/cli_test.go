package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
	"kiban.dev/kiban/internal/testenv"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLint(t *testing.T) {
	code, out, _ := run(t, "lint", "../../examples/acme")
	if code != 0 || out != "ok: 9 teams, 25 services, 12 concerns, 8 SLOs, 1 journey in 15 files (0 warnings)\n" {
		t.Errorf("lint examples/acme = %d %q", code, out)
	}

	dir := t.TempDir()
	bad := "apiVersion: kiban.dev/v1\nkind: Service\nmetadata:\n  name: checkout\nspec:\n  owner: nobody\n  tier: 1\n"
	if err := os.WriteFile(filepath.Join(dir, "svc.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "lint", dir)
	want := filepath.Join(dir, "svc.yaml") + ":6:10: error: spec.owner: owner \"nobody\" is not a team defined in the tree\n1 error, 0 warnings\n"
	if code != 1 || out != want {
		t.Errorf("lint broken = %d\n%q\nwant 1\n%q", code, out, want)
	}

	code, out, _ = run(t, "lint", "-o", "github", dir)
	if code != 1 || !strings.HasPrefix(out, "::error file="+filepath.Join(dir, "svc.yaml")+",line=6,col=10,title=kiban lint::spec.owner: owner") {
		t.Errorf("lint -o github = %d %q", code, out)
	}

	code, out, _ = run(t, "lint", "-o", "json", dir)
	var rep lintReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("lint -o json: %v\n%s", err, out)
	}
	if code != 1 || rep.OK || rep.Errors != 1 || len(rep.Diagnostics) != 1 || rep.Diagnostics[0].Line != 6 || rep.Diagnostics[0].Severity != "error" {
		t.Errorf("lint -o json = %d %+v", code, rep)
	}

	empty := t.TempDir()
	if code, _, errOut := run(t, "lint", empty); code != 1 || !strings.Contains(errOut, "no .yaml or .yml file under "+empty) {
		t.Errorf("lint of an empty directory = %d %q; want exit 1: a mistyped path must not pass", code, errOut)
	}
	if code, _, errOut := run(t, "lint", filepath.Join(dir, "missing")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("lint of a missing directory = %d %q", code, errOut)
	}
}

func TestWho(t *testing.T) {
	code, out, _ := run(t, "who", "checkout", "--config", "../../examples/acme")
	if code != 0 || !strings.Contains(out, "owner:     shop-checkout — Checkout & Payments") || !strings.Contains(out, "#team-checkout") || !strings.Contains(out, "Nina Schmidt") {
		t.Errorf("who checkout = %d\n%s", code, out)
	}

	code, out, _ = run(t, "who", "payments", "security-patching", "--config", "../../examples/acme", "-o", "json")
	var got whoServiceJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("who -o json: %v\n%s", err, out)
	}
	if code != 0 || got.Owner.Name != "shop-checkout" || got.Team.Name != "sre" || got.Concern == nil || got.Concern.Via != "service" {
		t.Errorf("who payments security-patching = %d %+v", code, got)
	}

	code, out, _ = run(t, "who", "--terraform", "module.identity.module.login.aws_lb.main", "--config", "../../examples/acme")
	if code != 0 || !strings.Contains(out, "service:     login") || !strings.Contains(out, "identity") {
		t.Errorf("who --terraform = %d\n%s", code, out)
	}

	if code, _, errOut := run(t, "who", "chekout", "--config", "../../examples/acme"); code != 1 || !strings.Contains(errOut, `unknown service "chekout"; did you mean "checkout"?`) {
		t.Errorf("who chekout = %d %q; want a did-you-mean", code, errOut)
	}
	for _, args := range [][]string{
		{"who", "nope", "--config", "../../examples/acme"},
		{"who", "checkout", "nope", "--config", "../../examples/acme"},
		{"who", "--config", "../../examples/acme"},
		{"who", "--account", "000000000000", "--config", "../../examples/acme"},
	} {
		if code, _, errOut := run(t, args...); code != 1 || errOut == "" {
			t.Errorf("%v = %d %q; want exit 1 with a message", args, code, errOut)
		}
	}
}

func TestTokenCreate(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "kiban.db")
	code, out, errOut := run(t, "token", "create", "--db", db, "--name", "ci", "--role", "editor")
	if code != 0 {
		t.Fatalf("token create = %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "kbn_") || strings.Contains(secret, " ") {
		t.Fatalf("last line %q is not the token alone", secret)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.Authenticate(context.Background(), secret)
	if err != nil || tok.Name != "ci" || tok.Role != store.RoleEditor {
		t.Errorf("Authenticate(printed token) = %+v, %v", tok, err)
	}

	if code, _, errOut := run(t, "token", "create", "--db", db, "--name", "x", "--role", "root"); code != 1 || !strings.Contains(errOut, "role") {
		t.Errorf("bad role = %d %q", code, errOut)
	}
	code, out, _ = run(t, "token", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "ci") || strings.Contains(out, secret) {
		t.Errorf("token list = %d\n%s", code, out)
	}
	if code, _, _ := run(t, "token", "revoke", "1", "--db", db); code != 0 {
		t.Errorf("token revoke = %d", code)
	}
	if _, err := st.Authenticate(context.Background(), secret); err == nil {
		t.Error("revoked token still authenticates")
	}
}

func TestImportBackstage(t *testing.T) {
	files, _ := filepath.Glob("../catalog/testdata/backstage/*.yaml")
	files = append(files, "../catalog/testdata/backstage-org/groups.yaml")
	code, out, errOut := run(t, append([]string{"import", "backstage"}, files...)...)
	if code != 0 {
		t.Fatalf("import = %d: %s", code, errOut)
	}
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "out.yaml", Data: []byte(out)}})
	if err != nil {
		t.Fatalf("imported documents do not load: %v", err)
	}
	if len(c.Teams) != 3 || len(c.Services) != 4 {
		t.Errorf("imported %d teams and %d services; want 3 and 4", len(c.Teams), len(c.Services))
	}
	// The example's Backstage file names a kiban Team in a User's memberOf:
	// given together, the import resolves it and says what to add.
	code, out, errOut = run(t, "import", "backstage", "../../examples/acme/backstage/catalog-info.yaml", "../../examples/acme/teams.yaml")
	if code != 0 || !strings.Contains(errOut, `warning: spec.memberOf[1]: aivanova is a member of team "membership", which is a kiban document`) {
		t.Errorf("import of the example = %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "name: sre") || !strings.Contains(out, "name: rewards") {
		t.Errorf("import printed kiban teams or lost the components:\n%s", out)
	}
	if code, _, errOut := run(t, "import", "backstage", "nope.yaml"); code != 1 || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("import of a missing file = %d %q", code, errOut)
	}
}

// TestHelpHasExamples checks that every command a user runs has --help
// with an example.
func TestHelpHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" {
			t.Errorf("%q has no example in --help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
	}
	walk(newRoot())
	code, out, _ := run(t, "lint", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") {
		t.Errorf("lint --help = %d\n%s", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeReloadsOnSIGHUP runs kiban serve in-process, changes the tree,
// sends SIGHUP and sees the new catalog served.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	team := func(name string) string {
		return "apiVersion: kiban.dev/v1\nkind: Team\nmetadata:\n  name: " + name + "\nspec: {}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "teams.yaml"), []byte(team("sre")), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--config", dir, "--db", "sqlite:" + filepath.Join(t.TempDir(), "k.db"), "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb)
	}()
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if line := out.String(); strings.Contains(line, "http://") {
			base = strings.TrimSuffix(strings.TrimSpace(line[strings.Index(line, "http://"):]), "/services")
			break
		}
	}
	if base == "" {
		t.Fatalf("serve printed no URL; stderr:\n%s", errb.String())
	}
	teams := func() int {
		resp, err := http.Get(base + "/api/v1/catalog")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct{ Teams int }
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st.Teams
	}
	if n := teams(); n != 1 {
		t.Fatalf("%d teams before reload; want 1", n)
	}
	if err := os.WriteFile(filepath.Join(dir, "more.yaml"), []byte(team("dba")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	n := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && n != 2; time.Sleep(20 * time.Millisecond) {
		n = teams()
	}
	if n != 2 {
		t.Errorf("%d teams after SIGHUP; want 2", n)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d; stderr:\n%s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestSLORules(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rules.yaml")
	code, _, errOut := run(t, "slo", "rules", "../../examples/acme", "-o", out)
	if code != 0 || !strings.Contains(errOut, "wrote rules for 8 SLOs") {
		t.Fatalf("slo rules examples/acme = %d %q", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rules := string(b)
	// The Sloth file of the example gets the owning team from the catalog.
	for _, want := range []string{"alert: MembershipAPIHighErrorRate", "team: membership", "team: shop-checkout", "runbook_url: https://runbooks.acme.example/identity/login-failures"} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	if promtool := testenv.Promtool(t); promtool != "" {
		if out, err := exec.Command(promtool, "check", "rules", out).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
	}
	code, rulesOut, _ := run(t, "slo", "rules", "../../examples/acme", "--format", "prometheusrule")
	if code != 0 || !strings.Contains(rulesOut, "kind: PrometheusRule") || !strings.Contains(rulesOut, "name: checkout-slos") {
		t.Errorf("--format prometheusrule = %d", code)
	}
	if code, _, errOut := run(t, "slo", "rules", "../../examples/acme", "--default-period", "5m"); code != 1 || !strings.Contains(errOut, "--default-period") {
		t.Errorf("bad --default-period = %d %q", code, errOut)
	}
}

// TestGateAndStatus stores an exhausted budget for checkout's availability
// SLO in examples/acme and checks that the gate blocks and says why.
func TestGateAndStatus(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	// 2% errors for an hour: 20x a 99.9% budget, exhausting it over the
	// window's only hour of data.
	var buckets []store.Bucket
	for m := at.Add(-time.Hour); m.Before(at); m = m.Add(time.Minute) {
		buckets = append(buckets, store.Bucket{Key: "checkout-availability", Minute: m, Good: 980, Total: 1000})
	}
	if err := st.AddBuckets(context.Background(), store.Ingest{Source: "test"}, buckets); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := run(t, "gate", "checkout", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339))
	if code != 1 || !strings.HasPrefix(out, "blocked: checkout-availability has none") || strings.Count(out, "\n") != 1 {
		t.Errorf("gate checkout = %d %q %q; want exit 1 and one line saying why", code, out, errOut)
	}
	code, out, _ = run(t, "gate", "checkout", "--change", "fix", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339))
	if code != 0 || !strings.HasPrefix(out, "allowed: a fix may ship") {
		t.Errorf("gate --change fix = %d %q", code, out)
	}
	code, out, _ = run(t, "gate", "search", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339))
	if code != 0 || !strings.HasPrefix(out, "allowed:") {
		t.Errorf("gate search = %d %q", code, out)
	}
	if code, _, _ := run(t, "gate", "nope", "--config", "../../examples/acme", "--db", db); code != 2 {
		t.Errorf("gate of an unknown service = %d; want 2", code)
	}

	code, out, _ = run(t, "slo", "status", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339), "-o", "json")
	var resp struct {
		SLOs []struct {
			ID        string
			OK        bool
			Remaining float64
		}
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || code != 0 {
		t.Fatalf("slo status -o json = %d %v\n%s", code, err, out)
	}
	if len(resp.SLOs) != 8 || resp.SLOs[0].ID != "checkout-availability" || !resp.SLOs[0].OK || resp.SLOs[0].Remaining >= 0 {
		t.Errorf("slo status: first %+v of %d; want checkout-availability first (worst), exhausted", resp.SLOs[0], len(resp.SLOs))
	}
	code, out, _ = run(t, "slo", "status", "--service", "checkout", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339))
	if code != 0 || !strings.Contains(out, "checkout-availability") || !strings.Contains(out, "page-quick") || strings.Contains(out, "search-") {
		t.Errorf("slo status --service checkout = %d\n%s", code, out)
	}
}

// TestIngestLogs ingests a gzipped ALB log for examples/acme's checkout
// journey, twice, and reads the journey's status.
func TestIngestLogs(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	line := func(t0 time.Time, method, path string, status int) string {
		return fmt.Sprintf(`https %s app/shop/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.001 0.020 0.001 %d %d 34 366 "%s https://shop.acme.example:443%s HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "shop.acme.example" "-" 0 %s "forward" "-" "-" "10.0.0.1:80" "%d" "-" "-"`,
			t0.Format("2006-01-02T15:04:05.000000Z"), status, status, method, path, t0.Format("2006-01-02T15:04:05.000000Z"), status)
	}
	var b strings.Builder
	for i := range 100 {
		ts := at.Add(-30*time.Minute + time.Duration(i)*time.Second)
		status := 201
		if i%10 == 0 {
			status = 502 // 10% of payments fail
		}
		fmt.Fprintln(&b, line(ts, "POST", "/api/payments", status))
		fmt.Fprintln(&b, line(ts, "POST", "/api/cart/items", 200))
		fmt.Fprintln(&b, line(ts, "GET", "/orders/A-"+fmt.Sprint(i)+"/confirmation", 200))
	}
	b.WriteString("garbage\n")
	path := filepath.Join(dir, "alb.log.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(b.String()))
	zw.Close()
	f.Close()

	args := []string{"ingest", "logs", "--format", "alb", "--config", "../../examples/acme", "--db", db, path}
	code, out, errOut := run(t, args...)
	if code != 0 || !strings.Contains(out, "301 lines, 300 requests, 300 counted for SLIs") || !strings.Contains(out, "1 malformed lines skipped (lines 301)") {
		t.Fatalf("ingest logs = %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, args...)
	if code != 0 || !strings.Contains(out, "already ingested") {
		t.Errorf("second ingest = %d %q; want already ingested", code, out)
	}
	code, out, _ = run(t, "slo", "status", "--service", "checkout", "-o", "json", "--config", "../../examples/acme", "--db", db, "--at", at.Format(time.RFC3339))
	var resp struct {
		SLOs []slostatusJSON
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || code != 0 {
		t.Fatalf("slo status = %d %v", code, err)
	}
	var journey *slostatusJSON
	for i := range resp.SLOs {
		if resp.SLOs[i].ID == "checkout-journey" {
			journey = &resp.SLOs[i]
		}
	}
	// Payment fails 10% with weight 3 of 5: the journey's error ratio is 6%.
	if journey == nil || !journey.OK || math.Abs(journey.SLI-0.94) > 1e-9 || len(journey.Steps) != 3 || journey.Steps[1].Total != 100 {
		t.Errorf("checkout-journey = %+v; want SLI 0.94 from 3 steps", journey)
	}
	if code, _, errOut := run(t, "ingest", "logs", "--format", "w3c", "--config", "../../examples/acme", "--db", db, path); code != 1 || !strings.Contains(errOut, "w3c") {
		t.Errorf("unknown format = %d %q", code, errOut)
	}
}

type slostatusJSON struct {
	ID    string
	OK    bool
	SLI   float64
	Steps []struct {
		Name  string
		Total float64
	}
}
