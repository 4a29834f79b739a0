package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestAccDatadog: a datadog integration verified against the fake Datadog
// (both keys from one secret's data_wo), a datadog source whose webhook is
// provisioned in the Webhooks integration, a monitor notification through
// that webhook that starts an http stage posting a Datadog event with the
// integration's keys, an empty second plan, imports, and a destroy that
// removes the webhook.
func TestAccDatadog(t *testing.T) {
	canvas, stage := randName("acc-dd"), randName("acc-dd-note")
	integration, secretName, source := randName("acc-dd-int"), randName("acc-dd-keys"), randName("acc-dd-src")
	hook := "superplane-" + randomSuffix()
	apiKey, appKey := writeOnlyValue(), writeOnlyValue()
	ddURL := ""
	if acc.datadog != nil {
		acc.datadog.AddKeys(apiKey, appKey)
		ddURL = acc.datadog.URL()
	}
	const sourceAddr, stageAddr, intAddr = "superplane_event_source.dd", "superplane_stage.note", "superplane_integration.dd"
	config := canvasConfig(canvas) + fmt.Sprintf(`
resource "superplane_secret" "dd" {
  name            = %[1]q
  data_wo         = { api_key = %[2]q, app_key = %[3]q }
  data_wo_version = 1
}

resource "superplane_integration" "dd" {
  name = %[4]q
  type = "datadog"
  datadog {
    site                = "datadoghq.eu"
    secret              = superplane_secret.dd.name
    api_key_key         = "api_key"
    application_key_key = "app_key"
  }
}

resource "superplane_event_source" "dd" {
  canvas      = superplane_canvas.test.name
  name        = %[5]q
  type        = "datadog"
  integration = superplane_integration.dd.name
  resource {
    name = %[6]q
  }
}

resource "superplane_stage" "note" {
  canvas = superplane_canvas.test.name
  name   = %[7]q

  connect {
    type = "event_source"
    name = superplane_event_source.dd.name
    filter {
      data = "$.alert_transition == 'Triggered'"
    }
  }

  input {
    name = "TITLE"
  }

  input_mapping {
    value {
      name = "TITLE"
      from_event {
        expression = "$.event_title"
      }
    }
  }

  http {
    url         = "%[8]s/api/v1/events"
    integration = superplane_integration.dd.name
    payload = {
      title = "Rolled back: $${{ inputs.TITLE }}"
      text  = "SuperPlane answered the alert"
    }
  }
}
`, secretName, apiKey, appKey, integration, source, hook, stage, ddURL)

	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas), func(*terraform.State) error {
			if h, ok := acc.datadog.Webhook(hook); ok {
				return fmt.Errorf("the webhook is still in Datadog after destroy: %+v", h)
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
					tfresource.TestCheckResourceAttr(intAddr, "datadog.scope", "organization"),
					tfresource.TestCheckResourceAttr(sourceAddr, "resource.type", "webhook"),
					tfresource.TestMatchResourceAttr(sourceAddr, "webhook_url", regexp.MustCompile(`/api/v1/sources/[0-9a-f-]{36}/datadog$`)),
					tfresource.TestCheckResourceAttr(sourceAddr, "status.webhook_state", "ready"),
					func(s *terraform.State) error {
						a, err := attrs(s, sourceAddr)
						if err != nil {
							return err
						}
						h, ok := acc.datadog.Webhook(hook)
						if !ok || h.URL != a["webhook_url"] || h.EncodeAs != "json" || h.CustomHeaders == nil {
							return fmt.Errorf("webhook %s in Datadog = %+v, want one delivering to %s", hook, h, a["webhook_url"])
						}
						var headers map[string]string
						if err := json.Unmarshal([]byte(*h.CustomHeaders), &headers); err != nil || !keyPattern.MatchString(headers["X-Superplane-Token"]) {
							return fmt.Errorf("the webhook's custom headers carry no source key: %v", err)
						}
						recordHookSecret(headers["X-Superplane-Token"])
						// A monitor alerts: Datadog posts the payload with
						// the key header; the stage posts an event with the
						// integration's keys.
						d, ok := acc.datadog.Notify(hook, map[string]string{"ID": "7000001", "ALERT_ID": "1001",
							"ALERT_TRANSITION": "Triggered", "EVENT_TITLE": "[Triggered] checkout p99 latency"})
						if !ok || d.Status != 200 {
							return fmt.Errorf("notification = %+v %v, want 200", d, ok)
						}
						ex, _, err := waitStageExecution(canvas, stage)
						if err != nil {
							return err
						}
						if ex.Result != api.ResultPassed {
							return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
						}
						for _, e := range acc.datadog.Events() {
							if e.Title == "Rolled back: [Triggered] checkout p99 latency" {
								return nil
							}
						}
						return fmt.Errorf("no Datadog event posted by the stage: %+v", acc.datadog.Events())
					},
					checkNoWriteOnlyValues("superplane_secret.dd", apiKey, appKey)),
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

// TestAccDatadogPlanChecks: the datadog block's mistakes are refused at
// plan time with the API's rules, in the block's names.
func TestAccDatadogPlanChecks(t *testing.T) {
	name := unsavedName("acc-dd-bad")
	cfg := func(block string) string {
		return fmt.Sprintf(`
resource "superplane_integration" "bad" {
  name = %q
  type = "datadog"
  %s
}
`, name, block)
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: cfg(""), PlanOnly: true, ExpectError: regexp.MustCompile(`Missing datadog block`)},
			{Config: cfg(`datadog {
    site                = "datadoghq.org"
    secret              = "dd"
    api_key_key         = "api"
    application_key_key = "app"
  }`), PlanOnly: true, ExpectError: regexp.MustCompile(`value must be one of`)},
			{Config: cfg(`datadog {
    site                = "datadoghq.com"
    secret              = "dd"
    api_key_key         = "api"
    application_key_key = "api"
  }`), PlanOnly: true, ExpectError: regexp.MustCompile(`application_key_key[\s\S]*must differ`)},
		},
	})
}
