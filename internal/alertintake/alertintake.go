// Package alertintake reads Alertmanager's webhook notifications (payload
// version 4), validates them and resolves each alert to the catalog service
// and team that own it.
package alertintake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/store"
)

// MaxBody is the largest webhook body accepted.
const MaxBody = 4 << 20

// Version is the only webhook payload version understood.
const Version = "4"

// Message is a webhook notification of Alertmanager: one alert group.
type Message struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a notification. Its Status is its own: a group is
// "firing" while any of its alerts fires.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     *time.Time        `json:"startsAt"`
	EndsAt       *time.Time        `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// ErrInvalid wraps every reason Parse refuses a body.
var ErrInvalid = errors.New("invalid Alertmanager webhook")

// Parse reads and validates a webhook body. Every alert needs labels, a
// start, a fingerprint and a status of firing or resolved; alerts repeated
// under one fingerprint keep the last.
func Parse(r io.Reader) (*Message, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var m Message
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: body is not JSON: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: body has data after the JSON object", ErrInvalid)
	}
	if m.Version != Version {
		return nil, fmt.Errorf("%w: version %q; only version %q is understood", ErrInvalid, m.Version, Version)
	}
	if m.TruncatedAlerts < 0 {
		return nil, fmt.Errorf("%w: truncatedAlerts %d is negative", ErrInvalid, m.TruncatedAlerts)
	}
	if m.Alerts == nil {
		return nil, fmt.Errorf("%w: missing alerts", ErrInvalid)
	}
	seen := map[string]int{}
	var alerts []Alert
	for i, a := range m.Alerts {
		switch {
		case len(a.Labels) == 0:
			return nil, fmt.Errorf("%w: alerts[%d]: missing labels", ErrInvalid, i)
		case a.StartsAt == nil || a.StartsAt.IsZero():
			return nil, fmt.Errorf("%w: alerts[%d]: missing startsAt", ErrInvalid, i)
		case a.Fingerprint == "":
			return nil, fmt.Errorf("%w: alerts[%d]: missing fingerprint", ErrInvalid, i)
		case a.Status != store.AlertFiring && a.Status != store.AlertResolved:
			return nil, fmt.Errorf("%w: alerts[%d]: status %q; expected firing or resolved", ErrInvalid, i, a.Status)
		}
		if a.EndsAt != nil && a.EndsAt.IsZero() {
			a.EndsAt = nil // Alertmanager sends Go's zero time for no end.
		}
		if j, ok := seen[a.Fingerprint]; ok {
			alerts[j] = a
			continue
		}
		seen[a.Fingerprint] = len(alerts)
		alerts = append(alerts, a)
	}
	m.Alerts = alerts
	return &m, nil
}

// Owner is whom an alert belongs to.
type Owner struct {
	Service string `json:"service"`
	Team    string `json:"team"`
	// Unowned is true when no label names a catalog service or team.
	Unowned bool `json:"unowned"`
}

// Resolve finds the owner of an alert from its labels: service, then
// sloth_service, naming a catalog service (owned by its team); else the
// label matchers a service declares (spec.alerts.matchers); else team
// naming a catalog team; else unowned.
func Resolve(res *ownership.Resolver, labels map[string]string) Owner {
	for _, key := range []string{"service", "sloth_service"} {
		name := labels[key]
		if name == "" {
			continue
		}
		if s, t, err := res.Owner(name); err == nil && t != nil {
			return Owner{Service: s.Name, Team: t.Name}
		}
	}
	// Label matchers declared on a service (spec.alerts.matchers).
	if s, ok := res.ServiceForLabels(labels); ok {
		if t, err := res.Team(s.Spec.Owner); err == nil {
			return Owner{Service: s.Name, Team: t.Name}
		}
	}
	if name := labels["team"]; name != "" {
		if t, err := res.Team(name); err == nil {
			return Owner{Team: t.Name}
		}
	}
	return Owner{Unowned: true}
}

// Delivery turns a parsed message into what the store records, resolving
// each alert's owner.
func Delivery(m *Message, res *ownership.Resolver, actor string) store.AlertDelivery {
	d := store.AlertDelivery{
		GroupKey: m.GroupKey, Receiver: m.Receiver, ExternalURL: m.ExternalURL,
		Status: m.Status, Truncated: m.TruncatedAlerts, Actor: actor,
	}
	for _, a := range m.Alerts {
		o := Resolve(res, a.Labels)
		in := store.IncomingAlert{
			Fingerprint: a.Fingerprint, Status: a.Status, AlertName: a.Labels["alertname"],
			Labels: a.Labels, Annotations: a.Annotations, StartsAt: *a.StartsAt, EndsAt: a.EndsAt,
			GeneratorURL: a.GeneratorURL, Service: o.Service, Team: o.Team, Unowned: o.Unowned,
		}
		if in.Annotations == nil {
			in.Annotations = map[string]string{}
		}
		d.Alerts = append(d.Alerts, in)
	}
	return d
}
