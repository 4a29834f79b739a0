package api_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestAzureDevOpsURL: the organization URL of Azure DevOps Services or a
// Server collection is accepted and names its organization; anything else
// is refused with the field and the expected shape named.
func TestAzureDevOpsURL(t *testing.T) {
	for raw, org := range map[string]string{
		"https://dev.azure.com/acme":                     "acme",
		"https://dev.azure.com/acme/":                    "acme",
		"https://tfs.example.com/tfs/DefaultCollection":  "DefaultCollection",
		"https://devops.example.com:8443/ProductionColl": "ProductionColl",
	} {
		if err := api.ValidateIntegrationURL("spec.url", api.IntegrationTypeAzureDevOps, raw); err != nil {
			t.Errorf("ValidateIntegrationURL(%q) = %v, want nil", raw, err)
		}
		if got, err := api.AzureDevOpsOrganization(raw); err != nil || got != org {
			t.Errorf("AzureDevOpsOrganization(%q) = %q, %v, want %q", raw, got, err, org)
		}
	}
	for raw, fragment := range map[string]string{
		"":                                   "is required",
		"http://dev.azure.com/acme":          "must use https",
		"https://dev.azure.com":              "names no organization",
		"https://dev.azure.com/acme/project": "has a path after the organization",
		"https://dev.azure.com:444/acme":     "must not have a port",
		"https://acme.visualstudio.com":      "legacy visualstudio.com",
		"https://tfs.example.com":            "names no collection",
		"https://tfs.example.com/coll/_apis": "not its API",
		"https://dev.azure.com/acme?x=1":     "query",
		"https://u:p@dev.azure.com/acme":     "user credentials",
		"https://tfs.example.com/../coll":    "invalid path segment",
		"https://github.com/acme":            "GitHub URL",
		"https://dev.azure.com/ac%20me":      "invalid path segment",
	} {
		err := api.ValidateIntegrationURL("spec.url", api.IntegrationTypeAzureDevOps, raw)
		if err == nil || !strings.HasPrefix(err.Error(), "spec.url ") || !strings.Contains(err.Error(), fragment) || !strings.Contains(err.Error(), "https://dev.azure.com/<organization>") {
			t.Errorf("ValidateIntegrationURL(%q) = %v, want an error naming spec.url, %q and the shape", raw, err, fragment)
		}
	}
}

// TestAzureDevOpsProject: project names as Azure DevOps allows them.
func TestAzureDevOpsProject(t *testing.T) {
	for _, ok := range []string{"Fabrikam", "My Project", "a.b-c_d", "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"} {
		if !api.ValidAzureDevOpsProject(ok) {
			t.Errorf("ValidAzureDevOpsProject(%q) = false, want true", ok)
		}
	}
	for _, bad := range []string{"", " lead", "trail ", "a/b", "..", "x?", strings.Repeat("p", 65), "new\nline"} {
		if api.ValidAzureDevOpsProject(bad) {
			t.Errorf("ValidAzureDevOpsProject(%q) = true, want false", bad)
		}
	}
}
