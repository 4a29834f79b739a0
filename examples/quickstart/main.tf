# Quickstart: a canvas with a secret of its own, an organization secret, a
# GitHub integration whose token is kept in a secret, two event sources (a
# custom webhook and a GitHub repository watched through the integration), and
# a stage that runs for each push announced to the webhook.
#
#   export SUPERPLANE_API_URL=http://127.0.0.1:8000 # where `superplane-server serve` listens by default
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
# reports why in its status (see the integration_status output). `make demo`
# applies this file against a local stand-in for GitHub with a token it
# accepts, so there the status is "ok" and the webhook below is "ready".
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

# A custom webhook: post JSON to its URL, signed with its key
# (X-Signature-256: sha256=<hex HMAC-SHA256 of the body>). The key is kept in
# the state (sensitive); increment webhook_key_version to get a new one.
variable "webhook_key_version" {
  description = "Increment to reset the custom webhook's signing key."
  type        = number
  default     = 1
}

resource "superplane_event_source" "webhook" {
  canvas      = superplane_canvas.quickstart.name
  name        = "quickstart-webhook"
  description = "Deployments announced by CI"
  type        = "webhook"
  key_version = var.webhook_key_version

  events {
    type            = "webhook"
    filter_operator = "or"

    filter {
      data = "$.environment == 'production'"
    }

    # Pushes, which the deploy stage below runs for.
    filter {
      data = "$.ref != nil"
    }
  }
}

variable "github_repository" {
  description = "The repository of github_owner_url whose pushes reach the canvas."
  type        = string
  default     = "superplane"
}

# SuperPlane creates the repository's webhook through the integration. With
# the placeholder token (or no route to GitHub) that fails: the source is
# kept, SuperPlane retries, and its status says why (see the outputs).
resource "superplane_event_source" "github" {
  canvas      = superplane_canvas.quickstart.name
  name        = "quickstart-github"
  type        = "github"
  integration = superplane_integration.github.name

  resource {
    name = var.github_repository
  }

  events {
    type = "push"

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  # Without a working token no hook was made, and none can be removed on
  # destroy; with a real one (verify_github = true) destroy removes it.
  force_destroy = !var.verify_github
}

# For each push to main posted to the webhook, e.g.
#   {"ref": "refs/heads/main", "after": "c0ffee1"}
# the deploy stage runs. Its noop executor calls nothing and passes at once,
# reporting the commit as its "deployed" output; swap it for an http, github
# or semaphore block to do real work. In HCL a literal "${" is written "$${".
resource "superplane_stage" "deploy" {
  canvas      = superplane_canvas.quickstart.name
  name        = "deploy"
  description = "Deploys each push to main"

  connect {
    type = "event_source"
    name = superplane_event_source.webhook.name

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  input {
    name        = "COMMIT"
    description = "The pushed commit"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        expression = "$.after"
      }
    }
  }

  output {
    name     = "deployed"
    required = true
  }

  noop {
    outputs = {
      deployed = "$${{ inputs.COMMIT }}"
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

output "webhook_url" {
  value = superplane_event_source.webhook.webhook_url
}

output "webhook_key" {
  description = "Read it with: terraform output -raw webhook_key"
  value       = superplane_event_source.webhook.key
  sensitive   = true
}

output "github_webhook_state" {
  description = "ready, or failed (with the reason in the source's status.webhook_reason) while GitHub cannot be reached."
  value       = superplane_event_source.github.status.webhook_state
}

output "deploy_stage_id" {
  value = superplane_stage.deploy.id
}
