package provider

import (
	"fmt"
	"os"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakeazure "github.com/superplane/terraform-provider-superplane/internal/fake/azure"
)

const (
	accAzureTenant = "0f0e0d0c-0b0a-4909-8807-060504030201"
	accAzureSub    = "5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e"
	accAzureApp    = "1a2b3c4d-0000-4000-8000-00000000acc1"
	accAzureFedApp = "1a2b3c4d-0000-4000-8000-00000000acc2"
)

// azureSecretConfig is a secret holding a client secret, write-only, so it
// never reaches the state.
func azureSecretConfig(secretName, value string, version int) string {
	return fmt.Sprintf(`resource "superplane_secret" "azure" {
  name            = %q
  data_wo         = { client_secret = %q }
  data_wo_version = %d
}
`, secretName, value, version)
}

// azureSecretIntegrationConfig is that secret and an azure integration
// that uses it.
func azureSecretIntegrationConfig(name, secretName, value string, version int) string {
	return azureSecretConfig(secretName, value, version) + fmt.Sprintf(`
resource "superplane_integration" "test" {
  name = %q
  type = "azure"
  azure {
    tenant_id       = %q
    client_id       = %q
    subscription_id = %q
    client_secret {
      secret = superplane_secret.azure.name
      key    = "client_secret"
    }
  }
}
`, name, accAzureTenant, accAzureApp, accAzureSub)
}

// azureFederatedConfig is an azure integration with no Azure secret at
// all, and a stage whose ARM call gets a bearer token from it.
func azureFederatedConfig(name, canvas, url string) string {
	return fmt.Sprintf(`
resource "superplane_integration" "test" {
  name = %q
  type = "azure"
  azure {
    tenant_id       = %q
    client_id       = %q
    subscription_id = %q
    federated {}
  }
}

data "superplane_integration" "azure" {
  name = superplane_integration.test.name
}

resource "superplane_canvas" "azure" {
  name = %q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.azure.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "restart" {
  canvas = superplane_canvas.azure.name
  name   = "restart"
  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }
  http {
    url         = %q
    integration = superplane_integration.test.name
    azure_scope = "https://management.azure.com/.default"
    payload     = { version = "1.2.3" }
  }
}
`, name, accAzureTenant, accAzureFedApp, accAzureSub, canvas, url)
}

// TestAccIntegrationAzure: an azure integration from Terraform against
// the fake Entra ID and ARM. With a client secret kept write-only in a
// secret, it verifies and status names the subscription and tenant; it
// imports; a second plan is empty. Rotating the secret to a wrong value
// makes the next plan re-verify and fail with Entra's own AADSTS7000215.
// Then the integration moves to a federated credential (no Azure secret:
// the fake checks the server's ID token against its JWKS), the data source
// reads it, and an http stage's ARM call carries a bearer token the fake
// accepts. The harness's
// leak check keeps the client secret out of the state, the server log and
// the data dir.
func TestAccIntegrationAzure(t *testing.T) {
	name := randName("acc-azure")
	secretName := randName("acc-azure-app")
	canvas := randName("acc-azure-canvas")
	value := writeOnlyValue()
	url := ""
	if acc.azure != nil {
		acc.azure.AddSubscription(fakeazure.Subscription{ID: accAzureSub, TenantID: accAzureTenant, DisplayName: "Acceptance"})
		acc.azure.AddApp(fakeazure.App{TenantID: accAzureTenant, ClientID: accAzureApp, Secret: value, Subscriptions: []string{accAzureSub}})
		acc.azure.AddApp(fakeazure.App{TenantID: accAzureTenant, ClientID: accAzureFedApp, Subscriptions: []string{accAzureSub},
			Federated: []fakeazure.Federated{{Issuer: os.Getenv(EnvEndpoint), Subject: "org:*", Audience: api.AzureAudience}}})
		url = acc.azure.URL() + "/subscriptions/" + accAzureSub + "/resourceGroups/web/providers/Microsoft.Web/sites/app/restart?api-version=2022-03-01"
	}
	org := api.DomainTypeOrganization
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config: azureSecretIntegrationConfig(name, secretName, value, 1),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("azure").AtMapKey("client_secret").AtMapKey("scope"), knownvalue.StringExact("organization")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(integrationAddr, "url", knownvalue.Null()),
					stateValue(integrationAddr, "auth", knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, statusPath("reason"),
						knownvalue.StringExact("ok: subscription Acceptance ("+accAzureSub+"), tenant "+accAzureTenant)),
				},
				Check: checkNoWriteOnlyValues("superplane_secret.azure", value),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + name,
				ImportStateVerify: true,
			},
			{
				// A wrong client secret: SuperPlane re-verifies on the
				// secret's change, and the next plan verifies again.
				Config:             azureSecretIntegrationConfig(name, secretName, "wrong"+value, 2),
				Check:              checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateFailed, "AADSTS7000215")),
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      azureSecretIntegrationConfig(name, secretName, "wrong"+value, 2),
				ExpectError: wordsRegexp("AADSTS7000215: Invalid client secret provided."),
			},
			{
				// The secret stays (unused) so its deletion cannot race the
				// integration's move away from it.
				Config: azureSecretConfig(secretName, "wrong"+value, 2) + azureFederatedConfig(name, canvas, url),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, statusPath("state"), knownvalue.StringExact(api.IntegrationStateOK)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("azure").AtMapKey("client_secret"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.superplane_integration.azure", tfjsonpath.New("azure").AtMapKey("client_id"), knownvalue.StringExact(accAzureFedApp)),
					statecheck.ExpectKnownValue("data.superplane_integration.azure", tfjsonpath.New("azure").AtMapKey("federated"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("superplane_stage.restart", tfjsonpath.New("http").AtMapKey("azure_scope"),
						knownvalue.StringExact("https://management.azure.com/.default")),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/main"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, "restart")
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution %s: %s", ex.Result, ex.ResultMessage)
					}
					for _, c := range acc.azure.CallsOf("service") {
						if c.Error == "" && c.ClientID == accAzureFedApp && c.Scope == "https://management.azure.com/.default" {
							return nil
						}
					}
					return fmt.Errorf("the fake saw no ARM call with a valid token: %+v", acc.azure.Calls())
				},
			},
		},
	})
}
