package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/catalog"
)

func newLintCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Validate the tree of YAML documents",
		Long: `Lint reads every .yaml and .yml file under DIR (default: $KIBAN_CONFIG,
else the current directory; hidden files and directories are skipped) and checks kiban and
Backstage documents: YAML syntax, kinds and fields, owners, duplicate names,
dangling dependencies and teams, and dependency cycles.

Every finding names file:line:col, the field path and what was expected.
Lint exits 1 when there is an error and 0 otherwise, printing a one-line
summary. Use -o github in GitHub Actions to annotate the pull request.`,
		Example: `  kiban lint examples/acme
  kiban lint -o json . | jq '.diagnostics[]'
  kiban lint -o github catalog/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := cmp.Or(os.Getenv(envConfig), ".")
			if len(args) == 1 {
				dir = args[0]
			}
			return runLint(cmd, dir, out)
		},
	}
	outputFlag(cmd, &out, "text, json or github")
	return cmd
}

// lintReport is lint's JSON output.
type lintReport struct {
	OK          bool                 `json:"ok"`
	Files       int                  `json:"files"`
	Documents   int                  `json:"documents"`
	Teams       int                  `json:"teams"`
	Services    int                  `json:"services"`
	Concerns    int                  `json:"concerns"`
	SLOs        int                  `json:"slos"`
	Journeys    int                  `json:"journeys"`
	Errors      int                  `json:"errors"`
	Warnings    int                  `json:"warnings"`
	Diagnostics []lintDiagnosticJSON `json:"diagnostics"`
}

type lintDiagnosticJSON struct {
	catalog.Diagnostic
	Severity string `json:"severity"`
}

func runLint(cmd *cobra.Command, dir, format string) error {
	switch format {
	case "text", "json", "github":
	default:
		return fmt.Errorf("lint: unknown output %q; expected text, json or github", format)
	}
	c, err := catalog.Load(cmd.Context(), dir)
	var diags catalog.Diagnostics
	var cerr *catalog.Error
	rep := lintReport{OK: c != nil, Diagnostics: []lintDiagnosticJSON{}}
	switch {
	case errors.As(err, &cerr):
		diags = cerr.Diagnostics
		rep.Files, rep.Documents = cerr.Files, cerr.Documents
	case err != nil:
		return err
	default:
		diags = c.Warnings
		rep.Files, rep.Documents = c.Files, c.Documents
		rep.Teams, rep.Services, rep.Concerns = len(c.Teams), len(c.Services), len(c.Concerns)
		rep.SLOs, rep.Journeys = len(c.SLOs), len(c.Journeys)
	}
	if rep.Files == 0 {
		// A mistyped path in CI must not pass as an empty, valid tree.
		return fmt.Errorf("lint: no .yaml or .yml file under %s", dir)
	}
	rep.Errors, rep.Warnings = len(diags.Errors()), len(diags.Warnings())
	w := cmd.OutOrStdout()
	switch format {
	case "json":
		for _, d := range diags {
			rep.Diagnostics = append(rep.Diagnostics, lintDiagnosticJSON{Diagnostic: d, Severity: d.Severity.String()})
		}
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	case "github":
		for _, d := range diags {
			fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,title=kiban lint::%s\n", d.Severity, d.File, d.Line, d.Col, githubEscape(pathMessage(d)))
		}
		printSummary(w, rep)
	default:
		for _, d := range diags {
			fmt.Fprintln(w, d.String())
		}
		printSummary(w, rep)
	}
	if !rep.OK {
		return exitError{code: 1}
	}
	return nil
}

func pathMessage(d catalog.Diagnostic) string {
	if d.Path == "" {
		return d.Message
	}
	return d.Path + ": " + d.Message
}

func githubEscape(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func printSummary(w io.Writer, r lintReport) {
	if !r.OK {
		fmt.Fprintf(w, "%s, %s\n", plural(r.Errors, "error"), plural(r.Warnings, "warning"))
		return
	}
	parts := []string{plural(r.Teams, "team"), plural(r.Services, "service"), plural(r.Concerns, "concern")}
	if r.SLOs > 0 || r.Journeys > 0 {
		parts = append(parts, plural(r.SLOs, "SLO"), plural(r.Journeys, "journey"))
	}
	fmt.Fprintf(w, "ok: %s in %s (%s)\n", strings.Join(parts, ", "), plural(r.Files, "file"), plural(r.Warnings, "warning"))
}
