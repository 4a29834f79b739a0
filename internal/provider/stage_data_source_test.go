package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func TestAccStageDataSource(t *testing.T) {
	canvas, stage := randName("acc-stage-ds"), randName("acc-notify")
	config := fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas      = superplane_canvas.test.name
  name        = %[2]q
  description = "tells everyone"

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "WHO"
  }

  input_mapping {
    value {
      name = "WHO"
      from_event {
        expression = "$.who"
      }
    }
  }

  output {
    name = "greeting"
  }

  noop {
    outputs = {
      greeting = "hello $${{ inputs.WHO }}"
    }
  }
}

data "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = superplane_stage.test.name
}
`, canvas, stage)
	ds := "data.superplane_stage.test"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(ds, tfjsonpath.New("id"), "superplane_stage.test", tfjsonpath.New("id"), compare.ValuesSame()),
					stateValue(ds, "description", knownvalue.StringExact("tells everyone")),
					stateValue(ds, "executor_type", knownvalue.StringExact("noop")),
					stateValue(ds, "connections", knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
						"type": knownvalue.StringExact("event_source"), "name": knownvalue.StringExact("hook"),
					})})),
					stateValue(ds, "inputs", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("WHO")})),
					stateValue(ds, "outputs", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("greeting")})),
					stateValue(ds, "queue_length", knownvalue.Int64Exact(0)),
					stateValue(ds, "last_execution", knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"who":"world"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, stage)
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed || executionOutputs(ex)["greeting"] != "hello world" {
						return fmt.Errorf("execution = %s, outputs %v", ex.Result, ex.Outputs)
					}
					return nil
				},
			},
			{
				// Read again: the status shows the execution.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("last_execution").AtMapKey("result"), knownvalue.StringExact("passed")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("last_execution").AtMapKey("result_reason"), knownvalue.StringExact("ok")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("last_execution").AtMapKey("started_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("last_execution").AtMapKey("duration_seconds"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("last_execution").AtMapKey("outputs"),
						knownvalue.MapExact(map[string]knownvalue.Check{"greeting": knownvalue.StringExact("hello world")})),
				},
			},
			{
				Config: config + fmt.Sprintf(`
data "superplane_stage" "missing" {
  canvas = superplane_canvas.test.name
  name   = %q
}
`, stage+"-missing"),
				ExpectError: regexp.MustCompile(`(?s)Error reading stage.*404`),
			},
		},
	})
}
