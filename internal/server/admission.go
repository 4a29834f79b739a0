package server

import (
	"net/http"
	"strconv"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// WithWebhookInflightLimit bounds the request-body bytes the receivers and
// the API's routes hold at once, across all requests (default
// webhook.DefaultMaxInflightBytes, 256 MiB); one organization may hold a
// quarter of it. A request that does not fit is answered 503 with
// Retry-After before its body is read.
func WithWebhookInflightLimit(n int64) Option { return func(s *Server) { s.maxInflight = n } }

// bodyBudget creates the budget the receivers and the API's routes share
// (s.bodies): one organization's slow bodies, to its receivers or its API
// routes alike, take its quarter and no more.
func (s *Server) bodyBudget() *webhook.Budget {
	total := s.maxInflight
	if total <= 0 {
		total = webhook.DefaultMaxInflightBytes
	}
	s.bodies = webhook.NewBudget(total, max(s.maxBody, maxBodyBytes))
	return s.bodies
}

// admitBody reserves room in the shared budget for an authenticated
// request's body before anything reads it: its Content-Length, or the
// API's limit when it gives none. n is what to release once the request
// is answered; ok is false when the organization's share, or the whole
// budget, has no room.
func (s *Server) admitBody(r *http.Request, org string) (n int64, ok bool) {
	if s.bodies == nil || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return 0, true
	}
	n = maxBodyBytes
	if r.ContentLength > 0 && r.ContentLength < n {
		n = r.ContentLength
	}
	if !s.bodies.Reserve(org, n) {
		return 0, false
	}
	return n, true
}

// errBodiesInFlight answers a request refused by admitBody; writeOverloaded
// adds its Retry-After.
var errBodiesInFlight = &httpError{code: api.CodeUnavailable, message: "too many request bodies are being received for this organization; try again later"}

func (s *Server) writeOverloaded(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(webhook.RetryAfterSeconds))
	s.writeError(w, r, errBodiesInFlight)
}
