package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/amconfig"
)

func newAlertmanagerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alertmanager",
		Short: "Alertmanager configuration from the catalog",
	}
	var dir, fallback, receivers, secrets, out, kibanURL, kibanToken string
	config := &cobra.Command{
		Use:   "config",
		Short: "Print an Alertmanager configuration routing alerts to their owning team",
		Long: `Config prints an Alertmanager configuration whose route tree and receivers
come from the catalog's teams: an alert whose team label names a team goes
to the team's page receiver (spec.alertmanager.receiver, else <team>-page)
when its severity is page (sloth_severity="page", or severity page or
critical) and to <team>-ticket otherwise. Receivers post to the team's chat
webhook (spec.chat.webhook, or a file named like spec.chat.webhookEnv under
--secrets-dir). Pager integrations come from --receivers: a hand-written
receiver with the same name replaces the generated one. Alerts without a
known team go to "unowned", the --fallback-team's channel.

With --kiban-url, a first route (continue: true) also sends every alert to
kiban's webhook, so that alerts reach incidents: create an editor token with
kiban token create and put it in --kiban-token-file on the Alertmanager
host.

Check the result with amtool check-config.`,
		Example: `  kiban alertmanager config --config examples/acme --fallback-team sre > alertmanager.yml
  kiban alertmanager config --kiban-url https://kiban.example.com --kiban-token-file /etc/alertmanager/secrets/kiban-token
  kiban alertmanager config --receivers pagers.yaml -o /etc/alertmanager/alertmanager.yml && amtool check-config /etc/alertmanager/alertmanager.yml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			if kibanToken == "" {
				kibanToken = strings.TrimRight(secrets, "/") + "/kiban-token"
			}
			opts := amconfig.Options{FallbackTeam: fallback, SecretsDir: secrets, KibanURL: kibanURL, KibanTokenFile: kibanToken}
			if receivers != "" {
				if opts.Receivers, err = amconfig.ReadReceivers(receivers); err != nil {
					return err
				}
			}
			cfg, err := amconfig.Generate(c, opts)
			if err != nil {
				return err
			}
			data, err := amconfig.Marshal(cfg)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return fmt.Errorf("alertmanager config: %w", err)
			}
			return nil
		},
	}
	configFlag(config, &dir)
	config.Flags().StringVar(&fallback, "fallback-team", "", "team whose channel receives alerts without a known team")
	config.Flags().StringVar(&receivers, "receivers", "", "YAML file of hand-written receivers (pager keys) that replace generated ones by name")
	config.Flags().StringVar(&secrets, "secrets-dir", "/etc/alertmanager/secrets", "directory of webhook URL files named like the teams' webhookEnv")
	config.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	config.Flags().StringVar(&kibanURL, "kiban-url", "", "kiban's URL as Alertmanager reaches it: also send every alert to kiban's webhook")
	config.Flags().StringVar(&kibanToken, "kiban-token-file", "", "file holding the editor token Alertmanager sends to kiban (default SECRETS-DIR/kiban-token)")
	cmd.AddCommand(config)
	return cmd
}
