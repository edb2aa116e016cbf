package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/accesslog"
	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/gate"
	"kiban.dev/kiban/internal/sli"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// testEnd is not on the hour, so that the first and last files are
// partial hours.
const testEnd = "2026-05-14T15:30:00Z"

func generate(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(append([]string{"-out", dir}, args...), &out, &errOut); err != nil {
		t.Fatalf("gen %v: %v\n%s", args, err, errOut.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	return dir
}

// logFiles returns the generated files, relative to dir, sorted.
func logFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGenerate generates a week, ingests it as kiban ingest logs does, and
// checks what the quick start promises: the checkout journey's budget is
// exhausted and its gate blocks, search and login are healthy.
func TestGenerate(t *testing.T) {
	ctx := context.Background()
	end, _ := time.Parse(time.RFC3339, testEnd)
	start := end.Add(-7 * 24 * time.Hour)
	dir := generate(t, "-end", testEnd, "-billing=false")

	files := logFiles(t, dir)
	if len(files) != 7*24+1 {
		t.Errorf("%d files, want %d: one an hour, the first and last partial", len(files), 7*24+1)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasPrefix(f, filepath.Join("logs", "alb", "2026", "05")+string(filepath.Separator)) ||
			!strings.HasPrefix(base, "318274650912_elasticloadbalancing_eu-west-1_app.shop.5e3c1a9f0b7d2e48_202605") ||
			!strings.HasSuffix(base, ".log.gz") {
			t.Errorf("file %s is not named like an ALB log in logs/alb/YYYY/MM/DD", f)
		}
	}

	c, err := catalog.Load(ctx, filepath.Join("..", "..", "acme"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := sli.NewMatcher(c)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	var lines, matched int64
	byHour := map[int]int{} // requests by hour of the day, Paris time
	for _, f := range files {
		rc, err := accesslog.Open(filepath.Join(dir, f), nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r := accesslog.NewReader(bytes.NewReader(data), accesslog.FormatALB)
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if rec.Host != host || rec.Time.Before(start) || !rec.Time.Before(end) {
				t.Fatalf("%s: record %+v: want host %s and a time in [%s, %s)", f, rec, host, start, end)
			}
			byHour[rec.Time.In(paris).Hour()]++
		}
		if s := r.Stats(); s.Malformed > 0 || s.Records == 0 {
			t.Fatalf("%s: %d records, %d malformed lines (first: %v)", f, s.Records, s.Malformed, s.Errors)
		}
		res, err := sli.IngestLogs(ctx, st, m, bytes.NewReader(data), f, accesslog.FormatALB, "test")
		if err != nil {
			t.Fatal(err)
		}
		if res.Malformed > 0 || res.Duplicate {
			t.Fatalf("%s: ingest: %+v", f, res)
		}
		lines += res.Lines
		matched += res.Matched
	}
	t.Logf("%d lines, %d counted for SLIs", lines, matched)
	if lines < 200_000 || lines > 1_000_000 {
		t.Errorf("%d lines in a week; want a few hundred thousand", lines)
	}
	if night, evening := byHour[4], byHour[20]; evening < 5*night {
		t.Errorf("%d requests at 04:00 and %d at 20:00 Paris time over the week; want a daily cycle, the evening far above the night", night, evening)
	}

	all, err := slostatus.EvaluateAll(ctx, st, c, "", end)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]slostatus.Status{}
	for _, s := range all {
		byID[s.ID] = s
		if s.OK {
			t.Logf("%-22s SLI %.4f%%  budget left %6.1f%%  events %.0f", s.ID, s.SLI*100, s.Remaining*100, s.Total)
		}
	}
	if s := byID["checkout-journey"]; !s.OK || s.Remaining >= 0 {
		t.Errorf("checkout-journey: OK %v, remaining budget %.3f; want an exhausted budget (< 0) after the incident", s.OK, s.Remaining)
	}
	for _, id := range []string{"search-availability", "search-latency", "login-availability"} {
		if s := byID[id]; !s.OK || s.Remaining <= 0.5 {
			t.Errorf("%s: OK %v, remaining budget %.3f; want data and more than half the budget left", id, s.OK, s.Remaining)
		}
	}
	if s := byID["checkout-availability"]; !s.OK || s.Remaining <= 0 || s.Remaining >= 0.9 {
		t.Errorf("checkout-availability: OK %v, remaining budget %.3f; want it dented by the incident, not exhausted", s.OK, s.Remaining)
	}

	d, err := gate.Decide(ctx, st, c, gate.Request{Service: "checkout", At: end})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow || !strings.Contains(d.Reason, "checkout-journey") {
		t.Errorf("gate checkout: allow %v, %q; want blocked by checkout-journey", d.Allow, d.Reason)
	}
	d, err = gate.Decide(ctx, st, c, gate.Request{Service: "search", At: end})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allow {
		t.Errorf("gate search: blocked, %q; want allowed", d.Reason)
	}

	// Before the incident, the journey was healthy.
	in := incidentFor(end)
	s, err := slostatus.Evaluate(ctx, st, c, findSLO(t, c, "checkout-journey"), in.start)
	if err != nil {
		t.Fatal(err)
	}
	if !s.OK || s.Remaining <= 0.5 {
		t.Errorf("checkout-journey before the incident (%s): OK %v, remaining %.3f; want healthy", in.start, s.OK, s.Remaining)
	}
}

func findSLO(t *testing.T, c *catalog.Catalog, id string) *catalog.SLO {
	t.Helper()
	for _, s := range c.SLOs {
		if s.ID() == id {
			return s
		}
	}
	t.Fatalf("no SLO %s in the catalog", id)
	return nil
}

// TestDeterministic checks that a seed and an end time give the same
// bytes, and another seed other bytes.
func TestDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two weeks of logs")
	}
	a := generate(t, "-end", testEnd, "-days", "3")
	b := generate(t, "-end", testEnd, "-days", "3")
	other := generate(t, "-end", testEnd, "-days", "3", "-seed", "2")
	fa, fb := logFiles(t, a), logFiles(t, b)
	if strings.Join(fa, "\n") != strings.Join(fb, "\n") {
		t.Fatalf("same seed and end, different files:\n%v\n%v", fa, fb)
	}
	for _, f := range fa {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: same seed and end, different bytes", f)
		}
	}
	if fo := logFiles(t, other); strings.Join(fo, "\n") == strings.Join(fa, "\n") {
		t.Errorf("seeds 1 and 2 gave the same files")
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-end", "yesterday"},
		{"-days", "1"},
		{"-peak", "0"},
		{"extra"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("gen %v: no error", args)
		}
	}
}
