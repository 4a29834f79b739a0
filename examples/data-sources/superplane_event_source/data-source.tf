# Returns the settings, webhook URL and status of an event source (never its
# signing key).
data "superplane_event_source" "app" {
  canvas = "production"
  name   = "app"
}

output "app_webhook_state" {
  value = data.superplane_event_source.app.status.webhook_state
}
