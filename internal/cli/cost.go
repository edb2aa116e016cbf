package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

func newCostCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Import billing exports and report cost by team and service",
	}
	cmd.AddCommand(newCostImportCmd(), newCostReportCmd(), newCostBudgetsCmd(), newCostAnomaliesCmd(), newCostCommitmentsCmd(), newCostGuardsCmd(), newCostValidateCmd())
	return cmd
}

func newCostImportCmd() *cobra.Command {
	var dir, db, out string
	var skipBad bool
	var keepRaw int
	cmd := &cobra.Command{
		Use:   "import FILE…",
		Short: "Import FOCUS billing exports, allocated to services and teams",
		Long: `Import reads FinOps FOCUS 1.0-1.2 exports in CSV (gzip or plain) or Parquet
("-" for standard input), or a provider's native export converted to FOCUS:
AWS Cost and Usage Reports (legacy and 2.0), Azure cost details (EA and MCA,
actual and amortized, any header spelling), the Google Cloud billing export as
CSV and Oracle Cloud cost reports (detected from the header). It allocates every row to a catalog service and its team by the
resources the Services declare (resource id patterns, then tag matchers, then
accounts: the sub-account, then the billing account), and rolls the cost up
per day and per resource. Money is exact decimal.

Importing a billing period again replaces it, so nothing counts twice. Each
file is one transaction: a malformed row fails the file and leaves the data
as it was, unless --skip-bad-rows, which imports the good rows and lists the
bad. What the import tolerated (literal NULL, timestamps without T or Z, an
extra column) is reported.

Only the roll-ups are kept by default; --keep-raw-days N also keeps the raw
rows of the last N days (and prunes older ones).`,
		Example: `  kiban cost import --config catalog --db "$KIBAN_DB" focus-2026-10.csv.gz
  kiban cost import --config catalog --db "$KIBAN_DB" focus-2026-11-00001.snappy.parquet
  aws s3 cp s3://billing/focus/2026-11.csv.gz - | kiban cost import -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "text" && out != "json" {
				return fmt.Errorf("cost import: unknown output %q; expected text or json", out)
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
			res := ownership.New(c)
			var results []cost.Result
			failed := false
			for _, name := range args {
				r, err := importFile(cmd, st, name, cost.Options{Source: name, Actor: cliActor(), SkipBadRows: skipBad,
					Resolver: res, KeepRawDays: keepRaw})
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kiban: %v\n", err)
					failed = true
					continue
				}
				results = append(results, r)
				if out == "text" {
					printImport(cmd.OutOrStdout(), r)
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
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&skipBad, "skip-bad-rows", false, "import the good rows of a file with malformed ones, and list the bad")
	cmd.Flags().IntVar(&keepRaw, "keep-raw-days", 0, "also keep the raw rows of the last N days (0: only the roll-ups)")
	cmd.Flags().StringVarP(&out, "output", "o", "text", "output format: text or json")
	return cmd
}

func importFile(cmd *cobra.Command, st *store.Store, name string, opts cost.Options) (cost.Result, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return cost.Result{}, fmt.Errorf("cost import: %w", err)
		}
		defer f.Close()
		r = f
	}
	return cost.Import(cmd.Context(), st, r, opts)
}

func printImport(w io.Writer, r cost.Result) {
	var totals []string
	for _, t := range r.Totals {
		totals = append(totals, fmt.Sprintf("billed %s %s, effective %s", t.Billed.StringFixed(2), t.Currency, t.Effective.StringFixed(2)))
	}
	var periods []string
	for _, p := range r.Periods {
		periods = append(periods, fmt.Sprintf("%s %s %s", p.Provider, p.BillingAccount, p.BillingPeriod[:7]))
	}
	fmt.Fprintf(w, "%s: %s, %d rows (%s); replaced %s\n", r.Source, r.Format, r.Rows, strings.Join(totals, "; "), strings.Join(periods, ", "))
	alloc := fmt.Sprintf("  allocated: %d by resource id, %d by tags, %d by account, %d unallocated",
		r.Allocated[ownership.RuleResourceID], r.Allocated[ownership.RuleTags], r.Allocated[ownership.RuleAccount], r.Allocated["unallocated"])
	fmt.Fprintln(w, alloc)
	for _, t := range r.Tolerated {
		fmt.Fprintf(w, "  tolerated: %s, %d times (first at line %d: %s)\n", t.Kind, t.Count, t.FirstLine, t.Example)
	}
	if len(r.Extra) > 0 {
		fmt.Fprintf(w, "  columns kiban does not use: %s\n", strings.Join(r.Extra, ", "))
	}
	if r.Skipped > 0 {
		fmt.Fprintf(w, "  skipped %d malformed rows:\n", r.Skipped)
		for _, b := range r.BadRows {
			fmt.Fprintf(w, "    %s\n", b)
		}
	}
}

func newCostReportCmd() *cobra.Command {
	var dir, db, team, service, month, from, to, out string
	var top int
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Report cost of the organisation, a team or a service",
		Long: `Report sums the imported cost of a selection over a month or a range of
days: billed, effective and list cost (the savings), by month, provider,
service category and charge category, the daily trend and the most expensive
resources. Without --team or --service it also shows cost by team and what
no service claims (unallocated) with its largest resources. The cost of
services that declare spec.sharedCost is split among the services that share
them (shown as shared_in).`,
		Example: `  kiban cost report --team shop-checkout --month 2026-10
  kiban cost report --service checkout --from 2026-08-01 --to 2026-11-01 -o md
  kiban cost report -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out != "table" && out != "json" && out != "md" {
				return fmt.Errorf("cost report: unknown output %q; expected table, json or md", out)
			}
			q := cost.ReportQuery{Team: team, Service: service, TopResources: top}
			var err error
			if q.From, q.To, err = cost.Range(month, from, to, time.Now()); err != nil {
				return err
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			if _, ok := c.Team(team); team != "" && !ok {
				return fmt.Errorf("cost report: team %q is not in the catalog", team)
			}
			if _, ok := c.Service(service); service != "" && !ok {
				return fmt.Errorf("cost report: service %q is not in the catalog", service)
			}
			q.Catalog = c
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := cost.Build(cmd.Context(), st, q)
			if err != nil {
				return err
			}
			switch out {
			case "json":
				return writeJSON(cmd.OutOrStdout(), r)
			case "md":
				return cost.WriteMarkdown(cmd.OutOrStdout(), r)
			}
			return writeCostTable(cmd.OutOrStdout(), r)
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&team, "team", "", "only this team's cost")
	cmd.Flags().StringVar(&service, "service", "", "only this service's cost")
	cmd.Flags().StringVar(&month, "month", "", "a month, YYYY-MM (default: the current month)")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (with --to instead of --month)")
	cmd.Flags().StringVar(&to, "to", "", "day after the last, YYYY-MM-DD")
	cmd.Flags().IntVar(&top, "top", 10, "how many resources to list")
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or md")
	return cmd
}

func writeCostTable(w io.Writer, r cost.Report) error {
	who := "the organisation"
	switch {
	case r.Service != "":
		who = "service " + r.Service
	case r.Team != "":
		who = "team " + r.Team
	}
	fmt.Fprintf(w, "Cost of %s from %s to %s (exclusive), %d days with data\n", who, r.From, r.To, r.ImportedDays)
	if len(r.Totals) == 0 {
		fmt.Fprintln(w, "no cost imported for this selection (kiban cost import FILE…)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTOTAL\tCURRENCY\tBILLED\tEFFECTIVE\tLIST\tSAVINGS")
	for _, t := range r.Totals {
		fmt.Fprintf(tw, "total\t%s\t%s\t%s\t%s\t%s\n", t.Currency, t.Billed.StringFixed(2), t.Effective.StringFixed(2),
			t.List.StringFixed(2), t.Savings().StringFixed(2))
	}
	for _, u := range r.Unallocated {
		fmt.Fprintf(tw, "unallocated\t%s\t%s\t%s\t%s\t%s\n", u.Currency, u.Billed.StringFixed(2), u.Effective.StringFixed(2),
			u.List.StringFixed(2), u.Savings().StringFixed(2))
	}
	for _, sec := range []struct {
		title string
		lines []cost.Line
	}{
		{"MONTH", r.ByMonth}, {"TEAM", r.ByTeam}, {"SERVICE", r.ByService}, {"PROVIDER", r.ByProvider},
		{"SERVICE CATEGORY", r.ByServiceCategory}, {"CHARGE CATEGORY", r.ByChargeCategory},
	} {
		if len(sec.lines) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\tCURRENCY\tBILLED\tEFFECTIVE\tLIST\tSAVINGS\n", sec.title)
		for _, l := range sec.lines {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Key, l.Currency, l.Billed.StringFixed(2), l.Effective.StringFixed(2),
				l.List.StringFixed(2), l.Savings().StringFixed(2))
		}
	}
	for _, sec := range []struct {
		title string
		lines []cost.ResourceLine
	}{{"TOP RESOURCES: PROVIDER", r.TopResources}, {"TOP UNALLOCATED RESOURCES: PROVIDER", r.TopUntagged}} {
		if len(sec.lines) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\tSERVICE\tTAGGED\tEFFECTIVE\tRESOURCE\n", sec.title)
		for _, l := range sec.lines {
			tagged := "no"
			if l.Tagged {
				tagged = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", l.Provider, dash(l.Service), tagged,
				l.Effective.StringFixed(2), l.Currency, dash(l.ResourceID))
		}
	}
	return tw.Flush()
}
