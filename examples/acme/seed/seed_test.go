package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/apiclient"
	"kiban.dev/kiban/internal/postmortem"
	"kiban.dev/kiban/internal/server"
	"kiban.dev/kiban/internal/store"
)

// testNow is the seed's now in the tests; the server and the store read
// the same clock, so that overdue and on-time items are as the seed says.
const testNow = "2026-05-14T15:30:00Z"

// newServer runs a kiban server in-process on examples/acme, with its
// clock stopped at now, and returns its URL and an editor token.
func newServer(t *testing.T, now time.Time) (string, string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetClock(func() time.Time { return now })
	srv, err := server.New(ctx, server.Config{ConfigDir: "..", Store: st, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	secret, _, err := st.CreateToken(ctx, "seed", store.RoleEditor, "test")
	if err != nil {
		t.Fatal(err)
	}
	return ts.URL, secret
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	now, _ := time.Parse(time.RFC3339, testNow)
	base, token := newServer(t, now)
	var out bytes.Buffer
	if err := run(ctx, &out, base, token, now); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	t.Log(out.String())

	c, err := apiclient.New(base, "")
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Incidents(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("%d incidents; want 4", len(list))
	}
	for _, in := range list {
		if in.Status != store.IncidentClosed || in.Commander == "" || in.Scribe == "" || in.Communications == "" || len(in.SLOs) == 0 {
			t.Errorf("INC-%d %q: status %s, roles %q %q %q, SLOs %v; want closed with every role and linked SLOs", in.ID, in.Title,
				in.Status, in.Commander, in.Scribe, in.Communications, in.SLOs)
		}
		if age := now.Sub(in.StartedAt); age < 24*time.Hour || age > 11*7*24*time.Hour {
			t.Errorf("INC-%d started %s before now; want within the last ten weeks", in.ID, age)
		}
		if !(in.StartedAt.Before(in.OpenedAt) && in.IdentifiedAt.Before(*in.MonitoringAt) && in.MonitoringAt.Before(*in.ResolvedAt) &&
			in.ResolvedAt.Before(*in.ClosedAt) && !in.ClosedAt.After(now)) {
			t.Errorf("INC-%d: times out of order: %+v", in.ID, in)
		}
		p, err := c.Postmortem(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != store.PostmortemPublished || p.CauseCategory == "" || len(p.Tags) == 0 {
			t.Errorf("INC-%d postmortem: %s, cause %q, tags %v; want published with a cause and tags", in.ID, p.Status, p.CauseCategory, p.Tags)
		}
		if m := postmortem.Missing(p.Body); len(m) > 0 {
			t.Errorf("INC-%d postmortem lacks %v", in.ID, m)
		}
		for _, line := range strings.Split(p.Body, "\n")[1:] {
			if isPrompt(line) && !strings.HasPrefix(line, "_This postmortem is blameless") {
				t.Errorf("INC-%d postmortem still has a prompt: %s", in.ID, line)
			}
		}
		if strings.Contains(p.Body, "No alert is attached") {
			t.Errorf("INC-%d postmortem kept the prefilled detection text", in.ID)
		}
		d, err := c.Incident(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes int
		for _, e := range d.Timeline {
			if e.Kind == store.EventNote {
				notes++
			}
		}
		if notes < 4 {
			t.Errorf("INC-%d has %d notes in its timeline; want the story's", in.ID, notes)
		}
	}
	severities := map[int]bool{}
	for _, in := range list {
		severities[in.Severity] = true
	}
	if len(severities) != 4 {
		t.Errorf("severities %v; want one incident of each", severities)
	}

	overdue, err := c.ActionItems(ctx, url.Values{"overdue": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(overdue) != 1 || overdue[0].Team != "identity" {
		t.Errorf("overdue action items: %+v; want one, of the identity team", overdue)
	}
	items, err := c.ActionItems(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var onTime, late, open int
	types := map[string]bool{}
	for _, a := range items {
		types[a.Type] = true
		switch {
		case a.OnTime():
			onTime++
		case a.Closed():
			late++
		default:
			open++
		}
		if a.TrackerURL == "" || a.Owner == "" {
			t.Errorf("action item %q: owner %q, tracker %q", a.Title, a.Owner, a.TrackerURL)
		}
	}
	if onTime == 0 || late == 0 || open < 2 || len(types) != 3 {
		t.Errorf("action items: %d on time, %d late, %d open, types %v; want some of each and all three types", onTime, late, open, types)
	}

	hits, err := c.SearchPostmortems(ctx, url.Values{"q": {"watermark"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || !strings.HasPrefix(hits[0].Incident.Title, "Search errors") || hits[0].Cause != "capacity" {
		t.Errorf("library search for watermark: %+v; want the search incident", hits)
	}

	// A second run leaves the server alone.
	out.Reset()
	if err := run(ctx, &out, base, token, now); err != nil || !strings.Contains(out.String(), "already has incidents") {
		t.Errorf("second run = %v %q", err, out.String())
	}
	if again, err := c.Incidents(ctx, nil); err != nil || len(again) != 4 {
		t.Errorf("after a second run: %d incidents, %v; want 4", len(again), err)
	}
}

// TestSeedNeedsAToken checks the error without a token: the seed changes
// state.
func TestSeedNeedsAToken(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, testNow)
	base, _ := newServer(t, now)
	var out bytes.Buffer
	if err := run(context.Background(), &out, base, "", now); err == nil || !strings.Contains(err.Error(), "needs an API token") {
		t.Errorf("seed without a token = %v", err)
	}
}

// TestSeedNearMidnight seeds just after midnight in Paris, when the
// checkout incident is closest to now: every time must still be in the
// past.
func TestSeedNearMidnight(t *testing.T) {
	now := time.Date(2026, 5, 14, 22, 1, 0, 0, time.UTC) // 00:01 on 15 May in Paris
	base, token := newServer(t, now)
	var out bytes.Buffer
	if err := run(context.Background(), &out, base, token, now); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
}

func TestFill(t *testing.T) {
	body := "# Postmortem: x\n\n_Blameless._\n\n## Summary\n\nprefilled\n\n## Root causes\n\n_What conditions?_\n\n## Detection\n\nNo alert.\n\n_Did our signals tell us?_\n"
	got, err := fill(body, map[string]string{"Root causes": "A full disk.", "Summary": "More."}, map[string]string{"Detection": "A page."})
	want := "# Postmortem: x\n\n_Blameless._\n\n## Summary\n\nprefilled\n\nMore.\n\n## Root causes\n\nA full disk.\n\n## Detection\n\nA page.\n"
	if err != nil || got != want {
		t.Errorf("fill = %v\n%q\nwant\n%q", err, got, want)
	}
	if _, err := fill(body, map[string]string{"Summary": "x"}, nil); err == nil || !strings.Contains(err.Error(), "no text for the prompts of Root causes, Detection") {
		t.Errorf("fill with prompts left = %v", err)
	}
	if _, err := fill(body, map[string]string{"Root causes": "x", "Detection": "y", "Root cause": "z"}, nil); err == nil ||
		!strings.Contains(err.Error(), `"Root cause"`) {
		t.Errorf("fill with an unknown section = %v", err)
	}
}

// TestStories checks the data against the rules the seed relies on.
func TestStories(t *testing.T) {
	overdue := 0
	for _, s := range stories {
		if s.Postmortem.Cause == "" || len(s.Actions) < 3 || !slices.ContainsFunc(s.Steps, func(st step) bool { return st.Status == store.IncidentResolved }) ||
			s.Steps[len(s.Steps)-1].Status != store.IncidentClosed {
			t.Errorf("%q: needs a cause, action items, a resolution and a closing step", s.Title)
		}
		for i := 1; i < len(s.Steps); i++ {
			if s.Steps[i].After < s.Steps[i-1].After || s.Steps[0].After < s.Opened {
				t.Errorf("%q: steps out of order", s.Title)
			}
		}
		for _, a := range s.Actions {
			if a.DueIn < 0 && a.Status != store.ActionDone && a.Status != store.ActionWontFix {
				overdue++
			}
		}
	}
	if overdue != 1 {
		t.Errorf("%d overdue action items in the stories; want exactly one", overdue)
	}
}
