package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// sharedListsConfig is a canvas with three secrets, two webhook sources
// and a stage connected to each: enough objects of each type that their
// refreshes share a list.
func sharedListsConfig(canvas string, values [3]string) string {
	return fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "s" {
  count  = 3
  canvas = superplane_canvas.test.name
  name   = "s-${count.index}"
  data   = { v = [%[2]q, %[3]q, %[4]q][count.index] }
}

resource "superplane_event_source" "src" {
  count  = 2
  canvas = superplane_canvas.test.name
  name   = "src-${count.index}"
  type   = "webhook"
}

resource "superplane_stage" "st" {
  count  = 2
  canvas = superplane_canvas.test.name
  name   = "st-${count.index}"

  connect {
    type = "event_source"
    name = superplane_event_source.src[count.index].name
  }

  noop {}
}
`, canvas, values[0], values[1], values[2])
}

// TestAccSharedListsSeeChangesOutside: the provider refreshes secrets,
// webhook sources and stages from one list per type and canvas (see
// internal/client's listreads.go). A stage and a source changed outside
// Terraform show in the next plan as updates, a secret and a stage deleted
// outside as creates; everything else stays as it was; applying makes
// the plan empty again.
func TestAccSharedListsSeeChangesOutside(t *testing.T) {
	// A handful of objects a scope: list at the first read, not after the
	// default eight GETs, so the refreshes here do come from the lists.
	t.Setenv(EnvSharedListsAfter, "0")
	canvas := randName("tf-lists")
	values := [3]string{secretValue(), secretValue(), secretValue()}
	cfg := sharedListsConfig(canvas, values)
	stage := func(i int) string { return fmt.Sprintf("superplane_stage.st[%d]", i) }
	source := func(i int) string { return fmt.Sprintf("superplane_event_source.src[%d]", i) }
	secret := func(i int) string { return fmt.Sprintf("superplane_secret.s[%d]", i) }

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
				// Changed outside: stage 0's and source 1's descriptions;
				// deleted outside: secret 1.
				PreConfig: func() {
					ctx := accContext(t)
					st, err := acc.client.GetStage(ctx, canvas, "st-0")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := acc.client.UpdateStage(ctx, canvas, "st-0", client.StageParams{
						Name: "st-0", Description: "changed outside", Spec: *st.Spec}); err != nil {
						t.Fatal(err)
					}
					es, err := acc.client.GetEventSource(ctx, canvas, "src-1")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := acc.client.UpdateEventSource(ctx, canvas, "src-1", client.EventSourceParams{
						Name: "src-1", Description: "changed outside", Spec: *es.Spec}); err != nil {
						t.Fatal(err)
					}
					if err := acc.client.DeleteSecret(ctx, api.DomainTypeCanvas, canvas, "s-1"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(stage(0), plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(stage(0), tfjsonpath.New("description"), knownvalue.StringExact("")),
						plancheck.ExpectResourceAction(source(1), plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(secret(1), plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(stage(1), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(source(0), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(secret(0), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(secret(2), plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Deleted outside: stage 1 (nothing connects to it).
				PreConfig: func() {
					if err := acc.client.DeleteStage(accContext(t), canvas, "st-1"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(stage(1), plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(stage(0), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(secret(1), plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
