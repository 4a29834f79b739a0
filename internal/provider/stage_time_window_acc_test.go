package provider

import (
	"fmt"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// allDayWindowConfig is a canvas, a webhook source and a noop stage whose
// one time window runs from start to end on saturday and sunday.
func allDayWindowConfig(canvas, stage, start, end string) string {
	return windowStageConfig(canvas, stage, start, end, `["saturday", "sunday"]`)
}

// windowStageConfig is allDayWindowConfig with the window's week_days
// (HCL), left out when days is "".
func windowStageConfig(canvas, stage, start, end, days string) string {
	if days != "" {
		days = "week_days = " + days
	}
	return canvasConfig(canvas) + fmt.Sprintf(`
resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  time_window {
    start = %q
    end   = %q
    %s
  }

  noop {}
}
`, stage, start, end, days)
}

// TestAccStageAllDayWindow: a window from 00:00 to 24:00 on chosen days (the
// whole of those days) plans, applies and reads back as written, the next
// plan is empty, and an import reads the same; a start of 24:00 and an end
// past it fail the plan at the attribute.
func TestAccStageAllDayWindow(t *testing.T) {
	canvas, stage := randName("acc-allday"), randName("acc-allday-stage")
	addr := "superplane_stage.test"
	end := tfjsonpath.New("time_window").AtSliceIndex(0).AtMapKey("end")
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, stage),
		Steps: []tfresource.TestStep{
			{
				Config:      allDayWindowConfig(canvas, stage, "00:00", "24:30"),
				PlanOnly:    true,
				ExpectError: errorText(`must be HH:MM (24-hour), or 24:00 for the end of the day`),
			},
			{
				Config:      allDayWindowConfig(canvas, stage, "24:00", "24:00"),
				PlanOnly:    true,
				ExpectError: errorText(`must be HH:MM (24-hour)`),
			},
			{
				Config: allDayWindowConfig(canvas, stage, "00:00", "24:00"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(addr, end, knownvalue.StringExact("24:00")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, end, knownvalue.StringExact("24:00")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("time_window").AtSliceIndex(0).AtMapKey("week_days"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("saturday"), knownvalue.StringExact("sunday")})),
				},
				Check: func(s *terraform.State) error {
					st, err := acc.client.GetStage(accContext(t), canvas, stage)
					if err != nil {
						return err
					}
					if c := st.Spec.Conditions; len(c) != 1 || c[0].TimeWindow == nil || c[0].TimeWindow.End != "24:00" {
						return fmt.Errorf("the server holds %+v, want one window ending 24:00", c)
					}
					return nil
				},
			},
			{
				Config:           allDayWindowConfig(canvas, stage, "00:00", "24:00"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + stage,
				ImportStateVerify: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["time_window.0.end"] != "24:00" {
						return fmt.Errorf("imported: %v", states)
					}
					return nil
				},
			},
		},
	})
}
