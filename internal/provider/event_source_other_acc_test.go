package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

func testAccEventSourceExistingSource(t *testing.T) {
	// A create that reached the server but not the state (an
	// interrupted apply): the next apply is refused with the import
	// command, nothing is duplicated, and the import converges.
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-gh")
	integration, secret := randName("acc-es-int"), randName("acc-es-token")
	repo := newFakeRepo("acc-es-existing")
	tok := newToolToken()
	prereq := canvasConfig(canvas) + githubConfig(integration, secret, tok, 1, "true")
	cfg := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
		integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", repo),
		events: []eventCfg{{typ: "push"}}}
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: checkHooks(repo, func(h []github.Hook) error {
			if len(h) != 0 {
				return fmt.Errorf("%d hooks left on GitHub", len(h))
			}
			return nil
		}),
		Steps: []tfresource.TestStep{
			{Config: prereq},
			{
				PreConfig: func() {
					// By another user: an object of our own user and no
					// state would be adopted as an interrupted apply's orphan.
					_, _, err := acc.colleague.CreateEventSource(accContext(t), canvas, client.EventSourceParams{Name: name, Spec: api.EventSourceSpec{
						Type: "github", Integration: &api.IntegrationRef{Name: integration}, Resource: &api.ResourceRef{Name: repo},
						Events: []api.EventSourceEventType{{Type: "push"}},
					}})
					if err != nil {
						t.Fatalf("creating the source outside Terraform: %v", err)
					}
				},
				Config:      prereq + cfg.String(),
				ExpectError: wordsRegexp(fmt.Sprintf(`Error creating event source.*409.*terraform import <address> %s/%s`, regexp.QuoteMeta(canvas), regexp.QuoteMeta(name))),
			},
			{
				Config:             prereq + cfg.String(),
				ResourceName:       sourceAddr,
				ImportState:        true,
				ImportStateId:      canvas + "/" + name,
				ImportStatePersist: true,
			},
			{
				Config: prereq + cfg.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: oneHook(repo, sourceAddr, "push"),
			},
		},
	})
}

func testAccEventSourceScheduledAndManual(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	hourly, nightly, weekly, button := randName("acc-es-hourly"), randName("acc-es-nightly"), randName("acc-es-weekly"), randName("acc-es-button")
	cv := "superplane_canvas.test.name"
	sources := func(weeklySchedule string) string {
		return canvasConfig(canvas) +
			eventSourceCfg{label: "hourly", canvas: cv, name: hourly, typ: "scheduled", schedule: "type = \"hourly\"\n    minute = 0"}.String() +
			eventSourceCfg{label: "nightly", canvas: cv, name: nightly, typ: "scheduled", schedule: "type = \"daily\"\n    time = \"02:30\""}.String() +
			eventSourceCfg{label: "weekly", canvas: cv, name: weekly, typ: "scheduled", schedule: weeklySchedule}.String() +
			eventSourceCfg{label: "button", canvas: cv, name: button, typ: "manual", description: "deploys by hand"}.String()
	}
	schedule := func(label string, vals map[string]knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("superplane_event_source."+label, tfjsonpath.New("schedule"), knownvalue.ObjectExact(vals))
	}
	importStep := func(label, name string) tfresource.TestStep {
		return tfresource.TestStep{
			ResourceName:            "superplane_event_source." + label,
			ImportState:             true,
			ImportStateId:           canvas + "/" + name,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"key"},
		}
	}
	var eventID string
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tfresource.ComposeTestCheckFunc(checkCanvasesGone(canvas)),
		Steps: []tfresource.TestStep{
			{
				Config: sources("type = \"weekly\"\n    week_day = \"friday\"\n    time = \"17:00\""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					schedule("hourly", map[string]knownvalue.Check{"type": knownvalue.StringExact("hourly"), "minute": knownvalue.Int64Exact(0), "time": knownvalue.Null(), "week_day": knownvalue.Null()}),
					schedule("nightly", map[string]knownvalue.Check{"type": knownvalue.StringExact("daily"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("02:30"), "week_day": knownvalue.Null()}),
					schedule("weekly", map[string]knownvalue.Check{"type": knownvalue.StringExact("weekly"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("17:00"), "week_day": knownvalue.StringExact("friday")}),
					stateValue("superplane_event_source.hourly", "key", knownvalue.Null()),
					stateValue("superplane_event_source.hourly", "webhook_url", knownvalue.Null()),
					stateValue("superplane_event_source.button", "key", knownvalue.Null()),
					stateValue("superplane_event_source.button", "webhook_url", knownvalue.Null()),
					stateValue("superplane_event_source.button", "schedule", knownvalue.Null()),
					stateValue("superplane_event_source.button", "events", knownvalue.ListExact([]knownvalue.Check{})),
				},
				Check: func(*terraform.State) error {
					es, err := acc.client.GetEventSource(context.Background(), canvas, weekly)
					if err != nil {
						return err
					}
					if sc := es.Spec.Schedule; sc == nil || sc.Type != api.ScheduleTypeWeekly || sc.Weekly == nil || sc.Weekly.WeekDay != "WEEK_DAY_FRIDAY" {
						return fmt.Errorf("server schedule = %+v", es.Spec.Schedule)
					}
					return nil
				},
			},
			importStep("hourly", hourly),
			importStep("nightly", nightly),
			importStep("weekly", weekly),
			importStep("button", button),
			// An event posted by hand shows in the manual source's status.
			{
				PreConfig: func() {
					ev, err := acc.client.CreateEvent(accContext(t), canvas, button, "deploy", map[string]any{"version": "1.2.3"})
					if err != nil {
						t.Fatalf("posting an event: %v", err)
					}
					eventID = ev.ID
				},
				RefreshState: true,
				Check: func(s *terraform.State) error {
					a, err := attrs(s, "superplane_event_source.button")
					if err != nil {
						return err
					}
					if a["status.last_event_id"] != eventID || !rfc3339.MatchString(a["status.last_event_at"]) {
						return fmt.Errorf("status = %s at %s, want %s", a["status.last_event_id"], a["status.last_event_at"], eventID)
					}
					return nil
				},
			},
			// The schedule changes in place.
			{
				Config: sources("type = \"daily\"\n    time = \"06:00\""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("superplane_event_source.weekly", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("superplane_event_source.hourly", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					schedule("weekly", map[string]knownvalue.Check{"type": knownvalue.StringExact("daily"), "minute": knownvalue.Null(), "time": knownvalue.StringExact("06:00"), "week_day": knownvalue.Null()}),
				},
			},
		},
	})
}

func testAccEventSourceDeletedOutsideTerraform(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-hook")
	cfg := canvasConfig(canvas) + eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "webhook"}.String()
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []tfresource.TestStep{
			{Config: cfg, Check: recordKey(sourceAddr)},
			{
				PreConfig: func() {
					if err := acc.client.DeleteEventSource(accContext(t), canvas, name, false); err != nil {
						t.Fatalf("deleting the source outside Terraform: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateValue(sourceAddr, "key", knownvalue.StringRegexp(keyPattern))},
				Check:             recordKey(sourceAddr),
			},
			// A key reset outside Terraform is reported on refresh.
			{
				PreConfig: func() {
					_, key, err := acc.client.ResetEventSourceKey(accContext(t), canvas, name)
					if err != nil {
						t.Fatalf("resetting the key outside Terraform: %v", err)
					}
					recordSourceKey(key)
				},
				Config: cfg,
				// A warning, not a new reset: whoever reset it may be
				// using the new key.
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func testAccEventSourceInvalidConfig(t *testing.T) {
	t.Parallel()
	ok := eventSourceCfg{canvas: `"c"`, name: "src", typ: "github", integration: `"gh"`, resource: `name = "app"`}
	with := func(f func(c *eventSourceCfg)) string {
		c := ok
		f(&c)
		return c.String()
	}
	step := func(config, want string) tfresource.TestStep {
		return tfresource.TestStep{Config: config, PlanOnly: true, ExpectError: wordsRegexp(want)}
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			step(with(func(c *eventSourceCfg) { c.integration = "" }),
				`Missing integration.*A github event source needs integration`),
			step(with(func(c *eventSourceCfg) { c.resource = "" }),
				`Missing resource block.*needs a resource block naming the repository`),
			step(with(func(c *eventSourceCfg) { c.resource = `type = "project"` + "\n    name = \"app\"" }),
				`Wrong resource type.*watches a repository, not a project`),
			step(with(func(c *eventSourceCfg) {
				c.typ, c.integration, c.resource, c.schedule = "webhook", "", "", `type = "daily"`+"\n    time = \"10:00\""
			}),
				`Schedule block not used.*Only scheduled event sources have a schedule`),
			step(with(func(c *eventSourceCfg) { c.typ, c.resource = "webhook", "" }),
				`Integration not used.*A webhook event source has no integration`),
			step(with(func(c *eventSourceCfg) { c.typ, c.integration = "manual", "" }),
				`Resource block not used.*A manual event source watches no repository`),
			step(with(func(c *eventSourceCfg) { c.resource = `type = "repository"` }),
				`Missing resource name`),
			step(with(func(c *eventSourceCfg) {
				c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `minute = 5`
			}),
				`Missing schedule type`),
			step(with(func(c *eventSourceCfg) { c.typ, c.integration, c.resource = "scheduled", "", "" }),
				`Missing schedule block`),
			step(with(func(c *eventSourceCfg) { c.typ = "carrier-pigeon" }),
				`Attribute type value must be one of`),
			step(with(func(c *eventSourceCfg) {
				c.events = []eventCfg{{typ: "push"}, {typ: "push"}}
			}), `Repeated event type.*"push" has more than one events block`),
			step(strings.Replace(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", data: []string{"true"}}} }),
				`data = "true"`, `data = "true"`+"\n      header = \"true\"", 1),
				`Invalid filter.*exactly one of data.*and header`),
			step(strings.Replace(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", data: []string{"true"}}} }),
				`data = "true"`, "", 1),
				`Invalid filter`),
			step(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push", op: "xor"}} }),
				`filter_operator value must be one of`),
			step(with(func(c *eventSourceCfg) { c.events = []eventCfg{{typ: "push event"}} }),
				`must be 1 to 128 letters, digits`),
			step(with(func(c *eventSourceCfg) {
				c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "hourly"`+"\n    time = \"10:00\""
			}), `Missing schedule field.*A hourly schedule needs minute.*Schedule field not used.*no time`),
			step(with(func(c *eventSourceCfg) {
				c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "weekly"`+"\n    week_day = \"funday\"\n    time = \"25:00\""
			}), `week_day value must be one of.*time must be HH:MM`),
			step(with(func(c *eventSourceCfg) {
				c.typ, c.integration, c.resource, c.schedule = "scheduled", "", "", `type = "hourly"`+"\n    minute = 60"
			}), `minute value must be between 0 and 59`),
		},
	})
}

func testAccEventSourceServerRefuses(t *testing.T) {
	// What only the server can check fails the apply naming the field,
	// and nothing is created.
	t.Parallel()
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-bad")
	cv := "superplane_canvas.test.name"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []tfresource.TestStep{
			{
				Config: canvasConfig(canvas) + eventSourceCfg{canvas: cv, name: name, typ: "webhook",
					events: []eventCfg{{typ: "webhook", data: []string{"$.ref =="}}}}.String(),
				ExpectError: wordsRegexp(`Error creating event source.*400.*eventSource.spec.events\[0\].filters\[0\].data.expression`),
			},
			{
				Config: canvasConfig(canvas) + eventSourceCfg{canvas: cv, name: name, typ: "github",
					integration: `"acc-no-such-integration"`, resource: `name = "app"`}.String(),
				ExpectError: wordsRegexp(`Error creating event source.*404.*integration "acc-no-such-integration" not found`),
				Check:       checkSourceGone(canvas, name),
			},
			{
				Config: canvasConfig(canvas),
				Check:  checkSourceGone(canvas, name),
			},
		},
	})
}
