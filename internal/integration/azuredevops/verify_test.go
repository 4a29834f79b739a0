package azuredevops_test

import (
	"context"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestVerifyGoodPAT: a PAT that authenticates and sees a project verifies,
// with the PAT sent as the basic password of an empty user.
func TestVerifyGoodPAT(t *testing.T) {
	fake, v := newFake(t)
	wantOK(t, registry.Verify(context.Background(), v, api.IntegrationTypeAzureDevOps, orgURL, alicePAT))
	// A trailing newline from a file is not part of the token.
	wantOK(t, registry.Verify(context.Background(), v, api.IntegrationTypeAzureDevOps, orgURL, alicePAT+"\n"))
	reqs := fake.Requests()
	if len(reqs) < 2 || reqs[0] != "GET /acme/_apis/connectionData" || reqs[1] != "GET /acme/_apis/projects" {
		t.Errorf("requests = %v, want connectionData then the projects", reqs)
	}
}

// TestVerifyBadPAT: an unknown PAT (answered with a 401, or with the 203
// sign-in page Azure DevOps shows for it), an expired one, one of another
// organization and one that sees no project fail with Azure DevOps' reason
// and never the PAT.
func TestVerifyBadPAT(t *testing.T) {
	ctx := context.Background()
	fake, v := newFake(t)
	wantFailure(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, orgURL, ghostPAT), "unauthorized", "not authorized")
	wantFailure(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, orgURL, carolPAT), "has expired")
	wantFailure(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, "https://dev.azure.com/nope", alicePAT), "nope", "could not be found")
	wantFailure(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, "https://dev.azure.com/empty", alicePAT), "sees no project", "empty")
	fake.SetSignInPage(true)
	wantFailure(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, orgURL, ghostPAT), "sign-in page", "not valid")
	// The good one still passes: the sign-in page is only for refused PATs.
	wantOK(t, registry.Verify(ctx, v, api.IntegrationTypeAzureDevOps, orgURL, alicePAT))
}

// TestVerifyBadInput: a malformed URL or an empty PAT fails without a
// request.
func TestVerifyBadInput(t *testing.T) {
	fake, v := newFake(t)
	wantFailure(t, registry.Verify(context.Background(), v, api.IntegrationTypeAzureDevOps, "https://dev.azure.com", alicePAT), "names no organization")
	wantFailure(t, registry.Verify(context.Background(), v, api.IntegrationTypeAzureDevOps, orgURL, "  "))
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests for malformed input, want none", n)
	}
}
