resource "superplane_canvas" "prod" {
  name = "prod"
}

# The platform team manages prod: its secrets, integrations, sources,
# stages and members (canvas_admin cannot delete the canvas).
resource "superplane_group" "platform" {
  name         = "platform"
  canvas_id    = superplane_canvas.prod.id
  role         = "canvas_admin"
  display_name = "Platform team"
  members      = ["ada@example.com", "grace@example.com"]
}

# Everyone in support reads every canvas.
resource "superplane_group" "support" {
  name    = "support"
  role    = "org_viewer"
  members = ["linus@example.com"]
}
