package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func testAccEventSourceWebhook(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-hook")
	renamed := name + "-renamed"
	base := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "webhook",
		events: []eventCfg{{typ: "webhook", data: []string{"$.ref == 'refs/heads/main'"}}}}
	rotated := base
	rotated.keyVersion = 2
	edited := rotated
	edited.name, edited.description = renamed, "deploy hook"
	edited.events = []eventCfg{{typ: "webhook", op: "or", data: []string{"$.ref == 'refs/heads/main'"},
		header: []string{"headers['x-deploy'] == 'yes'"}}}

	var firstKey, lastEventID string
	sameID, sameURL := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
	keys, sameKey := statecheck.CompareValue(compare.ValuesDiffer()), statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas)),
		Steps: []tfresource.TestStep{
			{
				Config: canvasConfig(canvas) + base.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("key")),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("events").AtSliceIndex(0).AtMapKey("filter_operator"), knownvalue.StringExact("and")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "id", knownvalue.StringRegexp(uuidPattern)),
					stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern)),
					statecheck.ExpectSensitiveValue(sourceAddr, tfjsonpath.New("key")),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(1)),
					stateValue(sourceAddr, "webhook_url", knownvalue.StringRegexp(regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api/v1/sources/[0-9a-f-]{36}$`))),
					stateValue(sourceAddr, "integration", knownvalue.Null()),
					stateValue(sourceAddr, "resource", knownvalue.Null()),
					stateValue(sourceAddr, "schedule", knownvalue.Null()),
					stateValue(sourceAddr, "force_destroy", knownvalue.Bool(false)),
					stateValue(sourceAddr, "created_at", knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("status"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"webhook_state": knownvalue.Null(), "webhook_reason": knownvalue.Null(), "webhook_observed": knownvalue.Null(), "webhook_observed_reason": knownvalue.Null(), "checked_at": knownvalue.Null(),
						"last_event_id": knownvalue.Null(), "last_event_at": knownvalue.Null(),
					})),
					sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
					sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
					keys.AddStateValue(sourceAddr, tfjsonpath.New("key")),
				},
				// A delivery signed with the key from the state is
				// accepted and its event is listed; the filter decides
				// its state; a wrong signature is refused.
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					firstKey = a["key"]
					recordSourceKey(firstKey)
					for _, tc := range []struct {
						key, body string
						want      int
					}{
						{firstKey, `{"ref":"refs/heads/main","n":1}`, 200},
						{firstKey, `{"ref":"refs/heads/dev","n":2}`, 200},
						{strings.Repeat("0", 64), `{"ref":"refs/heads/main","n":3}`, 401},
					} {
						code, err := deliver(a["webhook_url"], tc.key, []byte(tc.body))
						if err != nil || code != tc.want {
							return fmt.Errorf("delivery %s: status %d (%v), want %d", tc.body, code, err, tc.want)
						}
					}
					events, err := sourceEvents(canvas, a["id"])
					if err != nil {
						return err
					}
					// Accepted events are pending until a stage takes them.
					if len(events) != 2 || events[0].State != api.EventStateRejected || events[1].State == api.EventStateRejected ||
						payload(events[1])["ref"] != "refs/heads/main" || events[1].Type != "webhook" {
						return fmt.Errorf("events = %+v", events)
					}
					lastEventID = events[0].ID
					return nil
				},
			},
			// A refresh shows the newest event in status.
			{
				RefreshState: true,
				Check: func(s *terraform.State) error {
					return tfresource.TestCheckResourceAttr(sourceAddr, "status.last_event_id", lastEventID)(s)
				},
			},
			// The key cannot be imported; everything else can.
			{
				ResourceName:            sourceAddr,
				ImportState:             true,
				ImportStateId:           canvas + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"key"},
			},
			{
				ResourceName:  sourceAddr,
				ImportState:   true,
				ImportStateId: name,
				ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*expected "<canvas id or name>/<event source name>"`),
			},
			// A new key_version resets the key: a new key in state, and
			// both keys verify while the old one is in its grace period.
			{
				Config: canvasConfig(canvas) + rotated.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(sourceAddr, tfjsonpath.New("key")),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("webhook_url"), knownvalue.StringRegexp(regexp.MustCompile(`^http`))),
						// A key reset changes nothing in status: it is
						// known in the plan, not "(known after apply)".
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("last_event_id"), knownvalue.StringFunc(func(v string) error {
							if v != lastEventID {
								return fmt.Errorf("planned %q, want the refreshed %q", v, lastEventID)
							}
							return nil
						})),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.Null()),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern)),
					stateValue(sourceAddr, "key_version", knownvalue.Int64Exact(2)),
					keys.AddStateValue(sourceAddr, tfjsonpath.New("key")),
					sameKey.AddStateValue(sourceAddr, tfjsonpath.New("key")),
					sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
					sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
				},
				Check: func(s *terraform.State) error {
					a, err := attrs(s, sourceAddr)
					if err != nil {
						return err
					}
					recordSourceKey(a["key"])
					if a["status.last_event_id"] != lastEventID {
						return fmt.Errorf("status.last_event_id = %q, want %q", a["status.last_event_id"], lastEventID)
					}
					for i, key := range []string{firstKey, a["key"]} {
						body := fmt.Sprintf(`{"ref":"refs/heads/main","after_reset":%d}`, i)
						if code, err := deliver(a["webhook_url"], key, []byte(body)); err != nil || code != 200 {
							return fmt.Errorf("key %d after the reset: status %d (%v)", i, code, err)
						}
					}
					key, err := acc.client.GetEventSource(context.Background(), canvas, name)
					if err != nil {
						return err
					}
					if key.Status.KeyVersion != 2 {
						return fmt.Errorf("server key version = %d", key.Status.KeyVersion)
					}
					return nil
				},
			},
			// Rename, description and filters change in place: same id,
			// same key, same URL.
			{
				Config: canvasConfig(canvas) + edited.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key_version"), knownvalue.Int64Exact(2)),
						// Quiet plan: a webhook source's status (the
						// GitHub-only fields are null) is known and
						// unchanged, only the edited attributes change.
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("webhook_state"), knownvalue.Null()),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("checked_at"), knownvalue.Null()),
						plancheck.ExpectKnownValue(sourceAddr, sourceStatus("last_event_id"), knownvalue.NotNull()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "name", knownvalue.StringExact(renamed)),
					stateValue(sourceAddr, "description", knownvalue.StringExact("deploy hook")),
					statecheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("events"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"type":            knownvalue.StringExact("webhook"),
							"filter_operator": knownvalue.StringExact("or"),
							"filter": knownvalue.ListExact([]knownvalue.Check{
								knownvalue.ObjectExact(map[string]knownvalue.Check{"data": knownvalue.StringExact("$.ref == 'refs/heads/main'"), "header": knownvalue.Null()}),
								knownvalue.ObjectExact(map[string]knownvalue.Check{"data": knownvalue.Null(), "header": knownvalue.StringExact("headers['x-deploy'] == 'yes'")}),
							}),
						}),
					})),
					sameKey.AddStateValue(sourceAddr, tfjsonpath.New("key")),
					sameID.AddStateValue(sourceAddr, tfjsonpath.New("id")),
					sameURL.AddStateValue(sourceAddr, tfjsonpath.New("webhook_url")),
				},
				Check: tfresource.ComposeTestCheckFunc(
					checkSourceGone(canvas, name),
					func(*terraform.State) error {
						es, err := acc.client.GetEventSource(context.Background(), canvas, renamed)
						if err != nil {
							return err
						}
						ev := es.Spec.Events
						if len(ev) != 1 || ev[0].FilterOperator != api.FilterOperatorOr || len(ev[0].Filters) != 2 ||
							ev[0].Filters[1].Type != api.FilterTypeHeader {
							return fmt.Errorf("server events = %+v", ev)
						}
						return nil
					}),
			},
			// A type change replaces the source.
			{
				Config: canvasConfig(canvas) + eventSourceCfg{canvas: "superplane_canvas.test.name", name: renamed, typ: "manual"}.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("key"), knownvalue.Null()),
						plancheck.ExpectKnownValue(sourceAddr, tfjsonpath.New("webhook_url"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateValue(sourceAddr, "key", knownvalue.Null()),
					stateValue(sourceAddr, "webhook_url", knownvalue.Null()),
				},
			},
		},
	})
}

// payload is e's payload decoded, as the tests read it before the API
// passed payloads through as stored (nil if it does not decode).
func payload(e api.Event) map[string]any {
	m, _ := e.RawObject()
	return m
}
