# A deploy chain: a push to main builds with GitHub Actions, the build's run
# posts the version it built back to SuperPlane, and after one approval that
# version is deployed by a Semaphore pipeline. Next to it, a connection group
# waits for each built version until a security scan has also passed it, and
# then writes release notes.
#
#   push to main ──> build (GitHub Actions: build.yml, posts VERSION)
#                      ├──> deploy (approval, then Semaphore: deploy.yml with VERSION)
#                      └──┐
#   security-scan ────────┴──> release (connection group, by version) ──> release-notes
#
#   export SUPERPLANE_API_URL=http://127.0.0.1:8000
#   export SUPERPLANE_API_TOKEN=...   # superplane-server token create ...
#   terraform init && terraform apply
#
# `make demo-chain` applies this file against local stand-ins for GitHub and
# Semaphore, pushes, approves the deploy and prints the chain's outputs.
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

variable "github_token" {
  description = "GitHub token (repo scope) of an account that administers github_repository; never stored in the state."
  type        = string
  sensitive   = true
  default     = "not-a-real-token"
}

variable "github_owner_url" {
  description = "The GitHub organization or user the integration connects to."
  type        = string
  default     = "https://github.com/superplanehq"
}

variable "github_repository" {
  description = "The repository of github_owner_url that is pushed to and whose build.yml workflow builds."
  type        = string
  default     = "superplane"
}

variable "semaphore_token" {
  description = "Semaphore API token of the organization at semaphore_url; never stored in the state."
  type        = string
  sensitive   = true
  default     = "not-a-real-token"
}

variable "semaphore_url" {
  description = "The Semaphore organization."
  type        = string
  default     = "https://superplanehq.semaphoreci.com"
}

variable "semaphore_project" {
  description = "The Semaphore project whose .semaphore/deploy.yml pipeline deploys."
  type        = string
  default     = "app"
}

variable "verify" {
  description = "Fail the apply when GitHub or Semaphore rejects a token. Set it with real tokens."
  type        = bool
  default     = false
}

resource "superplane_canvas" "chain" {
  name        = "chain"
  description = "Push, build, approve, deploy: created by examples/chain"
}

# The tokens, write-only: they go to SuperPlane and nowhere else.
resource "superplane_secret" "github" {
  name            = "chain-github"
  data_wo         = { token = var.github_token }
  data_wo_version = 1
}

resource "superplane_secret" "semaphore" {
  name            = "chain-semaphore"
  data_wo         = { token = var.semaphore_token }
  data_wo_version = 1
}

# With the placeholder tokens verification fails: verify = false keeps the
# integrations and reports why in their status (see the outputs).
resource "superplane_integration" "github" {
  name   = "chain-github"
  type   = "github"
  url    = var.github_owner_url
  verify = var.verify

  auth {
    token {
      secret = superplane_secret.github.name
      key    = "token"
    }
  }
}

resource "superplane_integration" "semaphore" {
  name   = "chain-semaphore"
  type   = "semaphore"
  url    = var.semaphore_url
  verify = var.verify

  auth {
    token {
      secret = superplane_secret.semaphore.name
      key    = "token"
    }
  }
}

# SuperPlane creates the repository's webhook through the integration; each
# push reaches the canvas as an event of this source.
resource "superplane_event_source" "push" {
  canvas      = superplane_canvas.chain.name
  name        = "push"
  description = "Pushes to the repository"
  type        = "github"
  integration = superplane_integration.github.name

  resource {
    name = var.github_repository
  }

  events {
    type = "push"
  }

  # Without a working token no hook was made, and none can be removed on
  # destroy; with a real one (verify = true) destroy removes it.
  force_destroy = !var.verify
}

# The scanner posts {"version": "1.2.3", "passed": true} here when it has
# scanned a version, signed with the key (X-Signature-256: sha256=<hex
# HMAC-SHA256 of the body>).
resource "superplane_event_source" "security_scan" {
  canvas      = superplane_canvas.chain.name
  name        = "security-scan"
  description = "Security scan results, one per version"
  type        = "webhook"
}

# For each push to main, GitHub Actions runs build.yml on main. SuperPlane
# hands the run superplane_execution_id and superplane_token as workflow
# inputs; the workflow's last step posts the version it built to
# POST /api/v1/outputs (the "Outputs from CI runs" guide shows the step).
# Without VERSION the build fails, even when the run passed. In HCL a
# literal "${" is written "$${".
resource "superplane_stage" "build" {
  canvas      = superplane_canvas.chain.name
  name        = "build"
  description = "Builds each push to main"

  connect {
    type = "event_source"
    name = superplane_event_source.push.name

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
    name     = "VERSION"
    required = true
  }

  github {
    integration = superplane_integration.github.name
    repository  = var.github_repository
    workflow    = "build.yml"
    ref         = "main"
    inputs = {
      commit = "$${{ inputs.COMMIT }}"
    }
  }
}

# Each build that passed waits here for one approval (POST
# .../stages/deploy/events/EVENT_ID/approve, or `superplane approve`), then
# Semaphore runs .semaphore/deploy.yml with the version the build posted.
resource "superplane_stage" "deploy" {
  canvas      = superplane_canvas.chain.name
  name        = "deploy"
  description = "Deploys each built version once approved"

  connect {
    type = "stage"
    name = superplane_stage.build.name

    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
  }

  input {
    name        = "VERSION"
    description = "The version the build posted"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.outputs.VERSION"
      }
    }
  }

  approval {
    count = 1
  }

  semaphore {
    integration   = superplane_integration.semaphore.name
    project       = var.semaphore_project
    pipeline_file = ".semaphore/deploy.yml"
    ref           = "main"
    parameters = {
      VERSION = "$${{ inputs.VERSION }}"
    }
  }
}

# Joins, by version, each passed build with a passed security scan of the
# same version: when both have arrived it emits one event, $.fields.version
# and $.events.CONNECTION (each connection's payload). The one group_by
# expression reads both: a build's event has $.outputs.VERSION, a scan's
# $.version. A version still missing one after a day is dropped.
resource "superplane_connection_group" "release" {
  canvas      = superplane_canvas.chain.name
  name        = "release"
  description = "A built version that passed the security scan"

  connect {
    type = "stage"
    name = superplane_stage.build.name

    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
  }

  connect {
    type = "event_source"
    name = superplane_event_source.security_scan.name

    filter {
      data = "$.passed == true"
    }
  }

  group_by {
    name       = "version"
    expression = "$.outputs?.VERSION ?? $.version"
  }

  timeout_seconds  = 86400
  timeout_behavior = "drop"
}

# Runs once per joined version. Its noop executor calls nothing and passes
# at once with its outputs; swap it for an http block to publish the notes.
resource "superplane_stage" "release_notes" {
  canvas      = superplane_canvas.chain.name
  name        = "release-notes"
  description = "Writes the notes of each built and scanned version"

  connect {
    type = "connection_group"
    name = superplane_connection_group.release.name
  }

  input {
    name = "VERSION"
  }

  input {
    name = "SCANNER"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.fields.version"
      }
    }
    value {
      name = "SCANNER"
      from_event {
        expression = "$.events['security-scan'].scanner ?? 'the scanner'"
      }
    }
  }

  output {
    name     = "NOTES"
    required = true
  }

  noop {
    outputs = {
      NOTES = "Version $${{ inputs.VERSION }}: built by GitHub Actions, passed by $${{ inputs.SCANNER }}"
    }
  }
}

output "canvas_id" {
  value = superplane_canvas.chain.id
}

output "integration_status" {
  value = {
    github    = superplane_integration.github.status.state
    semaphore = superplane_integration.semaphore.status.state
  }
}

output "github_webhook_state" {
  description = "ready once SuperPlane has created the repository's webhook; failed (with the reason in the source's status) while GitHub cannot be reached."
  value       = superplane_event_source.push.status.webhook_state
}

output "security_scan_webhook_url" {
  value = superplane_event_source.security_scan.webhook_url
}

output "security_scan_webhook_key" {
  description = "Read it with: terraform output -raw security_scan_webhook_key"
  value       = superplane_event_source.security_scan.key
  sensitive   = true
}

# Each stage's newest execution, refreshed on every plan or
# `terraform apply -refresh-only`: its result (or state while it runs) and
# its outputs.
locals {
  last_runs = {
    build           = superplane_stage.build.last_execution
    deploy          = superplane_stage.deploy.last_execution
    "release-notes" = superplane_stage.release_notes.last_execution
  }
}

output "chain" {
  description = "The chain's newest run, stage by stage."
  value = {
    for name, run in local.last_runs : name => try(
      join(" ", concat(
        [coalesce(run.result, run.state)],
        [for k, v in merge({}, run.outputs) : "${k}=${v}"],
      )),
      "not run yet",
    )
  }
}
