package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// connectionGroupShapes are the nested objects of superplane_connection_group
// and its data source (TestSchemaModelParity).
var connectionGroupShapes = map[string]objectShape{
	"connect":        {model: stageConnectionModel{}, attrTypes: stageConnectionAttrTypes},
	"connect.filter": {model: filterModel{}, attrTypes: filterAttrTypes},
	"group_by":       {model: groupByModel{}, attrTypes: groupByAttrTypes},
}

// connectionGroupConfig is a canvas with webhook sources a and b, group
// join of both by version (groupExtra goes into the group's block) and a
// noop stage deploy on the group whose output is the joined version.
func connectionGroupConfig(canvas, groupExtra string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "a" {
  canvas = superplane_canvas.test.name
  name   = "a"
  type   = "webhook"
}

resource "superplane_event_source" "b" {
  canvas = superplane_canvas.test.name
  name   = "b"
  type   = "webhook"
}

resource "superplane_connection_group" "join" {
  canvas      = superplane_canvas.test.name
  name        = "join"
  description = "a build and its tests"

  connect {
    type = "event_source"
    name = superplane_event_source.a.name
  }

  connect {
    type = "event_source"
    name = superplane_event_source.b.name
    filter {
      data = "$.ok == true"
    }
  }

  group_by {
    name       = "version"
    expression = "$.version"
  }
%[2]s
}

resource "superplane_stage" "deploy" {
  canvas = superplane_canvas.test.name
  name   = "deploy"

  connect {
    type = "connection_group"
    name = superplane_connection_group.join.name
  }

  input {
    name = "VERSION"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.fields.version"
      }
    }
  }

  output {
    name = "version"
  }

  noop {
    outputs = {
      version = "$${{ inputs.VERSION }}"
    }
  }
}

data "superplane_connection_group" "join" {
  canvas = superplane_canvas.test.name
  name   = superplane_connection_group.join.name
}
`, canvas, groupExtra)
}

// TestAccConnectionGroupResource: mistakes in a group fail the plan
// (connectionGroupMistakes); a group joining two sources runs the
// stage connected to it once both sent the same version; it imports by
// canvas/name, updates in place, plans nothing afterwards, and the data
// source shows the waiting keys.
func TestAccConnectionGroupResource(t *testing.T) {
	canvas := randName("acc-group")
	addr := "superplane_connection_group.join"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: append(connectionGroupMistakeSteps(canvas), []tfresource.TestStep{
			{
				Config: connectionGroupConfig(canvas, `
  timeout_seconds  = 600
  timeout_behavior = "emit"
`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("timeout_seconds"), knownvalue.Int64Exact(600)),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("id")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(addr, "timeout_behavior", knownvalue.StringExact("emit")),
					stateValue(addr, "description", knownvalue.StringExact("a build and its tests")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("connect").AtSliceIndex(1).AtMapKey("filter_operator"), knownvalue.StringExact("and")),
					stateValue("data.superplane_connection_group.join", "pending_field_sets", knownvalue.Int64Exact(0)),
					stateValue("data.superplane_connection_group.join", "timeout_seconds", knownvalue.Int64Exact(600)),
				},
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.a", `{"version":"3.1"}`); err != nil {
						return err
					}
					// Filtered out: b's event without ok joins nothing.
					if err := postStageEvent(s, "superplane_event_source.b", `{"version":"3.1"}`); err != nil {
						return err
					}
					if err := postStageEvent(s, "superplane_event_source.b", `{"version":"3.1","ok":true}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, "deploy")
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed || executionOutputs(ex)["version"] != "3.1" {
						return fmt.Errorf("execution = %s, outputs %v; want passed with version 3.1", ex.Result, ex.Outputs)
					}
					return nil
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     canvas + "/join",
				ImportStateVerify: true,
			},
			{
				// Defaults come back: a day, drop; an update in place.
				Config: connectionGroupConfig(canvas, ""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("timeout_seconds"), knownvalue.Int64Exact(api.DefaultGroupTimeout)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(addr, "timeout_behavior", knownvalue.StringExact("drop")),
				},
			},
			{
				// A lone event waits in its field set; the stage's new
				// execution and the group's field sets change no plan.
				Config: connectionGroupConfig(canvas, ""),
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.a", `{"version":"3.2"}`); err != nil {
						return err
					}
					return waitPendingFieldSets(canvas, "join", 1)
				},
			},
			{
				Config:            connectionGroupConfig(canvas, ""),
				ConfigStateChecks: []statecheck.StateCheck{stateValue("data.superplane_connection_group.join", "pending_field_sets", knownvalue.Int64Exact(1))},
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
				},
			},
		}...),
	})
}

// connectionGroupMistakeSteps are plan-only steps, one per mistake.
func connectionGroupMistakeSteps(canvas string) []tfresource.TestStep {
	steps := make([]tfresource.TestStep, 0, len(connectionGroupMistakes))
	for _, m := range connectionGroupMistakes {
		steps = append(steps, tfresource.TestStep{
			Config: connectionGroupConfig(canvas, m.extra), PlanOnly: true, ExpectError: regexp.MustCompile(m.want),
		})
	}
	return steps
}

// connectionGroupMistakes fail the plan, naming the attribute, before
// anything is created: each is extra HCL for the group's block and the
// error it must give.
var connectionGroupMistakes = []struct{ extra, want string }{
	{`
  connect {
    type = "event_source"
    name = "a"
  }
`, `connect\[2\]\.name: event_source "a" is listed twice`},
	{`
  group_by {
    name       = "version"
    expression = "$.other"
  }
`, `group_by\[1\]\.name: "version" is declared twice`},
	{`
  timeout_seconds = 604801
`, `(?s)timeout_seconds.*between 1 and 604800`},
	{`
  timeout_behavior = "wait"
`, `(?s)timeout_behavior.*value must be one of`},
	{`
  group_by {
    name       = "1x"
    expression = "$.x"
  }
`, `(?s)group_by\[1\]\.name.*must be a letter`},
}

// waitPendingFieldSets waits (bounded) until the group has want pending
// field sets: the server routes events in the background.
func waitPendingFieldSets(canvas, group string, want int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		sets, err := acc.client.ListFieldSets(ctx, canvas, group, []string{api.FieldSetStatePending})
		if err != nil {
			return err
		}
		if len(sets) == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group %s has %d pending field sets, want %d", group, len(sets), want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
