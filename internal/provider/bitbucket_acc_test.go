package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The fake Bitbucket Cloud's fixtures: a workspace whose member
// fakeBitbucketUser administers each test's repository.
const (
	fakeBitbucketWorkspace = "acme"
	fakeBitbucketUser      = "bb-builder"
	fakeBitbucketURL       = "https://bitbucket.org/" + fakeBitbucketWorkspace
)

// newBitbucketCredential returns "<user>:<API token>" for a new random
// token the fake Bitbucket accepts for fakeBitbucketUser. The token is a
// write-only value of the leak check.
func newBitbucketCredential() string {
	tok := newToolToken()
	if acc.bitbucket != nil {
		acc.bitbucket.AddUser(fakeBitbucketUser, tok)
	}
	return fakeBitbucketUser + ":" + tok
}

// TestAccBitbucket: a Bitbucket integration verified against the fake, a
// source whose repository webhook is provisioned, a stage that runs a
// custom pipeline with variables when Bitbucket delivers a push, an empty
// second plan, imports, and a destroy that removes the hook.
func TestAccBitbucket(t *testing.T) {
	canvas, stage := randName("acc-bb"), randName("acc-bb-deploy")
	integration, secretName, source := randName("acc-bb-int"), randName("acc-bb-cred"), randName("acc-bb-src")
	repo := "app-" + randomSuffix()
	cred := newBitbucketCredential()
	if acc.bitbucket != nil {
		acc.bitbucket.AddRepo(fakeBitbucketWorkspace, repo, fakeBitbucketUser)
		acc.bitbucket.AddCustomPipeline(fakeBitbucketWorkspace, repo, "deploy")
		acc.bitbucket.SetPipelineResult("SUCCESSFUL", 2)
	}
	const sourceAddr, stageAddr, intAddr = "superplane_event_source.bb", "superplane_stage.deploy", "superplane_integration.bb"
	config := canvasConfig(canvas) + tokenSecretConfig("bb", "", secretName, cred, 1) +
		integrationCfg{label: "bb", name: integration, typ: "bitbucket", url: fakeBitbucketURL,
			secret: "superplane_secret.bb.name", key: "token"}.String() +
		eventSourceCfg{label: "bb", canvas: "superplane_canvas.test.name", name: source, typ: "bitbucket",
			integration: "superplane_integration.bb.name", resource: fmt.Sprintf("name = %q", repo),
			events: []eventCfg{{typ: "repo:push", data: []string{"$.push.changes[0].new.name == 'main'"}}}}.String() +
		fmt.Sprintf(`
resource "superplane_stage" "deploy" {
  canvas = superplane_canvas.test.name
  name   = %[1]q

  connect {
    type = "event_source"
    name = superplane_event_source.bb.name
  }

  input {
    name = "BRANCH"
  }

  input_mapping {
    value {
      name = "BRANCH"
      from_event {
        expression = "$.push.changes[0].new.name"
      }
    }
  }

  bitbucket {
    integration = superplane_integration.bb.name
    repository  = %[2]q
    ref         = "$${{ inputs.BRANCH }}"
    pipeline    = "deploy"
    variables = {
      ENVIRONMENT = "prod"
    }
  }
}
`, stage, repo)

	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			if h := acc.bitbucket.Hooks(fakeBitbucketWorkspace, repo); len(h) != 0 {
				return fmt.Errorf("%d hooks left on Bitbucket after destroy: %+v", len(h), h)
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
					tfresource.TestCheckResourceAttr(sourceAddr, "resource.type", "repository"),
					tfresource.TestMatchResourceAttr(sourceAddr, "webhook_url", regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/bitbucket$`)),
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "ready"),
					func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						hooks := acc.bitbucket.Hooks(fakeBitbucketWorkspace, repo)
						if len(hooks) != 1 {
							return fmt.Errorf("%d hooks on %s, want 1: %+v", len(hooks), repo, hooks)
						}
						h := hooks[0]
						recordHookSecret(h.Secret)
						if h.URL != a["webhook_url"] || !h.Active || !slices.Equal(h.Events, []string{"repo:push"}) || !keyPattern.MatchString(h.Secret) {
							return fmt.Errorf("hook = %s active %v events %v secret of %d chars; want %s, [repo:push]", h.URL, h.Active, h.Events, len(h.Secret), a["webhook_url"])
						}
						// Bitbucket delivers a push: signed with the hook's
						// secret, it starts the stage, which runs the
						// pipeline on the pushed branch.
						body := []byte(`{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"9fceb02"}}}]},"repository":{"full_name":"acme/` + repo + `"}}`)
						ds := acc.bitbucket.Deliver(context.Background(), fakeBitbucketWorkspace, repo, "repo:push", body)
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
						ps := acc.bitbucket.Pipelines()
						var ours []string
						for _, p := range ps {
							if p.Repo != repo {
								continue
							}
							ours = append(ours, p.UUID)
							if p.RefName != "main" || p.Custom != "deploy" || p.Variables["ENVIRONMENT"] != "prod" {
								return fmt.Errorf("pipeline = %+v, want deploy on main with ENVIRONMENT=prod", p)
							}
						}
						if len(ours) != 1 {
							return fmt.Errorf("%d pipelines of %s, want 1", len(ours), repo)
						}
						return nil
					},
					checkNoWriteOnlyValues("superplane_secret.bb", cred)),
			},
			// checked_at is when SuperPlane last looked at the hook, which
			// the import's own refresh does again; the last event is the
			// delivery the first step's check made after its state was
			// written.
			{
				ResourceName:      sourceAddr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + source,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"key", "status.checked_at",
					"status.last_event_at", "status.last_event_id"},
			},
			// The refresh reads the finished execution into last_execution,
			// so the stage's import below compares like with like.
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

// TestAccBitbucketCredentials: a credential Bitbucket refuses fails the
// apply with Bitbucket's reason and leaves nothing behind; the same secret
// with a working credential then verifies.
func TestAccBitbucketCredentials(t *testing.T) {
	name, secretName := randName("acc-bb-cred"), randName("acc-bb-secret")
	bad := fakeBitbucketUser + ":" + unknownToolToken()
	good := newBitbucketCredential()
	org := api.DomainTypeOrganization
	cfg := integrationCfg{name: name, typ: "bitbucket", url: fakeBitbucketURL, secret: "superplane_secret.token.name", key: "token"}
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkIntegrationGone(org, "", name), checkSecretGone(org, "", secretName)),
		Steps: []tfresource.TestStep{
			{
				Config:      tokenSecretConfig("token", "", secretName, bad, 1) + cfg.String(),
				ExpectError: wordsRegexp(`Integration credentials failed verification.*Bitbucket: unauthorized.*deleted again`),
			},
			{
				Config: tokenSecretConfig("token", "", secretName, good, 2) + cfg.String(),
				Check: tfresource.ComposeTestCheckFunc(
					checkServerIntegration(org, "", name, serverStatus(api.IntegrationStateOK, "ok")),
					checkNoWriteOnlyValues("superplane_secret.token", good, bad)),
			},
		},
	})
}
