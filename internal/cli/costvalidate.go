package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/focusrules"
)

// costValidateJSON is cost validate's JSON output.
type costValidateJSON struct {
	OK    bool                 `json:"ok"`
	Files []*focusrules.Report `json:"files"`
}

func newCostValidateCmd() *cobra.Command {
	var out string
	var claims, nulls []string
	var maxExamples int
	var asPublished bool
	cmd := &cobra.Command{
		Use:   "validate FILE…",
		Short: "Check billing exports against the FOCUS 1.2 requirements model",
		Long: `Validate reports how far FinOps FOCUS exports (CSV, gzip or plain, or Parquet;
"-" for standard input) conform to FOCUS 1.2, rule by rule, from the official
requirements model of the FOCUS validator (finopsfoundation/focus_validator,
model-1.2.json, 621 rules) built into kiban. The file is streamed, so its size
does not matter.

The dataset rules are checked on the header (which columns are present), the
column rules on every row, each only on the rows its condition selects: type
and format (decimal, numeric format, ISO 8601 UTC date/time, JSON key-value,
currency codes), nullability, allowed values, the products of unit price and
quantity, and which values go together. The empty field and the literal NULL
are null (--null changes the literal).

A rule that needs an applicability criterion of the provider (commitment
discounts, regions, tags…) is not applicable unless the criterion is claimed
with --applicability (ALL claims every one). Dynamic rules, which the model
gives no machine-checkable form (they need invoices, price lists or history),
MAY rules (permissions) and FormatUnit are reported as not checked, with the
reason, never as passed. Twelve rules whose encoding in the model contradicts
their own text (e.g. CommitmentDiscountStatus's allowed values) are checked as
their text says; --as-published checks them as encoded.

Each failing requirement is one line at its first failing line, as a linter
writes it, with the value found, the count and the first lines; then a
summary. -o json has every rule with its status, reason and examples. The
exit status is 1 when a MUST requirement fails (or a row cannot be read).

Applicability criteria (--applicability):
` + criteriaList(),
		Example: `  kiban cost validate focus-2026-10.csv.gz
  kiban cost validate focus-2026-11-00001.snappy.parquet
  kiban cost validate --applicability COMMITMENT_DISCOUNT_SUPPORTED --applicability REGION_SUPPORTED export.csv
  kiban cost validate --applicability ALL -o json export.csv | jq '.files[].rules[] | select(.status == "fail")'
  aws s3 cp s3://billing/focus/2026-11.csv.gz - | kiban cost validate -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "text" && out != "json" {
				return fmt.Errorf("cost validate: unknown output %q; expected text or json", out)
			}
			if maxExamples < 0 {
				return fmt.Errorf("cost validate: --max-examples %d is negative", maxExamples)
			}
			model, err := focusrules.Embedded()
			if asPublished {
				model, err = focusrules.EmbeddedAsPublished()
			}
			if err != nil {
				return err
			}
			opt := focusrules.Options{Applicability: claims, MaxExamples: maxExamples, NullValues: nulls}
			if maxExamples == 0 {
				opt.MaxExamples = -1
			}
			res := costValidateJSON{OK: true, Files: []*focusrules.Report{}}
			for _, name := range args {
				rep, err := validateFOCUSFile(cmd, model, name, opt)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kiban: cost validate: %s: %v\n", name, err)
					res.OK = false
					continue
				}
				res.OK = res.OK && rep.OK()
				res.Files = append(res.Files, rep)
				if out == "text" {
					if err := rep.WriteText(cmd.OutOrStdout()); err != nil {
						return err
					}
				}
			}
			if out == "json" {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			}
			if !res.OK {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&claims, "applicability", nil, "an applicability criterion the provider claims (repeatable, or comma-separated; ALL claims every one)")
	cmd.Flags().IntVar(&maxExamples, "max-examples", focusrules.DefaultMaxExamples, "failing rows kept per rule, with line and values (0: none)")
	cmd.Flags().StringArrayVar(&nulls, "null", []string{"NULL"}, "a value read as null besides the empty field (repeatable: --null NULL --null null)")
	cmd.Flags().BoolVar(&asPublished, "as-published", false, "check every rule as the model encodes it, without kiban's corrections")
	outputFlag(cmd, &out, "text or json")
	return cmd
}

func validateFOCUSFile(cmd *cobra.Command, model *focusrules.Model, name string, opt focusrules.Options) (*focusrules.Report, error) {
	opt.Source = name
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return model.Validate(r, opt)
}

// criteriaList lists the model's applicability criteria for --help.
func criteriaList() string {
	m, err := focusrules.Embedded()
	if err != nil {
		return "(the model does not load: " + err.Error() + ")"
	}
	names := make([]string, 0, len(m.Criteria))
	for k := range m.Criteria {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	line := " "
	for i, n := range names {
		n = " " + n
		if i < len(names)-1 {
			n += ","
		}
		if len(line)+len(n) > 78 {
			b.WriteString(line + "\n")
			line = " "
		}
		line += n
	}
	b.WriteString(line)
	return b.String()
}
