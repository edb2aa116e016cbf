package catalog

// APIVersion is the apiVersion of kiban's own documents.
const APIVersion = "kiban.dev/v1"

// Kinds of kiban documents.
const (
	KindTeam             = "Team"
	KindService          = "Service"
	KindResponsibilities = "Responsibilities"
)

// OwnerKeyword in a responsibility matrix means "the service's owning team".
const OwnerKeyword = "owner"

// Metadata is shared by every document.
type Metadata struct {
	Name        string            `yaml:"name" json:"name"`
	Title       string            `yaml:"title,omitempty" json:"title,omitempty"`
	Description string            `yaml:"description,omitempty" json:"description,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// DisplayName is the title when there is one, else the name.
func (m Metadata) DisplayName() string {
	if m.Title != "" {
		return m.Title
	}
	return m.Name
}

// Source says where a document was read from.
type Source struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Format string `json:"format"` // "kiban" or "backstage"

	pos map[string]Pos // value positions by field path, for diagnostics
}

// PosOf returns the position of the value at a field path of the document
// (for example "spec.owner"), falling back to the document's start.
func (s Source) PosOf(path string) Pos {
	if p, ok := s.pos[path]; ok && p.Line > 0 {
		return p
	}
	return Pos{Line: s.Line, Col: 1}
}

// Team is a group of people that answers for services.
type Team struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     TeamSpec `yaml:"spec" json:"spec"`
	Source   Source   `yaml:"-" json:"source"`
}

// TeamSpec is the body of a Team document.
type TeamSpec struct {
	// Parent is the team this one belongs to, if any.
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	// Email is the team's shared address.
	Email   string   `yaml:"email,omitempty" json:"email,omitempty"`
	Members []Member `yaml:"members,omitempty" json:"members,omitempty"`
	Chat    Chat     `yaml:"chat,omitempty" json:"chat"`
	// Alertmanager names the receiver that pages this team.
	Alertmanager AlertmanagerRef `yaml:"alertmanager,omitempty" json:"alertmanager"`
}

// Member is a person in a team.
type Member struct {
	// User is the person's handle (login, Backstage user name).
	User  string `yaml:"user" json:"user"`
	Name  string `yaml:"name,omitempty" json:"name,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	// Role is free text such as lead, engineer, manager, on-call.
	Role string `yaml:"role,omitempty" json:"role,omitempty"`
}

// DisplayName is the person's name when known, else their handle.
func (m Member) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.User
}

// Chat is where the team talks and is notified.
type Chat struct {
	// Channel is the human-readable channel, e.g. "#team-checkout".
	Channel string `yaml:"channel,omitempty" json:"channel,omitempty"`
	// Webhook is a Slack-compatible incoming webhook URL. It is a secret:
	// prefer WebhookEnv so that it stays out of git.
	Webhook string `yaml:"webhook,omitempty" json:"-"`
	// WebhookEnv names the environment variable holding the webhook URL.
	WebhookEnv string `yaml:"webhookEnv,omitempty" json:"webhookEnv,omitempty"`
}

// HasWebhook reports whether a webhook is configured, without revealing
// it.
func (c Chat) HasWebhook() bool { return c.Webhook != "" || c.WebhookEnv != "" }

// WebhookURL returns the webhook URL, reading the variable named by
// WebhookEnv through getenv now (it may change while kiban runs), or ""
// and why not when it is misconfigured ("" and "" when there is none).
func (c Chat) WebhookURL(getenv func(string) string) (url, why string) {
	if c.Webhook != "" {
		return c.Webhook, ""
	}
	if c.WebhookEnv == "" {
		return "", ""
	}
	if u := getenv(c.WebhookEnv); u != "" {
		return u, ""
	}
	return "", "the team's chat.webhookEnv names " + c.WebhookEnv + ", which is unset or empty"
}

// AlertmanagerRef names an Alertmanager receiver.
type AlertmanagerRef struct {
	Receiver string `yaml:"receiver,omitempty" json:"receiver,omitempty"`
}

// Service is something a team builds and runs.
type Service struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     ServiceSpec `yaml:"spec" json:"spec"`
	Source   Source      `yaml:"-" json:"source"`
}

// ServiceSpec is the body of a Service document.
type ServiceSpec struct {
	// Owner is the team that answers for the service.
	Owner string `yaml:"owner" json:"owner"`
	// Tier is the criticality, 1 (most critical) to 4.
	Tier int `yaml:"tier,omitempty" json:"tier,omitempty"`
	// Type is the kind of component: service, website, worker, database…
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Lifecycle is experimental, production or deprecated.
	Lifecycle string `yaml:"lifecycle,omitempty" json:"lifecycle,omitempty"`
	// Product is the product or system the service is part of.
	Product string `yaml:"product,omitempty" json:"product,omitempty"`
	Links   Links  `yaml:"links,omitempty" json:"links"`
	// DependsOn lists the services this one calls or needs.
	DependsOn []string `yaml:"dependsOn,omitempty" json:"dependsOn,omitempty"`
	// Resources says which cloud resources belong to the service.
	Resources Resources `yaml:"resources,omitempty" json:"resources"`
	// Alerts says which alerts belong to the service beyond those that
	// carry its name in a service label.
	Alerts AlertMatchers `yaml:"alerts,omitempty" json:"alerts"`
	// Responsibilities maps a concern to the team that answers for it;
	// "owner" means the owning team. Organisation-wide defaults come from
	// the Responsibilities document.
	Responsibilities map[string]string `yaml:"responsibilities,omitempty" json:"responsibilities,omitempty"`
	// SharedCost, on a service others run on (a shared database, a
	// cluster), splits its cost among them in cost reports.
	SharedCost *SharedCost `yaml:"sharedCost,omitempty" json:"sharedCost,omitempty"`
}

// How a shared service's cost is split.
const (
	SplitEven         = "even"
	SplitProportional = "proportional"
	SplitWeights      = "weights"
)

// SharedCost splits a service's cost among the services that use it.
type SharedCost struct {
	// Split is even (equal shares), proportional (to each service's own
	// effective cost in the same month) or weights.
	Split string `yaml:"split" json:"split"`
	// To lists the services that share the cost; with weights, the keys
	// of Weights.
	To []string `yaml:"to,omitempty" json:"to,omitempty"`
	// Weights gives each service's share, in any unit (they are
	// normalised).
	Weights map[string]float64 `yaml:"weights,omitempty" json:"weights,omitempty"`
}

// Links point to where the service's code, runbook and dashboards live.
type Links struct {
	Repo       string `yaml:"repo,omitempty" json:"repo,omitempty"`
	Runbook    string `yaml:"runbook,omitempty" json:"runbook,omitempty"`
	Docs       string `yaml:"docs,omitempty" json:"docs,omitempty"`
	Dashboards []Link `yaml:"dashboards,omitempty" json:"dashboards,omitempty"`
	Other      []Link `yaml:"other,omitempty" json:"other,omitempty"`
}

// Link is a titled URL.
type Link struct {
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	URL   string `yaml:"url" json:"url"`
}

// Resources declares the cloud resources a service owns. See
// internal/ownership for the order in which they are matched.
type Resources struct {
	// Accounts are cloud accounts (AWS account ids, Azure subscription
	// ids, GCP project ids) whose resources all belong to the service
	// unless a more specific matcher claims them.
	Accounts []string `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// TagMatchers match resources by their tags; all tags of one matcher
	// must match.
	TagMatchers []TagMatcher `yaml:"tagMatchers,omitempty" json:"tagMatchers,omitempty"`
	// ResourceIDs are patterns of provider resource ids (ARNs, Azure
	// resource ids); "*" matches any run of characters.
	ResourceIDs []string `yaml:"resourceIds,omitempty" json:"resourceIds,omitempty"`
	// Terraform are patterns of Terraform resource addresses, such as
	// "module.checkout.*"; "*" matches any run of characters.
	Terraform []string `yaml:"terraform,omitempty" json:"terraform,omitempty"`
}

// IsZero reports whether no resource is declared.
func (r Resources) IsZero() bool {
	return len(r.Accounts) == 0 && len(r.TagMatchers) == 0 && len(r.ResourceIDs) == 0 && len(r.Terraform) == 0
}

// TagMatcher matches a resource whose tags include all of Tags (values may
// use "*"), optionally only within some accounts.
type TagMatcher struct {
	Tags     map[string]string `yaml:"tags" json:"tags"`
	Accounts []string          `yaml:"accounts,omitempty" json:"accounts,omitempty"`
}

// Responsibilities is the organisation-wide responsibility matrix: the
// concerns the organisation tracks and who answers for each by default.
type Responsibilities struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     ResponsibilitiesSpec `yaml:"spec" json:"spec"`
	Source   Source               `yaml:"-" json:"source"`
}

// ResponsibilitiesSpec is the body of a Responsibilities document.
type ResponsibilitiesSpec struct {
	Concerns []Concern `yaml:"concerns" json:"concerns"`
}

// Concern is one row of the responsibility matrix.
type Concern struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Team answers for the concern by default: a team name or "owner".
	Team string `yaml:"team" json:"team"`
}

// AlertMatchers claim alerts by their labels.
type AlertMatchers struct {
	// Matchers are Prometheus label matchers, all of which an alert must
	// satisfy, e.g. job="checkout-api" or namespace=~"shop-.*".
	Matchers []string `yaml:"matchers,omitempty" json:"matchers,omitempty"`
}
