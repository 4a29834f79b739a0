package provider

import (
	"fmt"
	"net/http"
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
)

const (
	accAtlasOrg        = "65f0a1b2c3d4e5f6a7b8c9d0"
	accAtlasGroup      = "65f0a1b2c3d4e5f6a7b8c9ff"
	accAtlasPublicKey  = "accpubkey"
	accAtlasPrivateKey = "4c1f0d2e-acc0-4bad-9f00-0123456789ab"
	accAtlasRotatedKey = "9e8d7c6b-acc1-4abc-8def-ba9876543210"
	accAtlasClientID   = "mdb_sa_id_65f0a1b2c3d4e5f6a7b8c9d1"
	accAtlasSecret     = "mdb_sa_sk_accServiceAccountSecret0123456789"
)

// atlasConfig is a secret (write-only, never in state) holding the API
// key's private key and the service account's secret, and a mongodb_atlas
// integration using one of them (block: the credential block's body).
func atlasConfig(name, secretName, privateKey string, version int, credential string) string {
	return fmt.Sprintf(`resource "superplane_secret" "atlas" {
  name            = %q
  data_wo         = { "private-key" = %q, "client-secret" = %q }
  data_wo_version = %d
}

resource "superplane_integration" "test" {
  name = %q
  type = "mongodb_atlas"
  mongodb_atlas {
    organization_id = %q
%s
  }
}
`, secretName, privateKey, accAtlasSecret, version, name, accAtlasOrg, credential)
}

const atlasAPIKeyBlock = `    api_key {
      public_key = "` + accAtlasPublicKey + `"
      secret     = superplane_secret.atlas.name
      key        = "private-key"
    }`

const atlasServiceAccountBlock = `    service_account {
      client_id = "` + accAtlasClientID + `"
      secret    = superplane_secret.atlas.name
      key       = "client-secret"
    }`

// atlasStageConfig is a canvas with a webhook source and an http stage
// that pauses cluster prod through the integration.
func atlasStageConfig(canvas, url string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "atlas" {
  name = %q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.atlas.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "pause" {
  canvas = superplane_canvas.atlas.name
  name   = "pause"
  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }
  http {
    url          = %q
    integration  = superplane_integration.test.name
    method       = "PATCH"
    payload_json = jsonencode({ paused = true })
    headers      = { Accept = "application/vnd.atlas.2024-08-05+json" }
  }
}
`, canvas, url)
}

// TestAccIntegrationMongoDBAtlas: a mongodb_atlas integration from
// Terraform against the fake Atlas. With an API key whose private key is
// kept write-only in a secret, it verifies (the fake checks the digest
// answer) and status names the organization; it imports; a second plan is
// empty. A wrong private key in the secret makes the next plan re-verify
// and fail with Atlas's errorCode; the rotated key verifies again. The same
// integration moves to a service account (bearer token), and a stage
// PATCHes the cluster to pause it with payload_json, sent as written. The
// leak check keeps both secrets out of the state, the log and the data dir.
func TestAccIntegrationMongoDBAtlas(t *testing.T) {
	name := randName("acc-atlas")
	secretName := randName("acc-atlas-key")
	canvas := randName("acc-atlas-canvas")
	const wrongKey = "00000000-acc2-4bad-8bad-000000000000"
	clusterURL := ""
	if acc.atlas != nil {
		acc.atlas.AddOrganization(accAtlasOrg, "SuperPlane acceptance")
		acc.atlas.AddAPIKey(accAtlasPublicKey, accAtlasPrivateKey, accAtlasOrg)
		acc.atlas.AddServiceAccount(accAtlasClientID, accAtlasSecret, accAtlasOrg)
		acc.atlas.AddCluster(accAtlasOrg, accAtlasGroup, "prod")
		clusterURL = acc.atlas.URL() + "/api/atlas/v2/groups/" + accAtlasGroup + "/clusters/prod"
		acc.mu.Lock()
		acc.woValues = append(acc.woValues, accAtlasPrivateKey, accAtlasRotatedKey, accAtlasSecret, wrongKey)
		acc.mu.Unlock()
	}
	org := api.DomainTypeOrganization
	okReason := "ok: organization SuperPlane acceptance (" + accAtlasOrg + ")"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config: atlasConfig(name, secretName, accAtlasPrivateKey, 1, atlasAPIKeyBlock),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("mongodb_atlas").AtMapKey("api_key").AtMapKey("scope"), knownvalue.StringExact("organization")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(integrationAddr, "url", knownvalue.Null()),
					stateValue(integrationAddr, "auth", knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"), knownvalue.StringExact(okReason)),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				Check: checkNoWriteOnlyValues("superplane_secret.atlas", accAtlasPrivateKey),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + name,
				ImportStateVerify: true,
			},
			{
				// A wrong private key in the secret: SuperPlane re-verifies on
				// the secret's change; the next plan shows it to verify again.
				Config:             atlasConfig(name, secretName, wrongKey, 2, atlasAPIKeyBlock),
				Check:              checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "UNAUTHORIZED")),
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      atlasConfig(name, secretName, wrongKey, 2, atlasAPIKeyBlock),
				ExpectError: wordsRegexp("UNAUTHORIZED: You are not authorized for this resource."),
			},
			{
				// The key is rotated in Atlas and in the secret: ok again,
				// the integration updated in place.
				PreConfig: func() { acc.atlas.AddAPIKey(accAtlasPublicKey, accAtlasRotatedKey, accAtlasOrg) },
				Config:    atlasConfig(name, secretName, accAtlasRotatedKey, 3, atlasAPIKeyBlock),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
			},
			{
				// A service account instead; a stage pauses the cluster.
				Config: atlasConfig(name, secretName, accAtlasRotatedKey, 3, atlasServiceAccountBlock) + atlasStageConfig(canvas, clusterURL),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"), knownvalue.StringExact(okReason)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("mongodb_atlas").AtMapKey("service_account").AtMapKey("client_id"), knownvalue.StringExact(accAtlasClientID)),
					statecheck.ExpectKnownValue("superplane_stage.pause", tfjsonpath.New("http").AtMapKey("payload_json"), knownvalue.StringExact(`{"paused":true}`)),
					sameID.AddStateValue(integrationAddr, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/main"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, "pause")
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution %s: %s", ex.Result, ex.ResultMessage)
					}
					if !acc.atlas.Cluster(accAtlasGroup, "prod").Paused {
						return fmt.Errorf("the cluster was not paused: %+v", acc.atlas.Calls())
					}
					for _, c := range acc.atlas.Calls() {
						if c.Method == http.MethodPatch && c.Status == http.StatusOK && c.Auth == "bearer" && c.Identity == accAtlasClientID && c.Body == `{"paused":true}` {
							return nil
						}
					}
					return fmt.Errorf("the fake saw no bearer PATCH with the payload as written: %+v", acc.atlas.Calls())
				},
			},
			{
				ResourceName:            "superplane_stage.pause",
				ImportState:             true,
				ImportStateId:           canvas + "/pause",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_execution"},
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + name,
				ImportStateVerify: true,
			},
		},
	})
}
