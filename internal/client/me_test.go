package client

import (
	"net/http"
	"testing"
)

// TestRegenerateToken: the new token comes back from one POST with the old
// token, and a 503 is not retried (a retry would carry a revoked token).
func TestRegenerateToken(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token":"spt_new"}`))
	})
	tok, err := c.RegenerateToken(t.Context())
	if err != nil || tok != "spt_new" {
		t.Fatalf("RegenerateToken = %q, %v", tok, err)
	}
	if n := rec.count("POST", "/api/v1/me/token"); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}

	c, rec = newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	if _, err := c.RegenerateToken(t.Context()); err == nil {
		t.Fatal("a 503 answer gave no error")
	}
	if n := rec.count("POST", "/api/v1/me/token"); n != 1 {
		t.Fatalf("a 503 was retried: %d requests", n)
	}
}
