resource "superplane_canvas" "production" {
  name        = "production"
  description = "Deployments to production"
}
