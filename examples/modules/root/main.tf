# One canvas and a service per entry of var.services, each built by the
# module in ../service. Adding an entry adds a service's source, stages and
# secret; removing one removes them; editing one updates only its objects.
#
#   export SUPERPLANE_API_URL=http://127.0.0.1:8000
#   export SUPERPLANE_API_TOKEN=...   # superplane-server token create ...
#   export TF_VAR_deploy_tokens='{"api":"...","web":"..."}'
#   terraform init && terraform apply
#
# Without the provider on the public registry, install it locally first
# (README: "Installing the provider locally").
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

variable "canvas" {
  description = "Name of the canvas the services share."
  type        = string
  default     = "platform"
}

variable "services" {
  description = "The services, by name: what each one's module instance is given."
  type = map(object({
    description     = optional(string, "")
    branch          = optional(string, "main")
    deploy_url      = string
    secrets_version = optional(number, 1)
    dry_run         = optional(bool, false)
  }))
  default = {
    api = {
      description = "The public API"
      deploy_url  = "https://deploy.example.com/api"
    }
    web = {
      description = "The web front end"
      branch      = "release"
      deploy_url  = "https://deploy.example.com/web"
    }
  }

  validation {
    condition     = alltrue([for name in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,39}$", name))])
    error_message = "Each service name must be 1 to 40 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "deploy_tokens" {
  description = "Each service's deploy token, by service name. Write-only: never in the plan or the state."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

resource "superplane_canvas" "platform" {
  name        = var.canvas
  description = "Services composed from examples/modules/service"
}

module "service" {
  source   = "../service"
  for_each = var.services

  canvas          = superplane_canvas.platform.name
  name            = each.key
  description     = each.value.description
  branch          = each.value.branch
  deploy_url      = each.value.deploy_url
  deploy_token    = var.deploy_tokens[each.key]
  secrets_version = each.value.secrets_version
  dry_run         = each.value.dry_run
}

output "webhook_urls" {
  description = "Where CI posts each service's pushes."
  value       = { for name, svc in module.service : name => svc.webhook_url }
}

output "stages" {
  description = "Each service's stage chain."
  value       = { for name, svc in module.service : name => svc.stages }
}
