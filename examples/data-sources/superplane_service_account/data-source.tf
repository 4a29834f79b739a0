data "superplane_service_account" "ci" {
  name = "ci"
}

# Tokens that expire within the next 30 days.
output "ci_tokens_expiring_soon" {
  value = [
    for t in data.superplane_service_account.ci.tokens : t.name
    if timecmp(t.expires_at, timeadd(plantimestamp(), "720h")) < 0
  ]
}
