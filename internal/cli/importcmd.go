package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/catalog"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Print foreign documents as kiban documents",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "backstage FILE…",
		Short: "Print Backstage entities as kiban Team and Service documents",
		Long: `Import reads Backstage catalog files (backstage.io/v1alpha1 Group, User,
Component, System, Resource) and prints the equivalent kiban documents on
standard output. Groups become Teams with their Users as members;
Components and Resources become Services, their system the product.
Other kinds (API, Domain, Location, Template) are skipped. "-" reads
standard input.

kiban also reads Backstage files as they are in the config tree: importing
is only needed to move to kiban's own format.`,
		Example: `  kiban import backstage catalog-info.yaml > services.yaml
  kiban import backstage group.yaml users.yaml components.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files := make([]catalog.File, 0, len(args))
			for _, name := range args {
				var (
					b   []byte
					err error
				)
				if name == "-" {
					b, err = io.ReadAll(cmd.InOrStdin())
					name = "<stdin>"
				} else {
					b, err = os.ReadFile(name)
				}
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				files = append(files, catalog.File{Name: name, Data: b})
			}
			conv, err := catalog.ConvertBackstage(cmd.Context(), files)
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			for _, d := range conv.Diagnostics {
				fmt.Fprintln(cmd.ErrOrStderr(), d.String())
			}
			if conv.Diagnostics.HasErrors() {
				return exitError{code: 1}
			}
			if len(conv.Teams)+len(conv.Services) == 0 {
				return errors.New("import: no Backstage Group, User, Component or Resource found")
			}
			out, err := catalog.MarshalDocuments(conv.Teams, conv.Services)
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	})
	return cmd
}
