package provider

import (
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccStageImportEmptyList pins what an import block does with a list
// where [] and null say the same (stage_empty_lists.go). SuperPlane answers
// both as [], so an import reads the list as null, the form of the list
// left out: imported into a configuration that leaves week_days out, the
// plan is empty; into one that writes week_days = [], the plan updates
// week_days from null to [] (sending the stage as it is). The provider
// cannot hide that one update: an import sees no configuration, and the
// plan that first does must plan a non-computed attribute as configured
// ([]), which Terraform compares with the imported null.
func TestAccStageImportEmptyList(t *testing.T) {
	canvas, stage := randName("acc-imp-empty"), randName("acc-imp-empty-stage")
	addr := "superplane_stage.test"
	days := tfjsonpath.New("time_window").AtSliceIndex(0).AtMapKey("week_days")
	leftOut := windowStageConfig(canvas, stage, "08:00", "17:00", "")
	empty := windowStageConfig(canvas, stage, "08:00", "17:00", "[]")
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, stage),
		Steps: []tfresource.TestStep{
			{Config: leftOut},
			{
				Config:          leftOut,
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: tfresource.ImportBlockWithID,
				ImportStateId:   canvas + "/" + stage,
				ImportPlanChecks: tfresource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(addr, days, knownvalue.Null()),
					},
				},
			},
			{
				Config: empty,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{Config: empty, ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				Config:             empty,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateKind:    tfresource.ImportBlockWithID,
				ImportStateId:      canvas + "/" + stage,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: tfresource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, days, knownvalue.ListSizeExact(0)),
					},
				},
			},
		},
	})
}
