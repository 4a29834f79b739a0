# A service on a canvas: a signed webhook that CI posts pushes to, a build
# stage that runs for each push to the branch, and a deploy stage that runs
# after each build that passed and posts the image to deploy_url with the
# token from the service's write-only secret.
#
# In HCL a literal "${" is written "$${", so stage templates read
# "$${{ inputs.NAME }}".

# The service's secret values go to SuperPlane and nowhere else: not the
# plan, not the state. Bump secrets_version to send new values.
resource "superplane_secret" "this" {
  canvas          = var.canvas
  name            = "${var.name}-secrets"
  data_wo         = merge(var.secrets, { deploy_token = var.deploy_token })
  data_wo_version = var.secrets_version
}

# CI posts {"ref": "refs/heads/<branch>", "after": "<sha>"} to webhook_url,
# signed with the key (X-Signature-256: sha256=<hex HMAC-SHA256 of the body>).
resource "superplane_event_source" "push" {
  canvas      = var.canvas
  name        = "${var.name}-push"
  description = "Pushes of ${var.name}"
  type        = "webhook"

  events {
    type = "webhook"

    filter {
      data = "$.ref == 'refs/heads/${var.branch}'"
    }
  }
}

resource "superplane_stage" "build" {
  canvas      = var.canvas
  name        = "${var.name}-build"
  description = trimspace("Builds ${var.name}. ${var.description}")
  dry_run     = var.dry_run

  connect {
    type = "event_source"
    name = superplane_event_source.push.name
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
    name     = "image"
    required = true
  }

  # Swap noop for an http, github or semaphore block to build for real.
  noop {
    outputs = {
      image = "${var.name}:$${{ inputs.COMMIT }}"
    }
  }
}

resource "superplane_stage" "deploy" {
  canvas      = var.canvas
  name        = "${var.name}-deploy"
  description = trimspace("Deploys ${var.name}. ${var.description}")
  dry_run     = var.dry_run

  connect {
    type = "stage"
    name = superplane_stage.build.name

    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
  }

  input {
    name        = "IMAGE"
    description = "The image the build stage reported"
  }

  input_mapping {
    value {
      name = "IMAGE"
      from_event {
        expression = "$.outputs.image"
      }
    }
  }

  secret {
    name   = "TOKEN"
    secret = superplane_secret.this.name
    key    = "deploy_token"
  }

  http {
    url = var.deploy_url
    headers = {
      Authorization = "Bearer $${{ secrets.TOKEN }}"
    }
    payload = {
      service = var.name
      image   = "$${{ inputs.IMAGE }}"
    }
    status_codes    = [200, 202]
    timeout_seconds = 60
  }
}
