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

func TestAccIntegrationDataSource(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-int-ds")
	name := randName("acc-int-ds")
	secretName := randName("acc-int-ds-token")
	tok := newToolToken()
	config := fmt.Sprintf("resource \"superplane_canvas\" \"test\" {\n  name = %q\n}\n", canvas) +
		tokenSecretConfig("org", "", secretName, tok, 1) +
		tokenSecretConfig("canvas", "superplane_canvas.test.name", secretName, tok, 1) +
		integrationCfg{label: "org", name: name, description: "organization-wide", typ: "github", url: fakeGitHubURL,
			secret: "superplane_secret.org.name", key: "token"}.String() +
		integrationCfg{label: "canvas", canvas: "superplane_canvas.test.name", name: name, typ: "semaphore",
			url: fakeSemaphoreURL, secret: "superplane_secret.canvas.name", key: "token"}.String() + `
data "superplane_integration" "org" {
  name = superplane_integration.org.name
}

data "superplane_integration" "canvas" {
  canvas = superplane_integration.canvas.canvas
  name   = superplane_integration.canvas.name
}
`
	pair := func(label, attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs("superplane_integration."+label, tfjsonpath.New(attr),
			"data.superplane_integration."+label, tfjsonpath.New(attr), compare.ValuesSame())
	}
	var checks []statecheck.StateCheck
	for _, attr := range []string{"id", "canvas", "name", "description", "type", "url", "auth", "status", "created_at"} {
		checks = append(checks, pair("org", attr), pair("canvas", attr))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.superplane_integration.org", tfjsonpath.New("description"), knownvalue.StringExact("organization-wide")),
		statecheck.ExpectKnownValue("data.superplane_integration.org", statusPath("state"), knownvalue.StringExact("ok")),
		statecheck.ExpectKnownValue("data.superplane_integration.canvas", scopePath, knownvalue.StringExact("canvas")),
		statecheck.ExpectKnownValue("data.superplane_integration.canvas", tfjsonpath.New("type"), knownvalue.StringExact("semaphore")),
	)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: checks,
				Check:             checkNoWriteOnlyValues("superplane_secret.org", tok),
			},
		},
	})

	// A failing lookup, in a case of its own: a failing last step would
	// break the destroy of the resources above.
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
data "superplane_integration" "missing" {
  name = "acc-no-such-integration"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error reading integration.*not\s+found`),
			},
		},
	})
}
