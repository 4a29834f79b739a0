# Every service account of the organization with its tokens (never their
# values): for a review of credentials that expire within a week.
data "superplane_service_accounts" "all" {
  include_tokens = true
}

output "tokens_expiring_within_a_week" {
  value = flatten([
    for s in data.superplane_service_accounts.all.service_accounts : [
      for t in s.tokens : "${s.name}/${t.name}"
      if timecmp(t.expires_at, timeadd(plantimestamp(), "168h")) < 0
    ]
  ])
}
