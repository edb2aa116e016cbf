package cli

import (
	"cmp"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/slo/promrules"
)

func newSLOCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "slo",
		Short: "Work with SLOs: Prometheus rules, live status",
	}
	cmd.AddCommand(newSLORulesCmd(), newSLOStatusCmd())
	return cmd
}

func newSLORulesCmd() *cobra.Command {
	var out, format, defaultPeriod, periodRatio string
	var noValidate bool
	var extra []string
	cmd := &cobra.Command{
		Use:   "rules [DIR]",
		Short: "Generate Prometheus recording and alerting rules for every SLO",
		Long: `Rules reads the tree (kiban SLO and Journey documents, Sloth specs) and
writes Prometheus rule groups for every SLO: SLI recording rules per window,
metadata rules and multiwindow, multi-burn-rate page and ticket alerts that
carry the owning team as a label and the runbook as an annotation.

Rule names and labels are Sloth's (slo:sli_error:ratio_rate5m, sloth_id,
sloth_service, sloth_slo…), so Sloth's Grafana dashboards keep working. The
period error ratio is weighted by traffic unless --period-ratio average asks
for Sloth's cheaper average of 5m ratios. The output is checked with
Prometheus' own rule loader before it is written.

A directory that holds only Sloth files works too: services missing from the
catalog are warnings, and their alerts carry no team.`,
		Example: `  kiban slo rules examples/acme -o slo-rules.yaml
  kiban slo rules sloth-specs/ --default-period 28d
  kiban slo rules . --format prometheusrule | kubectl apply -f -
  promtool check rules slo-rules.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// A short-lived batch job: trade memory for fewer collections.
			debug.SetGCPercent(400)
			dir := cmp.Or(os.Getenv(envConfig), ".")
			if len(args) == 1 {
				dir = args[0]
			}
			period, err := catalog.ParseDuration(defaultPeriod)
			if err != nil || period < 24*time.Hour {
				return fmt.Errorf("slo rules: --default-period %q: expected a duration of days such as 30d or 28d", defaultPeriod)
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			for _, d := range c.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), d.String())
			}
			labels := map[string]string{}
			for _, kv := range extra {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("slo rules: --extra-label %q: expected NAME=VALUE", kv)
				}
				labels[k] = v
			}
			slos, err := promrules.Generate(c, promrules.Options{DefaultPeriod: period, PeriodRatio: periodRatio, Version: Version, ExtraLabels: labels})
			if err != nil {
				return err
			}
			if !noValidate {
				if err := promrules.Check(slos); err != nil {
					return err
				}
			}
			data, err := promrules.Marshal(slos, format, Version)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return fmt.Errorf("slo rules: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote rules for %d SLOs to %s\n", len(slos), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&format, "format", promrules.FormatPrometheus, "prometheus (a rule file) or prometheusrule (Kubernetes PrometheusRule objects)")
	cmd.Flags().StringVar(&defaultPeriod, "default-period", "30d", "SLO period for specs that do not give one (Sloth specs)")
	cmd.Flags().StringVar(&periodRatio, "period-ratio", promrules.PeriodRatioTraffic, "traffic (errors / events over the period) or average (Sloth's average of 5m ratios)")
	cmd.Flags().StringArrayVar(&extra, "extra-label", nil, "NAME=VALUE label added to every recording rule, as Sloth's --extra-labels (repeatable)")
	cmd.Flags().BoolVar(&noValidate, "no-validate", false, "skip the check with Prometheus' rule loader")
	return cmd
}
