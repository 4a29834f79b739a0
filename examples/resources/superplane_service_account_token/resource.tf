resource "superplane_service_account" "ci" {
  name = "ci"
  role = "admin"
}

# A 90-day token, replaced by a new one when a plan runs within 14 days of
# its expiry, or whenever the rotation keeper changes. The value is in the
# state (sensitive): hand it to the CI system in the same apply.
resource "superplane_service_account_token" "ci" {
  service_account = superplane_service_account.ci.id
  name            = "github-actions"
  expires_in      = "2160h"
  rotate_before   = "336h"

  keepers = {
    rotation = "2026-q4"
  }
}

output "ci_token" {
  value     = superplane_service_account_token.ci.value
  sensitive = true
}
