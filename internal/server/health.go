package server

import (
	"context"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// WithMetrics sets where requests and webhook deliveries are recorded
// (default, or nil: nowhere). cmd serves them on their own listener.
func WithMetrics(m *metrics.Metrics) Option { return func(s *Server) { s.metrics = m } }

// readyTimeout bounds /ready's question to the database: a load balancer
// polls it, and a database that takes longer is as good as down.
const readyTimeout = time.Second

// health answers 200 while the process serves HTTP: a liveness probe, which
// must not restart a server because its database is away (restarting would
// not bring the database back). /ready tells whether it can work.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready answers 200 when the database answers within readyTimeout, 503
// otherwise: a readiness probe, which takes the replica out of rotation
// while its database is away. The reason is one line and names nothing of
// the database (no host, no driver error).
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the database does not answer"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// observeDelivery is the receivers' Config.Observe: nil without metrics,
// so the receivers skip it.
func (s *Server) observeDelivery() func(string, webhook.Outcome) {
	if s.metrics == nil {
		return nil
	}
	return func(sourceType string, outcome webhook.Outcome) { s.metrics.Delivery(sourceType, string(outcome)) }
}
