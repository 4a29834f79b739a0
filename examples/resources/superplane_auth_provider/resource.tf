# Sign in with GitHub: an OAuth app whose callback URL is
# https://superplane.example.com/sign-in/callback. Only verified emails of
# example.com that are members of the acme GitHub organization get in, as
# viewers. The client secret is write-only: it never enters the state.
variable "github_client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "superplane_auth_provider" "github" {
  name                     = "github"
  type                     = "github"
  client_id                = "Ov23liExampleClientId"
  client_secret_wo         = var.github_client_secret
  client_secret_wo_version = 1
  allowed_organization     = "acme"
  allowed_email_domains    = ["example.com"]
}

# Microsoft Entra ID, restricted to one tenant; the client secret is a key
# of an organization secret. Its people are admins.
resource "superplane_auth_provider" "microsoft" {
  name               = "microsoft"
  type               = "entra"
  display_name       = "Acme Microsoft account"
  client_id          = "0b7e3f0a-3f5c-4b8e-9d7e-5a1c2e3f4a5b"
  client_secret_name = "sso"
  client_secret_key  = "entra"
  tenant             = "8f3c2a1e-5b6d-4c7e-9f00-1a2b3c4d5e6f"
  default_role       = "admin"
}

# Google Workspace accounts of example.com.
resource "superplane_auth_provider" "google" {
  name               = "google"
  type               = "google"
  client_id          = "123456789012-example.apps.googleusercontent.com"
  client_secret_name = "sso"
  client_secret_key  = "google"
  hosted_domain      = "example.com"
}

# Backstage user identity tokens, verified against Backstage's key set.
resource "superplane_auth_provider" "backstage" {
  name = "backstage"
  type = "backstage"
  url  = "https://backstage.example.com"
}

# Read-only guest sessions (only when superplane-server runs with
# --allow-guest-sign-in).
resource "superplane_auth_provider" "guest" {
  name = "visitors"
  type = "guest"
}
