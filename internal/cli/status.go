package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/gate"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// parseAt reads --at: RFC 3339, a date, or empty for now.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: expected a time such as 2026-11-20T14:00:00Z or a date", s)
}

func newSLOStatusCmd() *cobra.Command {
	var dir, db, service, out, at, promURL string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every SLO's remaining error budget, burn rates and alerts",
		Long: `Status evaluates the SLOs of the tree on the counts kiban stores (from access
logs and the events API): the SLI over the window, the remaining error
budget (as a ratio and in minutes of full outage), the burn rate over each
alert window, the time to exhaustion at the last hour's burn and which burn
alerts fire. Worst budget first.`,
		Example: `  kiban slo status --config examples/acme --db sqlite:kiban.db
  kiban slo status --service checkout -o json
  kiban slo status --at 2026-11-20T14:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			if out != "table" && out != "json" {
				return fmt.Errorf("slo status: unknown output %q; expected table or json", out)
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			if service != "" {
				if _, ok := c.Service(service); !ok {
					return fmt.Errorf("slo status: unknown service %q", service)
				}
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			prom, err := prometheusSource(promURL)
			if err != nil {
				return err
			}
			all, err := slostatus.EvaluateAllWith(cmd.Context(), st, prom, c, service, when)
			if err != nil {
				return err
			}
			if out == "json" {
				if all == nil {
					all = []slostatus.Status{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"at": when, "slos": all})
			}
			writeStatusTable(cmd.OutOrStdout(), all)
			return nil
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&service, "service", "", "only this service's SLOs")
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table or json")
	cmd.Flags().StringVar(&at, "at", "", "evaluate as of this time (RFC 3339); now when empty")
	prometheusFlag(cmd, &promURL)
	return cmd
}

func pct(f float64) string { return fmt.Sprintf("%.3f%%", f*100) }

func writeStatusTable(w io.Writer, all []slostatus.Status) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SLO\tTEAM\tOBJECTIVE\tSLI\tBUDGET LEFT\tMINUTES LEFT\tBURN 1H\tEXHAUSTED IN\tALERTS")
	for _, s := range all {
		if !s.OK {
			fmt.Fprintf(tw, "%s\t%s\t%s%%\tno data\t\t\t\t\t\n", s.ID, s.Team, formatObjective(s.Objective))
			continue
		}
		burn := "—"
		for _, b := range s.BurnRates {
			if b.Window == "1h" && b.OK {
				burn = fmt.Sprintf("%.2fx", b.BurnRate)
			}
		}
		exhaust := "—"
		if s.Exhaustion != nil {
			exhaust = s.Exhaustion.Text
		}
		var firing []string
		for _, a := range s.Alerts {
			if a.Firing {
				firing = append(firing, a.Name)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%%\t%s\t%s\t%.1f\t%s\t%s\t%s\n", s.ID, s.Team, formatObjective(s.Objective), pct(s.SLI),
			fmt.Sprintf("%.1f%%", s.Remaining*100), s.RemainingMinutes, burn, exhaust, strings.Join(firing, ","))
	}
	tw.Flush()
}

func formatObjective(p float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", p), "0"), ".")
}

func newGateCmd() *cobra.Command {
	var dir, db, journey, at, change, promURL string
	cmd := &cobra.Command{
		Use:   "gate SERVICE",
		Short: "Exit 0 when a release may go, 1 when the error budget policy blocks it",
		Long: `Gate is the release step of a CI/CD pipeline. It evaluates the service's SLOs
(or the SLO of one journey) and applies the service's ErrorBudgetPolicy: when
the remaining budget of an SLO is below a threshold whose actions include
freeze, the release is blocked (exit 1) unless it is a fix (--change fix).
It prints one line saying why. Without a policy, an exhausted budget blocks.
Exit 2 means the gate could not decide (bad input, store unavailable).`,
		Example: `  kiban gate checkout --config catalog --db "$KIBAN_DB"
  kiban gate checkout --journey checkout
  kiban gate checkout --change fix      # fixes may ship during a freeze`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			when, err := parseAt(at)
			if err != nil {
				return exitWith(cmd, 2, err)
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return exitWith(cmd, 2, err)
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return exitWith(cmd, 2, err)
			}
			defer st.Close()
			prom, err := prometheusSource(promURL)
			if err != nil {
				return exitWith(cmd, 2, err)
			}
			d, err := gate.Decide(cmd.Context(), st, c, gate.Request{Service: args[0], Journey: journey, Change: change, At: when, Prometheus: prom})
			if err != nil {
				return exitWith(cmd, 2, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), d.Reason)
			if !d.Allow {
				return exitError{code: 1}
			}
			return nil
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&journey, "journey", "", "only the SLO that targets this journey")
	cmd.Flags().StringVar(&at, "at", "", "decide as of this time (RFC 3339); now when empty")
	cmd.Flags().StringVar(&change, "change", "", "kind of change: fix ships through a freeze")
	prometheusFlag(cmd, &promURL)
	return cmd
}

// prometheusFlag adds --prometheus with its environment default.
func prometheusFlag(cmd *cobra.Command, url *string) {
	cmd.Flags().StringVar(url, "prometheus", os.Getenv("KIBAN_PROMETHEUS"), "Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics) for SLOs without stored counts (env KIBAN_PROMETHEUS)")
}

func prometheusSource(url string) (*promsli.Source, error) {
	if url == "" {
		return nil, nil
	}
	return promsli.New(url, 10*time.Second)
}

// exitWith prints an error and ends with a code.
func exitWith(cmd *cobra.Command, code int, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "kiban: %v\n", err)
	return exitError{code: code}
}
