package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// APIError is a non-2xx answer of the server. Message is the server's
// message (or, for 501, a sentence saying the server lacks the operation);
// it never holds the token or a secret value.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the gRPC code of the error body, 0 when the body had none.
	Code int
	// Message is the error body's message.
	Message string
}

// Error returns "superplane API: <status>: <message>".
func (e *APIError) Error() string {
	return fmt.Sprintf("superplane API: %d: %s", e.StatusCode, e.Message)
}

// readAPIError turns a non-2xx response into an *APIError and closes the
// body. A body that is not the grpc-gateway error shape is not quoted: a
// proxy's page says nothing useful and we never echo unknown text.
func readAPIError(resp *http.Response, op string) *APIError {
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode}
	var body api.Error
	if err := json.Unmarshal(raw, &body); err == nil && (body.Message != "" || body.Code != 0) {
		e.Code = body.Code
		e.Message = body.Message
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(resp.StatusCode))
		if e.Message == "" {
			e.Message = "unexpected response"
		}
	}
	if resp.StatusCode == http.StatusNotImplemented || e.Code == api.CodeUnimplemented {
		e.Message = fmt.Sprintf("the server does not support the operation %q (%s)", op, e.Message)
	}
	return e
}

// asAPIError returns err's *APIError, if any.
func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsNotFound reports whether err says the object does not exist. Besides 404,
// a real v1 server answers 400 "secret not found" and 400 "canvas X not found
// in organization", so a 400 whose message says "not found" counts too.
func IsNotFound(err error) bool {
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	if e.StatusCode == http.StatusNotFound || e.Code == api.CodeNotFound {
		return true
	}
	return e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "not found")
}

// IsConflict reports whether err says a name is already taken. Besides 409,
// a real v1 server answers 400 "name already used".
func IsConflict(err error) bool {
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	if e.StatusCode == http.StatusConflict || e.Code == api.CodeAlreadyExists {
		return true
	}
	if e.StatusCode != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "already used") || strings.Contains(m, "already exists")
}

// IsUnauthorized reports whether err says the token is missing, unknown or
// expired (401).
func IsUnauthorized(err error) bool {
	e, ok := asAPIError(err)
	return ok && (e.StatusCode == http.StatusUnauthorized || e.Code == api.CodeUnauthenticated)
}

// IsUnsupported reports whether err says the server lacks the operation (501).
func IsUnsupported(err error) bool {
	e, ok := asAPIError(err)
	return ok && (e.StatusCode == http.StatusNotImplemented || e.Code == api.CodeUnimplemented)
}

// IsPermissionDenied reports whether err says the token's role may not do
// this (403).
func IsPermissionDenied(err error) bool {
	e, ok := asAPIError(err)
	return ok && (e.StatusCode == http.StatusForbidden || e.Code == api.CodePermissionDenied)
}
