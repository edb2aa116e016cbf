package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/store"
)

func newCostGuardsCmd() *cobra.Command {
	var dir, db, out string
	cmd := &cobra.Command{
		Use:   "guards",
		Short: "Check monitoring vendors' bills against the expected resource counts",
		Long: `Guards evaluates the catalog's MonitoringGuard documents on the last day with
billing data: the distinct resources the vendor billed (hosts, containers…)
against the expected count, and that day's cost against the median of the
week before, each with its tolerance. Exit status 1 when a guard is breached,
so that it can run in a scheduled job; kiban serve also sends each breach to
the team's chat once.`,
		Example: `  kiban cost guards --config catalog --db "$KIBAN_DB"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			guards, err := cost.Guards(cmd.Context(), st, c, time.Now().UTC())
			if err != nil {
				return err
			}
			breached := false
			for _, g := range guards {
				breached = breached || len(g.Breaches) > 0
			}
			if out == "json" {
				err = writeJSON(cmd.OutOrStdout(), guards)
			} else if len(guards) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no MonitoringGuard documents in %s\n", dir)
			} else {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "GUARD\tPROVIDER\tTEAM\tDAY\tRESOURCES\tEXPECTED\tCOST\tUSUAL\tBREACHES")
				for _, g := range guards {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", g.Name, g.Provider, dash(g.Team), dash(g.Day),
						g.Resources, g.Expected, g.Cost.StringFixed(2), g.Usual.StringFixed(2), dash(strings.Join(g.Breaches, "; ")))
				}
				err = tw.Flush()
			}
			if err != nil {
				return err
			}
			if breached {
				return exitError{code: 1}
			}
			return nil
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	tableFlag(cmd, &out)
	return cmd
}
