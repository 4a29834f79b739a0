package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
)

// TestChunkedAPIBodyWithinItsReservation: an API body sent chunked near
// the 1 MiB limit is read (and judged: 400, the request names no secret)
// on a budget of exactly one body at the limit, holding no more than the
// limit and one read step at the peak; one byte over the limit is 413
// naming it, through the authenticated routes and the token-less ones
// alike; and the budget is whole again afterwards.
func TestChunkedAPIBodyWithinItsReservation(t *testing.T) {
	const limit = 1 << 20
	e := newEnv(t, envOption{srv: []server.Option{server.WithWebhookBodyLimit(limit), server.WithWebhookInflightLimit(limit)}})
	auth := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + e.tokens["owner"]}
	near := `{"pad":"` + strings.Repeat("x", limit-100) + `"}`
	if a := postPublic(t, e, "/api/v1/secrets", auth, near, true); a.status != http.StatusBadRequest {
		t.Fatalf("a chunked API body near the limit on a budget of one body: %d %s, want 400 (read, then judged)", a.status, a.body)
	}
	if a := postPublic(t, e, api.CLISignInTokenPath, jsonHeader, near, true); a.status != http.StatusBadRequest {
		t.Fatalf("a chunked code exchange near the limit: %d %s, want 400", a.status, a.body)
	}
	if peak := server.BodiesPeak(e.server); peak > limit+32<<10 {
		t.Errorf("the budget's peak: %d bytes, want at most the limit and one step, %d", peak, limit+32<<10)
	}
	over := strings.Repeat("x", limit+1)
	for _, path := range []string{"/api/v1/secrets", api.CLISignInTokenPath} {
		if a := postPublic(t, e, path, auth, over, true); a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "1048576") {
			t.Errorf("%s, chunked, one byte over the limit: %d %s, want 413 naming 1048576", path, a.status, a.body)
		}
	}
	waitWhole(t, e, "the chunked bodies", e.tokens["owner"])
}
