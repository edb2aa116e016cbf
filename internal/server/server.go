// Package server is kiban's HTTP server: the web UI, the JSON API, health
// and metrics. It owns the catalog snapshot and its reloads, so that tests
// run the whole server in-process while cmd stays a thin wrapper.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/chat"
	"kiban.dev/kiban/internal/cost"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/ownership"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// Config is what a server needs.
type Config struct {
	// ConfigDir is the tree of YAML documents.
	ConfigDir string
	Store     *store.Store
	Logger    *slog.Logger
	// Registry receives kiban's metrics; nil means a new registry with the
	// Go and process collectors.
	Registry *prometheus.Registry
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Prometheus, when set, answers for SLOs with a PromQL SLI and no
	// stored counts.
	Prometheus *promsli.Source
	// ExternalURL is kiban's URL as people reach it, for links in chat
	// messages.
	ExternalURL string
	// Getenv reads the variables named by teams' chat.webhookEnv; nil
	// means os.Getenv.
	Getenv func(string) string
	// DigestHour is the hour (UTC) from which the daily digest of overdue
	// action items goes out.
	DigestHour int
	// KeepRawCostDays keeps the raw rows of billing imports for that many
	// days; 0 keeps only the roll-ups.
	KeepRawCostDays int
}

// snapshot is one loaded catalog with its resolver. It never changes once
// published.
type snapshot struct {
	cat      *catalog.Catalog
	res      *ownership.Resolver
	loadedAt time.Time
}

// loadState is the result of the last reload attempt.
type loadState struct {
	at    time.Time
	err   error               // nil when the last attempt succeeded
	diags catalog.Diagnostics // errors of the last failed attempt
}

// Server serves kiban. Create it with New.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Store
	now     func() time.Time
	snap    atomic.Pointer[snapshot]
	state   atomic.Pointer[loadState]
	reload  sync.Mutex // one reload at a time
	handler http.Handler
	metrics *metrics
	pages   *pages
	reg     *prometheus.Registry // what /metrics serves

	incidents *incident.Manager
	outbox    *chat.Dispatcher
}

// New loads the tree and builds the server. A tree with errors does not
// stop the server from starting: it serves an empty catalog and shows the
// errors on every page until a reload succeeds.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: cfg.Store, now: cfg.Now}
	reg := cfg.Registry
	if reg == nil {
		reg = newRegistry()
	}
	s.reg = reg
	s.metrics = newMetrics(reg, s)
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s.pages = p
	empty, _ := catalog.Parse(ctx, nil)
	s.snap.Store(&snapshot{cat: empty, res: ownership.New(empty)})
	if err := s.load(ctx); err != nil {
		s.log.Error("catalog: initial load failed; serving an empty catalog until a reload succeeds", "dir", cfg.ConfigDir, "err", err)
	}
	s.incidents = incident.New(incident.Config{Store: cfg.Store, Catalog: s.Catalog, Now: cfg.Now,
		BaseURL: cfg.ExternalURL, Logger: cfg.Logger, Budget: s.remainingBudget})
	s.outbox = &chat.Dispatcher{Store: cfg.Store, Catalog: s.Catalog, Getenv: cfg.Getenv, Log: cfg.Logger, Now: cfg.Now,
		Webhook: &notify.Webhook{}}
	s.handler = s.routes(reg)
	return s, nil
}

// remainingBudget is the error budget left of SLO id at time at, from the
// stored SLI counts or Prometheus.
func (s *Server) remainingBudget(ctx context.Context, id string, at time.Time) (float64, bool, string) {
	c := s.current().cat
	slo, ok := c.SLO(id)
	if !ok {
		return 0, false, "the SLO is not in the catalog"
	}
	st, err := slostatus.EvaluateWith(ctx, s.store, s.cfg.Prometheus, c, slo, at)
	if err != nil {
		return 0, false, err.Error()
	}
	if !st.OK {
		return 0, false, st.NoData
	}
	return st.Remaining, true, ""
}

// RunJobs delivers chat messages and queues the daily digest of overdue
// action items until ctx ends.
func (s *Server) RunJobs(ctx context.Context) {
	go s.outbox.Run(ctx, 15*time.Second)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for round := 0; ; round++ {
		if round%15 == 0 {
			s.notifyBudgets(ctx)
			s.notifyAnomalies(ctx)
		}
		if now := s.now().UTC(); now.Hour() >= s.cfg.DigestHour {
			if teams, err := s.incidents.Digest(ctx, now); err != nil {
				s.log.Error("action item digest", "err", err)
			} else if len(teams) > 0 {
				s.log.Info("action item digest queued", "teams", teams)
				s.outbox.Kick()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// notifyBudgets queues the chat messages of cost budgets whose
// thresholds were crossed this month, and of monitoring guards breached.
func (s *Server) notifyBudgets(ctx context.Context) {
	c := s.Catalog()
	if len(c.MonitoringGuards) > 0 {
		guards, err := cost.Guards(ctx, s.store, c, s.now().UTC())
		if err != nil {
			s.log.Error("monitoring guards", "err", err)
		} else if n, err := cost.NotifyGuards(ctx, s.store, c, guards, ""); err != nil {
			s.log.Error("monitoring guard messages", "err", err)
		} else if n > 0 {
			s.outbox.Kick()
		}
	}
	if len(c.CostBudgets) == 0 {
		return
	}
	statuses, err := cost.Budgets(ctx, s.store, c, s.now())
	if err != nil {
		s.log.Error("cost budgets", "err", err)
		return
	}
	if n, err := cost.NotifyBudgets(ctx, s.store, c, statuses, s.cfg.ExternalURL); err != nil {
		s.log.Error("cost budget messages", "err", err)
	} else if n > 0 {
		s.log.Info("cost budget messages queued", "messages", n)
		s.outbox.Kick()
	}
}

// notifyAnomalies queues a chat message for each cost anomaly of the
// last week (billing data arrives a day or two late; each anomaly is
// announced once).
func (s *Server) notifyAnomalies(ctx context.Context) {
	today := s.now().UTC().Truncate(24 * time.Hour)
	found, err := cost.DetectAnomalies(ctx, s.store, today.AddDate(0, 0, -7), today.AddDate(0, 0, 1), cost.AnomalyOptions{})
	if err != nil {
		s.log.Error("cost anomalies", "err", err)
		return
	}
	if n, err := cost.NotifyAnomalies(ctx, s.store, s.Catalog(), found, "", s.cfg.ExternalURL); err != nil {
		s.log.Error("cost anomaly messages", "err", err)
	} else if n > 0 {
		s.log.Info("cost anomaly messages queued", "messages", n)
		s.outbox.Kick()
	}
}

// FlushMessages sends the chat messages due now, for tests and tools.
func (s *Server) FlushMessages(ctx context.Context) int { return s.outbox.Flush(ctx) }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) current() *snapshot { return s.snap.Load() }

// load reads the tree and publishes it when it is valid.
func (s *Server) load(ctx context.Context) error {
	start := s.now()
	c, err := catalog.Load(ctx, s.cfg.ConfigDir)
	st := &loadState{at: start, err: err}
	var cerr *catalog.Error
	if errors.As(err, &cerr) {
		st.diags = cerr.Diagnostics.Errors()
	}
	s.state.Store(st)
	s.metrics.observeLoad(err == nil, s.now().Sub(start))
	if err != nil {
		return err
	}
	s.snap.Store(&snapshot{cat: c, res: ownership.New(c), loadedAt: start})
	s.log.Info("catalog loaded", "dir", s.cfg.ConfigDir, "teams", len(c.Teams), "services", len(c.Services),
		"warnings", len(c.Warnings), "digest", c.Digest, "took", s.now().Sub(start).Round(time.Millisecond))
	return nil
}

// catalogSummary is what the audit log keeps about a catalog version.
type catalogSummary struct {
	Digest   string `json:"digest"`
	Teams    int    `json:"teams"`
	Services int    `json:"services"`
	Concerns int    `json:"concerns"`
	Error    string `json:"error,omitempty"`
}

func summarize(c *catalog.Catalog) catalogSummary {
	return catalogSummary{Digest: c.Digest, Teams: len(c.Teams), Services: len(c.Services), Concerns: len(c.Concerns)}
}

// ReloadResult says what a reload did.
type ReloadResult struct {
	OK       bool                 `json:"ok"`
	Changed  bool                 `json:"changed"`
	Before   catalogSummary       `json:"before"`
	After    catalogSummary       `json:"after"`
	Errors   []catalog.Diagnostic `json:"errors,omitempty"`
	Duration string               `json:"duration"`
}

// Reload reads the tree again. On success the new snapshot replaces the
// old one; on failure the old one stays and the errors are returned (and
// shown on every page). Either way the attempt is written to the audit
// log under actor.
func (s *Server) Reload(ctx context.Context, actor string) (ReloadResult, error) {
	s.reload.Lock()
	defer s.reload.Unlock()
	start := s.now()
	before := summarize(s.current().cat)
	err := s.load(ctx)
	after := summarize(s.current().cat)
	action := "catalog.reload"
	var diags []catalog.Diagnostic
	if err != nil {
		action = "catalog.reload_failed"
		after.Error = err.Error()
		if st := s.state.Load(); st != nil {
			diags = st.diags
		}
	}
	res := ReloadResult{OK: err == nil, Before: before, After: after, Changed: before.Digest != after.Digest, Errors: diags,
		Duration: s.now().Sub(start).Round(time.Microsecond).String()}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	if aerr := s.store.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: action, Target: "catalog/" + s.cfg.ConfigDir, Before: b, After: a}); aerr != nil {
		return res, fmt.Errorf("server: reload: audit: %w", aerr)
	}
	if err != nil {
		s.log.Warn("catalog reload failed; keeping the last good catalog", "actor", actor, "err", err)
	} else {
		s.log.Info("catalog reloaded", "actor", actor, "changed", res.Changed)
	}
	return res, nil
}

// Catalog and Registry serve background jobs such as the burn alert
// evaluator, which the serve command starts.

// Catalog returns the catalog being served: the last one that loaded
// without errors. Jobs call it on every round so that reloads apply.
func (s *Server) Catalog() *catalog.Catalog { return s.current().cat }

// Registry returns the registry /metrics serves, for jobs' metrics.
func (s *Server) Registry() *prometheus.Registry { return s.reg }
