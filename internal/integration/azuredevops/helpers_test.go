package azuredevops_test

import (
	"net/netip"
	"strings"
	"testing"

	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the client of the tests' Verifiers: the fake runs on loopback,
// which the guard lets through only because it is allowed.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

// ado is the type under test; registry verifies as the server does.
var (
	ado      azuredevops.Type
	registry = integration.NewRegistry(ado)
)

// The fixture: organization acme with projects Fabrikam (pipeline 7,
// deploy) and Other; alice's PAT sees both and manages hooks; bob's sees
// only Other and has no hooks scope; carol's has expired.
const (
	orgURL   = "https://dev.azure.com/acme"
	alicePAT = "alice-pat-0123456789abcdefghijklmnopqrstuvwxyz"
	bobPAT   = "bob-pat-0123456789abcdefghijklmnopqrstuvwxy"
	carolPAT = "carol-pat-0123456789abcdefghijklmnopqrstuvw"
	ghostPAT = "ghost-pat-0123456789abcdefghijklmnopqrstuv"
)

// newFake starts the fixture's fake and a Verifier pointed at it.
func newFake(t *testing.T) (*fakeado.Server, *integration.Verifier) {
	t.Helper()
	fake := fakeado.New(t)
	fake.AddOrganization("acme")
	fake.AddOrganization("empty")
	fake.AddProject("acme", "Fabrikam")
	fake.AddProject("acme", "Other")
	fake.AddPipeline("acme", "Fabrikam", "7", "deploy")
	fake.AddPAT("acme", alicePAT, fakeado.PAT{User: "Alice"})
	fake.AddPAT("acme", bobPAT, fakeado.PAT{User: "Bob", NoHooks: true, Projects: []string{"Other"}})
	fake.AddPAT("acme", carolPAT, fakeado.PAT{User: "Carol", Expired: true})
	fake.AddPAT("empty", alicePAT, fakeado.PAT{User: "Alice"})
	return fake, &integration.Verifier{AzureDevOpsAPIURL: fake.URL(), Client: fakes}
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
	for _, secret := range []string{alicePAT, bobPAT, carolPAT, ghostPAT} {
		if strings.Contains(res.Reason, secret) {
			t.Errorf("reason %q shows a PAT", res.Reason)
		}
	}
}
