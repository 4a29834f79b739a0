resource "superplane_canvas" "production" {
  name = "production"
}

variable "deploy_key_version" {
  description = "Increment to give the deploy webhook a new signing key."
  type        = number
  default     = 1
}

# A custom webhook: your CI posts JSON to webhook_url, signed with key
# (X-Signature-256: sha256=<hex HMAC-SHA256 of the body>). The key is in the
# Terraform state, marked sensitive: keep the state somewhere safe.
resource "superplane_event_source" "deploys" {
  canvas      = superplane_canvas.production.name
  name        = "deploys"
  description = "Deployments announced by CI"
  type        = "webhook"
  key_version = var.deploy_key_version

  # Deliveries to a custom webhook have the event type "webhook".
  events {
    type            = "webhook"
    filter_operator = "or"

    filter {
      data = "$.environment == 'production'"
    }

    # Only some headers are stored and seen by filters (never a credential):
    # a sender's own go in X-Superplane-* headers.
    filter {
      header = "headers['x-superplane-force'] == 'true'"
    }
  }
}

# The key out of the Terraform state: supply it yourself, write-only
# (Terraform 1.11 or later). key stays null, and an ephemeral variable keeps
# the key out of the plan file too. Bump key_wo_version to send a new key;
# the previous one keeps verifying deliveries for the grace period.
variable "builds_key" {
  description = "Signing key of the builds webhook: 32 to 256 printable ASCII characters, no spaces."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "superplane_event_source" "builds" {
  canvas         = superplane_canvas.production.name
  name           = "builds"
  type           = "webhook"
  key_wo         = var.builds_key
  key_wo_version = 1
}

# A custom webhook signed the Standard Webhooks way (webhook-id,
# webhook-timestamp, webhook-signature): key is a whsec_ secret for any
# Standard Webhooks library, and a captured delivery cannot be replayed as a
# new event.
resource "superplane_event_source" "releases" {
  canvas           = superplane_canvas.production.name
  name             = "releases"
  type             = "webhook"
  signature_scheme = "standard_webhooks"
}

output "deploy_webhook_url" {
  value = superplane_event_source.deploys.webhook_url
}

output "deploy_webhook_key" {
  value     = superplane_event_source.deploys.key
  sensitive = true
}

variable "github_token" {
  type      = string
  sensitive = true
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

# A GitHub repository: SuperPlane creates the webhook on acme/app through the
# integration, keeps it in shape (a refresh finds a deleted or altered hook,
# the plan shows an update and the apply repairs it) and removes it on destroy.
resource "superplane_event_source" "app" {
  canvas      = superplane_canvas.production.name
  name        = "app"
  type        = "github"
  integration = superplane_integration.github.name

  resource {
    name = "app"
  }

  events {
    type = "push"

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  events {
    type = "pull_request"
  }
}

output "app_webhook" {
  value = superplane_event_source.app.status.webhook_state
}

variable "gitlab_token" {
  type      = string
  sensitive = true
}

resource "superplane_secret" "gitlab" {
  name            = "gitlab"
  data_wo         = { token = var.gitlab_token }
  data_wo_version = 1
}

resource "superplane_integration" "gitlab" {
  name = "gitlab"
  type = "gitlab"
  url  = "https://gitlab.com"

  auth {
    token {
      secret = superplane_secret.gitlab.name
      key    = "token"
    }
  }
}

# A GitLab project, by its full path (or its id): SuperPlane creates a project
# hook whose secret token is the source's key (GitLab sends it back as
# X-Gitlab-Token), subscribed to exactly these events, keeps it in shape and
# removes it on destroy. Event names are GitLab's X-Gitlab-Event without
# " Hook": push, tag_push, merge_request, pipeline, job, deployment, release...
resource "superplane_event_source" "api" {
  canvas      = superplane_canvas.production.name
  name        = "api"
  type        = "gitlab"
  integration = superplane_integration.gitlab.name

  resource {
    name = "acme/platform/api"
  }

  events {
    type = "push"

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  events {
    type = "merge_request"

    filter {
      header = "headers['x-gitlab-event'] == 'Merge Request Hook'"
    }
  }
}

# A Bitbucket repository: SuperPlane creates a webhook on acme/app signed with
# the source's key (X-Hub-Signature), keeps it in shape and removes it on
# destroy. Event types are Bitbucket's event keys.
resource "superplane_event_source" "bitbucket_app" {
  canvas      = superplane_canvas.production.name
  name        = "bitbucket-app"
  type        = "bitbucket"
  integration = "bitbucket" # a superplane_integration of type bitbucket

  resource {
    name = "app"
  }

  events {
    type = "repo:push"

    filter {
      data = "$.push.changes[0].new.name == 'main'"
    }
  }
}

# An Azure DevOps project: SuperPlane creates one service hook subscription
# per event type (webHooks consumer), sending the source's key in the
# X-Superplane-Token header since Azure DevOps does not sign deliveries,
# keeps them enabled and removes them on destroy. Event types are Azure
# DevOps' (git.push, git.pullrequest.created, build.complete,
# ms.vss-pipelines.run-state-changed-event).
resource "superplane_event_source" "azure_devops_app" {
  canvas      = superplane_canvas.production.name
  name        = "azure-devops-app"
  type        = "azure_devops"
  integration = "azure-devops" # a superplane_integration of type azure_devops

  resource {
    name = "Fabrikam Fiber"
  }

  events {
    type = "git.push"

    filter {
      data = "$.resource.refUpdates[0].name == 'refs/heads/main'"
    }
  }
}

# Every night at 02:30 UTC.
resource "superplane_event_source" "nightly" {
  canvas = superplane_canvas.production.name
  name   = "nightly"
  type   = "scheduled"

  schedule {
    type = "daily"
    time = "02:30"
  }
}

# Events posted by hand (POST /api/v1/canvases/{canvas}/events).
resource "superplane_event_source" "manual" {
  canvas = superplane_canvas.production.name
  name   = "manual"
  type   = "manual"
}
