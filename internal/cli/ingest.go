package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/accesslog"
	"kiban.dev/kiban/internal/sli"
	"kiban.dev/kiban/internal/store"
)

func newIngestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Feed SLIs from outside sources",
	}
	var dir, db, format, out string
	logs := &cobra.Command{
		Use:   "logs --format alb|nginx|jsonl FILE…",
		Short: "Count access log requests into the SLIs that select them",
		Long: `Ingest logs reads access logs (gzip or plain; "-" is standard input) and
counts, per minute, the good and total requests of every SLI whose requests
selector (host, method, route pattern) matches them. Raw lines are not
stored. Ingesting the same content twice counts it once. Malformed lines are
counted and reported with their line numbers, never fatal.

Formats: alb (AWS Application Load Balancer), nginx (combined, with
$request_time and "$host" appended for latency and host), jsonl (one JSON
object per line).`,
		Example: `  kiban ingest logs --format alb --config catalog --db "$KIBAN_DB" alb-logs/*.log.gz
  zcat access.log.gz | kiban ingest logs --format nginx -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := accesslog.ParseFormat(format)
			if err != nil {
				return err
			}
			if out != "text" && out != "json" {
				return fmt.Errorf("ingest logs: unknown output %q; expected text or json", out)
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			m, err := sli.NewMatcher(c)
			if err != nil {
				return err
			}
			if len(m.Keys()) == 0 {
				return fmt.Errorf("ingest logs: no SLI in %s selects requests: add sli.requests (host, method, route) to an SLO or a journey step", dir)
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			var results []sli.IngestResult
			failed := false
			for _, name := range args {
				rc, err := accesslog.Open(name, cmd.InOrStdin())
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kiban: %v\n", err)
					failed = true
					continue
				}
				res, err := sli.IngestLogs(cmd.Context(), st, m, rc, name, f, cliActor())
				rc.Close()
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kiban: %v\n", err)
					failed = true
					continue
				}
				results = append(results, res)
				if out == "text" {
					fmt.Fprintln(cmd.OutOrStdout(), summarizeIngest(res))
				}
			}
			if out == "json" {
				if err := writeJSON(cmd.OutOrStdout(), results); err != nil {
					return err
				}
			}
			if failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
	configFlag(logs, &dir)
	dbFlag(logs, &db)
	logs.Flags().StringVar(&format, "format", "", "log format: alb, nginx or jsonl (required)")
	logs.Flags().StringVarP(&out, "output", "o", "text", "output format: text or json")
	_ = logs.MarkFlagRequired("format")
	cmd.AddCommand(logs)
	return cmd
}

func summarizeIngest(r sli.IngestResult) string {
	if r.Duplicate {
		return fmt.Sprintf("%s: already ingested (same content); not counted again", r.Source)
	}
	s := fmt.Sprintf("%s: %d lines, %d requests, %d counted for SLIs into %d minute buckets", r.Source, r.Lines, r.Records, r.Matched, r.Buckets)
	if r.Malformed > 0 {
		var lines []string
		for _, e := range r.Errors {
			lines = append(lines, fmt.Sprint(e.Line))
		}
		s += fmt.Sprintf("; %d malformed lines skipped (lines %s", r.Malformed, strings.Join(lines, ", "))
		if int(r.Malformed) > len(r.Errors) {
			s += ", …"
		}
		s += ")"
	}
	return s
}
