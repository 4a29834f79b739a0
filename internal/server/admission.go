package server

import (
	"bytes"
	"context"
	"errors"
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

// admissionKey keys the request context's *admission.
type admissionKey struct{}

// admission is whose share a request's body was admitted against:
// readRequestBody reserves the one step more a body of unknown length takes
// (webhook.Budget.ReadBody) from the same budget. It rides on the context,
// not on r.Body: net/http drains an unread body before answering only when
// r.Body is its own, and answers at once when 256 KiB or more are unsent,
// so replacing r.Body would make refusals wait for slow senders.
type admission struct {
	bodies *webhook.Budget
	tenant string
}

// admitted returns r carrying its admission when held bytes were reserved
// for its body (none: nothing to grow, r as it is).
func (s *Server) admitted(r *http.Request, tenant string, held int64) *http.Request {
	if held == 0 || s.bodies == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), admissionKey{}, admission{bodies: s.bodies, tenant: tenant}))
}

// readBody is a body read already, whole (peekBody): readRequestBody hands
// its bytes over rather than copying them again, and a handler that reads
// r.Body itself reads them, or the error the read ended with.
type readBody struct {
	*bytes.Reader
	bytes []byte
	err   error
}

func newReadBody(b []byte, err error) *readBody {
	return &readBody{Reader: bytes.NewReader(b), bytes: b, err: err}
}

func (b *readBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	return b.Reader.Read(p)
}

func (b *readBody) Close() error { return nil }

// readRequestBody reads r's body whole, refusing more than limit with 413
// naming it, within what admission reserved for it: a known length into a
// buffer of exactly that size, an unknown one (chunked) into one step, then
// one buffer of the limit (webhook.Budget.ReadBody), where io.ReadAll would
// hold its chunks and their copy, about twice the body. A step the budget
// has no room for is 503.
func readRequestBody(r *http.Request, limit int64) ([]byte, error) {
	var (
		body   []byte
		err    error
		bodies *webhook.Budget
		tenant string
	)
	if b, ok := r.Body.(*readBody); ok {
		// Read, and its error classified, already.
		return b.bytes, b.err
	}
	if a, ok := r.Context().Value(admissionKey{}).(admission); ok {
		bodies, tenant = a.bodies, a.tenant
	}
	body, err = bodies.ReadBody(r.Body, r.ContentLength, limit, tenant)
	if err == nil {
		return body, nil
	}
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, tooLarge("request body exceeds %d bytes", mbe.Limit)
	}
	if errors.Is(err, webhook.ErrNoRoom) {
		return nil, errBodiesInFlight
	}
	return nil, invalid("cannot read request body")
}
