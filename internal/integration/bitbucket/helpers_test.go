package bitbucket_test

import (
	"net/netip"
	"strings"
	"testing"

	fakebitbucket "github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the client of the tests' Verifiers: the fake runs on loopback,
// which the guard lets through only because it is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 does for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

// bb is the type under test; registry verifies as the server does
// (Registry.Verify checks the input and masks the credential).
var (
	bb       bitbucket.Type
	registry = integration.NewRegistry(bb)
)

// The fixture: workspace acme with repository app, administered by
// alice; bob is a plain member of acme; carol belongs to another workspace.
const (
	workspaceURL = "https://bitbucket.org/acme"
	aliceSecret  = "ATBB-alice-app-password-1234"
	aliceCred    = "alice:" + aliceSecret
	bobCred      = "bob:ATBB-bob-app-password-5678"
	carolCred    = "carol:ATBB-carol-app-password-9012"
	wsToken      = "ATCTT3xFfGN0-workspace-access-token"
	repoToken    = "ATCTT3xFfGN0-repository-access-token"
	otherToken   = "ATCTT3xFfGN0-other-workspace-token"
)

// newFake starts the fixture's fake Bitbucket and a Verifier pointed at it.
func newFake(t *testing.T) (*fakebitbucket.Server, *integration.Verifier) {
	t.Helper()
	fake := fakebitbucket.New(t)
	fake.AddUser("alice", aliceSecret)
	fake.AddUser("bob", strings.TrimPrefix(bobCred, "bob:"))
	fake.AddUser("carol", strings.TrimPrefix(carolCred, "carol:"))
	fake.AddWorkspace("acme", map[string]string{"alice": "collaborator", "bob": "member"})
	fake.AddWorkspace("other", map[string]string{"carol": "owner"})
	fake.AddRepo("acme", "app", "alice")
	fake.AddRepo("acme", "web")
	fake.AddAccessToken(wsToken, "acme", "")
	fake.AddAccessToken(repoToken, "acme", "web")
	fake.AddAccessToken(otherToken, "other", "")
	return fake, &integration.Verifier{BitbucketAPIURL: fake.URL(), Client: fakes}
}

func wantOK(t *testing.T, res integration.Result) {
	t.Helper()
	if !res.OK || res.Reason != "ok" {
		t.Errorf("Verify = %+v, want OK with reason \"ok\"", res)
	}
}

func wantFailure(t *testing.T, res integration.Result, fragments ...string) {
	t.Helper()
	if res.OK {
		t.Fatalf("Verify = %+v, want a failure", res)
	}
	t.Logf("reason: %s", res.Reason)
	for _, f := range fragments {
		if !strings.Contains(res.Reason, f) {
			t.Errorf("reason = %q, want it to contain %q", res.Reason, f)
		}
	}
}
