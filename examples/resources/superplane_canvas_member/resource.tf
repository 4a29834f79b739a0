resource "superplane_canvas" "staging" {
  name = "staging"
}

# A contractor sees staging (and no other canvas) and reads it.
resource "superplane_canvas_member" "contractor" {
  canvas_id  = superplane_canvas.staging.id
  user_email = "contractor@example.com"
  role       = "canvas_viewer"
}
