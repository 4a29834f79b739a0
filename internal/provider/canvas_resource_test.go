package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// rfc3339 matches created_at values.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// uuidPattern matches server ids.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func testAccCanvasConfig(name, description string) string {
	if description == "" {
		return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}
`, name)
	}
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name        = %[1]q
  description = %[2]q
}
`, name, description)
}

func TestAccCanvasResource(t *testing.T) {
	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-canvas")
		renamed := name + "-renamed"
		sameID := statecheck.CompareValue(compare.ValuesSame())
		newID := statecheck.CompareValue(compare.ValuesDiffer())
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(name, renamed),
			Steps: []resource.TestStep{
				// Create, without a description.
				{
					Config: testAccCanvasConfig(name, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_canvas.test", plancheck.ResourceActionCreate),
							plancheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339)),
						sameID.AddStateValue("superplane_canvas.test", tfjsonpath.New("id")),
						newID.AddStateValue("superplane_canvas.test", tfjsonpath.New("id")),
					},
				},
				// The description changes in place and the id stays.
				{
					Config: testAccCanvasConfig(name, "first description"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_canvas.test", plancheck.ResourceActionUpdate),
							// No "(known after apply)" noise for values that do not change.
							plancheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
							plancheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339)),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("description"), knownvalue.StringExact("first description")),
						sameID.AddStateValue("superplane_canvas.test", tfjsonpath.New("id")),
					},
					Check: checkCanvasDescription(name, "first description"),
				},
				// Import by id, then by name.
				{
					ResourceName:      "superplane_canvas.test",
					ImportState:       true,
					ImportStateVerify: true,
				},
				{
					ResourceName:      "superplane_canvas.test",
					ImportState:       true,
					ImportStateId:     name,
					ImportStateVerify: true,
				},
				// Removing the description sets it back to "".
				{
					Config: testAccCanvasConfig(name, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_canvas.test", plancheck.ResourceActionUpdate),
						},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("description"), knownvalue.StringExact("")),
					},
					Check: checkCanvasDescription(name, ""),
				},
				// A canvas cannot be renamed: a new name replaces it.
				{
					Config: testAccCanvasConfig(renamed, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_canvas.test", plancheck.ResourceActionDestroyBeforeCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("superplane_canvas.test", tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
						newID.AddStateValue("superplane_canvas.test", tfjsonpath.New("id")),
					},
					Check: checkCanvasesGone(name),
				},
			},
		})
	})

	t.Run("DeletedOutsideTerraform", func(t *testing.T) {
		t.Parallel()
		name := randName("acc-canvas")
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkCanvasesGone(name),
			Steps: []resource.TestStep{
				{Config: testAccCanvasConfig(name, "d")},
				{
					PreConfig: func() {
						if err := acc.client.DeleteCanvas(accContext(t), name); err != nil {
							t.Fatalf("deleting the canvas outside Terraform: %v", err)
						}
					},
					Config: testAccCanvasConfig(name, "d"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("superplane_canvas.test", plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: checkCanvasDescription(name, "d"),
				},
			},
		})
	})

	t.Run("InvalidName", func(t *testing.T) {
		t.Parallel()
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { accPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:      testAccCanvasConfig("has space", ""),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Attribute name.*letters, digits`),
				},
				{
					Config:      testAccCanvasConfig("", ""),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Attribute name string length must be between 1 and 128`),
				},
			},
		})
	})
}

// checkCanvasDescription checks the server's copy of the canvas.
func checkCanvasDescription(name, description string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cv, err := acc.client.GetCanvas(context.Background(), name)
		if err != nil {
			return err
		}
		if cv.Metadata.Description != description {
			return fmt.Errorf("server description = %q, want %q", cv.Metadata.Description, description)
		}
		return nil
	}
}

// checkCanvasesGone checks that the server no longer has the named canvases.
func checkCanvasesGone(names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			_, err := acc.client.GetCanvas(context.Background(), n)
			if err == nil {
				return fmt.Errorf("canvas %s still exists", n)
			}
			if !client.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}
