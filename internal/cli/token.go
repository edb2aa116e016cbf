package cli

import (
	"fmt"
	"os/user"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/store"
)

// cliActor names the person running a command, for the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

func newTokenCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens",
		Long: `API tokens authenticate every request that changes state
(Authorization: Bearer <token>). Roles: viewer < editor < admin. Only a hash
of each token is stored; the token itself is shown once, at creation.`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultDBFromEnv(), "store: sqlite:PATH or postgres://… (env "+envDB+")")

	var name, role, out string
	create := &cobra.Command{
		Use:   "create --name NAME --role admin|editor|viewer",
		Short: "Create a token and print it (alone on the last line)",
		Example: `  kiban token create --db sqlite:kiban.db --name ci --role editor
  TOKEN=$(kiban token create --name deploy-bot --role editor | tail -n1)
  curl -X POST -H "Authorization: Bearer $TOKEN" localhost:8080/-/reload`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := store.ParseRole(role)
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			secret, tok, err := st.CreateToken(cmd.Context(), name, r, cliActor())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "created token %q (id %d, role %s); it is shown only now:\n", tok.Name, tok.ID, tok.Role)
			fmt.Fprintln(w, secret)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the token is for, e.g. ci or alertmanager (required)")
	create.Flags().StringVar(&role, "role", "", "admin, editor or viewer (required)")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List tokens (never their secrets)",
		Example: "  kiban token list --db sqlite:kiban.db -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			toks, err := st.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			if out == "json" {
				if toks == nil {
					toks = []store.Token{}
				}
				return writeJSON(cmd.OutOrStdout(), toks)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tLAST USED\tSTATE")
			for _, t := range toks {
				last, state := "never", "active"
				if t.LastUsedAt != nil {
					last = t.LastUsedAt.Format(time.DateTime)
				}
				if t.RevokedAt != nil {
					state = "revoked " + t.RevokedAt.Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Prefix, t.CreatedAt.Format(time.DateTime), last, state)
			}
			return tw.Flush()
		},
	}
	outputFlag(list, &out, "text or json")

	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a token so that it stops working at once",
		Example: "  kiban token revoke 3 --db sqlite:kiban.db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("token revoke: %q is not a token id (see kiban token list)", args[0])
			}
			st, err := store.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(cmd.Context(), id, cliActor()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
