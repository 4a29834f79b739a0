package gitlab_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// TestVerifyToken: a valid token verifies; a wrong or revoked one fails
// with GitLab's own reason ("401 Unauthorized") and never the token.
func TestVerifyToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if got := gl.Verify(ctx, f.v, instanceURL, maintainerToken); !got.OK || got.Reason != "ok" {
		t.Fatalf("good token: %+v", got)
	}
	for _, tok := range []string{"glpat-wrong-token-000000", maintainerToken} {
		if tok == maintainerToken {
			f.fake.RevokeToken(maintainerToken)
		}
		got := gl.Verify(ctx, f.v, instanceURL, tok)
		if got.OK || !strings.Contains(got.Reason, "401 Unauthorized") || !strings.Contains(got.Reason, "not valid") {
			t.Errorf("token %q: %+v, want a failure quoting GitLab's 401 Unauthorized", tok, got)
		}
		if strings.Contains(got.Reason, tok) {
			t.Errorf("reason %q shows the token", got.Reason)
		}
	}
	if reqs := f.fake.Requests(); len(reqs) != 3 || reqs[0] != "GET /api/v4/user" {
		t.Errorf("requests = %v, want three GET /api/v4/user", reqs)
	}
}

// TestVerifyThroughTheRegistry: the registry checks the URL's shape before
// any request, and the default client's guard keeps a token from reaching
// a loopback instance no operator allowed.
func TestVerifyThroughTheRegistry(t *testing.T) {
	f := newFixture(t)
	got := gl.Verify(context.Background(), &integration.Verifier{}, f.fake.URL(), maintainerToken)
	if got.OK || !strings.Contains(got.Reason, "must use https") {
		t.Errorf("http instance URL: %+v", got)
	}
	// The guarded client with nothing allowed refuses the fake's loopback
	// address and says which setting allows it.
	v := &integration.Verifier{GitLabAPIURL: f.fake.APIURL(), Client: outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{}})}
	got = gl.Verify(context.Background(), v, instanceURL, maintainerToken)
	if got.OK || !strings.Contains(got.Reason, "SUPERPLANE_ALLOWED_NETWORKS") {
		t.Errorf("loopback without allowance: %+v", got)
	}
	if n := len(f.fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake", n)
	}
}
