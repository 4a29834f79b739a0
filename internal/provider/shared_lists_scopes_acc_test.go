package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// sharedGroupsConfig is two canvases and, in the first, two webhook
// sources and two connection groups joining them.
func sharedGroupsConfig(canvas string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "c" {
  count = 2
  name  = "%[1]s-${count.index}"
}

resource "superplane_event_source" "src" {
  count  = 2
  canvas = superplane_canvas.c[0].name
  name   = "src-${count.index}"
  type   = "webhook"
}

resource "superplane_connection_group" "g" {
  count  = 2
  canvas = superplane_canvas.c[0].name
  name   = "g-${count.index}"

  connect {
    type = "event_source"
    name = superplane_event_source.src[0].name
  }

  connect {
    type = "event_source"
    name = superplane_event_source.src[1].name
  }

  group_by {
    name       = "version"
    expression = "$.version"
  }
}
`, canvas)
}

// TestAccSharedListsOfGroupsAndCanvases: connection groups and canvases
// refresh from one list per scope (internal/client's
// listreads_scopes.go), and a group changed outside Terraform shows as an
// update, a group and a canvas deleted outside as creates.
func TestAccSharedListsOfGroupsAndCanvases(t *testing.T) {
	t.Setenv(EnvSharedListsAfter, "0")
	canvas := randName("tf-lists")
	cfg := sharedGroupsConfig(canvas)
	group := func(i int) string { return fmt.Sprintf("superplane_connection_group.g[%d]", i) }
	cv := func(i int) string { return fmt.Sprintf("superplane_canvas.c[%d]", i) }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Changed outside: group 0's description; deleted outside:
				// group 1 and canvas 1 (empty).
				PreConfig: func() {
					ctx := accContext(t)
					c0 := canvas + "-0"
					g, err := acc.client.GetConnectionGroup(ctx, c0, "g-0")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := acc.client.UpdateConnectionGroup(ctx, c0, "g-0", client.ConnectionGroupParams{
						Name: "g-0", Description: "changed outside", Spec: *g.Spec}); err != nil {
						t.Fatal(err)
					}
					if err := acc.client.DeleteConnectionGroup(ctx, c0, "g-1"); err != nil {
						t.Fatal(err)
					}
					if err := acc.client.DeleteCanvas(ctx, canvas+"-1"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(group(0), plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(group(0), tfjsonpath.New("description"), knownvalue.StringExact("")),
						plancheck.ExpectResourceAction(group(1), plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(cv(1), plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(cv(0), plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
