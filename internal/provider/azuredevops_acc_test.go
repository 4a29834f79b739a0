package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
)

// The fake Azure DevOps' fixtures: the organization every test's project
// lives in.
const (
	fakeAzureDevOpsOrg = "acme-ado"
	fakeAzureDevOpsURL = "https://dev.azure.com/" + fakeAzureDevOpsOrg
)

// newAzureDevOpsPAT returns a new random PAT the fake organization accepts.
// It is a write-only value of the leak check.
func newAzureDevOpsPAT() string {
	tok := newToolToken()
	if acc.azuredevops != nil {
		acc.azuredevops.AddPAT(fakeAzureDevOpsOrg, tok, fakeado.PAT{User: "ado-builder"})
	}
	return tok
}

// ourSubscriptions returns the fake's subscriptions delivering to url.
func ourSubscriptions(url string) []fakeado.Subscription {
	var out []fakeado.Subscription
	for _, s := range acc.azuredevops.Subscriptions(fakeAzureDevOpsOrg) {
		if s.ConsumerInputs["url"] == url {
			out = append(out, s)
		}
	}
	return out
}

// TestAccAzureDevOps: an Azure DevOps integration verified against the
// fake (and read through the data source), a source whose service hook
// subscription is provisioned on a project whose name holds a space, a
// stage that runs a pipeline with parameters and variables on the pushed
// branch when Azure DevOps delivers a push, an empty second plan,
// imports, and a destroy that removes the subscription.
func TestAccAzureDevOps(t *testing.T) {
	canvas, stage := randName("acc-ado"), randName("acc-ado-deploy")
	integration, secretName, source := randName("acc-ado-int"), randName("acc-ado-pat"), randName("acc-ado-src")
	project := "Fabrikam " + randomSuffix()
	pat := newAzureDevOpsPAT()
	projectID := ""
	if acc.azuredevops != nil {
		projectID = acc.azuredevops.AddProject(fakeAzureDevOpsOrg, project)
		acc.azuredevops.AddPipeline(fakeAzureDevOpsOrg, project, "12", "deploy")
		acc.azuredevops.SetRunResult("succeeded", 2)
	}
	const sourceAddr, stageAddr, intAddr = "superplane_event_source.ado", "superplane_stage.deploy", "superplane_integration.ado"
	config := canvasConfig(canvas) + tokenSecretConfig("ado", "", secretName, pat, 1) +
		integrationCfg{label: "ado", name: integration, typ: "azure_devops", url: fakeAzureDevOpsURL,
			secret: "superplane_secret.ado.name", key: "token"}.String() +
		`
data "superplane_integration" "ado" {
  name = superplane_integration.ado.name
}
` +
		eventSourceCfg{label: "ado", canvas: "superplane_canvas.test.name", name: source, typ: "azure_devops",
			integration: "superplane_integration.ado.name", resource: fmt.Sprintf("name = %q", project),
			events: []eventCfg{{typ: "git.push", data: []string{"$.resource.refUpdates[0].name == 'refs/heads/main'"}}}}.String() +
		fmt.Sprintf(`
resource "superplane_stage" "deploy" {
  canvas = superplane_canvas.test.name
  name   = %[1]q

  connect {
    type = "event_source"
    name = superplane_event_source.ado.name
  }

  input {
    name = "REF"
  }

  input_mapping {
    value {
      name = "REF"
      from_event {
        expression = "$.resource.refUpdates[0].name"
      }
    }
  }

  azure_devops {
    integration = superplane_integration.ado.name
    project     = %[2]q
    pipeline    = "12"
    ref         = "$${{ inputs.REF }}"
    parameters = {
      environment = "prod"
    }
    variables = {
      REPLICAS = "3"
    }
  }
}
`, stage, project)

	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			for _, s := range acc.azuredevops.Subscriptions(fakeAzureDevOpsOrg) {
				if s.PublisherInputs["projectId"] == projectID {
					return fmt.Errorf("subscription %s (%s) left on Azure DevOps after destroy", s.ID, s.EventType)
				}
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: tfresource.ComposeTestCheckFunc(
					tfresource.TestCheckResourceAttr(intAddr, "status.state", "ok"),
					tfresource.TestCheckResourceAttr("data.superplane_integration.ado", "type", "azure_devops"),
					tfresource.TestCheckResourceAttr("data.superplane_integration.ado", "url", fakeAzureDevOpsURL),
					tfresource.TestCheckResourceAttr(sourceAddr, "resource.type", "project"),
					tfresource.TestMatchResourceAttr(sourceAddr, "webhook_url", regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/azure_devops$`)),
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "ready"),
					func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						subs := ourSubscriptions(a["webhook_url"])
						if len(subs) != 1 {
							return fmt.Errorf("%d subscriptions to the source, want 1: %+v", len(subs), subs)
						}
						sub := subs[0]
						key, ok := strings.CutPrefix(sub.ConsumerInputs["httpHeaders"], api.AzureDevOpsTokenHeader+": ")
						if ok {
							recordHookSecret(key)
						}
						if !ok || !keyPattern.MatchString(key) || sub.EventType != "git.push" || sub.PublisherID != "tfs" || sub.Status != "enabled" {
							return fmt.Errorf("subscription = %s %s %s, header of %d chars", sub.PublisherID, sub.EventType, sub.Status, len(key))
						}
						// Azure DevOps delivers a push with the key in the
						// header: it starts the stage, which runs the
						// pipeline on the pushed ref.
						ds := acc.azuredevops.Deliver(context.Background(), fakeAzureDevOpsOrg, project, "git.push",
							map[string]any{"refUpdates": []any{map[string]any{"name": "refs/heads/main", "newObjectId": "9fceb02"}}})
						if len(ds) != 1 || ds[0].Status != 200 {
							return fmt.Errorf("deliveries = %+v, want one answered 200", ds)
						}
						ex, _, err := waitStageExecution(canvas, stage)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed {
							return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
						}
						var ours []fakeado.Run
						for _, r := range acc.azuredevops.Runs() {
							if r.Project == project {
								ours = append(ours, r)
							}
						}
						if len(ours) != 1 {
							return fmt.Errorf("%d runs in %s, want 1", len(ours), project)
						}
						r := ours[0]
						if r.PipelineID != "12" || r.RefName != "refs/heads/main" || r.TemplateParameters["environment"] != "prod" || r.Variables["REPLICAS"] != "3" {
							return fmt.Errorf("run = %+v, want pipeline 12 on refs/heads/main with the parameters and variables", r)
						}
						return nil
					},
					checkNoWriteOnlyValues("superplane_secret.ado", pat)),
			},
			{
				ResourceName:      sourceAddr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + source,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"key", "status.checked_at",
					"status.last_event_at", "status.last_event_id"},
			},
			{
				RefreshState: true,
				Check:        tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_observed", "ok"),
			},
			{
				ResourceName:      intAddr,
				ImportState:       true,
				ImportStateId:     "organization/" + integration,
				ImportStateVerify: true,
			},
			{
				ResourceName:      stageAddr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + stage,
				ImportStateVerify: true,
			},
		},
	})
}

// TestAccAzureDevOpsCredentials: a PAT Azure DevOps refuses (answered with
// its sign-in page) fails the apply with that reason and leaves nothing;
// the same secret with a working PAT then verifies. A stage naming its
// pipeline by name, not id, fails at plan time.
func TestAccAzureDevOpsCredentials(t *testing.T) {
	name, secretName := randName("acc-ado-cred"), randName("acc-ado-secret")
	bad := unknownToolToken()
	good := newAzureDevOpsPAT()
	if acc.azuredevops != nil {
		// Verification wants a project the PAT sees.
		acc.azuredevops.AddProject(fakeAzureDevOpsOrg, "Cred "+randomSuffix())
	}
	org := api.DomainTypeOrganization
	cfg := integrationCfg{name: name, typ: "azure_devops", url: fakeAzureDevOpsURL, secret: "superplane_secret.token.name", key: "token"}
	badStage := fmt.Sprintf(`
resource "superplane_stage" "bad" {
  canvas = %q
  name   = "bad"
  azure_devops {
    integration = "ado"
    project     = "Fabrikam"
    pipeline    = "deploy"
  }
}
`, randName("acc-ado-canvas"))
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config:      badStage,
				PlanOnly:    true,
				ExpectError: wordsRegexp(`azure_devops.pipeline "deploy" must be the pipeline's numeric id`),
			},
			{
				PreConfig:   func() { acc.azuredevops.SetSignInPage(true) },
				Config:      tokenSecretConfig("token", "", secretName, bad, 1) + cfg.String(),
				ExpectError: wordsRegexp(`Integration credentials failed verification.*sign-in page.*deleted again`),
			},
			{
				PreConfig: func() { acc.azuredevops.SetSignInPage(false) },
				Config:    tokenSecretConfig("token", "", secretName, good, 2) + cfg.String(),
				Check: tfresource.ComposeTestCheckFunc(
					checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateOK, "ok")),
					checkNoWriteOnlyValues("superplane_secret.token", good, bad)),
			},
		},
	})
}
