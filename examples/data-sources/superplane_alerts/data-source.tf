# Open alerts of a canvas: errors on SuperPlane's side that kept a stage's
# execution from running (a missing secret, an expression error, an
# executor spec that does not render, an integration that cannot be used).
data "superplane_alerts" "production" {
  canvas = "production"
}

# Only those about one stage, acknowledged ones included.
data "superplane_alerts" "deploy" {
  canvas               = "production"
  stage                = "deploy"
  include_acknowledged = true
}

output "open_alerts" {
  value = [for a in data.superplane_alerts.production.alerts : "${a.stage} ${a.kind} (x${a.count}): ${a.message}"]
}
