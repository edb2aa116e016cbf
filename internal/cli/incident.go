package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/apiclient"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/postmortem"
	"kiban.dev/kiban/internal/store"
)

// Environment defaults of the commands that call a kiban server.
const (
	envURL   = "KIBAN_URL"
	envToken = "KIBAN_TOKEN"
)

// remote holds --server and --token of the commands that are clients of
// a running kiban server's API.
type remote struct {
	server, token string
}

// flags adds --server and --token to cmd and its subcommands. The token's
// environment value is read when the command runs, so that --help never
// shows it.
func (r *remote) flags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&r.server, "server", apiclient.DefaultURL, "URL of the kiban server (env "+envURL+")")
	cmd.PersistentFlags().StringVar(&r.token, "token", "", "API token, needed for changes (env "+envToken+"; create one with kiban token create)")
}

func (r *remote) client(cmd *cobra.Command) (*apiclient.Client, error) {
	server := r.server
	if f := cmd.Flag("server"); (f == nil || !f.Changed) && os.Getenv(envURL) != "" {
		server = os.Getenv(envURL)
	}
	token := r.token
	if token == "" {
		token = os.Getenv(envToken)
	}
	c, err := apiclient.New(server, token)
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	return c, nil
}

// tableFlag adds -o table|json.
func tableFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVarP(out, "output", "o", "table", "output format: table or json")
}

func checkTable(out string) error {
	if out != "table" && out != "json" {
		return fmt.Errorf("-o %q: expected table or json", out)
	}
	return nil
}

// incidentRef names an incident as people do: INC-N.
func incidentRef(id int64) string { return fmt.Sprintf("INC-%d", id) }

// parseWhen reads a time flag: an RFC 3339 time, "now", or a time ago
// such as -2h, -90m, -3d or -1d12h (d is 24 hours, w 7 days).
func parseWhen(name, v string, now time.Time) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if v == "now" {
		t := now.UTC()
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	if d, ok := parseAgo(v); ok {
		t := now.Add(-d).UTC().Truncate(time.Second)
		return &t, nil
	}
	return nil, fmt.Errorf("--%s %q: expected an RFC 3339 time such as 2026-05-14T18:02:00Z, or a time ago such as -2h, -90m or -3d", name, v)
}

// parseAgo reads "-" followed by numbers with units s, m, h, d or w.
func parseAgo(v string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(v, "-")
	if !ok || rest == "" {
		return 0, false
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 {
			return 0, false
		}
		n, _ := strconv.Atoi(rest[:i])
		unit, ok := units[rest[i]]
		if !ok {
			return 0, false
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	return total, true
}

// seconds prints a duration given in seconds, or "-".
func seconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return postmortem.HumanDuration(time.Duration(*s * float64(time.Second)))
}

const timeLayout = "2006-01-02 15:04"

func clock(t time.Time) string { return t.UTC().Format(timeLayout) }

func clockPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return clock(*t)
}

func since(from time.Time, to *time.Time) string {
	if to == nil {
		return "-"
	}
	return postmortem.HumanDuration(to.Sub(from))
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// oneLine fits s in a table cell: one line, at most max characters.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

func newIncidentCmd() *cobra.Command {
	var r remote
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Open, update and report on incidents through a kiban server",
		Long: `The incident commands are clients of a running kiban server's JSON API
(kiban serve): the server checks every change, records it in the incident's
timeline and the audit log, and sends the owning team's chat messages.

Reads need no token; changes need an editor token (--token or KIBAN_TOKEN;
an admin creates one with kiban token create). --server (or KIBAN_URL) says
where the server is. Times are RFC 3339 (2026-05-14T18:02:00Z) or a time ago
such as -2h, -90m or -3d.`,
	}
	r.flags(cmd)
	cmd.AddCommand(newIncidentOpenCmd(&r), newIncidentListCmd(&r), newIncidentShowCmd(&r), newIncidentUpdateCmd(&r),
		newIncidentResolveCmd(&r), newIncidentNoteCmd(&r), newActionCmd(&r), newIncidentMetricsCmd(&r))
	return cmd
}

func newIncidentOpenCmd(r *remote) *cobra.Command {
	var req incident.OpenRequest
	var startedAt, openedAt, out string
	cmd := &cobra.Command{
		Use:   "open --title TITLE --severity SEV1..SEV4 --service NAME…",
		Short: "Declare an incident",
		Long: `Open declares an incident. The first service's owner is the owning team
unless --team is given; the team gets a chat message. An incident recorded
after the fact takes --started-at (when impact began) and --opened-at (when
it was declared).`,
		Example: `  kiban incident open --title "Checkout payments failing" --severity SEV2 --service checkout --service payments
  kiban incident open --title "Search slow" --severity SEV3 --service search --commander fmartin \
      --slo search-latency --started-at -45m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			now := time.Now()
			if req.StartedAt, err = parseWhen("started-at", startedAt, now); err != nil {
				return err
			}
			if req.OpenedAt, err = parseWhen("opened-at", openedAt, now); err != nil {
				return err
			}
			in, err := c.OpenIncident(cmd.Context(), req)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), in)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s opened: %s\n", incidentRef(in.ID), c.URL(fmt.Sprintf("/incidents/%d", in.ID)))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Title, "title", "", "what is happening, in a few words (required)")
	f.StringVar(&req.Severity, "severity", "", "SEV1 (worst) to SEV4 (required)")
	f.StringArrayVar(&req.Services, "service", nil, "affected service; repeat for several (required)")
	f.StringVar(&req.Team, "team", "", "owning team (default: the first service's owner)")
	f.StringVar(&req.Summary, "summary", "", "what is known so far")
	f.StringVar(&req.CustomerImpact, "impact", "", "what customers see")
	f.StringVar(&req.Commander, "commander", "", "incident commander (a person's handle)")
	f.StringVar(&req.Scribe, "scribe", "", "scribe")
	f.StringVar(&req.Communications, "communications", "", "communications lead")
	f.StringArrayVar(&req.SLOs, "slo", nil, "SLO the incident affects, such as checkout-availability; repeat for several")
	f.StringVar(&startedAt, "started-at", "", "when impact began (default: when opened)")
	f.StringVar(&openedAt, "opened-at", "", "when the incident was declared (default: now)")
	tableFlag(cmd, &out)
	for _, name := range []string{"title", "severity", "service"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newIncidentListCmd(r *remote) *cobra.Command {
	var team, service, status, severity, from, to, out string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, latest first",
		Example: `  kiban incident list --status open
  kiban incident list --team shop-checkout --severity SEV2 --from 2026-01-01
  kiban incident list --service search -o json | jq '.incidents[].title'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"team": team, "service": service, "status": status, "severity": severity, "from": from, "to": to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if limit != 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			if out == "json" {
				return rawJSON(cmd, c, "/api/v1/incidents", q)
			}
			list, err := c.Incidents(cmd.Context(), q)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(list) == 0 {
				fmt.Fprintln(w, "no incidents")
				return nil
			}
			now := time.Now()
			tw := newTable(w)
			fmt.Fprintln(tw, "ID\tSEV\tSTATUS\tSTARTED (UTC)\tDURATION\tTEAM\tSERVICES\tTITLE")
			for _, in := range list {
				dur := "ongoing " + postmortem.HumanDuration(now.Sub(in.StartedAt))
				if in.ResolvedAt != nil {
					dur = postmortem.HumanDuration(in.ResolvedAt.Sub(in.StartedAt))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", incidentRef(in.ID), incident.Severity(in.Severity), in.Status,
					clock(in.StartedAt), dur, dash(in.Team), dash(strings.Join(in.Services, ",")), oneLine(in.Title, 80))
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&team, "team", "", "only incidents owned by this team")
	f.StringVar(&service, "service", "", "only incidents affecting this service")
	f.StringVar(&status, "status", "", "open (not resolved or closed), or one of "+strings.Join(store.IncidentStatuses, ", "))
	f.StringVar(&severity, "severity", "", "only this severity, SEV1 to SEV4")
	f.StringVar(&from, "from", "", "only incidents started on or after this day (YYYY-MM-DD)")
	f.StringVar(&to, "to", "", "only incidents started before this day (YYYY-MM-DD)")
	f.IntVar(&limit, "limit", 0, "at most this many (default 100)")
	tableFlag(cmd, &out)
	return cmd
}

// rawJSON prints the API's answer to GET path as it is.
func rawJSON(cmd *cobra.Command, c *apiclient.Client, path string, q url.Values) error {
	data, err := c.Do(cmd.Context(), "GET", path, q, nil)
	if err != nil {
		return err
	}
	_, err = cmd.OutOrStdout().Write(data)
	return err
}

func incidentArg(args []string) (int64, error) {
	return apiclient.ParseIncidentID(args[0])
}

func newIncidentShowCmd(r *remote) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "show N",
		Short: "Show an incident: facts, roles, times, SLO impact, alerts, action items, timeline",
		Example: `  kiban incident show 3
  kiban incident show INC-3 -o json | jq .timeline`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			if out == "json" {
				return rawJSON(cmd, c, fmt.Sprintf("/api/v1/incidents/%d", id), nil)
			}
			d, err := c.Incident(cmd.Context(), id)
			if err != nil {
				return err
			}
			return printIncident(cmd.OutOrStdout(), c, d, time.Now())
		},
	}
	tableFlag(cmd, &out)
	return cmd
}

func printIncident(w io.Writer, c *apiclient.Client, d incident.Detail, now time.Time) error {
	in := d.Incident
	fmt.Fprintf(w, "%s  %s\n\n", incidentRef(in.ID), in.Title)
	tw := newTable(w)
	opened := "by hand, by " + dash(in.OpenedBy)
	if in.Rule != "" {
		opened = "by rule " + in.Rule
	}
	for _, row := range [][2]string{
		{"severity", incident.Severity(in.Severity)},
		{"status", in.Status},
		{"team", dash(in.Team)},
		{"services", dash(strings.Join(in.Services, ", "))},
		{"slos", dash(strings.Join(in.SLOs, ", "))},
		{"opened", opened},
		{"url", c.URL(cmp.Or(d.URL, fmt.Sprintf("/incidents/%d", in.ID)))},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range []struct{ title, text string }{{"Summary", in.Summary}, {"Customer impact", in.CustomerImpact}} {
		if strings.TrimSpace(s.text) != "" {
			fmt.Fprintf(w, "\n%s\n", s.title)
			for _, line := range strings.Split(strings.TrimSpace(s.text), "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}

	fmt.Fprintln(w, "\nRoles")
	tw = newTable(w)
	fmt.Fprintf(tw, "  commander\t%s\n  scribe\t%s\n  communications\t%s\n", dash(in.Commander), dash(in.Scribe), dash(in.Communications))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nTimes (UTC)")
	tw = newTable(w)
	mitigated := in.MonitoringAt
	if mitigated == nil {
		mitigated = in.ResolvedAt
	}
	for _, row := range [][2]string{
		{"started", clock(in.StartedAt)},
		{"opened", clock(in.OpenedAt)},
		{"acknowledged", clockPtr(in.AcknowledgedAt)},
		{"identified", clockPtr(in.IdentifiedAt)},
		{"monitoring", clockPtr(in.MonitoringAt)},
		{"resolved", clockPtr(in.ResolvedAt)},
		{"closed", clockPtr(in.ClosedAt)},
	} {
		fmt.Fprintf(tw, "  %s\t%s\n", row[0], row[1])
	}
	ttr := since(in.StartedAt, in.ResolvedAt)
	if in.ResolvedAt == nil {
		ttr = "- (ongoing for " + postmortem.HumanDuration(now.Sub(in.StartedAt)) + ")"
	}
	fmt.Fprintf(tw, "  TTA\t%s\ttime to acknowledge, from opened\n", since(in.OpenedAt, in.AcknowledgedAt))
	fmt.Fprintf(tw, "  TTM\t%s\ttime to mitigate, from started\n", since(in.StartedAt, mitigated))
	fmt.Fprintf(tw, "  TTR\t%s\ttime to resolve, from started\n", ttr)
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nSLO budget consumed")
	if len(d.SLOs) == 0 {
		fmt.Fprintln(w, "  (no SLO linked; link one with kiban incident update N --slo ID)")
	}
	tw = newTable(w)
	for _, s := range d.SLOs {
		v := "no data"
		if s.Consumed != nil {
			v = strconv.FormatFloat(*s.Consumed*100, 'f', 1, 64) + "%"
		} else if s.Why != "" {
			v = "no data: " + s.Why
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.ID, dash(s.Name), v)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nAlerts")
	if len(d.Alerts) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	tw = newTable(w)
	for _, a := range d.Alerts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\tfrom %s\tto %s\n", a.AlertName, a.State, dash(a.Service), clock(a.StartsAt), clockPtr(a.EndsAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nAction items")
	if len(d.ActionItems) == 0 {
		fmt.Fprintln(w, "  (none; add one with kiban incident action add N)")
	} else if err := printActionItems(w, d.ActionItems, now, "  "); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nTimeline (UTC)")
	tw = newTable(w)
	for _, e := range d.Timeline {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", clock(e.At), dash(e.Actor), e.Kind, oneLine(e.Text, 400))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	if d.Postmortem == nil {
		fmt.Fprintf(w, "Postmortem: none yet (kiban postmortem start %d)\n", in.ID)
	} else {
		fmt.Fprintf(w, "Postmortem: %s, version %d: %s\n", strings.ReplaceAll(d.Postmortem.Status, "_", " "), d.Postmortem.Version, c.URL(d.Postmortem.URL))
	}
	return nil
}

// patchFlags are the flags of incident update, each sent only when given.
type patchFlags struct {
	status, severity, commander, scribe, communications, title, summary, impact, team, note, at string
	services, slos                                                                              []string
}

func (p *patchFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.status, "status", "", "new status: "+strings.Join(store.IncidentStatuses, ", "))
	f.StringVar(&p.severity, "severity", "", "new severity, SEV1 to SEV4")
	f.StringVar(&p.commander, "commander", "", "incident commander (empty to clear)")
	f.StringVar(&p.scribe, "scribe", "", "scribe (empty to clear)")
	f.StringVar(&p.communications, "communications", "", "communications lead (empty to clear)")
	f.StringVar(&p.title, "title", "", "new title")
	f.StringVar(&p.summary, "summary", "", "new summary")
	f.StringVar(&p.impact, "impact", "", "customer impact")
	f.StringVar(&p.team, "team", "", "owning team")
	f.StringArrayVar(&p.services, "service", nil, "affected services, replacing the list; repeat for several")
	f.StringArrayVar(&p.slos, "slo", nil, "linked SLOs, replacing the list; repeat for several")
	f.StringVar(&p.note, "note", "", "a note for the timeline, with the change")
	f.StringVar(&p.at, "at", "", "when the change happened (default now), to record it after the fact")
}

// patch builds the PATCH body from the flags given.
func (p *patchFlags) patch(cmd *cobra.Command, now time.Time) (incident.Patch, error) {
	var out incident.Patch
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	for _, s := range []struct {
		name string
		val  *string
		dst  **string
	}{
		{"status", &p.status, &out.Status}, {"severity", &p.severity, &out.Severity}, {"commander", &p.commander, &out.Commander},
		{"scribe", &p.scribe, &out.Scribe}, {"communications", &p.communications, &out.Communications}, {"title", &p.title, &out.Title},
		{"summary", &p.summary, &out.Summary}, {"impact", &p.impact, &out.CustomerImpact}, {"team", &p.team, &out.Team},
		{"note", &p.note, &out.Note},
	} {
		if changed(s.name) {
			*s.dst = s.val
		}
	}
	if changed("service") {
		out.Services = &p.services
	}
	if changed("slo") {
		out.SLOs = &p.slos
	}
	var err error
	out.At, err = parseWhen("at", p.at, now)
	return out, err
}

// printChanged prints the incident after a change.
func printChanged(cmd *cobra.Command, c *apiclient.Client, in store.Incident, out string) error {
	if out == "json" {
		return writeJSON(cmd.OutOrStdout(), in)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s updated: %s, %s, %s: %s\n", incidentRef(in.ID), incident.Severity(in.Severity), in.Status,
		oneLine(in.Title, 80), c.URL(fmt.Sprintf("/incidents/%d", in.ID)))
	return nil
}

func newIncidentUpdateCmd(r *remote) *cobra.Command {
	var pf patchFlags
	var out string
	cmd := &cobra.Command{
		Use:   "update N [flags]",
		Short: "Change an incident: status, severity, roles, services, SLOs, text",
		Long: `Update sends only the flags given. Statuses follow the lifecycle
investigating → identified → monitoring → resolved → closed; a closed
incident only takes its title, summary, impact and notes.`,
		Example: `  kiban incident update 3 --status identified --note "PSP confirms degraded authorisation API"
  kiban incident update INC-3 --severity SEV1 --commander jmorales --scribe zali
  kiban incident update 3 --status monitoring --at -20m
  kiban incident update 3 --slo checkout-journey --slo checkout-availability`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			p, err := pf.patch(cmd, time.Now())
			if err != nil {
				return err
			}
			if p.IsZero() {
				return errors.New("incident update: nothing to change; give --status, --severity, --commander, --note or another flag (see --help)")
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			in, err := c.UpdateIncident(cmd.Context(), id, p)
			if err != nil {
				return err
			}
			return printChanged(cmd, c, in, out)
		},
	}
	pf.add(cmd)
	tableFlag(cmd, &out)
	return cmd
}

func newIncidentResolveCmd(r *remote) *cobra.Command {
	var at, note, out string
	cmd := &cobra.Command{
		Use:   "resolve N",
		Short: "Resolve an incident (update --status resolved)",
		Example: `  kiban incident resolve 3
  kiban incident resolve INC-3 --at 2026-05-12T19:25:00Z --note "Payment success rate normal for 30 minutes"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			status := store.IncidentResolved
			p := incident.Patch{Status: &status}
			if p.At, err = parseWhen("at", at, time.Now()); err != nil {
				return err
			}
			if note != "" {
				p.Note = &note
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			in, err := c.UpdateIncident(cmd.Context(), id, p)
			if err != nil {
				return err
			}
			return printChanged(cmd, c, in, out)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "when it was resolved (default now)")
	cmd.Flags().StringVar(&note, "note", "", "a note for the timeline")
	tableFlag(cmd, &out)
	return cmd
}

func newIncidentNoteCmd(r *remote) *cobra.Command {
	var at, out string
	cmd := &cobra.Command{
		Use:   "note N TEXT…",
		Short: "Add a note to an incident's timeline",
		Example: `  kiban incident note 3 "Disabled client retries to the PSP with the payments.retry flag"
  kiban incident note INC-3 --at -15m Failover to the secondary PSP ruled out`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			when, err := parseWhen("at", at, time.Now())
			if err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			in, err := c.AddNote(cmd.Context(), id, strings.Join(args[1:], " "), when)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), in)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "note added to %s\n", incidentRef(in.ID))
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "when it happened (default now)")
	tableFlag(cmd, &out)
	return cmd
}

func newActionCmd(r *remote) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "action",
		Short: "Add, list and update the action items of incidents",
		Long: `Action items are what an incident leaves to do: mitigate (stop it from
hurting again soon), prevent (stop it from happening) or process (how we
work). Each has an owner, a person's handle or a team, and a due day; the
team that answers for it gets a daily digest of overdue items.`,
	}
	cmd.AddCommand(newActionAddCmd(r), newActionListCmd(r), newActionUpdateCmd(r))
	return cmd
}

func newActionAddCmd(r *remote) *cobra.Command {
	var req incident.ActionItemRequest
	var createdAt, out string
	cmd := &cobra.Command{
		Use:   "add N --title TITLE --owner WHO --type mitigate|prevent|process",
		Short: "Add an action item to incident N",
		Example: `  kiban incident action add 3 --title "Alert on PSP p99 latency" --owner achen --type prevent \
      --due 2026-06-01 --tracker https://tracker.acme.example/CHK-512
  kiban incident action add INC-3 --title "Runbook: PSP failover" --owner shop-checkout --type process`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			if req.CreatedAt, err = parseWhen("created-at", createdAt, time.Now()); err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			a, err := c.AddActionItem(cmd.Context(), id, req)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), a)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "action item %d added to %s: %s (%s, %s, team %s)\n", a.ID, incidentRef(id), a.Title, a.Owner, a.Type, a.Team)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Title, "title", "", "what to do (required)")
	f.StringVar(&req.Owner, "owner", "", "a person's handle or a team (required)")
	f.StringVar(&req.Type, "type", "", "mitigate, prevent or process (required)")
	f.StringVar(&req.Due, "due", "", "due day, YYYY-MM-DD")
	f.StringVar(&req.TrackerURL, "tracker", "", "URL of the ticket that tracks it")
	f.StringVar(&createdAt, "created-at", "", "when it was agreed (default now)")
	tableFlag(cmd, &out)
	for _, name := range []string{"title", "owner", "type"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func printActionItems(w io.Writer, items []store.ActionItem, now time.Time, indent string) error {
	today := now.UTC().Format(time.DateOnly)
	tw := newTable(w)
	fmt.Fprintf(tw, "%sID\tINCIDENT\tTYPE\tSTATUS\tDUE\tOWNER\tTEAM\tTITLE\n", indent)
	for _, a := range items {
		due := dash(a.Due)
		switch {
		case a.Overdue(today):
			due += " (overdue)"
		case a.Closed() && a.Due != "" && !a.OnTime():
			due += " (closed late)"
		}
		fmt.Fprintf(tw, "%s%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", indent, a.ID, incidentRef(a.IncidentID), a.Type, a.Status, due,
			a.Owner, dash(a.Team), oneLine(a.Title, 80))
	}
	return tw.Flush()
}

func newActionListCmd(r *remote) *cobra.Command {
	var team, owner, inc, out string
	var open, overdue bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List action items, by due day",
		Example: `  kiban incident action list --team identity --open
  kiban incident action list --overdue
  kiban incident action list --incident INC-3 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			q := url.Values{}
			if team != "" {
				q.Set("team", team)
			}
			if owner != "" {
				q.Set("owner", owner)
			}
			if inc != "" {
				id, err := apiclient.ParseIncidentID(inc)
				if err != nil {
					return fmt.Errorf("--incident: %w", err)
				}
				q.Set("incident", strconv.FormatInt(id, 10))
			}
			if open {
				q.Set("open", "true")
			}
			if overdue {
				q.Set("overdue", "true")
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			if out == "json" {
				return rawJSON(cmd, c, "/api/v1/action-items", q)
			}
			items, err := c.ActionItems(cmd.Context(), q)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no action items")
				return nil
			}
			return printActionItems(cmd.OutOrStdout(), items, time.Now(), "")
		},
	}
	f := cmd.Flags()
	f.StringVar(&team, "team", "", "only items this team answers for")
	f.StringVar(&owner, "owner", "", "only items of this owner")
	f.StringVar(&inc, "incident", "", "only items of this incident (N or INC-N)")
	f.BoolVar(&open, "open", false, "only items not done or won't fix")
	f.BoolVar(&overdue, "overdue", false, "only open items past their due day")
	tableFlag(cmd, &out)
	return cmd
}

func newActionUpdateCmd(r *remote) *cobra.Command {
	var status, owner, due, title, tracker, typ, out string
	cmd := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Change an action item: status, owner, due day, title, tracker",
		Example: `  kiban incident action update 12 --status done
  kiban incident action update 12 --owner pnair --due 2026-07-01
  kiban incident action update 12 --status in_progress --tracker https://tracker.acme.example/SRE-88`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not an action item ID (see kiban incident action list)", args[0])
			}
			var p incident.ActionItemPatch
			changed := false
			for _, s := range []struct {
				name string
				val  *string
				dst  **string
			}{{"status", &status, &p.Status}, {"owner", &owner, &p.Owner}, {"due", &due, &p.Due}, {"title", &title, &p.Title},
				{"tracker", &tracker, &p.TrackerURL}, {"type", &typ, &p.Type}} {
				if cmd.Flags().Changed(s.name) {
					*s.dst, changed = s.val, true
				}
			}
			if !changed {
				return errors.New("action update: nothing to change; give --status, --owner, --due, --title, --tracker or --type")
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			a, err := c.UpdateActionItem(cmd.Context(), id, p)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), a)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "action item %d of %s: %s, %s, due %s, owner %s\n", a.ID, incidentRef(a.IncidentID), a.Title,
				a.Status, dash(a.Due), a.Owner)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "open, in_progress, done or wontfix")
	f.StringVar(&owner, "owner", "", "a person's handle or a team")
	f.StringVar(&due, "due", "", "due day, YYYY-MM-DD (empty for none)")
	f.StringVar(&title, "title", "", "what to do")
	f.StringVar(&tracker, "tracker", "", "URL of the ticket that tracks it")
	f.StringVar(&typ, "type", "", "mitigate, prevent or process")
	tableFlag(cmd, &out)
	return cmd
}

func newIncidentMetricsCmd(r *remote) *cobra.Command {
	var by, team, service, from, to, out string
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Incidents per month and team (or service): counts, TTA/TTM/TTR, action items",
		Long: `Metrics reports, for each month and team (or service with --by service),
the incidents started, their severities, the median and 90th percentile of
time to acknowledge (from opened), to mitigate (from started to monitoring,
or to resolved) and to resolve (from started), and their action items: open,
overdue, closed on time and closed late. The last row is the whole period.
--to is exclusive; the default period is the last six months.`,
		Example: `  kiban incident metrics
  kiban incident metrics --by service --from 2026-01 --to 2026-07
  kiban incident metrics --team shop-checkout -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"by": by, "team": team, "service": service, "from": from, "to": to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			if out == "json" {
				return rawJSON(cmd, c, "/api/v1/incidents/metrics", q)
			}
			m, err := c.Metrics(cmd.Context(), q)
			if err != nil {
				return err
			}
			return printMetrics(cmd.OutOrStdout(), m)
		},
	}
	f := cmd.Flags()
	f.StringVar(&by, "by", "team", "group by team or service")
	f.StringVar(&team, "team", "", "only incidents owned by this team")
	f.StringVar(&service, "service", "", "only incidents affecting this service")
	f.StringVar(&from, "from", "", "first month, YYYY-MM (default: six months before --to)")
	f.StringVar(&to, "to", "", "month after the last, YYYY-MM (default: next month)")
	tableFlag(cmd, &out)
	return cmd
}

func printMetrics(w io.Writer, m incident.Metrics) error {
	fmt.Fprintf(w, "incidents started from %s to %s (exclusive), by %s\n\n", m.From.UTC().Format("2006-01"), m.To.UTC().Format("2006-01"), m.By)
	group := "TEAM"
	if m.By == "service" {
		group = "SERVICE"
	}
	tw := newTable(w)
	fmt.Fprintf(tw, "MONTH\t%s\tINCIDENTS\tSEV1\tSEV2\tSEV3\tSEV4\tTTA MED/P90\tTTM MED/P90\tTTR MED/P90\tITEMS OPEN\tOVERDUE\tON TIME\tLATE\n", group)
	stat := func(s incident.Stat) string {
		if s.Count == 0 {
			return "-"
		}
		return seconds(s.Median) + "/" + seconds(s.P90)
	}
	row := func(month, name string, r incident.MetricsRow) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", month, dash(name), r.Incidents,
			r.BySeverity["SEV1"], r.BySeverity["SEV2"], r.BySeverity["SEV3"], r.BySeverity["SEV4"],
			stat(r.TTA), stat(r.TTM), stat(r.TTR),
			r.ActionItems.Open, r.ActionItems.Overdue, r.ActionItems.ClosedOnTime, r.ActionItems.ClosedLate)
	}
	for _, r := range m.Rows {
		row(r.Month, r.Team+r.Service, r)
	}
	row("total", "all", m.Total)
	return tw.Flush()
}
