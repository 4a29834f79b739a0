output "webhook_url" {
  description = "Where CI posts the service's pushes."
  value       = superplane_event_source.push.webhook_url
}

output "webhook_key" {
  description = "The key CI signs each push with (HMAC-SHA256, hex). Kept in the state, marked sensitive."
  value       = superplane_event_source.push.key
  sensitive   = true
}

output "stages" {
  description = "The service's stage chain, in order: build, then deploy."
  value       = [superplane_stage.build.name, superplane_stage.deploy.name]
}

output "secret" {
  description = "Name of the service's secret (its values are write-only)."
  value       = superplane_secret.this.name
}

output "secret_version" {
  description = "The server's version of the secret's values; it goes up each time secrets_version sends new ones."
  value       = superplane_secret.this.version
}
