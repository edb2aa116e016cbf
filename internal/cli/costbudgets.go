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

func newCostBudgetsCmd() *cobra.Command {
	var dir, db, month, out string
	cmd := &cobra.Command{
		Use:   "budgets",
		Short: "Show each cost budget's spend and month-end forecast",
		Long: `Budgets evaluates the catalog's CostBudget documents for the current month
(or --month, as of its last day): effective cost so far, the month-end
forecast and the thresholds reached. The forecast projects each remaining
day as the median of the last four known days of the same weekday.`,
		Example: `  kiban cost budgets --config catalog --db "$KIBAN_DB"
  kiban cost budgets --month 2026-10 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			asOf, err := cost.BudgetDay(month, time.Now().UTC())
			if err != nil {
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
			statuses, err := cost.Budgets(cmd.Context(), st, c, asOf)
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), statuses)
			}
			if len(statuses) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no CostBudget documents in %s\n", dir)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "BUDGET\tFOR\tOWNER\tMONTH\tAMOUNT\tSPENT\t%\tFORECAST\t%\tTHROUGH\tREACHED")
			for _, s := range statuses {
				what := "team " + s.Team
				if s.Service != "" {
					what = "service " + s.Service
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\t%.1f%%\t%s\t%.1f%%\t%s\t%s\n", s.Name, what, s.Owner, s.Forecast.Month,
					s.Amount.StringFixed(2), s.Currency, s.Forecast.Actual.StringFixed(2), s.ActualPercent,
					s.Forecast.MonthEnd.StringFixed(2), s.ForecastPercent, dash(s.Forecast.Through), dash(strings.Join(s.Crossed, ", ")))
			}
			return tw.Flush()
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&month, "month", "", "a past month, YYYY-MM (default: the current month)")
	tableFlag(cmd, &out)
	return cmd
}
