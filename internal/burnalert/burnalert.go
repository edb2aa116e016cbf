// Package burnalert is kiban's own burn-rate alerting for the SLOs it
// evaluates itself, from access logs and the events API (the SLOs that
// get no Prometheus rules; see promrules.HasPromQL).
//
// Every interval the Evaluator computes the status of every such SLO of the
// catalog being served (slostatus.Evaluate). For each severity, page and
// ticket, the alert fires when any of that severity's multiwindow pairs
// fires. Firing alerts go to every configured Alertmanager (API v2) on every
// round, with endsAt four intervals ahead as Alertmanager expects from a
// Prometheus; a resolve (endsAt = the time it stopped) goes once when the
// alert stops. The owning team's chat webhook gets one message when an alert
// starts firing and one when it resolves, not one per round.
//
// Every episode is recorded in the store (Store.OpenAlert when an alert
// starts firing, Store.ResolveAlert when it stops) for the SLO page's
// history; a failed write is logged and does not hold up delivery.
//
// State lives in memory: after a restart, alerts still firing are announced
// again (their stored episode stays the one already open). Delivery errors are logged and retried on the next round; they
// never stop the evaluator.
package burnalert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slo/promrules"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// DefaultInterval is how often the Evaluator runs when Config.Interval is
// zero.
const DefaultInterval = time.Minute

// resendFactor: a firing alert's endsAt is this many intervals ahead, so
// that Alertmanager resolves it on its own only after several missed
// rounds (Prometheus uses 4 × max(evaluation interval, resend delay)).
const resendFactor = 4

// maxChatAttempts bounds the rounds a chat message is retried on temporary
// errors before it is given up.
const maxChatAttempts = 10

// Config is what an Evaluator needs.
type Config struct {
	// Store holds the per-minute counts the SLOs are evaluated on.
	Store *store.Store
	// Catalog returns the catalog to evaluate. It is called on every round,
	// so that reloads apply.
	Catalog func() *catalog.Catalog
	// Alertmanagers receive every alert; none is fine (chat only).
	Alertmanagers []*notify.Alertmanager
	// Chat sends the teams' chat messages; nil means a default client.
	Chat *notify.Webhook
	// ExternalURL is kiban's address as people reach it; alerts link to
	// ExternalURL/slos/<id>.
	ExternalURL string
	// Interval is the time between rounds; DefaultInterval when zero.
	Interval time.Duration
	Logger   *slog.Logger
	// Registerer receives the evaluator's metrics; nil means none.
	Registerer prometheus.Registerer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Getenv reads the variables named by teams' chat.webhookEnv, at send
	// time; nil means os.Getenv.
	Getenv func(string) string
}

// Evaluator evaluates SLOs and delivers their burn alerts. Create it with
// New; it is safe for concurrent use (rounds run one at a time).
type Evaluator struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics

	mu     sync.Mutex
	alerts map[key]*alert
	// orphans are alerts whose labels changed while firing (the owner
	// changed, say): each Alertmanager that holds the old one is owed a
	// resolve for it.
	orphans []orphan
}

type key struct {
	id       string
	severity slo.Severity
}

func (k key) String() string { return k.id + "/" + string(k.severity) }

type chatState int

const (
	chatNone   chatState = iota // the team has not been told it fires
	chatTold                    // the team was told it fires (a resolve is owed once it stops)
	chatGaveUp                  // no webhook, or delivery failed for good: nothing more for this episode
)

// alert is one SLO's alert of one severity, firing or owed a resolve.
type alert struct {
	key
	firing     bool
	since      time.Time // startsAt
	resolvedAt time.Time
	// body is the last alert built: labels, annotations, generatorURL.
	body   notify.Alert
	status slostatus.Status
	title  string // the SLO's display name
	// runbook is the SLO's or the service's runbook URL.
	runbook string
	// amUntil[i] is the endsAt of the last firing alert Alertmanager i
	// accepted: zero when it holds none, or has been told it resolved.
	amUntil []time.Time
	chat    chatState
	// chatTeam is the team told it fires, which the resolve goes to.
	chatTeam  string
	chatTries int
}

type orphan struct {
	body  notify.Alert // EndsAt set
	am    int
	until time.Time // Alertmanager expires it on its own by then
}

// New returns an Evaluator. It registers its metrics on cfg.Registerer.
func New(cfg Config) (*Evaluator, error) {
	if cfg.Store == nil {
		return nil, errors.New("burnalert: no store")
	}
	if cfg.Catalog == nil {
		return nil, errors.New("burnalert: no catalog")
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("burnalert: negative interval %v", cfg.Interval)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.ExternalURL != "" {
		u, err := url.Parse(cfg.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("burnalert: external URL %q is not an absolute http(s) URL", cfg.ExternalURL)
		}
	}
	cfg.ExternalURL = strings.TrimSuffix(cfg.ExternalURL, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Chat == nil {
		cfg.Chat = &notify.Webhook{}
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Evaluator{cfg: cfg, log: cfg.Logger.With("component", "burnalert"), metrics: m, alerts: map[key]*alert{}}, nil
}

// Interval is the time between rounds.
func (e *Evaluator) Interval() time.Duration { return e.cfg.Interval }

// Run evaluates now and then every interval until ctx is done. It returns
// nil then: errors of a round are logged, never fatal.
func (e *Evaluator) Run(ctx context.Context) error {
	ams := make([]string, len(e.cfg.Alertmanagers))
	for i, am := range e.cfg.Alertmanagers {
		ams[i] = am.String()
	}
	e.log.Info("burn alerts: evaluating SLOs measured by kiban", "every", e.cfg.Interval, "alertmanagers", ams, "external_url", e.cfg.ExternalURL)
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, max(e.cfg.Interval, 30*time.Second))
		e.Evaluate(rctx, e.cfg.Now())
		cancel()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Round says what one round did.
type Round struct {
	At time.Time
	// SLOs is the number of SLOs evaluated, NoData those without data.
	SLOs, NoData int
	// Firing lists the firing alerts as "<slo id>/<severity>".
	Firing []string
	// Errors counts failed evaluations and deliveries.
	Errors int
}

// Evaluate runs one round at now: it evaluates every SLO and delivers what
// changed, and re-sends what fires.
func (e *Evaluator) Evaluate(ctx context.Context, now time.Time) Round {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := Round{At: now}
	c := e.cfg.Catalog()
	journeys := map[string]*catalog.Journey{}
	for _, j := range c.Journeys {
		journeys[j.Name] = j
	}
	seen := map[key]bool{}
	for _, s := range c.SLOs {
		if promrules.HasPromQL(s, journeys) {
			continue // Prometheus evaluates it and its rules alert
		}
		st, err := slostatus.Evaluate(ctx, e.cfg.Store, c, s, now)
		if err != nil {
			// Keep the alerts as they are (firing ones are re-sent with
			// the last status) rather than resolve on a store error.
			e.log.Error("burn alerts: evaluation failed; keeping the last state", "slo", s.ID(), "err", err)
			e.metrics.evaluations.WithLabelValues("failure").Inc()
			r.Errors++
			for _, sev := range severities {
				seen[key{s.ID(), sev}] = true
			}
			continue
		}
		e.metrics.evaluations.WithLabelValues("success").Inc()
		r.SLOs++
		if !st.OK {
			r.NoData++
		}
		for _, sev := range severities {
			k := key{s.ID(), sev}
			seen[k] = true
			e.update(ctx, c, s, st, k, now)
		}
	}
	for _, k := range e.keys() {
		if a := e.alerts[k]; !seen[k] && a.firing {
			e.log.Info("burn alert resolved: the SLO is no longer evaluated by kiban", "alert", k.String())
			a.firing, a.resolvedAt = false, now
			e.record(ctx, k, "", now, false)
		}
	}
	r.Errors += e.deliverAlertmanagers(ctx, now)
	r.Errors += e.deliverChat(ctx, c)

	firing := map[slo.Severity]int{}
	for _, k := range e.keys() {
		a := e.alerts[k]
		if a.firing {
			r.Firing = append(r.Firing, k.String())
			firing[k.severity]++
		}
		if !a.firing && a.chat != chatTold && !slices.ContainsFunc(a.amUntil, func(t time.Time) bool { return !t.IsZero() }) {
			delete(e.alerts, k) // nothing more is owed for it
		}
	}
	for _, sev := range severities {
		e.metrics.firing.WithLabelValues(string(sev)).Set(float64(firing[sev]))
	}
	e.metrics.lastRound.Set(float64(now.Unix()))
	return r
}

var severities = []slo.Severity{slo.SeverityPage, slo.SeverityTicket}

// keys returns the alerts' keys in a stable order.
func (e *Evaluator) keys() []key {
	return slices.SortedFunc(maps.Keys(e.alerts), func(a, b key) int {
		return cmp.Or(strings.Compare(a.id, b.id), strings.Compare(string(a.severity), string(b.severity)))
	})
}

// fires reports whether any pair of a severity fires, unless the SLO
// disables that severity. An SLO without data never fires.
func fires(s *catalog.SLO, st slostatus.Status, sev slo.Severity) bool {
	if !st.OK || alertSpec(s, sev).Disabled {
		return false
	}
	for _, a := range st.Alerts {
		if a.Severity == string(sev) && a.Firing {
			return true
		}
	}
	return false
}

func alertSpec(s *catalog.SLO, sev slo.Severity) catalog.AlertSpec {
	if sev == slo.SeverityTicket {
		return s.Spec.Alerting.Ticket
	}
	return s.Spec.Alerting.Page
}

// update applies one evaluation to the alert of key k.
func (e *Evaluator) update(ctx context.Context, c *catalog.Catalog, s *catalog.SLO, st slostatus.Status, k key, now time.Time) {
	a := e.alerts[k]
	if !fires(s, st, k.severity) {
		if a != nil && a.firing {
			a.firing, a.resolvedAt, a.status = false, now, st
			a.chatTries = 0
			e.log.Info("burn alert resolved", "alert", k.String(), "team", st.Team, "firing_for", now.Sub(a.since).Round(time.Second))
			e.record(ctx, k, "", now, false)
		}
		return
	}
	body := e.build(c, s, st, k.severity)
	if a == nil {
		a = &alert{key: k, amUntil: make([]time.Time, len(e.cfg.Alertmanagers))}
		e.alerts[k] = a
	}
	if !a.firing {
		// A new episode. A team told of the last one and not yet of its
		// end (chatTold) is not told again.
		a.firing, a.since, a.resolvedAt, a.chatTries = true, now, time.Time{}, 0
		if a.chat == chatGaveUp {
			a.chat = chatNone
		}
		e.log.Info("burn alert firing", "alert", k.String(), "team", st.Team, "alertname", body.Labels["alertname"])
		e.record(ctx, k, st.Team, now, true)
	} else if !maps.Equal(a.body.Labels, body.Labels) {
		// Alertmanager identifies an alert by its labels: the old one
		// must be resolved where it was delivered.
		old := a.body
		old.StartsAt, old.EndsAt = a.since, now
		for i, until := range a.amUntil {
			if !until.IsZero() {
				e.orphans = append(e.orphans, orphan{body: old, am: i, until: until})
				a.amUntil[i] = time.Time{}
			}
		}
	}
	a.body, a.status = body, st
	a.title = cmp.Or(s.Title, s.ID())
	a.runbook = runbook(c, s)
}

// recordTimeout bounds a write of an alert's episode, so that a slow store
// does not hold up delivery.
const recordTimeout = 5 * time.Second

// record stores that the alert of k started firing (open) or resolved at
// now. Errors are logged only: the record is history, delivery goes on.
func (e *Evaluator) record(ctx context.Context, k key, team string, now time.Time, open bool) {
	if e.cfg.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	var err error
	if open {
		err = e.cfg.Store.OpenAlert(ctx, k.id, string(k.severity), team, now)
	} else {
		err = e.cfg.Store.ResolveAlert(ctx, k.id, string(k.severity), now)
	}
	if err != nil {
		e.log.Error("burn alerts: recording the alert failed", "alert", k.String(), "firing", open, "err", err)
	}
}

func runbook(c *catalog.Catalog, s *catalog.SLO) string {
	if s.Spec.Alerting.Runbook != "" {
		return s.Spec.Alerting.Runbook
	}
	if svc, ok := c.Service(s.Spec.Service); ok {
		return svc.Spec.Links.Runbook
	}
	return ""
}

// SLOURL is the address of an SLO's page.
func (e *Evaluator) SLOURL(id string) string {
	return e.cfg.ExternalURL + "/slos/" + url.PathEscape(id)
}

// deliverAlertmanagers sends the firing alerts and the owed resolves to
// every Alertmanager, one request each, and returns the number of
// failures.
func (e *Evaluator) deliverAlertmanagers(ctx context.Context, now time.Time) int {
	failures := 0
	endsAt := now.Add(resendFactor * e.cfg.Interval)
	keys := e.keys()
	for i, am := range e.cfg.Alertmanagers {
		var batch []notify.Alert
		var firing, resolved []*alert
		for _, k := range keys {
			a := e.alerts[k]
			switch {
			case a.firing:
				b := a.body
				b.StartsAt, b.EndsAt = a.since, endsAt
				batch = append(batch, b)
				firing = append(firing, a)
			case !a.amUntil[i].IsZero():
				b := a.body
				b.StartsAt, b.EndsAt = a.since, a.resolvedAt
				batch = append(batch, b)
				resolved = append(resolved, a)
			}
		}
		for _, o := range e.orphans {
			if o.am == i {
				batch = append(batch, o.body)
			}
		}
		if len(batch) == 0 {
			continue
		}
		if err := am.Send(ctx, batch); err != nil {
			failures++
			e.metrics.deliveries.WithLabelValues("alertmanager", "failure").Inc()
			e.log.Warn("burn alerts: Alertmanager delivery failed; retrying next round", "alertmanager", am.String(),
				"firing", len(firing), "resolved", len(batch)-len(firing), "err", err)
			// A resolve is owed only until Alertmanager expires the alert
			// on its own.
			for _, a := range resolved {
				if !now.Before(a.amUntil[i]) {
					a.amUntil[i] = time.Time{}
				}
			}
			e.orphans = slices.DeleteFunc(e.orphans, func(o orphan) bool { return o.am == i && !now.Before(o.until) })
			continue
		}
		e.metrics.deliveries.WithLabelValues("alertmanager", "success").Inc()
		e.log.Debug("burn alerts: delivered to Alertmanager", "alertmanager", am.String(), "firing", len(firing), "resolved", len(batch)-len(firing))
		for _, a := range firing {
			a.amUntil[i] = endsAt
		}
		for _, a := range resolved {
			a.amUntil[i] = time.Time{}
		}
		e.orphans = slices.DeleteFunc(e.orphans, func(o orphan) bool { return o.am == i })
	}
	return failures
}

// deliverChat tells the owning teams what started or stopped firing and
// returns the number of failures.
func (e *Evaluator) deliverChat(ctx context.Context, c *catalog.Catalog) int {
	failures := 0
	for _, k := range e.keys() {
		a := e.alerts[k]
		var team string
		var msg notify.Message
		switch {
		case a.firing && a.chat == chatNone:
			team, msg = a.status.Team, e.firingMessage(a)
		case !a.firing && a.chat == chatTold:
			team, msg = a.chatTeam, e.resolvedMessage(a)
		default:
			continue
		}
		giveUp := func() {
			if a.firing {
				a.chat = chatGaveUp
			} else {
				a.chat = chatNone
			}
		}
		webhook, why := e.webhook(c, team)
		if webhook == "" {
			if why != "" {
				e.log.Warn("burn alerts: no chat message: "+why, "alert", k.String(), "team", team)
			} else {
				e.log.Debug("burn alerts: the team has no chat webhook", "alert", k.String(), "team", team)
			}
			giveUp()
			continue
		}
		// Never log webhook: it is a secret. notify's errors omit it.
		err := e.cfg.Chat.Send(ctx, webhook, msg)
		if err == nil {
			e.metrics.deliveries.WithLabelValues("chat", "success").Inc()
			e.log.Info("burn alerts: chat message sent", "alert", k.String(), "team", team, "firing", a.firing)
			a.chatTries = 0
			if a.firing {
				a.chat, a.chatTeam = chatTold, team
			} else {
				a.chat = chatNone
			}
			continue
		}
		failures++
		a.chatTries++
		e.metrics.deliveries.WithLabelValues("chat", "failure").Inc()
		if notify.Permanent(err) || a.chatTries >= maxChatAttempts {
			e.log.Error("burn alerts: chat message failed; giving up", "alert", k.String(), "team", team, "attempts", a.chatTries, "err", err)
			giveUp()
			continue
		}
		e.log.Warn("burn alerts: chat message failed; retrying next round", "alert", k.String(), "team", team, "attempts", a.chatTries, "err", err)
	}
	return failures
}

// webhook returns a team's chat webhook URL, read now (the variable named
// by webhookEnv may change), or "" and why not when it is misconfigured
// ("" and "" when the team simply has none).
func (e *Evaluator) webhook(c *catalog.Catalog, team string) (url, why string) {
	if team == "" {
		return "", ""
	}
	t, ok := c.Team(team)
	if !ok {
		return "", ""
	}
	return t.Spec.Chat.WebhookURL(e.cfg.Getenv)
}
