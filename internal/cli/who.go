package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
)

func newWhoCmd() *cobra.Command {
	var (
		dir, out string
		res      ownership.Resource
		tags     []string
	)
	cmd := &cobra.Command{
		Use:   "who SERVICE [CONCERN]",
		Short: "Say who owns a service, or who answers for one of its concerns",
		Long: `Who reads the tree and answers from the catalog:

  who SERVICE            the owning team, its channel, receiver and members
  who SERVICE CONCERN    the team that answers for that concern of the service
                         (the service's own matrix, else the organisation default)
  who --account/--tag/--resource-id/--terraform
                         the service (and team) a cloud resource belongs to`,
		Example: `  kiban who checkout --config examples/acme
  kiban who checkout database-backup --config examples/acme
  kiban who --terraform 'module.checkout.aws_sqs_queue.orders' --config examples/acme
  kiban who --account 111122223333 --tag service=checkout -o json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "text" && out != "json" {
				return fmt.Errorf("who: unknown output %q; expected text or json", out)
			}
			for _, t := range tags {
				k, v, ok := strings.Cut(t, "=")
				if !ok || k == "" {
					return fmt.Errorf("who: --tag %q: expected KEY=VALUE", t)
				}
				if res.Tags == nil {
					res.Tags = map[string]string{}
				}
				res.Tags[k] = v
			}
			byResource := res.Account != "" || res.ID != "" || res.Terraform != "" || len(res.Tags) > 0
			if len(args) == 0 && !byResource {
				return errors.New("who: name a service, or a resource with --account, --tag, --resource-id or --terraform")
			}
			if len(args) > 0 && byResource {
				return errors.New("who: name a service or a resource, not both")
			}
			c, err := loadCatalog(cmd, dir)
			if err != nil {
				return err
			}
			r := ownership.New(c)
			w := cmd.OutOrStdout()
			if byResource {
				return whoResource(w, r, res, out)
			}
			concern := ""
			if len(args) == 2 {
				concern = args[1]
			}
			return whoService(w, r, args[0], concern, out)
		},
	}
	configFlag(cmd, &dir)
	outputFlag(cmd, &out, "text or json")
	cmd.Flags().StringVar(&res.Account, "account", "", "cloud account id of a resource")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "resource tag KEY=VALUE (repeatable)")
	cmd.Flags().StringVar(&res.ID, "resource-id", "", "provider resource id (ARN, Azure resource id…)")
	cmd.Flags().StringVar(&res.Terraform, "terraform", "", "Terraform resource address")
	return cmd
}

// loadCatalog loads the tree or prints its errors and fails.
func loadCatalog(cmd *cobra.Command, dir string) (*catalog.Catalog, error) {
	c, err := catalog.Load(cmd.Context(), dir)
	var cerr *catalog.Error
	if errors.As(err, &cerr) {
		for _, d := range cerr.Diagnostics.Errors() {
			fmt.Fprintln(cmd.ErrOrStderr(), d.String())
		}
		return nil, fmt.Errorf("the tree in %s has errors; run kiban lint %s", dir, dir)
	}
	return c, err
}

// teamContact is what the who command says about a team.
type teamContact struct {
	Name     string           `json:"name"`
	Title    string           `json:"title,omitempty"`
	Email    string           `json:"email,omitempty"`
	Channel  string           `json:"channel,omitempty"`
	Receiver string           `json:"receiver,omitempty"`
	Members  []catalog.Member `json:"members"`
}

func contact(t *catalog.Team) teamContact {
	return teamContact{
		Name: t.Name, Title: t.Title, Email: t.Spec.Email, Channel: t.Spec.Chat.Channel,
		Receiver: t.Spec.Alertmanager.Receiver, Members: append([]catalog.Member{}, t.Spec.Members...),
	}
}

type whoServiceJSON struct {
	Service string            `json:"service"`
	Title   string            `json:"title,omitempty"`
	Tier    int               `json:"tier,omitempty"`
	Product string            `json:"product,omitempty"`
	Owner   teamContact       `json:"owner"`
	Concern *ownership.Answer `json:"concern,omitempty"`
	// Team answers for the concern (the owner when no concern was asked).
	Team teamContact `json:"team"`
}

func whoService(w io.Writer, r *ownership.Resolver, service, concern, out string) error {
	s, owner, err := r.Owner(service)
	if err != nil {
		if errors.Is(err, ownership.ErrUnknownService) {
			if near, ok := r.Catalog().ClosestService(service); ok {
				return fmt.Errorf("who: %w; did you mean %q?", err, near)
			}
			return fmt.Errorf("who: %w", err)
		}
		return fmt.Errorf("who: %w", err)
	}
	res := whoServiceJSON{Service: s.Name, Title: s.Title, Tier: s.Spec.Tier, Product: s.Spec.Product, Owner: contact(owner), Team: contact(owner)}
	if concern != "" {
		a, err := r.Who(service, concern)
		if err != nil {
			return fmt.Errorf("who: %w", err)
		}
		t, err := r.Team(a.Team)
		if err != nil {
			return fmt.Errorf("who: %w", err)
		}
		res.Concern, res.Team = &a, contact(t)
	}
	if out == "json" {
		return writeJSON(w, res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	desc := []string{}
	if s.Spec.Tier > 0 {
		desc = append(desc, fmt.Sprintf("tier %d", s.Spec.Tier))
	}
	if s.Spec.Product != "" {
		desc = append(desc, s.Spec.Product)
	}
	head := s.Name
	if len(desc) > 0 {
		head += " (" + strings.Join(desc, ", ") + ")"
	}
	if concern != "" {
		via := "the service's own matrix"
		if res.Concern.Via == ownership.ViaDefault {
			via = "organisation default"
		}
		role := ""
		if res.Concern.Owner {
			role = ", the owning team"
		}
		fmt.Fprintf(tw, "service:\t%s\n", head)
		fmt.Fprintf(tw, "concern:\t%s\n", concern)
		fmt.Fprintf(tw, "answered by:\t%s%s (%s)\n", teamLabel(res.Team), role, via)
		if res.Concern.Description != "" {
			fmt.Fprintf(tw, "what:\t%s\n", res.Concern.Description)
		}
	} else {
		fmt.Fprintf(tw, "service:\t%s\n", head)
		fmt.Fprintf(tw, "owner:\t%s\n", teamLabel(res.Owner))
	}
	writeContact(tw, res.Team)
	return tw.Flush()
}

func teamLabel(t teamContact) string {
	if t.Title != "" && t.Title != t.Name {
		return t.Name + " — " + t.Title
	}
	return t.Name
}

func writeContact(w io.Writer, t teamContact) {
	if t.Channel != "" {
		fmt.Fprintf(w, "channel:\t%s\n", t.Channel)
	}
	if t.Email != "" {
		fmt.Fprintf(w, "email:\t%s\n", t.Email)
	}
	if t.Receiver != "" {
		fmt.Fprintf(w, "receiver:\t%s\n", t.Receiver)
	}
	for i, m := range t.Members {
		label := "\t"
		if i == 0 {
			label = "members:\t"
		}
		line := m.DisplayName()
		if m.Email != "" {
			line += " <" + m.Email + ">"
		}
		if m.Role != "" {
			line += " (" + m.Role + ")"
		}
		fmt.Fprintf(w, "%s%s\n", label, line)
	}
}

func whoResource(w io.Writer, r *ownership.Resolver, res ownership.Resource, out string) error {
	m, ok := r.Resource(res)
	if !ok {
		if out == "json" {
			_ = writeJSON(w, map[string]any{"resource": res, "match": nil})
		}
		return errors.New("who: no service claims this resource; declare it under spec.resources of its Service")
	}
	t, err := r.Team(m.Team)
	if err != nil {
		return fmt.Errorf("who: %w", err)
	}
	if out == "json" {
		return writeJSON(w, map[string]any{"resource": res, "match": m, "team": contact(t)})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "service:\t%s\n", m.Service)
	fmt.Fprintf(tw, "matched by:\t%s %s\n", m.Rule, m.Pattern)
	if len(m.Others) > 0 {
		fmt.Fprintf(tw, "also matched:\t%s (same specificity; make one matcher more specific)\n", strings.Join(m.Others, ", "))
	}
	fmt.Fprintf(tw, "owner:\t%s\n", teamLabel(contact(t)))
	writeContact(tw, contact(t))
	return tw.Flush()
}
