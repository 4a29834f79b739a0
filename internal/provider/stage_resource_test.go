package provider

import (
	"context"
	"fmt"
	"regexp"
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

func stageChainConfig(canvas, build, release, buildDescription, releaseExtra string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "build" {
  canvas      = superplane_canvas.test.name
  name        = %[2]q
  description = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "V"
  }

  input_mapping {
    value {
      name = "V"
      from_event {
        expression = "$.version"
      }
    }
  }

  output {
    name = "version"
  }

  noop {
    outputs = {
      version = "v$${{ inputs.V }}"
    }
  }
}

resource "superplane_stage" "release" {
  canvas = superplane_canvas.test.name
  name   = %[3]q

  connect {
    type            = "stage"
    name            = superplane_stage.build.name
    filter_operator = "or"
    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
    filter {
      header = "false"
    }
  }

  input {
    name = "VERSION"
  }

  input {
    name = "PREVIOUS"
  }

  input_mapping {
    triggered_by = superplane_stage.build.name
    value {
      name = "VERSION"
      from_event {
        expression = "$.outputs.version"
      }
    }
    value {
      name = "PREVIOUS"
      from_last_execution {
        results = ["passed"]
      }
    }
  }

  output {
    name        = "released"
    description = "what went out"
    required    = true
  }

  noop {
    outputs = {
      released = "$${{ inputs.VERSION }}"
    }
  }
%[5]s
}
`, canvas, build, release, buildDescription, releaseExtra)
}

func TestAccStageResource(t *testing.T) {
	t.Run("Chain", func(t *testing.T) {
		t.Parallel()
		canvas, build, release := randName("acc-chain"), randName("acc-build"), randName("acc-release")
		conditions := `
  approval {
    count = 2
  }

  time_window {
    start     = "22:00"
    end       = "06:00"
    week_days = ["saturday", "sunday"]
  }
`
		buildAddr, releaseAddr := "superplane_stage.build", "superplane_stage.release"
		sameID := statecheck.CompareValue(compare.ValuesSame())
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkStageGone(canvas, release),
			Steps: []tfresource.TestStep{
				{
					Config: stageChainConfig(canvas, build, release, "builds", ""),
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(releaseAddr, tfjsonpath.New("id")),
						stateValue(releaseAddr, "approval", knownvalue.ListSizeExact(0)),
						// Left out, the connection a v1 server requires is
						// the stage's only one (the release's comes from
						// its mapping's triggered_by).
						statecheck.ExpectKnownValue(buildAddr, tfjsonpath.New("input_mapping").AtSliceIndex(0).AtMapKey("value").AtSliceIndex(0).
							AtMapKey("from_event").AtMapKey("connection"), knownvalue.StringExact("hook")),
						statecheck.ExpectKnownValue(releaseAddr, tfjsonpath.New("input_mapping").AtSliceIndex(0).AtMapKey("value").AtSliceIndex(0).
							AtMapKey("from_event").AtMapKey("connection"), knownvalue.StringExact(build)),
					},
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.hook", `{"version":"1.4"}`); err != nil {
							return err
						}
						ex, _, err := waitStageExecution(canvas, release)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed || executionOutputs(ex)["released"] != "v1.4" {
							return fmt.Errorf("release = %s (%s), outputs %v; want passed with v1.4", ex.Result, ex.ResultMessage, ex.Outputs)
						}
						return nil
					},
				},
				// The refresh brings the execution into state, so the
				// import below must find everything, last_execution too.
				{RefreshState: true},
				{
					ResourceName:      releaseAddr,
					ImportState:       true,
					ImportStateId:     canvas + "/" + release,
					ImportStateVerify: true,
				},
				{
					// Only the server compiles filter expressions: its 400
					// names the HCL attribute, not the API field.
					Config: stageChainConfig(canvas, build, release, "builds", `
  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
    filter {
      data = "$.version =="
    }
  }
`),
					ExpectError: regexp.MustCompile(`(?s)Error updating stage.*SuperPlane refused the stage:\s+connect\[1\]\.filter\[0\]\.data:`),
				},
				{
					// Conditions round-trip; both stages change in place.
					Config: stageChainConfig(canvas, build, release, "builds it", conditions),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(buildAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction(releaseAddr, plancheck.ResourceActionUpdate),
						},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(releaseAddr, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(releaseAddr, tfjsonpath.New("approval").AtSliceIndex(0).AtMapKey("count"), knownvalue.Int64Exact(2)),
						statecheck.ExpectKnownValue(releaseAddr, tfjsonpath.New("time_window").AtSliceIndex(0).AtMapKey("end"), knownvalue.StringExact("06:00")),
					},
					Check: func(*terraform.State) error {
						st, err := acc.client.GetStage(context.Background(), canvas, release)
						if err != nil {
							return err
						}
						if n := len(st.Spec.Conditions); n != 2 || st.Spec.Conditions[0].Approval == nil || st.Spec.Conditions[0].Approval.Count != 2 {
							return fmt.Errorf("server conditions = %+v", st.Spec.Conditions)
						}
						return nil
					},
				},
				{
					ResourceName:      releaseAddr,
					ImportState:       true,
					ImportStateId:     canvas + "/" + release,
					ImportStateVerify: true,
				},
				{
					PreConfig: func() {
						if err := acc.client.DeleteStage(accContext(t), canvas, release); err != nil {
							t.Fatalf("deleting the stage outside Terraform: %v", err)
						}
					},
					Config: stageChainConfig(canvas, build, release, "builds it", conditions),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(releaseAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectResourceAction(buildAddr, plancheck.ResourceActionNoop),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				},
			},
		})
	})

	t.Run("MoveToAnotherCanvas", func(t *testing.T) {
		t.Parallel()
		first, second, stage := randName("acc-move-a"), randName("acc-move-b"), randName("acc-moved")
		config := func(canvas string) string {
			return fmt.Sprintf(`
resource "superplane_canvas" "a" {
  name = %[1]q
}

resource "superplane_canvas" "b" {
  name = %[2]q
}

resource "superplane_event_source" "a" {
  canvas = superplane_canvas.a.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_event_source" "b" {
  canvas = superplane_canvas.b.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.%[3]s.name
  name   = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.%[3]s.name
  }

  noop {}
}
`, first, second, canvas, stage)
		}
		addr := "superplane_stage.test"
		differentID := statecheck.CompareValue(compare.ValuesDiffer())
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				{
					Config:            config("a"),
					ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(addr, tfjsonpath.New("id"))},
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.a", `{}`); err != nil {
							return err
						}
						_, _, err := waitStageExecution(first, stage)
						return err
					},
				},
				{
					Config: config("a"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_execution").AtMapKey("result"), knownvalue.StringExact("passed")),
					},
				},
				{
					// The new stage has run nothing: last_execution is not
					// carried over from the old one.
					Config: config("b"),
					ConfigPlanChecks: tfresource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
							plancheck.ExpectUnknownValue(addr, tfjsonpath.New("last_execution")),
						},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						differentID.AddStateValue(addr, tfjsonpath.New("id")),
						stateValue(addr, "last_execution", knownvalue.Null()),
					},
					Check: checkStageGone(first, stage),
				},
			},
		})
	})

	t.Run("PlanTimeErrors", func(t *testing.T) {
		t.Parallel()
		// Literal names only: validation fails before anything is read.
		config := func(executor, extra string) string {
			return fmt.Sprintf(`
resource "superplane_stage" "test" {
  canvas = "c"
  name   = "deploy"

  connect {
    type = "event_source"
    name = "hook"
  }

  input {
    name = "COMMIT"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        expression = "$.after"
      }
    }
  }

  secret {
    name   = "TOKEN"
    secret = "deploy"
    key    = "token"
  }
%s
%s
}
`, extra, executor)
		}
		httpBlock := func(body string) string { return "  http {\n" + body + "\n  }\n" }
		okHTTP := `    url = "https://example.com/deploy"`
		step := func(cfg, want string) tfresource.TestStep {
			return tfresource.TestStep{Config: cfg, PlanOnly: true, ExpectError: wordsRegexp(want)}
		}
		tfresource.Test(t, tfresource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				step(config(httpBlock(okHTTP+"\n    payload = { x = \"$${{ inputs.NOPE }}\" }"), ""),
					`Undeclared input.*http.payload\["x"\] uses \$\{\{ inputs.NOPE \}\}, but the stage has no input "NOPE" \(declared: COMMIT\)`),
				step(config(httpBlock(okHTTP+"\n    headers = { Authorization = \"Bearer $${{ secrets.deploy }}\" }"), ""),
					`Undeclared secret.*http.headers\["Authorization"\] uses \$\{\{ secrets.deploy \}\}.*not by the name of the superplane_secret`),
				step(config(httpBlock(okHTTP+"\n    payload = { x = \"$${{ inputs.COMMIT }\" }"), ""),
					`Invalid template.*http.payload\["x"\]: unterminated template`),
				step(config(httpBlock(okHTTP), `
  input_mapping {
    triggered_by = "elsewhere"
    value {
      name  = "COMMIT"
      value = "x"
    }
  }
`), `Unknown connection.*input_mapping\[1\].triggered_by "elsewhere" is not a connection of the stage \(declared: hook\)`),
				step(config(httpBlock(okHTTP), `
  input_mapping {
    triggered_by = "hook"
    value {
      name = "COMMIT"
      from_event {
        connection = "ghost"
        expression = "$.x"
      }
    }
  }
`), `Unknown connection.*input_mapping\[1\].value\[0\].from_event.connection "ghost" is not a connection`),
				step(config(httpBlock(okHTTP)+"\n  noop {}\n", ""),
					`Conflicting executor blocks.*this one sets http and noop`),
				step(config("", ""), `Missing executor.*exactly one executor block`),
				step(config(httpBlock(`    timeout_seconds = 5`), ""),
					`Missing http.url.*http.url is required`),
				step(config(httpBlock(`    url = "ftp://example.com/x"`), ""),
					`Invalid URL.*http.url "ftp://example.com/x" must be an absolute http or https URL`),
				step(config("  github {\n    integration = \"gh\"\n    repository = \"app\"\n    workflow = \"deploy.yml\"\n  }\n", ""),
					`Missing github.ref.*github.ref is required`),
				step(config(httpBlock(okHTTP), "\n  input {\n    name = \"UNMAPPED\"\n  }\n"),
					`Input without a value.*input_mapping\[0\] gives no value to input "UNMAPPED"`),
				step(config(httpBlock(okHTTP), "\n  approval {\n    count = 0\n  }\n"),
					`approval\[0\].count.*between 1 and 100`),
				step(config(httpBlock(okHTTP), "\n  time_window {\n    start = \"9:00\"\n    end = \"17:00\"\n  }\n"),
					`time_window\[0\].start.*HH:MM`),
				step(config(httpBlock(okHTTP), "\n  secret {\n    name = \"TOKEN\"\n    secret = \"other\"\n    key = \"k\"\n  }\n"),
					`Duplicate secret alias.*secret\[1\].name: "TOKEN" is declared twice`),
			},
		})
	})

	t.Run("GitHub", func(t *testing.T) {
		t.Parallel()
		canvas, stage := randName("acc-gh-stage"), randName("acc-gh-deploy")
		integration, secretName := randName("acc-gh-int"), randName("acc-gh-token")
		repo := "stage-" + randomSuffix()
		tok := newToolToken()
		if acc.github != nil {
			acc.github.AddRepo(fakeGitHubOwner, repo, fakeGitHubUser)
			acc.github.AddWorkflow(fakeGitHubOwner, repo, "deploy.yml", "success", 2)
		}
		config := tokenSecretConfig("gh", "", secretName, tok, 1) +
			integrationCfg{label: "gh", name: integration, typ: "github", url: fakeGitHubURL,
				secret: "superplane_secret.gh.name", key: "token"}.String() +
			fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %[2]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "REF"
  }

  input_mapping {
    value {
      name = "REF"
      from_event {
        expression = "$.ref"
      }
    }
  }

  github {
    integration = superplane_integration.gh.name
    repository  = %[3]q
    workflow    = "deploy.yml"
    ref         = "$${{ inputs.REF }}"
    inputs = {
      environment = "prod"
    }
  }
}
`, canvas, stage, repo)
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []tfresource.TestStep{
				{
					Config: config,
					Check: func(s *terraform.State) error {
						if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"main"}`); err != nil {
							return err
						}
						ex, _, err := waitStageExecution(canvas, stage)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed {
							return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
						}
						d := acc.github.Dispatches(fakeGitHubOwner, repo)
						if len(d) != 1 || d[0].Ref != "main" || d[0].Inputs["environment"] != "prod" {
							return fmt.Errorf("dispatches = %+v", d)
						}
						return nil
					},
				},
				{RefreshState: true},
				{
					ResourceName:      "superplane_stage.test",
					ImportState:       true,
					ImportStateId:     canvas + "/" + stage,
					ImportStateVerify: true,
				},
			},
		})
	})
}
