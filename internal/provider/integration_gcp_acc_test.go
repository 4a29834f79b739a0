package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakegcp "github.com/superplane/terraform-provider-superplane/internal/fake/gcp"
)

// gcpSecretConfig is a secret holding a service account's key file,
// write-only, so it never reaches the state.
func gcpSecretConfig(secretName, keyJSON string, version int) string {
	return fmt.Sprintf(`resource "superplane_secret" "gcp" {
  name            = %q
  data_wo         = { "key.json" = %q }
  data_wo_version = %d
}
`, secretName, keyJSON, version)
}

// gcpKeyConfig is that secret and a gcp integration that uses it.
func gcpKeyConfig(name, secretName, project, keyJSON string, version int) string {
	return gcpSecretConfig(secretName, keyJSON, version) + fmt.Sprintf(`
resource "superplane_integration" "test" {
  name = %q
  type = "gcp"
  gcp {
    project_id = %q
    service_account_key {
      secret = superplane_secret.gcp.name
      key    = "key.json"
    }
  }
}
`, name, project)
}

// gcpWIFConfig is a gcp integration with no Google secret at all:
// SuperPlane's own ID token exchanged at STS, impersonating an account.
func gcpWIFConfig(name, project, audience, serviceAccount string) string {
	return fmt.Sprintf(`resource "superplane_integration" "test" {
  name = %q
  type = "gcp"
  gcp {
    project_id = %q
    workload_identity {
      audience        = %q
      service_account = %q
    }
  }
}
`, name, project, audience, serviceAccount)
}

// gcpStageConfig is a canvas with a webhook source and an http stage that
// runs a Cloud Build trigger (on the fake) with the integration's token.
func gcpStageConfig(canvas, url string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "gcp" {
  name = %q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.gcp.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "build" {
  canvas = superplane_canvas.gcp.name
  name   = "build"
  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }
  http {
    url         = %q
    integration = superplane_integration.test.name
    gcp_scopes  = ["https://www.googleapis.com/auth/cloud-platform.read-only"]
    payload     = { branchName = "main" }
  }
}
`, canvas, url)
}

// recordKeyForLeakCheck registers a line of the key file's private key
// with the harness's leak check: it must be in no state, server log or
// data dir file.
func recordKeyForLeakCheck(t *testing.T, keyJSON string) {
	t.Helper()
	var k map[string]string
	if err := json.Unmarshal([]byte(keyJSON), &k); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(k["private_key"], "\n")
	if len(lines) < 3 {
		t.Fatal("the key file has no PEM body")
	}
	acc.mu.Lock()
	acc.woValues = append(acc.woValues, lines[1])
	acc.mu.Unlock()
}

// TestAccIntegrationGCP: a gcp integration from Terraform against the fake
// Google. With a service account key kept write-only in a secret, it
// verifies (the fake checks the JWT bearer assertion's signature, then the
// project read) and status names the project and the account; it imports;
// a second plan is empty. Rotating the secret to a revoked key makes the
// next plan re-verify and fail with Google's own error. Then the same
// integration moves to workload identity federation with impersonation (no
// Google secret), and a stage runs a Cloud Build trigger with a bearer
// token the fake checks. The leak check keeps the private key out of the
// state, the server log and the data dir.
func TestAccIntegrationGCP(t *testing.T) {
	name := randName("acc-gcp")
	secretName := randName("acc-gcp-key")
	canvas := randName("acc-gcp-canvas")
	const (
		project  = "superplane-acc-1"
		account  = "deployer@superplane-acc-1.iam.gserviceaccount.com"
		audience = "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/superplane/providers/acc-oidc"
		pool     = "principal://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/superplane"
	)
	var key, revoked, buildURL string
	if acc.gcp != nil {
		key = acc.gcp.AddServiceAccount(acc.fakes, account, project)
		revoked = acc.gcp.AddServiceAccount(acc.fakes, account, project)
		var rk map[string]string
		_ = json.Unmarshal([]byte(revoked), &rk)
		acc.gcp.DeleteKey(rk["private_key_id"])
		recordKeyForLeakCheck(t, key)
		recordKeyForLeakCheck(t, revoked)
		acc.gcp.AddProject(project, "42", "SuperPlane acceptance", account)
		acc.gcp.AddProvider(fakegcp.Provider{Name: audience, Issuer: os.Getenv(EnvEndpoint), Subject: "org:*"})
		acc.gcp.AllowImpersonation(account, pool+"/subject/org:*")
		buildURL = acc.gcp.URL() + "/v1/projects/" + project + "/locations/global/triggers/deploy:run"
	}
	org := api.DomainTypeOrganization
	sameID := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config: gcpKeyConfig(name, secretName, project, key, 1),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("gcp").AtMapKey("service_account_key").AtMapKey("scope"), knownvalue.StringExact("organization")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(integrationAddr, "url", knownvalue.Null()),
					stateValue(integrationAddr, "auth", knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"),
						knownvalue.StringExact(`ok: project superplane-acc-1 (projects/42, "SuperPlane acceptance") as `+account)),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				Check: checkNoWriteOnlyValues("superplane_secret.gcp", key),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + name,
				ImportStateVerify: true,
			},
			{
				// A revoked key in the secret: SuperPlane re-verifies on the
				// secret's change; the next plan shows it to verify again.
				Config:             gcpKeyConfig(name, secretName, project, revoked, 2),
				Check:              checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "Invalid JWT Signature.")),
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      gcpKeyConfig(name, secretName, project, revoked, 2),
				ExpectError: wordsRegexp("Google OAuth token endpoint: invalid_grant: Invalid JWT Signature."),
			},
			{
				// Workload identity federation, impersonating the account;
				// the secret stays (unused).
				Config: gcpSecretConfig(secretName, revoked, 2) + gcpWIFConfig(name, project, audience, account),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"),
						knownvalue.StringExact(`ok: project superplane-acc-1 (projects/42, "SuperPlane acceptance") as `+account)),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A stage runs a Cloud Build trigger with the integration's
				// access token, for the scope it names.
				Config:           gcpSecretConfig(secretName, revoked, 2) + gcpWIFConfig(name, project, audience, account) + gcpStageConfig(canvas, buildURL),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_stage.build", tfjsonpath.New("http").AtMapKey("gcp_scopes"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("https://www.googleapis.com/auth/cloud-platform.read-only")})),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/main"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, "build")
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution %s: %s", ex.Result, ex.ResultMessage)
					}
					for _, c := range acc.gcp.Calls() {
						if c.Service == "service" && strings.HasSuffix(c.Path, "/triggers/deploy:run") && c.Error == "" && c.Identity == account {
							return nil
						}
					}
					return fmt.Errorf("the fake saw no authenticated Cloud Build call: %+v", acc.gcp.Calls())
				},
			},
			{
				ResourceName:            "superplane_stage.build",
				ImportState:             true,
				ImportStateId:           canvas + "/build",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_execution"},
			},
		},
	})
}
