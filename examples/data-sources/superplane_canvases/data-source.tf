# Every canvas of the organization, sorted by name.
data "superplane_canvases" "all" {}

output "canvas_names" {
  value = [for c in data.superplane_canvases.all.canvases : c.name]
}
