package cli

import (
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

	"kiban.dev/kiban/internal/server"
	"kiban.dev/kiban/internal/store"
)

func newServeCmd() *cobra.Command {
	var dir, db, addr, logFormat, logLevel string
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
start.`,
		Example: `  kiban serve --config examples/acme
  kiban serve --config /srv/catalog --db postgres://kiban@db/kiban --addr :8080
  kill -HUP $(pidof kiban)        # reload the tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd, logFormat, logLevel)
			if err != nil {
				return err
			}
			slog.SetDefault(log)
			return runServe(cmd.Context(), cmd, log, dir, db, addr)
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

func runServe(ctx context.Context, cmd *cobra.Command, log *slog.Logger, dir, db, addr string) error {
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Config{ConfigDir: dir, Store: st, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
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
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return nil
}

// dashboardURL is the address a person can open in a browser.
func dashboardURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/services"
}
