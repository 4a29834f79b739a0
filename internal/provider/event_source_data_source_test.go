package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestAccEventSourceDataSource(t *testing.T) {
	t.Parallel()
	canvas := randName("acc-es-ds")
	hook, gh, nightly := randName("acc-es-ds-hook"), randName("acc-es-ds-gh"), randName("acc-es-ds-nightly")
	integration, secret := randName("acc-es-ds-int"), randName("acc-es-ds-token")
	repo := newFakeRepo("acc-es-ds")
	tok := newToolToken()
	cv := "superplane_canvas.test.name"
	config := canvasConfig(canvas) + githubConfig(integration, secret, tok, 1, "true") +
		eventSourceCfg{label: "hook", canvas: cv, name: hook, typ: "webhook", description: "from CI",
			events: []eventCfg{{typ: "webhook", op: "or", data: []string{"$.ok"}, header: []string{"headers['x-a'] == 'b'"}}}}.String() +
		eventSourceCfg{label: "gh", canvas: cv, name: gh, typ: "github", integration: "superplane_integration.gh.name",
			resource: fmt.Sprintf("name = %q", repo), events: []eventCfg{{typ: "push"}}}.String() +
		eventSourceCfg{label: "nightly", canvas: cv, name: nightly, typ: "scheduled", schedule: "type = \"daily\"\n    time = \"02:30\""}.String() + `
data "superplane_event_source" "hook" {
  canvas = superplane_event_source.hook.canvas
  name   = superplane_event_source.hook.name
}

data "superplane_event_source" "gh" {
  canvas = superplane_event_source.gh.canvas
  name   = superplane_event_source.gh.name
}

data "superplane_event_source" "nightly" {
  canvas = superplane_event_source.nightly.canvas
  name   = superplane_event_source.nightly.name
}
`
	pair := func(label, attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs("superplane_event_source."+label, tfjsonpath.New(attr),
			"data.superplane_event_source."+label, tfjsonpath.New(attr), compare.ValuesSame())
	}
	var checks []statecheck.StateCheck
	for _, label := range []string{"hook", "gh", "nightly"} {
		for _, attr := range []string{"id", "canvas", "name", "description", "type", "integration", "resource", "events",
			"schedule", "webhook_url", "key_version", "created_at"} {
			checks = append(checks, pair(label, attr))
		}
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.superplane_event_source.hook", tfjsonpath.New("description"), knownvalue.StringExact("from CI")),
		statecheck.ExpectKnownValue("data.superplane_event_source.gh", sourceStatus("webhook_state"), knownvalue.StringExact("ready")),
		statecheck.ExpectKnownValue("data.superplane_event_source.nightly", tfjsonpath.New("schedule").AtMapKey("time"), knownvalue.StringExact("02:30")),
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
				Check: resource.ComposeTestCheckFunc(
					recordKey("superplane_event_source.hook"),
					oneHook(repo, "superplane_event_source.gh", "push"),
					// The data source has no key at all.
					func(s *terraform.State) error {
						a, err := attrs(s, "data.superplane_event_source.hook")
						if err != nil {
							return err
						}
						if _, ok := a["key"]; ok {
							return fmt.Errorf("the data source has a key attribute")
						}
						return nil
					}),
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
				Config: canvasConfig(canvas) + `
data "superplane_event_source" "missing" {
  canvas = superplane_canvas.test.name
  name   = "acc-no-such-source"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Error reading event source.*not\s+found`),
			},
		},
	})
}
