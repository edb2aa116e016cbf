package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"kiban.dev/kiban/internal/burnalert"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/promsli"
	"kiban.dev/kiban/internal/server"
	"kiban.dev/kiban/internal/store"
)

// alertOptions configure kiban's own burn alerts.
type alertOptions struct {
	alertmanagers []string
	every         time.Duration
	externalURL   string
	digestHour    int
	// keepRawCostDays keeps raw billing rows imported through the API.
	keepRawCostDays int
}

func newServeCmd() *cobra.Command {
	var dir, db, addr, logFormat, logLevel, promURL string
	var alerts alertOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI and the JSON API",
		Long: `Serve loads the tree into memory and serves the web UI, the JSON API under
/api/v1/, /healthz and /metrics (Prometheus format).

The tree is read again on SIGHUP and on POST /-/reload (editor token). A tree
with errors never replaces a good one: kiban keeps serving the last good
catalog and shows the errors on every page.

The store holds what changes at run time (tokens, the audit log): SQLite in
one file by default, PostgreSQL with --db postgres://…; migrations run at
start.

Burn alerts: every --evaluate-every, kiban evaluates the SLOs it measures
itself (from access logs and events; SLOs with a PromQL SLI get Prometheus
rules instead) and, for each severity (page, ticket) whose multiwindow pairs
fire, sends an alert to every --alertmanager (API v2; re-sent every round
while it fires, resolved when it stops) and one message to the owning team's
chat webhook (spec.chat.webhook or the variable named by webhookEnv) when it
starts and when it stops. Links point to --external-url/slos/<id>.

Incidents: alerts posted by Alertmanager to /api/v1/alertmanager open
incidents by the catalog's IncidentRules or join the open incident of their
service. The owning team's chat webhook gets a message when an incident
opens, changes status or severity, and when its postmortem goes to review
or is published; messages wait in the store until delivered (retried with
backoff). From --digest-hour (UTC) each day, every team with overdue action
items gets one digest listing them.`,
		Example: `  kiban serve --config examples/acme
  kiban serve --config /srv/catalog --db postgres://kiban@db/kiban --addr :8080
  kiban serve --alertmanager http://alertmanager:9093 --external-url https://kiban.example.com
  kill -HUP $(pidof kiban)        # reload the tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd, logFormat, logLevel)
			if err != nil {
				return err
			}
			slog.SetDefault(log)
			prom, err := prometheusSource(promURL)
			if err != nil {
				return err
			}
			return runServe(cmd.Context(), cmd, log, dir, db, addr, alerts, prom)
		},
	}
	configFlag(cmd, &dir)
	dbFlag(cmd, &db)
	addrDefault := os.Getenv("KIBAN_ADDR")
	if addrDefault == "" {
		addrDefault = "127.0.0.1:8080"
	}
	cmd.Flags().StringVar(&addr, "addr", addrDefault, "listen address (env KIBAN_ADDR)")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format: text or json")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	prometheusFlag(cmd, &promURL)
	cmd.Flags().StringArrayVar(&alerts.alertmanagers, "alertmanager", nil, "Alertmanager URL to send burn alerts to (API v2); repeat for several")
	cmd.Flags().DurationVar(&alerts.every, "evaluate-every", burnalert.DefaultInterval, "how often to evaluate burn alerts; 0 turns them off")
	cmd.Flags().StringVar(&alerts.externalURL, "external-url", "", "kiban's URL as people reach it, for links in alerts and chat (default http://ADDR)")
	cmd.Flags().IntVar(&alerts.keepRawCostDays, "keep-raw-cost-days", 0, "keep the raw rows of billing exports imported through the API for N days (0: only the roll-ups)")
	cmd.Flags().IntVar(&alerts.digestHour, "digest-hour", 9, "hour of the day (UTC, 0-23) from which each team's daily digest of overdue action items goes out")
	return cmd
}

func newLogger(cmd *cobra.Command, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), opts)), nil
	}
	return nil, fmt.Errorf("--log-format: unknown %q; expected text or json", format)
}

func runServe(ctx context.Context, cmd *cobra.Command, log *slog.Logger, dir, db, addr string, alerts alertOptions, prom *promsli.Source) error {
	if alerts.digestHour < 0 || alerts.digestHour > 23 {
		return fmt.Errorf("--digest-hour: %d is not an hour of the day (0-23)", alerts.digestHour)
	}
	if alerts.every < 0 {
		return fmt.Errorf("--evaluate-every: negative duration %v", alerts.every)
	}
	var ams []*notify.Alertmanager
	for _, u := range alerts.alertmanagers {
		am, err := notify.NewAlertmanager(u, nil)
		if err != nil {
			return fmt.Errorf("--alertmanager: %w", err)
		}
		ams = append(ams, am)
	}
	if alerts.every == 0 && len(ams) > 0 {
		return errors.New("--alertmanager needs burn alerts on: --evaluate-every must be positive")
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	external := cmp.Or(alerts.externalURL, baseURL(ln.Addr()))
	srv, err := server.New(ctx, server.Config{ConfigDir: dir, Store: st, Logger: log, Prometheus: prom,
		ExternalURL: external, DigestHour: alerts.digestHour, KeepRawCostDays: alerts.keepRawCostDays})
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if _, err := srv.Reload(ctx, "signal:SIGHUP"); err != nil {
					log.Error("reload on SIGHUP", "err", err)
				}
			}
		}
	}()

	// Burn alerts, chat messages and the action item digest run beside
	// the HTTP server and stop with it.
	jobs, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); srv.RunJobs(jobs) }()
	evalDone := make(chan struct{})
	if alerts.every > 0 {
		ev, err := burnalert.New(burnalert.Config{
			Store: st, Catalog: srv.Catalog, Alertmanagers: ams,
			ExternalURL: external,
			Interval:    alerts.every, Logger: log, Registerer: srv.Registry(),
		})
		if err != nil {
			ln.Close()
			return fmt.Errorf("--external-url: %w", err)
		}
		go func() { defer close(evalDone); ev.Run(jobs) }()
	} else {
		close(evalDone)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(cmd.OutOrStdout(), "kiban is serving %s on %s\n", dir, dashboardURL(ln.Addr()))
	log.Info("listening", "addr", ln.Addr().String(), "db", st.Dialect())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopJobs()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	select {
	case <-evalDone:
	case <-shutdownCtx.Done():
		log.Warn("burn alerts: still delivering at shutdown")
	}
	select {
	case <-jobsDone:
	case <-shutdownCtx.Done():
		log.Warn("chat messages: still delivering at shutdown")
	}
	return nil
}

// dashboardURL is the address a person can open in a browser.
func dashboardURL(a net.Addr) string {
	if _, _, err := net.SplitHostPort(a.String()); err != nil {
		return "http://" + a.String() + "/"
	}
	return baseURL(a) + "/services"
}

// baseURL is http://HOST:PORT of a listener, with localhost for an
// unspecified address: the default --external-url.
func baseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}
