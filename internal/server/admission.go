package server

import (
	"net/http"
	"strconv"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// WithWebhookInflightLimit bounds the request-body bytes the receivers,
// the API's routes and the other routes that read a body (the output push,
// the CLI's code exchange, the console's forms) hold at once, across all
// requests (default webhook.DefaultMaxInflightBytes, 256 MiB); one
// organization may hold a quarter of it, and so may all senders not known
// before their body is read, together. A request that does not fit is
// answered 503 with Retry-After before its body is read.
func WithWebhookInflightLimit(n int64) Option { return func(s *Server) { s.maxInflight = n } }

// bodyBudget creates the budget every route that reads a body shares
// (s.bodies): one organization's slow bodies, to its receivers, its API
// routes or its console forms alike, take its quarter and no more; the
// anonymous ones (admission_public.go) take one other quarter.
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
	return s.admitBodyUpTo(r, org, maxBodyBytes)
}

// errBodiesInFlight answers a request refused by admitBody; writeOverloaded
// adds its Retry-After.
var errBodiesInFlight = &httpError{code: api.CodeUnavailable, message: "too many request bodies are being received for this organization; try again later"}

func (s *Server) writeOverloaded(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(webhook.RetryAfterSeconds))
	s.writeError(w, r, errBodiesInFlight)
}
