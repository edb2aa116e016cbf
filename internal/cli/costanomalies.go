package cli

import (
	"cmp"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/store"
)

func newCostAnomaliesCmd() *cobra.Command {
	var db, from, to, out string
	var threshold float64
	var weeks int
	cmd := &cobra.Command{
		Use:   "anomalies",
		Short: "Find days whose cost of a service jumped",
		Long: `Anomalies compares each day's effective cost of every service and service
category with the same weekday over the weeks before (median and median
absolute deviation, so earlier spikes do not hide new ones). A day is
anomalous when its robust z-score reaches --threshold, it costs at least 1.5
times the usual and at least 20 more in the billing currency. Each anomaly
lists the resources whose cost grew the most that day. kiban serve sends
each anomaly of the last week once to the owning team's chat.`,
		Example: `  kiban cost anomalies --db "$KIBAN_DB"
  kiban cost anomalies --from 2026-10-01 --to 2026-11-01 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTable(out); err != nil {
				return err
			}
			end := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
			start := end.AddDate(0, 0, -30)
			if from != "" || to != "" {
				var err error
				if start, end, err = cost.Range("", from, to, time.Now()); err != nil {
					return err
				}
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			found, err := cost.DetectAnomalies(cmd.Context(), st, start, end, cost.AnomalyOptions{Threshold: threshold, Weeks: weeks})
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSON(cmd.OutOrStdout(), found)
			}
			if len(found) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no cost anomaly from %s to %s\n", start.Format(time.DateOnly), end.Format(time.DateOnly))
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DAY\tSERVICE\tCATEGORY\tCOST\tUSUAL\tEXCESS\tSCORE\tTOP RESOURCE")
			for _, a := range found {
				top := "-"
				if len(a.TopResources) > 0 {
					top = fmt.Sprintf("%s (%s %s)", cmp.Or(a.TopResources[0].ResourceID, "(no id)"), a.TopResources[0].Effective.StringFixed(2), a.Currency)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t+%s\t%.1f\t%s\n", a.Day, cmp.Or(a.Service, "(unallocated)"), a.ServiceCategory,
					a.Cost.StringFixed(2), a.Currency, a.Expected.StringFixed(2), a.Excess.StringFixed(2), a.Score, top)
			}
			return tw.Flush()
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: 30 days ago)")
	cmd.Flags().StringVar(&to, "to", "", "day after the last, YYYY-MM-DD")
	cmd.Flags().Float64Var(&threshold, "threshold", 4, "robust z-score from which a day is anomalous")
	cmd.Flags().IntVar(&weeks, "weeks", 6, "weeks of history each day is compared with (4 to 8)")
	tableFlag(cmd, &out)
	return cmd
}
