package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConvertFederatedCloudIntegrations: azure and gcp integrations that
// store no cloud secret (a federated credential, workload identity) become
// their typed blocks, the default audience as an empty federated block, and
// http stages calling through them keep their token's scopes; an
// integration without its settings is written with a warning naming the
// block to add. The HCL passes terraform validate with the provider of
// this tree (when terraform is installed; TestConvertPlansNoChange plans
// the stored-credential forms against a server).
func TestConvertFederatedCloudIntegrations(t *testing.T) {
	c := loggedOut(t)
	c.stdin = `kind: Integration
metadata: {name: az-fed}
spec: {type: azure, azure: {tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201, clientId: 1a2b3c4d-0000-4000-8000-00000000c0a2, subscriptionId: 5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e, federated: {}}}
---
kind: Integration
metadata: {name: az-gov}
spec: {type: azure, azure: {tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201, clientId: 1a2b3c4d-0000-4000-8000-00000000c0a3, subscriptionId: 5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e, federated: {audience: "api://AzureADTokenExchangeUSGov"}}}
---
kind: Integration
metadata: {name: gcp-wif}
spec: {type: gcp, gcp: {projectId: conv-project-123, workloadIdentity: {audience: "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/conv-pool/providers/superplane", serviceAccount: "deployer@conv-project-123.iam.gserviceaccount.com"}}}
---
kind: Canvas
metadata: {name: cloud}
---
kind: EventSource
metadata: {name: go, canvasName: cloud}
spec: {type: manual}
---
kind: Stage
metadata: {name: arm, canvasName: cloud}
spec:
  connections: [{type: TYPE_EVENT_SOURCE, name: go}]
  executor: {type: http, integration: {name: az-fed}, spec: {url: "https://management.azure.com/subscriptions?api-version=2022-12-01", azure: {scope: "https://management.azure.com/.default"}}}
---
kind: Stage
metadata: {name: gce, canvasName: cloud}
spec:
  connections: [{type: TYPE_EVENT_SOURCE, name: go}]
  executor: {type: http, integration: {name: gcp-wif}, spec: {url: "https://compute.googleapis.com/compute/v1/projects/conv-project-123/zones", gcp: {scopes: ["https://www.googleapis.com/auth/cloud-platform"]}}}
`
	r := c.run("convert", "-")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("convert: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"  azure {\n    tenant_id       = \"0f0e0d0c-0b0a-4909-8807-060504030201\"\n    client_id       = \"1a2b3c4d-0000-4000-8000-00000000c0a2\"\n    subscription_id = \"5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e\"\n\n    federated {\n    }\n  }\n",
		"    federated {\n      audience = \"api://AzureADTokenExchangeUSGov\"\n    }\n",
		"    integration = superplane_integration.az_fed.name\n    azure_scope = \"https://management.azure.com/.default\"\n",
		"    integration = superplane_integration.gcp_wif.name\n    gcp_scopes  = [\"https://www.googleapis.com/auth/cloud-platform\"]\n",
		"  gcp {\n    project_id = \"conv-project-123\"\n\n    workload_identity {\n      audience        = \"//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/conv-pool/providers/superplane\"\n      service_account = \"deployer@conv-project-123.iam.gserviceaccount.com\"\n    }\n  }\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the HCL lacks\n%s\nin\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "auth {") {
		t.Errorf("a cloud integration has no auth block:\n%s", r.stdout)
	}

	for doc, want := range map[string]string{
		"kind: Integration\nmetadata: {name: a}\nspec: {type: azure}\n":                                                                         "without spec.azure: add the azure block",
		"kind: Integration\nmetadata: {name: g}\nspec: {type: gcp}\n":                                                                           "without spec.gcp: add the gcp block",
		"kind: Integration\nmetadata: {name: a}\nspec: {type: azure, azure: {tenantId: t, clientId: c, subscriptionId: s, clientSecret: {}}}\n": "add azure.client_secret",
	} {
		c.stdin = doc
		if w := c.run("convert", "-"); w.code != 0 || !strings.Contains(w.stderr, want) {
			t.Errorf("convert of %q: exit %d, want a warning %q:\n%s", doc, w.code, want, w.stderr)
		}
	}

	validateConverted(t, r.stdout)
}

// validateConverted runs terraform validate on the HCL convert wrote, with
// the provider of this tree; it skips, saying so, without terraform.
func validateConverted(t *testing.T, hcl string) {
	t.Helper()
	tf := terraformPath()
	if tf == "" {
		t.Skip("terraform is not installed (or TF_ACC_TERRAFORM_PATH not set): skipping terraform validate of the converted HCL")
	}
	tfp := newTerraformPlanner(t, tf)
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, "validate", "-no-color")
	cmd.Dir = work
	cmd.Env = append(withoutPrefix(os.Environ(), "SUPERPLANE_"), "TF_CLI_CONFIG_FILE="+tfp.rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("terraform validate: %v\n%s\nthe configuration:\n%s", err, out, hcl)
	}
}
