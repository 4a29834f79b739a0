data "superplane_canvas" "production" {
  name = "production"
}

output "production_canvas_id" {
  value = data.superplane_canvas.production.id
}
