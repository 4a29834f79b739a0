# Where people of the organization sign in with GitHub.
data "superplane_auth_provider" "github" {
  name = "github"
}

output "github_sign_in_path" {
  value = "/sign-in/acme/${data.superplane_auth_provider.github.name}"
}
