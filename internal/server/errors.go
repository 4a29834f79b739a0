package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// httpError is an error that carries its gRPC code, so that one table decides
// the HTTP status (as grpc-gateway does for a real v1 server).
type httpError struct {
	code    int
	message string
}

func (e *httpError) Error() string { return e.message }

func invalid(format string, a ...any) error {
	return &httpError{code: api.CodeInvalidArgument, message: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &httpError{code: api.CodeNotFound, message: fmt.Sprintf(format, a...)}
}

func forbidden(format string, a ...any) error {
	return &httpError{code: api.CodePermissionDenied, message: fmt.Sprintf(format, a...)}
}

func unauthenticated(format string, a ...any) error {
	return &httpError{code: api.CodeUnauthenticated, message: fmt.Sprintf(format, a...)}
}

func tooLarge(format string, a ...any) error {
	return &httpError{code: codeTooLarge, message: fmt.Sprintf(format, a...)}
}

// codeTooLarge is not a gRPC code: grpc-gateway has no 413, but a body over
// the limit is better reported as what it is.
const codeTooLarge = -413

// statusOf is the one table from gRPC codes to HTTP statuses.
func statusOf(code int) int {
	switch code {
	case api.CodeInvalidArgument:
		return http.StatusBadRequest
	case api.CodeNotFound:
		return http.StatusNotFound
	case api.CodeAlreadyExists, api.CodeAborted:
		return http.StatusConflict
	case api.CodePermissionDenied:
		return http.StatusForbidden
	case api.CodeUnauthenticated:
		return http.StatusUnauthorized
	case api.CodeResourceExhaust:
		return http.StatusTooManyRequests
	case api.CodeUnimplemented:
		return http.StatusNotImplemented
	case api.CodeUnavailable:
		return http.StatusServiceUnavailable
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}

// classify turns any error into a code and a user-facing message. Errors that
// are not ours are internal: logged, and shown only as "internal error" so no
// detail of the database or of a secret leaks.
func (s *Server) classify(r *http.Request, err error) (int, string) {
	var he *httpError
	var sve *service.Error
	var se *store.Error
	switch {
	case errors.As(err, &he):
		return he.code, he.message
	case errors.As(err, &sve):
		// A service decided the class; the table below maps it.
		return sve.Code, sve.Message
	case errors.As(err, &se) && errors.Is(se, store.ErrNotFound):
		return api.CodeNotFound, se.Message
	case errors.As(err, &se) && errors.Is(se, store.ErrConflict):
		return api.CodeAlreadyExists, se.Message
	case errors.Is(err, store.ErrNotFound):
		return api.CodeNotFound, "not found"
	case errors.Is(err, store.ErrConflict):
		return api.CodeAlreadyExists, "already exists"
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away (it gave up or was interrupted) while the
		// request waited, for example on a database that is restarting:
		// nothing is wrong on our side, and nobody reads the answer.
		s.log.InfoContext(r.Context(), "request cancelled by the client", slog.String("request_id", requestID(r.Context())))
		return api.CodeUnavailable, "the request was cancelled"
	case store.IsUnavailable(err):
		// The database is down or restarting: nothing is wrong with the
		// request, and a retry may succeed (503, not 500).
		s.log.WarnContext(r.Context(), "database unavailable", slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		return api.CodeUnavailable, "the database is unavailable; retry later"
	default:
		s.log.ErrorContext(r.Context(), "internal error", slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		return api.CodeInternal, "internal error"
	}
}

// writeError answers with the contract's error body.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := s.classify(r, err)
	status := statusOf(code)
	if code == codeTooLarge {
		code = api.CodeInvalidArgument
	}
	writeJSON(w, status, api.Error{Code: code, Message: msg, Details: []any{}})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
