// Command seed creates the past incidents of Acme, the example
// organisation, on a running kiban server, through its JSON API only: four
// incidents of the last ten weeks across the shop, identity and the
// membership app, each taken through its lifecycle with backdated times,
// roles, notes, linked SLOs, action items and a published blameless
// postmortem. Times are relative to now, so that the data stays fresh; the
// checkout incident is the payment outage of examples/acme/gen's access
// logs. The incidents themselves are data, in incidents.go.
//
// A server that already has incidents is left alone, so that make demo can
// run the seed every time.
//
//	go run ./examples/acme/seed --server URL --token TOKEN [--now TIME]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database

	"kiban.dev/kiban/internal/apiclient"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

// paris is Acme's time zone: the stories' clocks are Paris time.
var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := parseAndRun(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func parseAndRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./examples/acme/seed --server URL --token TOKEN [--now TIME]")
		fmt.Fprintln(stderr, "\nCreates Acme's past incidents, with action items and published postmortems, through the API of a running kiban server.")
		fmt.Fprintln(stderr, "Does nothing when the server already has incidents.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	server := fs.String("server", envOr("KIBAN_URL", apiclient.DefaultURL), "URL of the kiban server (env KIBAN_URL)")
	token := fs.String("token", "", "editor API token (env KIBAN_TOKEN)")
	nowFlag := fs.String("now", "", "the time the incidents are told relative to, RFC 3339; now when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *token == "" {
		*token = os.Getenv("KIBAN_TOKEN")
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now %q: expected an RFC 3339 time such as 2026-05-14T15:30:00Z", *nowFlag)
		}
		now = t
	}
	return run(ctx, stdout, *server, *token, now)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run seeds the server at baseURL with the stories, told relative to now,
// unless it already has incidents.
func run(ctx context.Context, out io.Writer, baseURL, token string, now time.Time) error {
	c, err := apiclient.New(baseURL, token)
	if err != nil {
		return err
	}
	existing, err := c.Incidents(ctx, url.Values{"limit": {"1"}})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		fmt.Fprintf(out, "seed: %s already has incidents (the latest is INC-%d); not adding Acme's example incidents again\n",
			c.BaseURL(), existing[0].ID)
		return nil
	}
	if !c.HasToken() {
		return apiclient.ErrNoToken
	}
	now = now.UTC().Truncate(time.Second)
	for _, s := range stories {
		if err := tell(ctx, c, out, s, now); err != nil {
			return fmt.Errorf("%q: %w", s.Title, err)
		}
	}
	fmt.Fprintf(out, "seed: %d incidents with action items and published postmortems: %s\n", len(stories), c.URL("/incidents"))
	return nil
}

// clock turns a story's time into an instant: never in the future (the
// API refuses that), at least a minute before now.
type clock struct {
	start, now time.Time
}

func (k clock) at(after time.Duration) *time.Time {
	t := k.start.Add(after)
	if latest := k.now.Add(-time.Minute); t.After(latest) {
		t = latest
	}
	return &t
}

// startOf is when a story's impact began: DaysAgo days before now's day,
// at Clock, Paris time.
func startOf(s story, now time.Time) (time.Time, error) {
	hm, err := time.Parse("15:04", s.Clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("clock %q: expected HH:MM", s.Clock)
	}
	l := now.In(paris)
	start := time.Date(l.Year(), l.Month(), l.Day()-s.DaysAgo, hm.Hour(), hm.Minute(), 0, 0, paris).UTC()
	if !start.Before(now) {
		return time.Time{}, fmt.Errorf("starts at %s, not before now (%s)", start.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return start, nil
}

func ptr[T any](v T) *T { return &v }

// tell takes one story through the API: open, the steps up to the
// resolution, action items, the postmortem (start, write, submit,
// publish), where the action items stand today, and the closing steps.
func tell(ctx context.Context, c *apiclient.Client, out io.Writer, s story, now time.Time) error {
	start, err := startOf(s, now)
	if err != nil {
		return err
	}
	k := clock{start: start, now: now}
	in, err := c.OpenIncident(ctx, incident.OpenRequest{Title: s.Title, Severity: s.Severity, Services: s.Services, SLOs: s.SLOs,
		Summary: s.Summary, CustomerImpact: s.Impact, Commander: s.Commander, StartedAt: &start, OpenedAt: k.at(s.Opened),
		AcknowledgedAt: k.at(max(s.Acked, s.Opened))})
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	id := in.ID

	closing := len(s.Steps)
	for i, st := range s.Steps {
		if st.Status == store.IncidentClosed {
			closing = i
			break
		}
	}
	apply := func(steps []step) error {
		for _, st := range steps {
			p := incident.Patch{At: k.at(st.After)}
			for _, f := range []struct {
				v   string
				dst **string
			}{{st.Status, &p.Status}, {st.Severity, &p.Severity}, {st.Scribe, &p.Scribe}, {st.Communication, &p.Communications}, {st.Note, &p.Note}} {
				if f.v != "" {
					*f.dst = ptr(f.v)
				}
			}
			if _, err := c.UpdateIncident(ctx, id, p); err != nil {
				return fmt.Errorf("step at +%s: %w", st.After, err)
			}
		}
		return nil
	}
	if err := apply(s.Steps[:closing]); err != nil {
		return err
	}

	today := now.Format(time.DateOnly)
	var items []store.ActionItem
	for _, a := range s.Actions {
		req := incident.ActionItemRequest{Title: a.Title, Owner: a.Owner, Type: a.Type, TrackerURL: a.Tracker, CreatedAt: k.at(a.Agreed)}
		if a.DueIn != 0 {
			req.Due = now.AddDate(0, 0, a.DueIn).Format(time.DateOnly)
		}
		item, err := c.AddActionItem(ctx, id, req)
		if err != nil {
			return fmt.Errorf("action item %q: %w", a.Title, err)
		}
		items = append(items, item)
	}

	resolved := closing
	for i, st := range s.Steps {
		if st.Status == store.IncidentResolved {
			resolved = i
		}
	}
	if resolved == len(s.Steps) {
		return fmt.Errorf("%s: no step resolves the incident", s.Title)
	}
	// Reviewed two days after the resolution, published two days later
	// (or a minute ago for a recent incident).
	reviewed, published := k.at(s.Steps[resolved].After+2*day), k.at(s.Steps[resolved].After+4*day)
	if err := writePostmortem(ctx, c, id, s.Postmortem, reviewed, published); err != nil {
		return err
	}

	overdue := 0
	for i, a := range s.Actions {
		if a.Status != store.ActionOpen {
			p := incident.ActionItemPatch{Status: ptr(a.Status)}
			if a.Status == store.ActionDone {
				// Closed on its day, in the afternoon, never before it
				// was agreed nor after now.
				closed := time.Date(now.Year(), now.Month(), now.Day(), 15, 0, 0, 0, now.Location()).AddDate(0, 0, a.ClosedIn)
				if earliest := items[i].CreatedAt.Add(time.Hour); closed.Before(earliest) {
					closed = earliest
				}
				if latest := now.Add(-time.Minute); closed.After(latest) {
					closed = latest
				}
				p.At = &closed
			}
			item, err := c.UpdateActionItem(ctx, items[i].ID, p)
			if err != nil {
				return fmt.Errorf("action item %q: %w", a.Title, err)
			}
			items[i] = item
		}
		if items[i].Overdue(today) {
			overdue++
		}
	}
	if err := apply(s.Steps[closing:]); err != nil {
		return err
	}
	d, err := c.Incident(ctx, id)
	if err != nil {
		return err
	}
	in = d.Incident
	note := ""
	if overdue > 0 {
		note = fmt.Sprintf(", %d overdue", overdue)
	}
	fmt.Fprintf(out, "seed: INC-%d %s (%s, %s, started %s): %s, %d action items%s, postmortem published\n", id, s.Title,
		incident.Severity(in.Severity), in.Team, start.In(paris).Format("2 Jan 15:04 MST"), in.Status, len(items), note)
	return nil
}

// writePostmortem starts the postmortem, fills the template's prompts
// with the story's text, saves it over the version it started from, then
// submits and publishes it.
func writePostmortem(ctx context.Context, c *apiclient.Client, id int64, pm review, reviewed, published *time.Time) error {
	p, _, err := c.StartPostmortem(ctx, id)
	if err != nil {
		return fmt.Errorf("start postmortem: %w", err)
	}
	body, err := fill(p.Body, pm.Sections, pm.Rewrite)
	if err != nil {
		return err
	}
	if _, err := c.SavePostmortem(ctx, id, incident.PostmortemEdit{Body: body, CauseCategory: pm.Cause, Tags: pm.Tags, Version: p.Version}); err != nil {
		return fmt.Errorf("save postmortem: %w", err)
	}
	for _, step := range []struct {
		status string
		at     *time.Time
	}{{store.PostmortemInReview, reviewed}, {store.PostmortemPublished, published}} {
		status := step.status
		if _, err := c.SetPostmortemStatus(ctx, id, status, step.at); err != nil {
			return fmt.Errorf("postmortem %s: %w", status, err)
		}
	}
	return nil
}

// isPrompt reports whether a line of the template is one of its prompts:
// a paragraph in italics, _like this_.
func isPrompt(line string) bool {
	l := strings.TrimSpace(line)
	return len(l) > 2 && strings.HasPrefix(l, "_") && strings.HasSuffix(l, "_")
}

// fill writes the authors' text into a prefilled postmortem: for each H2
// section, a text in rewrite replaces the whole section; a text in
// sections replaces the section's prompt, or is appended to a section
// without one. It fails when a prompt is left without text or a text names
// no section, so that a story always yields a complete postmortem.
func fill(body string, sections, rewrite map[string]string) (string, error) {
	var out []string
	heading := ""
	skip := false // inside a rewritten section
	used := map[string]bool{}
	var unfilled []string
	endSection := func() {
		text, ok := sections[heading]
		if heading == "" || !ok || used[heading] {
			return
		}
		for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
			out = out[:len(out)-1]
		}
		out = append(out, "", text, "")
		used[heading] = true
	}
	for _, line := range strings.Split(body, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			endSection()
			heading = strings.TrimSpace(h)
			out = append(out, line)
			text, ok := rewrite[heading]
			skip = ok
			if ok {
				out = append(out, "", text, "")
				used[heading] = true
			}
			continue
		}
		switch {
		case skip:
		case heading != "" && isPrompt(line):
			text, ok := sections[heading]
			if !ok {
				unfilled = append(unfilled, heading)
				out = append(out, line)
				break
			}
			out = append(out, text)
			used[heading] = true
		default:
			out = append(out, line)
		}
	}
	endSection()
	var problems []string
	if len(unfilled) > 0 {
		problems = append(problems, "no text for the prompts of "+strings.Join(unfilled, ", "))
	}
	for _, m := range []map[string]string{sections, rewrite} {
		for h := range m {
			if !used[h] {
				problems = append(problems, fmt.Sprintf("text for %q, which is not a section of the template", h))
			}
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("postmortem: %s", strings.Join(problems, "; "))
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n", nil
}
