// Package amconfig writes an Alertmanager configuration whose route tree
// and receivers come from the catalog, so that who gets paged lives in one
// place: the teams' documents. Each team gets a page and a ticket
// receiver, routed by the team label kiban puts on every SLO alert and the
// severity label; alerts without a known team go to a fallback team.
// Integrations that need secrets beyond a chat webhook (PagerDuty, Opsgenie)
// come from a small file of receivers that the generated ones defer to.
package amconfig

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"kiban.dev/kiban/internal/catalog"
)

// Options tune the configuration.
type Options struct {
	// FallbackTeam receives alerts whose team label is missing or unknown.
	FallbackTeam string
	// SecretsDir holds, for a team whose webhook comes from an environment
	// variable, a file of that name with the webhook URL (Alertmanager
	// reads api_url_file; it cannot read kiban's environment).
	SecretsDir string
	// Receivers are receivers written by hand (with pager keys); one with
	// the name of a generated receiver replaces it.
	Receivers []map[string]any
	// GroupWait, GroupInterval and RepeatInterval of the root route;
	// Alertmanager's defaults when empty.
	GroupWait, GroupInterval, RepeatInterval string
	// KibanURL, when set, adds a first route with continue: true that
	// sends every alert to kiban's webhook (KibanURL/api/v1/alertmanager)
	// as well, so that alerts open incidents; KibanTokenFile is the file
	// Alertmanager reads the bearer token from (default
	// SecretsDir/kiban-token).
	KibanURL, KibanTokenFile string
}

// KibanReceiver names the receiver of kiban's own webhook.
const KibanReceiver = "kiban"

// Config is an Alertmanager configuration (the part kiban writes).
type Config struct {
	Route     Route            `yaml:"route"`
	Receivers []map[string]any `yaml:"receivers"`
}

// Route is an Alertmanager route.
type Route struct {
	Receiver       string   `yaml:"receiver,omitempty"`
	GroupBy        []string `yaml:"group_by,omitempty"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Matchers       []string `yaml:"matchers,omitempty"`
	Continue       bool     `yaml:"continue,omitempty"`
	Routes         []Route  `yaml:"routes,omitempty"`
}

// ReceiverNames returns a team's page and ticket receiver names: the page
// receiver is the team's spec.alertmanager.receiver when set.
func ReceiverNames(t *catalog.Team) (page, ticket string) {
	page = t.Spec.Alertmanager.Receiver
	if page == "" {
		page = t.Name + "-page"
	}
	return page, t.Name + "-ticket"
}

// Generate builds the configuration.
func Generate(c *catalog.Catalog, opts Options) (Config, error) {
	if opts.FallbackTeam != "" {
		if _, ok := c.Team(opts.FallbackTeam); !ok {
			return Config{}, fmt.Errorf("amconfig: fallback team %q is not in the catalog", opts.FallbackTeam)
		}
	}
	manual := map[string]map[string]any{}
	for i, r := range opts.Receivers {
		name, _ := r["name"].(string)
		if name == "" {
			return Config{}, fmt.Errorf("amconfig: receivers[%d] has no name", i)
		}
		manual[name] = r
	}
	cfg := Config{Route: Route{
		Receiver: "unowned", GroupBy: []string{"alertname", "team", "sloth_slo"},
		GroupWait: opts.GroupWait, GroupInterval: opts.GroupInterval, RepeatInterval: opts.RepeatInterval,
	}}
	used := map[string]bool{}
	var kiban map[string]any
	if opts.KibanURL != "" {
		u, err := url.Parse(opts.KibanURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Config{}, fmt.Errorf("amconfig: kiban URL %q is not an http(s) URL", opts.KibanURL)
		}
		tokenFile := opts.KibanTokenFile
		if tokenFile == "" {
			tokenFile = strings.TrimRight(cmp.Or(opts.SecretsDir, "/etc/alertmanager/secrets"), "/") + "/kiban-token"
		}
		kiban = map[string]any{"name": KibanReceiver, "webhook_configs": []any{map[string]any{
			"url":           strings.TrimRight(u.String(), "/") + "/api/v1/alertmanager",
			"send_resolved": true,
			"http_config":   map[string]any{"authorization": map[string]any{"type": "Bearer", "credentials_file": tokenFile}},
		}}}
		cfg.Route.Routes = append(cfg.Route.Routes, Route{Receiver: KibanReceiver, Continue: true})
	}
	addReceiver := func(r map[string]any) {
		name := r["name"].(string)
		if used[name] {
			return
		}
		used[name] = true
		if m, ok := manual[name]; ok {
			r = m
		}
		cfg.Receivers = append(cfg.Receivers, r)
	}
	for _, t := range c.Teams {
		page, ticket := ReceiverNames(t)
		cfg.Route.Routes = append(cfg.Route.Routes, Route{
			Matchers: []string{"team=" + strconv.Quote(t.Name)},
			Receiver: ticket,
			Routes: []Route{
				{Matchers: []string{`sloth_severity="page"`}, Receiver: page},
				{Matchers: []string{`severity=~"page|critical"`}, Receiver: page},
			},
		})
		addReceiver(receiver(page, t, opts, true))
		addReceiver(receiver(ticket, t, opts, false))
	}
	if kiban != nil {
		addReceiver(kiban)
		// The kiban route matched, so the root's receiver no longer
		// catches what no team route takes: say it again, last.
		cfg.Route.Routes = append(cfg.Route.Routes, Route{Receiver: "unowned"})
	}
	unowned := map[string]any{"name": "unowned"}
	if opts.FallbackTeam != "" {
		t, _ := c.Team(opts.FallbackTeam)
		unowned = receiver("unowned", t, opts, false)
	}
	addReceiver(unowned)
	// Hand-written receivers that no team uses are kept: routes added by
	// hand elsewhere may need them.
	var extra []string
	for name := range manual {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		addReceiver(manual[name])
	}
	return cfg, nil
}

// receiver is a team's receiver with its chat webhook, when it has one.
func receiver(name string, t *catalog.Team, opts Options, page bool) map[string]any {
	r := map[string]any{"name": name}
	chat := t.Spec.Chat
	if !chat.HasWebhook() {
		return r
	}
	slack := map[string]any{"send_resolved": true}
	if chat.Channel != "" {
		slack["channel"] = chat.Channel
	}
	switch {
	case chat.Webhook != "":
		slack["api_url"] = chat.Webhook
	default:
		dir := opts.SecretsDir
		if dir == "" {
			dir = "/etc/alertmanager/secrets"
		}
		slack["api_url_file"] = strings.TrimRight(dir, "/") + "/" + chat.WebhookEnv
	}
	prefix := ""
	if page {
		prefix = ":rotating_light: "
	}
	slack["title"] = prefix + `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})`
	slack["text"] = `{{ range .Alerts }}{{ .Annotations.summary }}{{ if .Annotations.runbook_url }} — runbook: {{ .Annotations.runbook_url }}{{ end }}
{{ end }}`
	r["slack_configs"] = []any{slack}
	return r
}

// Marshal writes the configuration with a header comment.
func Marshal(cfg Config) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Generated by kiban from the catalog's teams: kiban alertmanager config.\n# Routes alerts by their team and severity labels. Edit the teams, not this file.\n")
	out, err := yaml.MarshalWithOptions(cfg, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, fmt.Errorf("amconfig: %w", err)
	}
	b.Write(out)
	return b.Bytes(), nil
}

// ReadReceivers reads a YAML file holding a list of Alertmanager
// receivers (or a document with a receivers: key).
func ReadReceivers(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("amconfig: %w", err)
	}
	var list []map[string]any
	if err := yaml.Unmarshal(data, &list); err == nil {
		return list, nil
	}
	var doc struct {
		Receivers []map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("amconfig: %s: expected a list of receivers or a receivers: key: %w", path, err)
	}
	return doc.Receivers, nil
}
