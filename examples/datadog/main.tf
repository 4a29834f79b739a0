# Datadog and SuperPlane: a monitor's alert rolls back, and every rollback is
# announced in Datadog's event stream.
#
#   monitor "checkout p99 latency" (message: @webhook-superplane-rollback)
#     └──> alerts (datadog source) ──> rollback (GitHub Actions: rollback.yml)
#                                        └──> announce (http: POST /api/v1/events)
#
#   export SUPERPLANE_API_URL=http://127.0.0.1:8000
#   export SUPERPLANE_API_TOKEN=...   # superplane-server token create ...
#   terraform init && terraform apply
#
# SuperPlane creates the webhook superplane-rollback in Datadog's Webhooks
# integration; add @webhook-superplane-rollback to the monitors that should
# roll back.
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

variable "datadog_site" {
  description = "The Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com or ddog-gov.com."
  type        = string
  default     = "datadoghq.eu"
}

variable "datadog_api_key" {
  description = "Datadog API key; never stored in the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "datadog_app_key" {
  description = "Datadog application key (manage webhooks, post events); never stored in the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "github_token" {
  description = "GitHub token of an account that administers the checkout repository; never stored in the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "superplane_canvas" "production" {
  name = "production"
}

resource "superplane_secret" "datadog" {
  name            = "datadog"
  data_wo         = { api_key = var.datadog_api_key, app_key = var.datadog_app_key }
  data_wo_version = 1
}

resource "superplane_integration" "datadog" {
  name = "datadog"
  type = "datadog"
  datadog {
    site                = var.datadog_site
    secret              = superplane_secret.datadog.name
    api_key_key         = "api_key"
    application_key_key = "app_key"
  }
}

resource "superplane_secret" "github" {
  name            = "github"
  data_wo         = { token = var.github_token }
  data_wo_version = 1
}

resource "superplane_integration" "github" {
  name = "github"
  type = "github"
  url  = "https://github.com/acme"
  auth {
    token {
      secret = superplane_secret.github.name
      key    = "token"
    }
  }
}

# The webhook in Datadog: its deliveries carry the source's key in
# X-Superplane-Token, and every one is an "alert" event.
resource "superplane_event_source" "alerts" {
  canvas      = superplane_canvas.production.name
  name        = "checkout-alerts"
  type        = "datadog"
  integration = superplane_integration.datadog.name
  resource {
    name = "superplane-rollback"
  }
}

resource "superplane_stage" "rollback" {
  canvas = superplane_canvas.production.name
  name   = "rollback"

  connect {
    type = "event_source"
    name = superplane_event_source.alerts.name
    filter {
      data = "$.alert_transition == 'Triggered'"
    }
  }

  input {
    name = "MONITOR"
  }
  input_mapping {
    value {
      name = "MONITOR"
      from_event {
        expression = "$.alert_id"
      }
    }
  }
  github {
    integration = superplane_integration.github.name
    repository  = "checkout"
    workflow    = "rollback.yml"
    ref         = "main"
    inputs = {
      reason = "Datadog monitor $${{ inputs.MONITOR }}"
    }
  }
}

# Posts an event to Datadog with the integration's keys, which SuperPlane
# sends only to the integration's site.
resource "superplane_stage" "announce" {
  canvas = superplane_canvas.production.name
  name   = "announce"

  connect {
    type = "stage"
    name = superplane_stage.rollback.name
  }

  http {
    url          = "https://api.${var.datadog_site}/api/v1/events"
    integration  = superplane_integration.datadog.name
    status_codes = [202]
    payload = {
      title = "Rolled back checkout"
      text  = "SuperPlane rolled checkout back after a Datadog alert"
    }
  }
}
