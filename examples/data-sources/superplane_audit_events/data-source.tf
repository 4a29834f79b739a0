# Who changed anything in the production canvas this year, newest first.
# Needs a token with role owner or admin.
data "superplane_audit_events" "production" {
  canvas = "production"
  since  = "2026-01-01T00:00:00Z"
  limit  = 100
}

output "production_changes" {
  value = [for e in data.superplane_audit_events.production.audit_events : "${e.at} ${e.actor_email} ${e.action} ${e.object_type} ${e.object_name} (${e.outcome})"]
}

# Every refused change (a viewer's write, a role that may not) in the trail.
data "superplane_audit_events" "denied" {
  outcome = "denied"
}
