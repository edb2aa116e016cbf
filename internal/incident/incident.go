// Package incident runs incidents: opening them by hand or from alerts by
// the catalog's IncidentRules, moving them through their lifecycle
// (investigating → identified → monitoring → resolved → closed), keeping
// a timeline that writes itself, postmortems and action items, and the
// chat messages the owning team gets. Every change is one transaction
// with its audit entry and its outbox message.
package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// ErrInvalid is a request that breaks a rule; the message says which.
var ErrInvalid = store.ErrInvalid

// Manager changes incidents. Create it with New.
type Manager struct {
	store   *store.Store
	catalog func() *catalog.Catalog
	now     func() time.Time
	baseURL string
	log     *slog.Logger
	budget  BudgetFunc
}

// Config is what a Manager needs.
type Config struct {
	Store *store.Store
	// Catalog returns the current catalog snapshot.
	Catalog func() *catalog.Catalog
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// BaseURL is kiban's external URL, for links in chat messages.
	BaseURL string
	Logger  *slog.Logger
	// Budget, when set, gives the remaining error budget of SLOs, for the
	// budget an incident consumed.
	Budget BudgetFunc
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Manager{store: cfg.Store, catalog: cfg.Catalog, now: cfg.Now,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"), log: cfg.Logger, budget: cfg.Budget}
}

// Severity names a severity level: SEV1 to SEV4.
func Severity(n int) string { return fmt.Sprintf("SEV%d", n) }

// OpenRequest opens an incident.
type OpenRequest struct {
	Title    string `json:"title"`
	Severity string `json:"severity"` // SEV1–SEV4 or 1–4
	// Services affected; the first one's owner is the owning team unless
	// Team is given.
	Services       []string `json:"services"`
	Team           string   `json:"team"`
	Summary        string   `json:"summary"`
	CustomerImpact string   `json:"customer_impact"`
	Commander      string   `json:"commander"`
	Scribe         string   `json:"scribe"`
	Communications string   `json:"communications"`
	SLOs           []string `json:"slos"`
	// StartedAt is when impact began, OpenedAt when the incident was
	// declared; both default to now, and may be in the past to record an
	// incident after the fact, never in the future.
	StartedAt *time.Time `json:"started_at"`
	OpenedAt  *time.Time `json:"opened_at"`
	// AcknowledgedAt, for an incident recorded after the fact, is when a
	// person first acted on it (default: when opened).
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

// quietAfter is how far back a change may be dated and still be
// announced in chat: recording past incidents does not page anyone.
const quietAfter = time.Hour

func (m *Manager) checkTime(name string, t *time.Time, now time.Time) error {
	if t != nil && t.After(now.Add(time.Minute)) {
		return fmt.Errorf("%w: %s %s is in the future", ErrInvalid, name, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// validate checks services, team, SLOs and people against the catalog
// and returns the owning team.
func (m *Manager) validate(c *catalog.Catalog, services []string, team string, slos []string) (string, error) {
	var problems []string
	for _, s := range services {
		svc, ok := c.Service(s)
		if !ok {
			problems = append(problems, fmt.Sprintf("service %q is not in the catalog", s))
			continue
		}
		if team == "" {
			team = svc.Spec.Owner
		}
	}
	if team != "" {
		if _, ok := c.Team(team); !ok {
			problems = append(problems, fmt.Sprintf("team %q is not in the catalog", team))
		}
	}
	for _, id := range slos {
		if _, ok := c.SLO(id); !ok {
			problems = append(problems, fmt.Sprintf("SLO %q is not in the catalog", id))
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return team, nil
}

// Open opens an incident by hand: a person declared it, so it counts as
// acknowledged when opened.
func (m *Manager) Open(ctx context.Context, actor string, req OpenRequest) (store.Incident, error) {
	now := m.now().UTC()
	sev, ok := catalog.ParseSeverity(req.Severity)
	if !ok {
		return store.Incident{}, fmt.Errorf("%w: severity %q is not SEV1, SEV2, SEV3 or SEV4", ErrInvalid, req.Severity)
	}
	if err := errors.Join(m.checkTime("started_at", req.StartedAt, now), m.checkTime("opened_at", req.OpenedAt, now),
		m.checkTime("acknowledged_at", req.AcknowledgedAt, now)); err != nil {
		return store.Incident{}, err
	}
	team, err := m.validate(m.catalog(), req.Services, req.Team, req.SLOs)
	if err != nil {
		return store.Incident{}, err
	}
	opened := now
	if req.OpenedAt != nil {
		opened = req.OpenedAt.UTC()
	}
	started := opened
	if req.StartedAt != nil {
		started = req.StartedAt.UTC()
	}
	if started.After(opened) {
		return store.Incident{}, fmt.Errorf("%w: started_at is after opened_at", ErrInvalid)
	}
	acked := opened
	if req.AcknowledgedAt != nil {
		acked = req.AcknowledgedAt.UTC()
		if acked.Before(opened) {
			return store.Incident{}, fmt.Errorf("%w: acknowledged_at is before opened_at", ErrInvalid)
		}
	}
	in := store.Incident{Title: strings.TrimSpace(req.Title), Severity: sev, Status: store.IncidentInvestigating, Team: team,
		Services: req.Services, SLOs: req.SLOs, Summary: req.Summary, CustomerImpact: req.CustomerImpact,
		Commander: req.Commander, Scribe: req.Scribe, Communications: req.Communications,
		OpenedBy: actor, StartedAt: started, OpenedAt: opened, AcknowledgedAt: &acked}
	return m.open(ctx, actor, in, nil)
}

// open stores a new incident with its first timeline entries, audit
// entry and chat message, and links alerts.
func (m *Manager) open(ctx context.Context, actor string, in store.Incident, alerts []store.ReceivedAlert) (store.Incident, error) {
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertIncident(ctx, in)
		if err != nil {
			return err
		}
		in.ID = id
		text := "Incident opened by hand"
		if in.Rule != "" {
			text = "Incident opened by rule " + in.Rule
		}
		if err := addEvent(ctx, tx, id, in.OpenedAt, store.EventOpened, actor, text,
			map[string]any{"severity": Severity(in.Severity), "services": in.Services}); err != nil {
			return err
		}
		for _, r := range roles {
			if p := r.get(&in); p != "" {
				if err := addEvent(ctx, tx, id, in.OpenedAt, store.EventRole, actor, r.title+": "+p,
					map[string]any{"role": r.name, "to": p}); err != nil {
					return err
				}
			}
		}
		for _, a := range alerts {
			if err := linkAlert(ctx, tx, id, a); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, actor, "incident.open", id, nil, in); err != nil {
			return err
		}
		if m.now().Sub(in.OpenedAt) > quietAfter {
			return nil // recorded after the fact
		}
		return m.enqueue(ctx, tx, in, "incident.opened", m.openedMessage(in, alerts))
	})
	if err != nil {
		return store.Incident{}, fmt.Errorf("open incident: %w", err)
	}
	return m.store.Incident(ctx, in.ID)
}

func addEvent(ctx context.Context, tx *store.Tx, id int64, at time.Time, kind, actor, text string, data map[string]any) error {
	var raw json.RawMessage
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		raw = b
	}
	_, err := tx.AddIncidentEvent(ctx, store.IncidentEvent{IncidentID: id, At: at, Kind: kind, Actor: actor, Text: text, Data: raw})
	return err
}

func audit(ctx context.Context, tx *store.Tx, actor, action string, id int64, before, after any) error {
	snap := func(v any) json.RawMessage {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return b
	}
	return tx.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: action, Target: fmt.Sprintf("incident/%d", id),
		Before: snap(before), After: snap(after)})
}

// role is one of an incident's roles.
type role struct {
	name, title string
	get         func(*store.Incident) string
	set         func(*store.Incident, string)
}

var roles = []role{
	{"commander", "Incident commander", func(i *store.Incident) string { return i.Commander }, func(i *store.Incident, v string) { i.Commander = v }},
	{"scribe", "Scribe", func(i *store.Incident) string { return i.Scribe }, func(i *store.Incident, v string) { i.Scribe = v }},
	{"communications", "Communications lead", func(i *store.Incident) string { return i.Communications }, func(i *store.Incident, v string) { i.Communications = v }},
}

// Patch changes an incident; nil fields stay as they are.
type Patch struct {
	Title          *string   `json:"title"`
	Severity       *string   `json:"severity"`
	Status         *string   `json:"status"`
	Services       *[]string `json:"services"`
	Team           *string   `json:"team"`
	Summary        *string   `json:"summary"`
	CustomerImpact *string   `json:"customer_impact"`
	Commander      *string   `json:"commander"`
	Scribe         *string   `json:"scribe"`
	Communications *string   `json:"communications"`
	SLOs           *[]string `json:"slos"`
	// Note, when set, is added to the timeline with the change.
	Note *string `json:"note"`
	// At is when the change happened (default now), to record an incident
	// after the fact; never in the future.
	At *time.Time `json:"at"`
}

// IsZero reports whether the patch changes nothing.
func (p Patch) IsZero() bool {
	return p.Title == nil && p.Severity == nil && p.Status == nil && p.Services == nil && p.Team == nil &&
		p.Summary == nil && p.CustomerImpact == nil && p.Commander == nil && p.Scribe == nil &&
		p.Communications == nil && p.SLOs == nil && p.Note == nil
}

func statusIndex(s string) int { return slices.Index(store.IncidentStatuses, s) }

// Update applies a patch. A closed incident is final: it only takes
// notes and text fields. The first change by a person acknowledges an
// incident a rule opened.
func (m *Manager) Update(ctx context.Context, actor string, id int64, p Patch) (store.Incident, error) {
	if p.IsZero() {
		return store.Incident{}, fmt.Errorf("%w: nothing to change", ErrInvalid)
	}
	now := m.now().UTC()
	if err := m.checkTime("at", p.At, now); err != nil {
		return store.Incident{}, err
	}
	at := now
	if p.At != nil {
		at = p.At.UTC()
	}
	c := m.catalog()
	var after store.Incident
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		if at.Before(before.OpenedAt) && p.At != nil {
			return fmt.Errorf("%w: at %s is before the incident opened (%s)", ErrInvalid, at.Format(time.RFC3339), before.OpenedAt.Format(time.RFC3339))
		}
		in := before
		var events []event
		var messages []string // chat message kinds
		if p.Title != nil && strings.TrimSpace(*p.Title) != in.Title {
			in.Title = strings.TrimSpace(*p.Title)
			events = append(events, event{store.EventUpdate, "Title: " + in.Title, map[string]any{"field": "title"}})
		}
		if p.Summary != nil && *p.Summary != in.Summary {
			in.Summary = *p.Summary
			events = append(events, event{store.EventUpdate, "Summary updated", map[string]any{"field": "summary"}})
		}
		if p.CustomerImpact != nil && *p.CustomerImpact != in.CustomerImpact {
			in.CustomerImpact = *p.CustomerImpact
			events = append(events, event{store.EventUpdate, "Customer impact: " + in.CustomerImpact, map[string]any{"field": "customer_impact"}})
		}
		final := before.Status == store.IncidentClosed
		structural := p.Severity != nil || p.Status != nil || p.Services != nil || p.Team != nil || p.SLOs != nil ||
			p.Commander != nil || p.Scribe != nil || p.Communications != nil
		if final && structural {
			return fmt.Errorf("%w: incident %d is closed; only its title, summary, impact and notes can change", ErrInvalid, id)
		}
		if p.Severity != nil {
			sev, ok := catalog.ParseSeverity(*p.Severity)
			if !ok {
				return fmt.Errorf("%w: severity %q is not SEV1, SEV2, SEV3 or SEV4", ErrInvalid, *p.Severity)
			}
			if sev != in.Severity {
				events = append(events, event{store.EventSeverity, Severity(in.Severity) + " → " + Severity(sev),
					map[string]any{"from": Severity(in.Severity), "to": Severity(sev)}})
				in.Severity = sev
				messages = append(messages, "incident.severity")
			}
		}
		if p.Services != nil || p.Team != nil || p.SLOs != nil {
			services, slos, team := in.Services, in.SLOs, ""
			if p.Services != nil {
				services = *p.Services
			}
			if p.SLOs != nil {
				slos = *p.SLOs
			}
			if p.Team != nil {
				team = *p.Team
			} else if p.Services == nil {
				team = in.Team
			}
			team, err := m.validate(c, services, team, slos)
			if err != nil {
				return err
			}
			if !slices.Equal(sorted(services), in.Services) {
				events = append(events, event{store.EventUpdate, "Services: " + strings.Join(sorted(services), ", "), map[string]any{"field": "services"}})
			}
			if team != in.Team {
				events = append(events, event{store.EventUpdate, "Owning team: " + team, map[string]any{"field": "team", "from": in.Team, "to": team}})
			}
			for _, s := range sorted(slos) {
				if !slices.Contains(in.SLOs, s) {
					events = append(events, event{store.EventSLO, "SLO linked: " + s, map[string]any{"slo": s}})
				}
			}
			in.Services, in.SLOs, in.Team = services, slos, team
		}
		for _, r := range roles {
			var v *string
			switch r.name {
			case "commander":
				v = p.Commander
			case "scribe":
				v = p.Scribe
			case "communications":
				v = p.Communications
			}
			if v == nil || strings.TrimSpace(*v) == r.get(&in) {
				continue
			}
			to := strings.TrimSpace(*v)
			text := r.title + ": " + to
			if to == "" {
				text = r.title + ": (none)"
			}
			events = append(events, event{store.EventRole, text, map[string]any{"role": r.name, "from": r.get(&in), "to": to}})
			r.set(&in, to)
		}
		if p.Status != nil && *p.Status != in.Status {
			to := *p.Status
			if statusIndex(to) < 0 {
				return fmt.Errorf("%w: status %q is not one of %s", ErrInvalid, to, strings.Join(store.IncidentStatuses, ", "))
			}
			applyStatus(&in, to, at)
			events = append(events, event{store.EventStatus, statusTitle(before.Status) + " → " + statusTitle(to),
				map[string]any{"from": before.Status, "to": to}})
			messages = append(messages, "incident.status")
		}
		if p.Note != nil && strings.TrimSpace(*p.Note) != "" {
			events = append(events, event{store.EventNote, strings.TrimSpace(*p.Note), nil})
		}
		if len(events) == 0 {
			after = before
			return nil
		}
		if in.AcknowledgedAt == nil && !isRule(actor) {
			in.AcknowledgedAt = &at
		}
		if err := tx.UpdateIncident(ctx, in); err != nil {
			return err
		}
		if in.Title != before.Title {
			if err := tx.ReindexPostmortemTitle(ctx, id, in.Title); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := addEvent(ctx, tx, id, at, e.kind, actor, e.text, e.data); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, actor, "incident.update", id, before, in); err != nil {
			return err
		}
		if now.Sub(at) > quietAfter {
			messages = nil // recorded after the fact
		}
		for _, kind := range messages {
			if err := m.enqueue(ctx, tx, in, kind, m.changeMessage(before, in, kind, actor)); err != nil {
				return err
			}
		}
		after = in
		return nil
	})
	if err != nil {
		return store.Incident{}, fmt.Errorf("update incident %d: %w", id, err)
	}
	return m.store.Incident(ctx, after.ID)
}

type event struct {
	kind, text string
	data       map[string]any
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func isRule(actor string) bool { return strings.HasPrefix(actor, "rule:") }

// applyStatus moves an incident to status to at time at. Entering a
// status records when it was first entered; resolving records the last
// resolution (a reopened incident resolves again later), and reopening
// clears it. Skipping steps leaves their times empty: time to mitigate
// then falls back to the resolution.
func applyStatus(in *store.Incident, to string, at time.Time) {
	t := at
	set := func(p **time.Time) {
		if *p == nil {
			*p = &t
		}
	}
	switch to {
	case store.IncidentIdentified:
		set(&in.IdentifiedAt)
	case store.IncidentMonitoring:
		set(&in.MonitoringAt)
	case store.IncidentResolved:
		in.ResolvedAt = &t
	case store.IncidentClosed:
		if in.ResolvedAt == nil {
			in.ResolvedAt = &t
		}
		in.ClosedAt = &t
	}
	if statusIndex(to) < statusIndex(store.IncidentResolved) {
		in.ResolvedAt = nil
	}
	in.Status = to
}

func statusTitle(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// AddNote adds a note to the timeline; see [Manager.Update].
func (m *Manager) AddNote(ctx context.Context, actor string, id int64, text string, at *time.Time) (store.Incident, error) {
	if strings.TrimSpace(text) == "" {
		return store.Incident{}, fmt.Errorf("%w: the note is empty", ErrInvalid)
	}
	return m.Update(ctx, actor, id, Patch{Note: &text, At: at})
}
