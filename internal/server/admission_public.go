package server

import (
	"net/http"
	"strconv"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// anonymousShare is the budget share of every body whose sender is not
// known before it is read: the CI output push (its execution is named in
// the body), the CLI's code exchange, the sign-in forms and the sign-out
// form (its cookie is checked only with the form's CSRF token). Someone
// with no credential holds at most this quarter however they spread their
// bodies over these routes. It is not the share of deliveries to ids that
// name no source (the webhook package's, ""): those take bodies of up to
// 5 MiB, so a dozen slow ones fill a quarter, and sign-ins and output
// pushes should not be refused because someone sprays made-up ids.
const anonymousShare = "anonymous routes"

// The console's form limits: the sign-in and sign-out forms carry a token
// at most, the other forms a few fields and an event's payload.
const (
	maxSignInForm  = 64 << 10
	maxConsoleForm = 1 << 20
)

// errAnonymousBodiesInFlight answers a token-less request refused for want
// of budget; it names no organization, since none is known.
var errAnonymousBodiesInFlight = &httpError{code: api.CodeUnavailable, message: "too many request bodies are being received; try again later"}

// admitBodyUpTo is admitBody for a route whose own limit is limit: it
// reserves the body's Content-Length, or limit when it gives none or more
// (the route refuses a larger declared length before reading, a larger
// chunked body after reading limit bytes), from tenant's share.
func (s *Server) admitBodyUpTo(r *http.Request, tenant string, limit int64) (n int64, ok bool) {
	if s.bodies == nil || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return 0, true
	}
	n = limit
	if r.ContentLength > 0 && r.ContentLength < n {
		n = r.ContentLength
	}
	if !s.bodies.Reserve(tenant, n) {
		return 0, false
	}
	return n, true
}

// anonymousBody wraps h, a token-less API route that reads a body of at
// most limit bytes before it knows who sends it: the body reserves from
// the anonymous share first, and a request that does not fit is answered
// 503 with Retry-After, in JSON, before anything reads it. The reservation
// is held until h returns, whatever it answers.
func (s *Server) anonymousBody(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		held, ok := s.admitBodyUpTo(r, anonymousShare, limit)
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(webhook.RetryAfterSeconds))
			s.writeError(w, r, errAnonymousBodiesInFlight)
			return
		}
		defer s.bodies.Release(anonymousShare, held)
		h(w, s.admitted(r, anonymousShare, held))
	}
}

// anonymousForm is anonymousBody for a console form without a session: a
// refusal is the console's error page, with the same status and
// Retry-After.
func (s *Server) anonymousForm(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		held, ok := s.admitBodyUpTo(r, anonymousShare, limit)
		if !ok {
			s.consoleOverloaded(w, r, nil)
			return
		}
		defer s.bodies.Release(anonymousShare, held)
		h(w, r)
	}
}

// consoleOverloaded answers a console form refused for want of budget: the
// error page, 503 with Retry-After. c is the session when one is known
// (the form drew on its organization's share).
func (s *Server) consoleOverloaded(w http.ResponseWriter, r *http.Request, c *consoleCtx) {
	w.Header().Set("Retry-After", strconv.Itoa(webhook.RetryAfterSeconds))
	if c == nil {
		s.consoleError(w, r, nil, errAnonymousBodiesInFlight)
		return
	}
	s.consoleError(w, r, c, errBodiesInFlight)
}
