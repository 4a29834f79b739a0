# Quickstart: a canvas with a secret of its own, and an organization secret.
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
