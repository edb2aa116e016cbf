package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Alert is an alert as Alertmanager's API v2 takes it (postableAlert).
// A firing alert carries an EndsAt in the future, by which it must be sent
// again or Alertmanager resolves it; a resolved alert carries the time it
// stopped.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Alertmanager is a client of one Alertmanager's API v2.
type Alertmanager struct {
	base   *url.URL
	client *http.Client
}

// NewAlertmanager returns a client of the Alertmanager at rawURL, such as
// http://alertmanager:9093 or, behind a route prefix,
// https://example.com/alertmanager. A nil client means one with
// DefaultTimeout.
func NewAlertmanager(rawURL string, client *http.Client) (*Alertmanager, error) {
	u, err := validHTTPURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("notify: alertmanager URL %q: %w", redact(rawURL), err)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return &Alertmanager{base: u, client: defaultClient(client)}, nil
}

// String is the URL, with any password redacted.
func (a *Alertmanager) String() string { return a.base.Redacted() }

// Send posts alerts to /api/v2/alerts. An empty list sends nothing.
func (a *Alertmanager) Send(ctx context.Context, alerts []Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	body, err := marshal(alerts)
	if err != nil {
		return fmt.Errorf("notify: alertmanager %s: %w", a, err)
	}
	return postJSON(ctx, a.client, a.base.JoinPath("api", "v2", "alerts").String(), "alertmanager "+a.String(), body)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
