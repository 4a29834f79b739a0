package provider

import (
	"fmt"
	"regexp"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
)

// The fake GitLab's fixtures: the instance URL integrations name (the
// server's requests go to the fake through SUPERPLANE_GITLAB_API_URL) and
// the user every good token belongs to.
const (
	fakeGitLabURL  = "https://gitlab.example.com"
	fakeGitLabUser = "dev"
)

// TestAccGitLabEndToEnd: a gitlab integration is created and verified, a
// gitlab source gets a project hook carrying its secret token, a push that
// GitLab delivers through that hook starts a stage whose gitlab executor
// creates a pipeline with the stage's variables and follows it to success;
// the second plan is empty, source and stage import as configured, and
// destroy removes the hook from the project.
func TestAccGitLabEndToEnd(t *testing.T) {
	canvas, stage, source := randName("acc-gl-canvas"), randName("acc-gl-deploy"), randName("acc-gl-push")
	integration, secret := randName("acc-gl-int"), randName("acc-gl-token")
	project := "acme/acc-gl-" + randomSuffix()
	if acc.gitlab != nil {
		acc.gitlab.AddProject(project)
		acc.gitlab.Grant(project, fakeGitLabUser, gitlab.AccessMaintainer)
	}
	tok := newToolToken()
	config := canvasConfig(canvas) + tokenSecretConfig("gl", "", secret, tok, 1) +
		integrationCfg{label: "gl", name: integration, typ: "gitlab", url: fakeGitLabURL,
			secret: "superplane_secret.gl.name", key: "token"}.String() +
		eventSourceCfg{canvas: "superplane_canvas.test.name", name: source, typ: "gitlab",
			integration: "superplane_integration.gl.name", resource: fmt.Sprintf("name = %q", project),
			events: []eventCfg{{typ: "push", data: []string{"$.ref == 'refs/heads/main'"}}}}.String() +
		fmt.Sprintf(`
resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %[1]q

  connect {
    type = "event_source"
    name = superplane_event_source.test.name
  }

  input {
    name = "SHA"
  }

  input_mapping {
    value {
      name = "SHA"
      from_event {
        connection = superplane_event_source.test.name
        expression = "$.after"
      }
    }
  }

  gitlab {
    integration = superplane_integration.gl.name
    project     = %[2]q
    ref         = "main"
    variables = {
      DEPLOY_SHA = "$${{ inputs.SHA }}"
      TARGET     = "production"
    }
  }
}
`, stage, project)
	const stageAddr = "superplane_stage.test"
	var hookURL string
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			if h := acc.gitlab.Hooks(project); len(h) != 0 {
				return fmt.Errorf("%d hooks left on the GitLab project after destroy: %+v", len(h), h)
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("resource").AtMapKey("type"), knownvalue.StringExact("project")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("superplane_integration.gl", tfjsonpath.New("status").AtMapKey("state"), knownvalue.StringExact("ok")),
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/gitlab$`))),
					statecheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
				},
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					hookURL = a["webhook_url"]
					hooks := acc.gitlab.Hooks(project)
					if len(hooks) != 1 || hooks[0].URL != hookURL || !keyPattern.MatchString(hooks[0].Token) ||
						!hooks[0].Events["push_events"] || hooks[0].Events["merge_requests_events"] || !hooks[0].EnableSSLVerification {
						return fmt.Errorf("hooks of %s = %+v, want one for %s with a secret token, push events only", project, hooks, hookURL)
					}
					recordHookSecret(hooks[0].Token)

					// GitLab delivers a push through the hook it holds.
					body := []byte(`{"object_kind":"push","ref":"refs/heads/main","after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}`)
					d := acc.gitlab.Deliver(project, "Push Hook", body, "")
					if len(d) != 1 || d[0].Status != 200 {
						return fmt.Errorf("delivery = %+v, want one answered 200", d)
					}
					// A retry of the same delivery is recognised.
					if r := acc.gitlab.Deliver(project, "Push Hook", body, d[0].Idempotent); len(r) != 1 || r[0].Status != 200 || !regexp.MustCompile(`"duplicate":true`).Match(r[0].Body) {
						return fmt.Errorf("retry = %+v, want a duplicate", r)
					}
					ex, _, err := waitStageExecution(canvas, stage)
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
					}
					var ours []gitlab.Pipeline
					for _, p := range acc.gitlab.Pipelines() {
						if p.Variables["DEPLOY_SHA"] == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7" {
							ours = append(ours, p)
						}
					}
					if len(ours) != 1 || ours[0].Ref != "main" || ours[0].Variables["TARGET"] != "production" {
						return fmt.Errorf("pipelines = %+v, want one on main with the stage's variables", ours)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// An import reads the source before its type is known, so it
			// does not check the hook on the tool: webhook_observed is
			// filled in by the next refresh.
			{
				ResourceName:      sourceAddr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + source,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"key", "status.checked_at",
					"status.webhook_observed", "status.webhook_observed_reason"},
			},
			{
				ResourceName:            stageAddr,
				ImportState:             true,
				ImportStateId:           canvas + "/" + stage,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_execution"},
			},
			{
				ResourceName:            "superplane_integration.gl",
				ImportState:             true,
				ImportStateId:           "organization/" + integration,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"status.checked_at"},
			},
		},
	})
}
