package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/connlimit"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// serveMetrics starts the metrics listener when --metrics-listen is set
// and returns the metrics to record into (nil without a listener: nothing
// is recorded) and the listener's stop.
//
// The metrics have a listener of their own rather than a route of the API:
// they are the whole server's (every organization's traffic, in totals), so
// no organization's token should read them, and a listener on a private
// address is what Prometheus scrapes without credentials. The API listener
// never serves them.
func (c *config) serveMetrics(st store.Store, log *slog.Logger) (*metrics.Metrics, func(), error) {
	if c.metricsListen == "" {
		return nil, func() {}, nil
	}
	tcp, err := net.Listen("tcp", c.metricsListen)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	ln := connlimit.New(tcp, metricsConnLimits(log))
	m := metrics.New(metrics.Config{Version: version, ExecutorTypes: api.ExecutorTypes(), HookTypes: api.IntegrationTypes()})
	if err := m.Register(metrics.Depths(st)); err != nil {
		_ = ln.Close()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		// Without it an idle keep-alive connection would be kept forever
		// (IdleTimeout falls back to ReadTimeout, and before this had none).
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", slog.String("error", err.Error()))
		}
	}()
	log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return m, stop, nil
}

// metricsConnLimits caps the metrics listener, whose only clients are a
// scraper or two (one keep-alive connection each): a few connections per
// address, a few dozen in all, so that the listener, when it is reachable
// from more than the scrapers, holds no more than that. They are not
// settings: nothing legitimate comes near them.
func metricsConnLimits(log *slog.Logger) connlimit.Config {
	return connlimit.Config{PerClient: 8, Total: 64, Log: log, Name: "metrics"}
}
