package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/server"
	"kiban.dev/kiban/internal/store"
)

// apiServer is a kiban server running in-process on examples/acme, with
// an editor token.
type apiServer struct {
	url, token string
}

// copyAcme copies examples/acme, without its generated data, so that a
// test's server reads its own tree.
func copyAcme(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := "../../examples/acme"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel == "data" || rel == "gen" || rel == "seed" {
				return filepath.SkipDir
			}
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

func newAPIServer(t *testing.T) apiServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := server.New(ctx, server.Config{ConfigDir: copyAcme(t), Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	secret, _, err := st.CreateToken(ctx, "cli-test", store.RoleEditor, "test")
	if err != nil {
		t.Fatal(err)
	}
	// The environment must not pick another server or token.
	t.Setenv(envURL, "")
	t.Setenv(envToken, "")
	return apiServer{url: ts.URL, token: secret}
}

// runIn runs kiban with stdin.
func runIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// call runs kiban against the server with its token.
func (a apiServer) call(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, "", append(args, "--server", a.url, "--token", a.token)...)
}

// anon runs kiban against the server without a token.
func (a apiServer) anon(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, "", append(args, "--server", a.url)...)
}

// check runs a command and checks its exit code and that its output (or
// error output, for a failure) contains every want.
func (a apiServer) check(t *testing.T, args []string, wantCode int, want ...string) string {
	t.Helper()
	code, out, errOut := a.call(t, args...)
	got := out
	if wantCode != 0 {
		got = errOut
	}
	if code != wantCode {
		t.Errorf("%v = %d; want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, out, errOut)
		return out
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%v: output lacks %q:\n%s", args, w, got)
		}
	}
	if strings.Contains(out+errOut, a.token) {
		t.Errorf("%v printed the token", args)
	}
	return out
}

func TestIncidentCommands(t *testing.T) {
	a := newAPIServer(t)

	// Open, with bad input first: nothing of it may reach the store.
	a.check(t, []string{"incident", "open", "--title", "x", "--severity", "SEV9", "--service", "checkout"}, 1,
		`kiban: severity "SEV9" is not SEV1, SEV2, SEV3 or SEV4 (HTTP 400)`)
	a.check(t, []string{"incident", "open", "--title", "x", "--severity", "SEV2", "--service", "chekout"}, 1,
		`service "chekout" is not in the catalog (HTTP 400)`)
	a.check(t, []string{"incident", "open", "--title", "x", "--severity", "SEV2", "--service", "checkout", "--started-at", "yesterday"}, 1,
		`--started-at "yesterday": expected an RFC 3339 time`)
	a.check(t, []string{"incident", "open", "--title", "x", "--severity", "SEV2"}, 1, `required flag(s) "service" not set`)
	if code, _, errOut := a.anon(t, "incident", "open", "--title", "x", "--severity", "SEV2", "--service", "checkout"); code != 1 ||
		!strings.Contains(errOut, "needs an API token: pass --token or set KIBAN_TOKEN") {
		t.Errorf("open without a token = %d %q", code, errOut)
	}
	if code, _, errOut := runIn(t, "", "incident", "open", "--title", "x", "--severity", "SEV2", "--service", "checkout",
		"--server", a.url, "--token", "kbn_not-a-token"); code != 1 || !strings.Contains(errOut, "invalid or revoked token (HTTP 401)") ||
		strings.Contains(errOut, "kbn_not-a-token") {
		t.Errorf("open with a wrong token = %d %q", code, errOut)
	}
	a.check(t, []string{"incident", "list"}, 0, "no incidents")

	a.check(t, []string{"incident", "open", "--title", "Checkout payments failing", "--severity", "SEV2", "--service", "checkout",
		"--service", "payments", "--commander", "nschmidt", "--slo", "checkout-journey", "--started-at", "-2h", "--opened-at", "-110m"}, 0,
		"INC-1 opened: "+a.url+"/incidents/1\n")

	// The lifecycle, backdated.
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"incident", "update", "INC-1", "--status", "identified", "--scribe", "bwilliams", "--note", "PSP reports a degraded API", "--at", "-90m"}, 0,
			[]string{"INC-1 updated: SEV2, identified, Checkout payments failing: " + a.url + "/incidents/1"}},
		{[]string{"incident", "note", "1", "--at", "-80m", "Retries", "disabled", "with", "the", "flag"}, 0, []string{"note added to INC-1"}},
		{[]string{"incident", "update", "1", "--status", "monitoring", "--communications", "lrossi", "--at", "-20m"}, 0, []string{"monitoring"}},
		{[]string{"incident", "update", "1"}, 1, []string{"nothing to change"}},
		{[]string{"incident", "update", "1", "--severity", "SEV7"}, 1, []string{`severity "SEV7" is not SEV1`, "(HTTP 400)"}},
		{[]string{"incident", "update", "1", "--status", "done"}, 1, []string{`status "done" is not one of investigating`}},
		{[]string{"incident", "update", "1", "--at", "-3h", "--note", "too early"}, 1, []string{"is before the incident opened (", "(HTTP 400)"}},
		{[]string{"incident", "resolve", "1", "--at", "-10m", "--note", "Payments normal for 10 minutes"}, 0, []string{"INC-1 updated: SEV2, resolved"}},
		{[]string{"incident", "note", "7", "hello"}, 1, []string{"kiban: incident not found (HTTP 404)"}},
		{[]string{"incident", "show", "x7"}, 1, []string{`"x7" is not an incident number (N or INC-N)`}},
	} {
		a.check(t, c.args, c.code, c.want...)
	}

	out := a.check(t, []string{"incident", "list"}, 0, "ID     SEV   STATUS", "INC-1  SEV2  resolved", "1h 50m", "shop-checkout", "checkout,payments")
	if strings.Count(out, "\n") != 2 {
		t.Errorf("list has %d lines; want a header and one incident:\n%s", strings.Count(out, "\n"), out)
	}
	a.check(t, []string{"incident", "list", "--status", "open"}, 0, "no incidents")
	a.check(t, []string{"incident", "list", "--status", "sleeping"}, 1, "status must be open or one of investigating")
	var list struct{ Incidents []store.Incident }
	out = a.check(t, []string{"incident", "list", "--team", "shop-checkout", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Incidents) != 1 || list.Incidents[0].Status != store.IncidentResolved {
		t.Errorf("list -o json = %v %+v\n%s", err, list, out)
	}
	a.check(t, []string{"incident", "list", "-o", "yaml"}, 1, `-o "yaml": expected table or json`)

	// Action items.
	today := time.Now().UTC()
	past, future := today.AddDate(0, 0, -3).Format(time.DateOnly), today.AddDate(0, 0, 10).Format(time.DateOnly)
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"incident", "action", "add", "1", "--title", "Alert on PSP latency", "--owner", "achen", "--type", "prevent", "--due", future,
			"--tracker", "https://tracker.acme.example/CHK-1"}, 0, []string{"action item 1 added to INC-1: Alert on PSP latency (achen, prevent, team shop-checkout)"}},
		{[]string{"incident", "action", "add", "INC-1", "--title", "Runbook: PSP failover", "--owner", "identity", "--type", "process", "--due", past,
			"--created-at", "-5m"}, 0, []string{"action item 2 added", "team identity"}},
		{[]string{"incident", "action", "add", "1", "--title", "x", "--owner", "achen", "--type", "fix"}, 1,
			[]string{`type "fix" is not mitigate, prevent or process (HTTP 400)`}},
		{[]string{"incident", "action", "add", "1", "--title", "x", "--owner", "achen", "--type", "prevent", "--due", "soon"}, 1,
			[]string{`due "soon" is not a date (YYYY-MM-DD)`}},
		{[]string{"incident", "action", "list", "--overdue"}, 0, []string{"Runbook: PSP failover", past + " (overdue)"}},
		{[]string{"incident", "action", "list", "--team", "shop-checkout"}, 0, []string{"Alert on PSP latency"}},
		{[]string{"incident", "action", "list", "--owner", "nobody"}, 0, []string{"no action items"}},
		{[]string{"incident", "action", "update", "1", "--status", "done"}, 0, []string{"action item 1 of INC-1: Alert on PSP latency, done, due " + future}},
		{[]string{"incident", "action", "update", "2", "--owner", "pnair", "--due", future}, 0, []string{"owner pnair"}},
		{[]string{"incident", "action", "update", "2"}, 1, []string{"nothing to change"}},
		{[]string{"incident", "action", "update", "99", "--status", "done"}, 1, []string{"action item not found (HTTP 404)"}},
		{[]string{"incident", "action", "update", "2", "--status", "finished"}, 1, []string{`status "finished" is not open, in_progress, done or wontfix`}},
	} {
		a.check(t, c.args, c.code, c.want...)
	}
	a.check(t, []string{"incident", "action", "list", "--overdue"}, 0, "no action items")
	var items struct {
		ActionItems []store.ActionItem `json:"action_items"`
	}
	out = a.check(t, []string{"incident", "action", "list", "--incident", "INC-1", "--open", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items.ActionItems) != 1 || items.ActionItems[0].Owner != "pnair" ||
		items.ActionItems[0].Team != "sre" {
		t.Errorf("action list -o json = %v %+v", err, items)
	}

	// Show, as a table and as the API's JSON.
	a.check(t, []string{"incident", "show", "1"}, 0,
		"INC-1  Checkout payments failing", "commander       nschmidt", "scribe          bwilliams", "communications  lrossi",
		"TTM           1h 40m", "TTR           1h 50m", "checkout-journey", "no data", "PSP reports a degraded API", "Retries disabled with the flag",
		"Alert on PSP latency", "Postmortem: none yet (kiban postmortem start 1)")
	var d incident.Detail
	out = a.check(t, []string{"incident", "show", "INC-1", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Incident.ID != 1 || d.URL != "/incidents/1" || len(d.ActionItems) != 2 ||
		len(d.SLOs) != 1 || d.Incident.Communications != "lrossi" || d.Incident.MonitoringAt == nil {
		t.Errorf("show -o json = %v %+v", err, d)
	}
	a.check(t, []string{"incident", "show", "9"}, 1, "kiban: incident not found (HTTP 404)")

	// Metrics.
	a.check(t, []string{"incident", "metrics"}, 0, "MONTH", "TEAM", "TTR MED/P90", "shop-checkout", "1h 40m/1h 40m", "1h 50m/1h 50m", "total")
	a.check(t, []string{"incident", "metrics", "--by", "service"}, 0, "SERVICE", "payments", "checkout")
	a.check(t, []string{"incident", "metrics", "--by", "owner"}, 1, `by "owner" is not team or service (HTTP 400)`)
	a.check(t, []string{"incident", "metrics", "--from", "2026"}, 1, "from must be a month, YYYY-MM (HTTP 400)")
	var m incident.Metrics
	out = a.check(t, []string{"incident", "metrics", "--team", "shop-checkout", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Total.Incidents != 1 || m.Total.ActionItems.Total != 2 ||
		m.Total.ActionItems.ClosedOnTime != 1 || m.Total.TTR.Median == nil || math.Abs(*m.Total.TTR.Median-110*60) > 60 {
		t.Errorf("metrics -o json = %v %+v", err, m.Total)
	}
}

func TestPostmortemCommands(t *testing.T) {
	a := newAPIServer(t)
	a.check(t, []string{"incident", "open", "--title", "Search slow", "--severity", "SEV3", "--service", "search", "--started-at", "-3h"}, 0, "INC-1 opened")

	a.check(t, []string{"postmortem", "show", "1"}, 1, "postmortem not found (HTTP 404); start one with kiban postmortem start 1")
	if code, _, errOut := a.anon(t, "postmortem", "start", "1"); code != 1 || !strings.Contains(errOut, "needs an API token") {
		t.Errorf("start without a token = %d %q", code, errOut)
	}
	a.check(t, []string{"postmortem", "start", "1"}, 0, "postmortem of INC-1 started as a draft: "+a.url+"/incidents/1/postmortem")
	a.check(t, []string{"postmortem", "start", "INC-1"}, 0, "INC-1 already has a postmortem (draft, version 1)")
	a.check(t, []string{"postmortem", "start", "5"}, 1, "incident not found (HTTP 404)")

	draft := a.check(t, []string{"postmortem", "show", "1"}, 0, "# Postmortem: Search slow\n", "## Root causes")
	const prompt = "_What conditions made this possible? Describe systems and processes, not people._"
	if !strings.Contains(draft, prompt) {
		t.Fatalf("the draft lacks the root causes prompt:\n%s", draft)
	}
	file := filepath.Join(t.TempDir(), "INC-1.md")
	edited := strings.Replace(draft, prompt, "Snapshot pruning stopped after a node pool migration; the disks reached the flood-stage watermark.", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	a.check(t, []string{"postmortem", "edit", "1", "--file", file, "--cause", "capacity", "--tag", "disk", "--tag", "Search"}, 0,
		"saved the postmortem of INC-1: version 2, draft, cause capacity, tags disk,search")
	// A save over the version the text started from, now stale: 409.
	a.check(t, []string{"postmortem", "edit", "1", "--file", file, "--version", "1"}, 1,
		"the postmortem changed since you opened it; reload it and apply your edit again (HTTP 409)", "your text was not saved")
	a.check(t, []string{"postmortem", "edit", "1", "--file", file, "--cause", "gremlins"}, 1, `cause category "gremlins" is not one of`)
	a.check(t, []string{"postmortem", "edit", "1", "--file", filepath.Join(t.TempDir(), "missing.md")}, 1, "no such file")
	if code, _, errOut := a.anon(t, "postmortem", "edit", "1", "--file", file); code != 1 || !strings.Contains(errOut, "needs an API token") {
		t.Errorf("edit without a token = %d %q", code, errOut)
	}
	// From standard input; cause and tags stay.
	if code, out, errOut := runIn(t, edited+"\nAn afterthought.\n", "postmortem", "edit", "1", "--file", "-", "--server", a.url, "--token", a.token); code != 0 ||
		!strings.Contains(out, "version 3, draft, cause capacity, tags disk,search") {
		t.Errorf("edit --file - = %d %q %q", code, out, errOut)
	}
	var p store.Postmortem
	out := a.check(t, []string{"postmortem", "show", "1", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Version != 3 || !strings.HasSuffix(p.Body, "An afterthought.\n") || p.CauseCategory != "capacity" {
		t.Errorf("show -o json = %v %+v", err, p)
	}

	a.check(t, []string{"postmortem", "publish", "1"}, 1, "a draft postmortem cannot become published (allowed: in_review) (HTTP 400)")
	a.check(t, []string{"postmortem", "submit", "1"}, 0, "postmortem of INC-1 is in review: "+a.url+"/incidents/1/postmortem")
	a.check(t, []string{"postmortem", "publish", "1"}, 1, "incident 1 is investigating; resolve it before publishing its postmortem (HTTP 400)")
	a.check(t, []string{"incident", "resolve", "1"}, 0, "resolved")
	a.check(t, []string{"postmortem", "publish", "1"}, 0, "postmortem of INC-1 is published")

	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"postmortem", "search", "watermark"}, []string{"INC-1", "published", "capacity", "disk,search", "Search slow"}},
		{[]string{"postmortem", "search", "--tag", "disk", "--service", "search", "--team", "shop-discovery"}, []string{"INC-1"}},
		{[]string{"postmortem", "search", "--cause", "capacity", "--status", "published"}, []string{"INC-1"}},
		{[]string{"postmortem", "search", "certificate"}, []string{"no postmortems found"}},
		{[]string{"postmortem", "search", "--cause", "expiry"}, []string{"no postmortems found"}},
	} {
		a.check(t, c.args, 0, c.want...)
	}
	var hits struct{ Postmortems []incident.LibraryHit }
	out = a.check(t, []string{"postmortem", "search", "snapshot", "pruning", "-o", "json"}, 0)
	if err := json.Unmarshal([]byte(out), &hits); err != nil || len(hits.Postmortems) != 1 || hits.Postmortems[0].Incident.ID != 1 ||
		hits.Postmortems[0].Status != store.PostmortemPublished || !strings.Contains(hits.Postmortems[0].Snippet, "«pruning»") {
		t.Errorf("search -o json = %v %+v", err, hits)
	}

	md := a.check(t, []string{"postmortem", "export", "1"}, 0, "---\nincident_id: 1\n", `status: "published"`, "# Postmortem: Search slow")
	if !strings.HasPrefix(md, "---\n") {
		t.Errorf("export does not start with front matter:\n%s", md)
	}
	exported := filepath.Join(t.TempDir(), "pm.md")
	code, _, errOut := a.call(t, "postmortem", "export", "INC-1", "-o", exported)
	if b, err := os.ReadFile(exported); code != 0 || err != nil || string(b) != md || !strings.Contains(errOut, "wrote the postmortem of INC-1 to "+exported) {
		t.Errorf("export -o FILE = %d %q %v", code, errOut, err)
	}
	a.check(t, []string{"postmortem", "export", "2"}, 1, "not found (HTTP 404)")
}

// TestRemoteErrors checks what the API commands say when the server or
// the token is wrong, and that --help never shows a token.
func TestRemoteErrors(t *testing.T) {
	t.Setenv(envToken, "")
	t.Setenv(envURL, "")
	code, _, errOut := run(t, "incident", "list", "--server", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "kiban: cannot reach the kiban server at http://127.0.0.1:1") || !strings.Contains(errOut, "kiban serve") {
		t.Errorf("unreachable server = %d %q", code, errOut)
	}
	code, _, errOut = run(t, "postmortem", "search", "--server", "localhost:8080")
	if code != 1 || !strings.Contains(errOut, `--server: server URL "localhost:8080": expected http://HOST:PORT`) {
		t.Errorf("server without a scheme = %d %q", code, errOut)
	}

	a := newAPIServer(t)
	t.Setenv(envURL, a.url)
	t.Setenv(envToken, a.token)
	// The environment gives the server and the token.
	if code, out, errOut := run(t, "incident", "open", "--title", "From the environment", "--severity", "4", "--service", "search"); code != 0 ||
		!strings.HasPrefix(out, "INC-1 opened: "+a.url) {
		t.Errorf("open with KIBAN_URL and KIBAN_TOKEN = %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"incident", "open", "--help"}, {"postmortem", "edit", "--help"}, {"incident", "action", "add", "--help"}} {
		code, out, _ := run(t, args...)
		if code != 0 || strings.Contains(out, a.token) || !strings.Contains(out, "--token") || !strings.Contains(out, "Examples:") {
			t.Errorf("%v = %d; it must show --token and examples, never the token itself:\n%s", args, code, out)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 5, 14, 15, 30, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"-2h":                       "2026-05-14T13:30:00Z",
		"-90m":                      "2026-05-14T14:00:00Z",
		"-3d":                       "2026-05-11T15:30:00Z",
		"-1w":                       "2026-05-07T15:30:00Z",
		"-1d12h":                    "2026-05-13T03:30:00Z",
		"-45s":                      "2026-05-14T15:29:15Z",
		"now":                       "2026-05-14T15:30:00Z",
		"2026-05-12T19:10:00Z":      "2026-05-12T19:10:00Z",
		"2026-05-12T21:10:00+02:00": "2026-05-12T19:10:00Z",
	} {
		got, err := parseWhen("at", in, now)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("parseWhen(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"2h", "-", "-2", "-h", "-2x", "yesterday", "2026-05-12", "-1234567h"} {
		if _, err := parseWhen("at", bad, now); err == nil || !strings.Contains(err.Error(), "--at") {
			t.Errorf("parseWhen(%q) = %v; want an error naming --at", bad, err)
		}
	}
	if got, err := parseWhen("at", "", now); got != nil || err != nil {
		t.Errorf("parseWhen(\"\") = %v, %v; want nil", got, err)
	}
}
