package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientCancelIsNotAnInternalError: a request whose client went away
// (its context cancelled, as when a client times out during a database
// restart) is not logged as an internal error, while the same error on a
// live request still is.
func TestClientCancelIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	cancelled := fmt.Errorf("store: create secret: %w", context.Canceled)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/secrets", nil).WithContext(ctx)
	if code, _ := s.classify(r, cancelled); statusOf(code) != 503 {
		t.Errorf("a cancelled request answers %d, want 503", statusOf(code))
	}
	if strings.Contains(logs.String(), "internal error") {
		t.Errorf("a client's cancel was logged as an internal error: %s", logs.String())
	}

	logs.Reset()
	live := httptest.NewRequest("POST", "/api/v1/secrets", nil)
	if code, _ := s.classify(live, cancelled); statusOf(code) != 500 {
		t.Errorf("a cancel the client did not ask for answers %d, want 500", statusOf(code))
	}
	if !strings.Contains(logs.String(), "internal error") {
		t.Errorf("an unexplained cancel was not logged as internal: %s", logs.String())
	}
}
