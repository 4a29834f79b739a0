# Returns the settings, the secret and key the token is read from (never the
# token), and the result of the last verification.
data "superplane_integration" "github" {
  name = "github"
}

data "superplane_integration" "semaphore" {
  canvas = "production"
  name   = "semaphore"
}

output "github_status" {
  value = data.superplane_integration.github.status.state
}
