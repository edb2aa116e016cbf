package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is kiban's version, set at build time with
// -ldflags "-X kiban.dev/kiban/internal/cli.Version=v1.2.3".
var Version = "dev"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print kiban's version",
		Example: "  kiban version",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v := Version
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "kiban", v)
		},
	}
}
