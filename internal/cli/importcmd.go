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
			files, err := readImportFiles(cmd, args)
			if err != nil {
				return err
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
	cmd.AddCommand(&cobra.Command{
		Use:   "openslo FILE…",
		Short: "Print OpenSLO SLOs as kiban SLO and Journey documents",
		Long: `Import reads OpenSLO files (openslo/v1: SLO, SLI, Service, DataSource,
AlertPolicy, AlertCondition, AlertNotificationTarget; and openslo/v1alpha as
Sloth reads it) and prints the equivalent kiban SLO documents on standard
output, and a Journey for each composite SLO. Give every file the SLOs refer
to (SLIs by indicatorRef, DataSources by metricSourceRef). "-" reads standard
input.

One objective becomes one SLO named after the OpenSLO SLO; several objectives
become one SLO each, named <slo>-<objective displayName or index>; objectives
with compositeWeight (or each with its own indicator) become a Journey whose
steps are the objectives, combined as a weighted average, and one SLO of that
journey. v1alpha objectives are named <slo>-<index> and have their alerts
disabled, as Sloth does, so that the rules stay Sloth's.

kiban evaluates PromQL only: an SLO whose metric source is not Prometheus, or
whose query has no {{.window}} placeholder, is skipped with a warning. Alert
policies are not converted: kiban alerts with its multiwindow, multi-burn-rate
catalog. Warnings go to standard error; errors exit 1.

kiban also reads OpenSLO files as they are in the config tree: importing is
only needed to move to kiban's own format.`,
		Example: `  kiban import openslo slos.yaml slis.yaml > slos.kiban.yaml
  kiban import openslo openslo/*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importSLOs(cmd, args, catalog.FormatOpenSLO, "OpenSLO")
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "sloth FILE…",
		Short: "Print Sloth SLO specs as kiban SLO documents",
		Long: `Import reads Sloth specs (version: prometheus/v1 files, sloth.slok.dev/v1
PrometheusServiceLevel objects, and OpenSLO v1alpha as Sloth reads it) and
prints the equivalent kiban SLO documents on standard output, with the same
SLO names and ids, so that the generated rules keep Sloth's sloth_id and
sloth_slo labels (OpenSLO v1alpha SLOs are <slo>-<index>, alerts disabled, as
in Sloth). "-" reads standard input.

A Sloth spec gives no SLO period: the kiban SLOs have none either, and kiban
slo rules --default-period applies, as Sloth's own flag does. AlertWindows
have no kiban document: kiban reads them as they are. Warnings go to
standard error; errors exit 1.

kiban also reads Sloth files as they are in the config tree: importing is
only needed to move to kiban's own format.`,
		Example: `  kiban import sloth slos/*.yml > slos.yaml
  kiban import sloth - < getting-started.yml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importSLOs(cmd, args, catalog.FormatSloth, "Sloth")
		},
	})
	return cmd
}

// readImportFiles reads the files named on the command line; "-" is
// standard input.
func readImportFiles(cmd *cobra.Command, args []string) ([]catalog.File, error) {
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
			return nil, fmt.Errorf("import: %w", err)
		}
		files = append(files, catalog.File{Name: name, Data: b})
	}
	return files, nil
}

// importSLOs prints the kiban documents equivalent to foreign SLO specs.
func importSLOs(cmd *cobra.Command, args []string, format, what string) error {
	files, err := readImportFiles(cmd, args)
	if err != nil {
		return err
	}
	conv, err := catalog.ConvertSLOs(cmd.Context(), files, format)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, d := range conv.Diagnostics {
		fmt.Fprintln(cmd.ErrOrStderr(), d.String())
	}
	if conv.Diagnostics.HasErrors() {
		return exitError{code: 1}
	}
	if len(conv.SLOs)+len(conv.Journeys) == 0 {
		return fmt.Errorf("import: no %s SLO that kiban can evaluate found", what)
	}
	out, err := catalog.MarshalSLODocuments(conv.Journeys, conv.SLOs)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	_, err = cmd.OutOrStdout().Write(out)
	return err
}
