package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProviderLinksNoCloudSDK: the clouds' SDKs (and the server's OIDC
// issuer) belong to the server; the provider binary, this package, must not
// link them, which would grow every user's download and widen what the
// provider could do with credentials.
func TestProviderLinksNoCloudSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages: not the provider's dependencies", len(deps))
	}
	for _, p := range deps {
		for _, banned := range []string{"github.com/aws/", "github.com/go-jose/", "github.com/coreos/go-oidc",
			"golang.org/x/oauth2", "cloud.google.com/", "google.golang.org/api",
			"github.com/superplane/terraform-provider-superplane/internal/oidc",
			"github.com/superplane/terraform-provider-superplane/internal/integration",
			// Azure: the SDK and its MSAL core (the server speaks Entra's
			// token endpoint itself), and the azure fake.
			"github.com/Azure/", "github.com/AzureAD/",
			"github.com/superplane/terraform-provider-superplane/internal/fake/azure"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("the provider links %s", p)
			}
		}
	}
}
