package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/apiclient"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

func newPostmortemCmd() *cobra.Command {
	var r remote
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "Write, review, publish and search blameless postmortems through a kiban server",
		Long: `A postmortem is a Markdown document, one per incident. start creates a
draft prefilled from the incident (facts, timeline, alerts, SLO impact,
action items) with prompts for the sections people write; show prints it;
edit saves your version of it; submit sends it to review and publish
publishes it to the library (the incident must be resolved, and every
section of the template must be there). search looks through the library.

Like kiban incident, these commands call a running kiban server: --server
(KIBAN_URL) and, for changes, --token (KIBAN_TOKEN).`,
	}
	r.flags(cmd)
	cmd.AddCommand(newPostmortemStartCmd(&r), newPostmortemShowCmd(&r), newPostmortemExportCmd(&r), newPostmortemEditCmd(&r),
		newPostmortemStatusCmd(&r, "submit", store.PostmortemInReview), newPostmortemStatusCmd(&r, "publish", store.PostmortemPublished),
		newPostmortemSearchCmd(&r))
	return cmd
}

func postmortemURL(c *apiclient.Client, id int64) string {
	return c.URL(fmt.Sprintf("/incidents/%d/postmortem", id))
}

func newPostmortemStartCmd(r *remote) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "start N",
		Short: "Create the postmortem draft of incident N, prefilled from the incident",
		Example: `  kiban postmortem start 3
  kiban postmortem start 3 && kiban postmortem show 3 > INC-3.md`,
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
			p, created, err := c.StartPostmortem(cmd.Context(), id)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			w := cmd.OutOrStdout()
			if created {
				fmt.Fprintf(w, "postmortem of %s started as a draft: %s\n", incidentRef(id), postmortemURL(c, id))
			} else {
				fmt.Fprintf(w, "%s already has a postmortem (%s, version %d): %s\n", incidentRef(id),
					strings.ReplaceAll(p.Status, "_", " "), p.Version, postmortemURL(c, id))
			}
			fmt.Fprintf(w, "next: kiban postmortem show %d > %s.md, fill in the prompts, then kiban postmortem edit %d --file %s.md\n",
				id, incidentRef(id), id, incidentRef(id))
			return nil
		},
	}
	tableFlag(cmd, &out)
	return cmd
}

func newPostmortemShowCmd(r *remote) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "show N",
		Short: "Print the postmortem of incident N as Markdown",
		Example: `  kiban postmortem show 3 > INC-3.md
  kiban postmortem show 3 -o json | jq '{status, version, tags}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "markdown" && out != "json" {
				return fmt.Errorf("-o %q: expected markdown or json", out)
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
				return rawJSON(cmd, c, fmt.Sprintf("/api/v1/incidents/%d/postmortem", id), nil)
			}
			p, err := c.Postmortem(cmd.Context(), id)
			if err != nil {
				return noPostmortemHint(err, id)
			}
			body := p.Body
			if !strings.HasSuffix(body, "\n") {
				body += "\n"
			}
			_, err = io.WriteString(cmd.OutOrStdout(), body)
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "markdown", "output format: markdown or json (with status, version, cause and tags)")
	return cmd
}

// noPostmortemHint adds how to start a postmortem to a 404.
func noPostmortemHint(err error, id int64) error {
	if apiclient.StatusOf(err) == http.StatusNotFound {
		return fmt.Errorf("%w; start one with kiban postmortem start %d", err, id)
	}
	return err
}

func newPostmortemExportCmd(r *remote) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "export N",
		Short: "Write the postmortem as a Markdown file with YAML front matter",
		Example: `  kiban postmortem export 3 -o postmortems/INC-3.md
  kiban postmortem export 3 | head`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			md, err := c.ExportPostmortem(cmd.Context(), id)
			if err != nil {
				return noPostmortemHint(err, id)
			}
			if file == "" || file == "-" {
				_, err = cmd.OutOrStdout().Write(md)
				return err
			}
			if err := os.WriteFile(file, md, 0o644); err != nil {
				return fmt.Errorf("postmortem export: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote the postmortem of %s to %s\n", incidentRef(id), file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "output", "o", "-", "file to write (- for standard output)")
	return cmd
}

func newPostmortemEditCmd(r *remote) *cobra.Command {
	var file, cause, out string
	var tags []string
	var version int
	cmd := &cobra.Command{
		Use:   "edit N --file FILE",
		Short: "Save your version of the postmortem of incident N",
		Long: `Edit replaces the postmortem's text with FILE (- for standard input) and,
when given, its cause category and tags (otherwise they stay). It saves
over the version it reads first, or over --version, the version your text
started from (kiban postmortem show N -o json | jq .version): if someone
saved meanwhile, the server refuses the edit (HTTP 409) and nothing is lost.

Cause categories: ` + strings.Join(incident.CauseCategories, ", ") + `.`,
		Example: `  kiban postmortem edit 3 --file INC-3.md --cause dependency --tag psp --tag timeouts
  kiban postmortem show 3 | sed 's/PSP/payment provider/g' | kiban postmortem edit 3 --file -
  kiban postmortem edit 3 --file INC-3.md --version 4`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			id, err := incidentArg(args)
			if err != nil {
				return err
			}
			var body []byte
			if file == "-" {
				body, err = io.ReadAll(cmd.InOrStdin())
			} else {
				body, err = os.ReadFile(file)
			}
			if err != nil {
				return fmt.Errorf("postmortem edit: %w", err)
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			if !c.HasToken() {
				return apiclient.ErrNoToken
			}
			cur, err := c.Postmortem(cmd.Context(), id)
			if err != nil {
				return noPostmortemHint(err, id)
			}
			e := incident.PostmortemEdit{Body: string(body), CauseCategory: cur.CauseCategory, Tags: cur.Tags, Version: cur.Version}
			if cmd.Flags().Changed("cause") {
				e.CauseCategory = cause
			}
			if cmd.Flags().Changed("tag") {
				e.Tags = tags
			}
			if cmd.Flags().Changed("version") {
				e.Version = version
			}
			p, err := c.SavePostmortem(cmd.Context(), id, e)
			if apiclient.StatusOf(err) == http.StatusConflict {
				return fmt.Errorf("%w; your text was not saved: see the current version with kiban postmortem show %d, merge your edit into it and save again", err, id)
			}
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved the postmortem of %s: version %d, %s, cause %s, tags %s\n", incidentRef(id), p.Version,
				strings.ReplaceAll(p.Status, "_", " "), dash(p.CauseCategory), dash(strings.Join(p.Tags, ",")))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "file", "", "the Markdown text to save; - reads standard input (required)")
	f.StringVar(&cause, "cause", "", "cause category: "+strings.Join(incident.CauseCategories, ", "))
	f.StringArrayVar(&tags, "tag", nil, "a tag (one word); repeat for several; replaces the tags")
	f.IntVar(&version, "version", 0, "the version your text started from (default: the current one)")
	tableFlag(cmd, &out)
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func newPostmortemStatusCmd(r *remote, verb, status string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use: verb + " N",
		Example: fmt.Sprintf(`  kiban postmortem %s 3
  kiban postmortem %s INC-3 --token "$KIBAN_TOKEN"`, verb, verb),
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
			p, err := c.SetPostmortemStatus(cmd.Context(), id, status, nil)
			if err != nil {
				return noPostmortemHint(err, id)
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "postmortem of %s is %s: %s\n", incidentRef(id), strings.ReplaceAll(p.Status, "_", " "), postmortemURL(c, id))
			return nil
		},
	}
	switch verb {
	case "submit":
		cmd.Short = "Send the postmortem of incident N to review"
	case "publish":
		cmd.Short = "Publish the reviewed postmortem of incident N to the library"
		cmd.Long = `Publish needs the postmortem in review (kiban postmortem submit), the
incident resolved or closed, and every section of the template present.`
	}
	tableFlag(cmd, &out)
	return cmd
}

func newPostmortemSearchCmd(r *remote) *cobra.Command {
	var service, team, tag, cause, status, out string
	cmd := &cobra.Command{
		Use:   "search [QUERY…]",
		Short: "Search the postmortem library",
		Long: `Search finds postmortems whose title or text has every word of QUERY
(stemmed: "timeouts" finds "timeout"), best match first, or, without a
query, all of them, newest incident first; the flags narrow the results.`,
		Example: `  kiban postmortem search certificate expired
  kiban postmortem search --service checkout --cause dependency
  kiban postmortem search --tag tls --status published -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"q": strings.Join(args, " "), "service": service, "team": team, "tag": tag, "cause": cause, "status": status} {
				if strings.TrimSpace(v) != "" {
					q.Set(k, v)
				}
			}
			c, err := r.client(cmd)
			if err != nil {
				return err
			}
			if out == "json" {
				return rawJSON(cmd, c, "/api/v1/postmortems", q)
			}
			hits, err := c.SearchPostmortems(cmd.Context(), q)
			if err != nil {
				return err
			}
			if len(hits) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no postmortems found")
				return nil
			}
			tw := newTable(cmd.OutOrStdout())
			head := "INCIDENT\tSEV\tSTARTED (UTC)\tPOSTMORTEM\tCAUSE\tTAGS\tTEAM\tTITLE"
			if len(args) > 0 {
				head += "\tMATCH"
			}
			fmt.Fprintln(tw, head)
			for _, h := range hits {
				in := h.Incident
				line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", incidentRef(in.ID), incident.Severity(in.Severity), clock(in.StartedAt),
					strings.ReplaceAll(h.Status, "_", " "), dash(h.Cause), dash(strings.Join(h.Tags, ",")), dash(in.Team), oneLine(in.Title, 70))
				if len(args) > 0 {
					line += "\t" + oneLine(h.Snippet, 90)
				}
				fmt.Fprintln(tw, line)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&service, "service", "", "only incidents affecting this service")
	f.StringVar(&team, "team", "", "only incidents owned by this team")
	f.StringVar(&tag, "tag", "", "only postmortems with this tag")
	f.StringVar(&cause, "cause", "", "only this cause category: "+strings.Join(incident.CauseCategories, ", "))
	f.StringVar(&status, "status", "", "only this review state: draft, in_review or published")
	tableFlag(cmd, &out)
	return cmd
}
