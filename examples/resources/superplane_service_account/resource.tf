# A machine identity for CI: its tokens may create and change objects, but
# an admin account cannot manage owners.
resource "superplane_service_account" "ci" {
  name        = "ci"
  description = "GitHub Actions deploys"
  role        = "admin"
}

# A read-only account for dashboards.
resource "superplane_service_account" "dashboards" {
  name = "dashboards"
  role = "viewer"
}
