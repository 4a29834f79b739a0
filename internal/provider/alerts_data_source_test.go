package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// alertsConfig is a canvas with a webhook source and two stages: gate,
// which takes only pushes to main, and call, whose URL comes from the event
// (so an event without a URL fails the run on SuperPlane's side before any
// request: an alert).
func alertsConfig(canvas string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "gate" {
  canvas = superplane_canvas.test.name
  name   = "gate"

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  noop {}
}

resource "superplane_stage" "call" {
  canvas = superplane_canvas.test.name
  name   = "call"

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "URL"
  }

  input_mapping {
    value {
      name = "URL"
      from_event {
        expression = "$.url"
      }
    }
  }

  http {
    url = "$${{ inputs.URL }}"
  }
}
`, canvas)
}

const alertsDataSources = `
data "superplane_rejections" "gate" {
  canvas = superplane_canvas.test.name
  stage  = superplane_stage.gate.name
}

data "superplane_alerts" "call" {
  canvas = superplane_canvas.test.name
  stage  = superplane_stage.call.name
}

data "superplane_alerts" "all" {
  canvas = superplane_canvas.test.name
}
`

// waitFindings polls (bounded) until the canvas has n rejections of stage
// and an alert.
func waitFindings(canvas, stage string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for {
		rs, err := acc.client.ListRejections(ctx, canvas, client.RejectionQuery{TargetType: api.ConnectionTypeStage, TargetID: stage})
		if err != nil {
			return err
		}
		as, err := acc.client.ListAlerts(ctx, canvas, client.AlertQuery{})
		if err != nil {
			return err
		}
		if len(rs.Rejections) >= n && len(as.Alerts) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d rejections of %s and %d alerts in time", len(rs.Rejections), stage, len(as.Alerts))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestAccAlertsAndRejectionsDataSources: a push to a branch leaves gate a
// rejection that superplane_rejections, filtered by the stage, shows with
// its reason and event; the same event without a URL fails call before any
// request, and superplane_alerts shows the alert for call, once.
func TestAccAlertsAndRejectionsDataSources(t *testing.T) {
	canvas := randName("acc-alerts")
	config := alertsConfig(canvas)
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"refs/heads/dev"}`); err != nil {
						return err
					}
					return waitFindings(canvas, "gate", 1)
				},
			},
			{
				Config: config + alertsDataSources,
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue("data.superplane_rejections.gate", "total_count", knownvalue.Int64Exact(1)),
					stateValue("data.superplane_rejections.gate", "rejections", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"reason":     knownvalue.StringExact("filtered"),
							"stage":      knownvalue.StringExact("gate"),
							"message":    knownvalue.StringRegexp(regexp.MustCompile(`did not pass the filters of connection hook`)),
							"event_type": knownvalue.StringExact("webhook"),
							"event_data": knownvalue.StringExact(`{"ref":"refs/heads/dev"}`),
						}),
					})),
					statecheck.ExpectKnownValue("data.superplane_alerts.call", tfjsonpath.New("alerts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"type":         knownvalue.StringExact("error"),
							"kind":         knownvalue.StringExact("executor_spec"),
							"stage":        knownvalue.StringExact("call"),
							"count":        knownvalue.Int64Exact(1),
							"acknowledged": knownvalue.Bool(false),
							"message":      knownvalue.StringRegexp(regexp.MustCompile(`spec\.url`)),
						}),
					})),
					stateValue("data.superplane_alerts.all", "alerts", knownvalue.ListSizeExact(1)),
				},
			},
			{
				Config: config + `
data "superplane_rejections" "missing" {
  canvas = superplane_canvas.test.name
  stage  = "no-such-stage"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error reading rejections.*404`),
			},
		},
	})
}
