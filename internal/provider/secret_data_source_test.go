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
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestAccSecretDataSource(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-secret-ds")
	name := randName("acc-secret-ds")
	v, w := secretValue(), writeOnlyValue()
	config := fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "org" {
  name            = %[2]q
  data_wo         = { token = %[4]q }
  data_wo_version = 1
}

resource "superplane_secret" "canvas" {
  canvas = superplane_canvas.test.name
  name   = %[2]q
  data   = { user = %[3]q, password = %[3]q }
}

data "superplane_secret" "org" {
  name = superplane_secret.org.name
}

data "superplane_secret" "canvas" {
  canvas = superplane_secret.canvas.canvas
  name   = superplane_secret.canvas.name
}
`, canvas, name, v, w)
	pair := func(res, ds, attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(res, tfjsonpath.New(attr), ds, tfjsonpath.New(attr), compare.ValuesSame())
	}
	var checks []statecheck.StateCheck
	for _, attr := range []string{"id", "name", "keys", "version", "created_at"} {
		checks = append(checks,
			pair("superplane_secret.org", "data.superplane_secret.org", attr),
			pair("superplane_secret.canvas", "data.superplane_secret.canvas", attr))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.superplane_secret.canvas", tfjsonpath.New("keys"), keysExact("password", "user")),
		statecheck.ExpectKnownValue("data.superplane_secret.org", tfjsonpath.New("version"), knownvalue.Int64Exact(1)),
		statecheck.ExpectKnownValue("data.superplane_secret.org", tfjsonpath.New("canvas"), knownvalue.Null()),
	)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: checks,
				Check:             checkNoWriteOnlyValues("superplane_secret.org", w),
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
data "superplane_secret" "missing" {
  name = "acc-no-such-secret"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error reading secret.*not\s+found`),
			},
		},
	})
}
