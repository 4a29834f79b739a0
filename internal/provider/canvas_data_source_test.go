package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccCanvasDataSource(t *testing.T) {
	t.Parallel()
	name := randName("acc-canvas-ds")
	config := fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name        = %[1]q
  description = "looked up"
}

data "superplane_canvas" "by_name" {
  name = superplane_canvas.test.name
}

data "superplane_canvas" "by_id" {
  id = superplane_canvas.test.id
}
`, name)
	same := func(attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(
			"superplane_canvas.test", tfjsonpath.New(attr),
			"data.superplane_canvas.by_name", tfjsonpath.New(attr), compare.ValuesSame())
	}
	sameByID := func(attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(
			"superplane_canvas.test", tfjsonpath.New(attr),
			"data.superplane_canvas.by_id", tfjsonpath.New(attr), compare.ValuesSame())
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					same("id"), same("name"), same("description"), same("created_at"),
					sameByID("id"), sameByID("name"), sameByID("description"), sameByID("created_at"),
					statecheck.ExpectKnownValue("data.superplane_canvas.by_name", tfjsonpath.New("description"), knownvalue.StringExact("looked up")),
				},
			},
		},
	})

	// Lookups that fail, in a case of their own: a failing last step would
	// break the destroy of the resources above.
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
data "superplane_canvas" "missing" {
  name = "acc-no-such-canvas"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error reading canvas.*not\s+found`),
			},
			{
				Config: `
data "superplane_canvas" "both" {
  id   = "x"
  name = "y"
}
`,
				ExpectError: regexp.MustCompile(`(?s)2 attributes specified when one \(and only one\) of\s+\[id,name\]`),
			},
		},
	})
}
