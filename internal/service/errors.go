// Package service holds the rules of the control plane's domains, apart from
// HTTP: validation (with internal/api's rules), the store calls and their
// transactions, sealing and opening secrets and event sources' keys through
// internal/sealer, and the in-use checks. The domains here are canvases,
// secrets, integrations, event sources (with their webhooks on the tools
// and the rate-limited read-only checks of them), events (the listing,
// manual events, and what the webhook receivers need: a source's keys and
// storing a verified delivery, with its filters and body dedupe), stages
// (with their queues, approvals and executions) and tokens.
// internal/server decodes a request, calls a method here with the principal
// it authenticated, and encodes the answer; the errors returned here carry
// their class, which the server alone maps to an HTTP status. New builds
// every service and wires them to each other (services.go); cmd calls it and
// passes the result to server.New.
package service

import (
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Error is an error whose class (a gRPC code from internal/api, as a v1
// server answers) and user-facing message are decided here; the server maps
// the code to a status in its one table. Any other error from a service is
// either a store error (classified by the server as before) or internal.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(code int, format string, a ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Invalid is a request the rules refuse (400).
func Invalid(format string, a ...any) error {
	return errorf(api.CodeInvalidArgument, format, a...)
}

// NotFound is a reference to nothing the principal can see (404).
func NotFound(format string, a ...any) error { return errorf(api.CodeNotFound, format, a...) }

// inUse refuses a change that would break another object silently (409, as
// the v1 server answers a conflict).
func inUse(format string, a ...any) error { return errorf(api.CodeAlreadyExists, format, a...) }

// unauthenticated refuses a token (401).
func unauthenticated(format string, a ...any) error {
	return errorf(api.CodeUnauthenticated, format, a...)
}

// unavailable is a failure of another system that a retry may clear (503).
func unavailable(format string, a ...any) error {
	return errorf(api.CodeUnavailable, format, a...)
}
