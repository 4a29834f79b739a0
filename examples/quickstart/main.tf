# Quickstart: a canvas with a secret of its own, an organization secret, and
# a GitHub integration whose token is kept in a secret.
#
#   export SUPERPLANE_API_URL=http://127.0.0.1:8080
#   export SUPERPLANE_API_TOKEN=...   # superplane-server token create ...
#   terraform init && terraform apply
terraform {
  required_version = ">= 1.11"

  required_providers {
    superplane = {
      source = "superplane/superplane"
    }
  }
}

# Settings come from SUPERPLANE_API_URL and SUPERPLANE_API_TOKEN.
provider "superplane" {}

variable "api_key" {
  description = "Value of the organization secret; never stored in the state."
  type        = string
  sensitive   = true
  default     = "change-me"
}

variable "api_key_version" {
  description = "Increment after changing api_key to send the new value."
  type        = number
  default     = 1
}

resource "superplane_canvas" "quickstart" {
  name        = "quickstart"
  description = "Created by the Terraform quickstart"
}

# Write-only: the value goes to SuperPlane and nowhere else.
resource "superplane_secret" "org" {
  name = "quickstart-api"
  data_wo = {
    api_key = var.api_key
  }
  data_wo_version = var.api_key_version
}

# Plaintext data: kept (as sensitive) in the state, so changes are planned.
resource "superplane_secret" "canvas" {
  canvas = superplane_canvas.quickstart.name
  name   = "quickstart-config"
  data = {
    region = "eu-west-1"
    stage  = "demo"
  }
}

variable "github_token" {
  description = "GitHub token of the integration; never stored in the state."
  type        = string
  sensitive   = true
  default     = "not-a-real-token"
}

variable "github_owner_url" {
  description = "The GitHub organization or user the integration connects to."
  type        = string
  default     = "https://github.com/superplanehq"
}

variable "verify_github" {
  description = "Fail the apply when GitHub rejects the token. Set it with a real github_token."
  type        = bool
  default     = false
}

# The integration's token, write-only like the organization secret above.
resource "superplane_secret" "github" {
  name = "quickstart-github"
  data_wo = {
    token = var.github_token
  }
  data_wo_version = 1
}

# SuperPlane verifies the token with GitHub on every change. With the
# placeholder token that fails: verify = false keeps the integration and
# reports why in its status (see the integration_status output).
resource "superplane_integration" "github" {
  name   = "quickstart-github"
  type   = "github"
  url    = var.github_owner_url
  verify = var.verify_github

  auth {
    token {
      secret = superplane_secret.github.name
      key    = "token"
    }
  }
}

output "canvas_id" {
  value = superplane_canvas.quickstart.id
}

output "secret_ids" {
  value = {
    organization = superplane_secret.org.id
    canvas       = superplane_secret.canvas.id
  }
}

output "secret_keys" {
  value = {
    organization = superplane_secret.org.keys
    canvas       = superplane_secret.canvas.keys
  }
}

output "integration_status" {
  value = superplane_integration.github.status
}
