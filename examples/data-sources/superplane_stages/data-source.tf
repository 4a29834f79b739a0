# The stages of a canvas, sorted by name, with how many events wait in each.
data "superplane_stages" "production" {
  canvas = "production"
}

output "queues" {
  value = { for s in data.superplane_stages.production.stages : s.name => s.queue_length }
}
