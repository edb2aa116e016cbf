package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/store"
)

func newCostCommitmentsCmd() *cobra.Command {
	var db, from, to, out string
	cmd := &cobra.Command{
		Use:   "commitments",
		Short: "Savings Plans and reservations: utilisation and coverage",
		Long: `Commitments reads FOCUS's CommitmentDiscount columns: for each commitment and
month, what was purchased, the usage it covered (status Used) and what went
unused, so utilisation = used / (used + unused); for each provider and month,
coverage = covered usage / (covered + on-demand usage) in the service
categories commitments apply to.`,
		Example: `  kiban cost commitments --db "$KIBAN_DB"
  kiban cost commitments --from 2026-06 --to 2026-12 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			start, end, err := cost.MonthRange(from, to, time.Now())
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := cost.Commitments(cmd.Context(), st, start, end)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			if len(r.Coverage) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no commitment discount from %s to %s\n", r.From, r.To)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MONTH\tPROVIDER\tCOVERED\tON DEMAND\tCOVERAGE\tUTILISATION")
			for _, c := range r.Coverage {
				fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\n", c.Month, dash(c.Provider), c.Covered.StringFixed(2), c.Currency,
					c.OnDemand.StringFixed(2), ratioPct(c.Coverage), ratioPct(c.Utilization))
			}
			fmt.Fprintln(tw, "\nMONTH\tCOMMITMENT\tTYPE\tPURCHASED\tUSED\tUNUSED\tUTILISATION")
			for _, u := range r.Commitments {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Month, u.ID, dash(u.Type), u.Purchased.StringFixed(2),
					u.Used.StringFixed(2), u.Unused.StringFixed(2), ratioPct(u.Utilization))
			}
			return tw.Flush()
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&from, "from", "", "first month, YYYY-MM (default: six months before --to)")
	cmd.Flags().StringVar(&to, "to", "", "month after the last, YYYY-MM (default: next month)")
	tableFlag(cmd, &out)
	return cmd
}

func ratioPct(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}
