package provider

import (
	"fmt"
	"regexp"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccAuditEventsDataSource: the canvas and the canvas secret Terraform
// created are in the trail, each once, named, with the token that made
// them and no value; filters narrow it; a since that is not a time is
// refused at plan time, naming the attribute.
func TestAccAuditEventsDataSource(t *testing.T) {
	canvas := randName("acc-audit")
	value := secretValue()
	config := fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_secret" "db" {
  canvas = superplane_canvas.test.name
  name   = "db"
  data = {
    password = %[2]q
  }
}
`, canvas, value)
	const sources = `
data "superplane_audit_events" "canvas" {
  canvas     = superplane_canvas.test.id
  depends_on = [superplane_secret.db]
}

data "superplane_audit_events" "secret" {
  canvas      = superplane_canvas.test.name
  object_type = "secret"
  action      = "create"
  outcome     = "succeeded"
  limit       = 5
}
`
	ds, sec := "data.superplane_audit_events.canvas", "data.superplane_audit_events.secret"
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: `
data "superplane_audit_events" "bad" {
  since = "yesterday"
}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`since must be an RFC 3339 time`),
			},
			{Config: config},
			{
				Config: config + sources,
				Check: tfresource.ComposeAggregateTestCheckFunc(
					// Newest first: the secret's creation, then the canvas's.
					tfresource.TestCheckResourceAttr(ds, "audit_events.#", "2"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.0.action", "create"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.0.object_type", "secret"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.0.object_name", "db"),
					tfresource.TestCheckResourceAttrPair(ds, "audit_events.0.object_id", "superplane_secret.db", "id"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.0.canvas_name", canvas),
					tfresource.TestCheckResourceAttr(ds, "audit_events.1.object_type", "canvas"),
					tfresource.TestCheckResourceAttrPair(ds, "audit_events.1.object_id", "superplane_canvas.test", "id"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.1.outcome", "succeeded"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.1.status", "200"),
					tfresource.TestCheckResourceAttr(ds, "audit_events.1.actor_type", "user"),
					tfresource.TestMatchResourceAttr(ds, "audit_events.1.actor_email", regexp.MustCompile(`@`)),
					tfresource.TestMatchResourceAttr(ds, "audit_events.1.token_id", regexp.MustCompile(`^[0-9a-f-]{36}$`)),
					tfresource.TestMatchResourceAttr(ds, "audit_events.1.user_agent", regexp.MustCompile(`(?i)terraform`)),
					tfresource.TestCheckResourceAttr(ds, "audit_events.1.route", "POST /api/v1/canvases"),
					tfresource.TestCheckResourceAttr(sec, "audit_events.#", "1"),
					tfresource.TestCheckResourceAttr(sec, "audit_events.0.object_name", "db"),
				),
			},
		},
	})
}
