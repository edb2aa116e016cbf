// Package cli holds kiban's commands: it parses flags and calls the
// feature packages. Run is the whole program; cmd/kiban only calls it.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// Defaults, overridable by environment so that a deployment sets them
// once.
const (
	envConfig = "KIBAN_CONFIG"
	envDB     = "KIBAN_DB"
	defaultDB = "sqlite:kiban.db"
)

// exitError ends the program with a code and no further message: the
// command has already said what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run executes kiban with the given arguments and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "kiban: %v\n", err)
	return 1
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "kiban",
		Short: "The SRE platform: catalog and ownership, SLOs, incidents, cost",
		Long: `kiban turns ownership, SLOs, alerts, incidents and cost into a system that
product teams use themselves. Teams and services live as YAML documents in
git; kiban lints them, answers "who owns this?", and serves a web UI and
JSON API.`,
		Example: `  kiban lint examples/acme
  kiban who checkout database-backup --config examples/acme
  kiban serve --config examples/acme`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Commands other than serve log only warnings, in text, so that
		// their output stays what the user asked for.
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			slog.SetDefault(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})))
		},
	}
	root.AddCommand(newLintCmd(), newWhoCmd(), newSLOCmd(), newGateCmd(), newIngestCmd(), newAlertmanagerCmd(), newImportCmd(), newCostCmd(), newServeCmd(), newTokenCmd(),
		newIncidentCmd(), newPostmortemCmd(), newVersionCmd())
	return root
}

// configFlag adds --config with its environment default.
func configFlag(cmd *cobra.Command, dir *string) {
	def := os.Getenv(envConfig)
	if def == "" {
		def = "."
	}
	cmd.Flags().StringVarP(dir, "config", "c", def, "directory of YAML documents (env "+envConfig+")")
}

// dbFlag adds --db with its environment default.
func dbFlag(cmd *cobra.Command, url *string) {
	cmd.Flags().StringVar(url, "db", defaultDBFromEnv(), "store: sqlite:PATH or postgres://… (env "+envDB+")")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func outputFlag(cmd *cobra.Command, out *string, allowed string) {
	cmd.Flags().StringVarP(out, "output", "o", "text", "output format: "+allowed)
}

func defaultDBFromEnv() string {
	if v := os.Getenv(envDB); v != "" {
		return v
	}
	return defaultDB
}
