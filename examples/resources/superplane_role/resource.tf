resource "superplane_canvas" "prod" {
  name = "prod"
}

# A release manager on prod: reads stages and their queues, and approves
# or discards what waits for approval. Nothing else.
resource "superplane_role" "release_manager" {
  name         = "release-manager"
  canvas_id    = superplane_canvas.prod.id
  display_name = "Release manager"
  permissions = [
    { resource = "stage", action = "read" },
    { resource = "stageevent", action = "read" },
    { resource = "stageevent", action = "approve" },
  ]
}

# An organization role: reads every canvas's secrets (names only: values
# are never read back) and the audit trail.
resource "superplane_role" "auditor" {
  name = "auditor"
  permissions = [
    { resource = "canvas", action = "read" },
    { resource = "secret", action = "read" },
    { resource = "auditevent", action = "read" },
  ]
}
