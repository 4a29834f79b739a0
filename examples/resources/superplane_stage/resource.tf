resource "superplane_canvas" "production" {
  name = "production"
}

variable "deploy_token" {
  type      = string
  sensitive = true
}

# The token the deploy endpoint expects, write-only: it never reaches the state.
resource "superplane_secret" "deploy" {
  canvas          = superplane_canvas.production.name
  name            = "deploy"
  data_wo         = { token = var.deploy_token }
  data_wo_version = 1
}

# CI posts {"ref": "refs/heads/main", "after": "<sha>"} here, signed with the key.
resource "superplane_event_source" "ci" {
  canvas = superplane_canvas.production.name
  name   = "ci"
  type   = "webhook"
}

# For each push to main: wait for two approvals inside office hours, then POST
# the commit to the deploy service with the token in a header. In HCL a
# literal "${" is written "$${", so templates read "$${{ inputs.NAME }}".
resource "superplane_stage" "deploy" {
  canvas      = superplane_canvas.production.name
  name        = "deploy"
  description = "Deploys main to production"

  connect {
    type = "event_source"
    name = superplane_event_source.ci.name

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  input {
    name        = "COMMIT"
    description = "The commit to deploy"
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
    name     = "version"
    required = true
  }

  approval {
    count = 2
  }

  time_window {
    start     = "08:00"
    end       = "17:00"
    week_days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
  }

  # TOKEN is the alias templates use; the value comes from the secret's key.
  secret {
    name   = "TOKEN"
    secret = superplane_secret.deploy.name
    key    = "token"
  }

  # The response's {"outputs": {"version": "..."}} gives the outputs.
  http {
    url = "https://deploy.example.com/api/deploy"
    headers = {
      Authorization = "Bearer $${{ secrets.TOKEN }}"
    }
    payload = {
      commit = "$${{ inputs.COMMIT }}"
    }
    status_codes    = [200, 202]
    timeout_seconds = 60
  }
}

# Runs after each deploy that passed, with the version it reported: a GitHub
# Actions workflow through a github integration.
resource "superplane_stage" "smoke_test" {
  canvas = superplane_canvas.production.name
  name   = "smoke-test"

  connect {
    type = "stage"
    name = superplane_stage.deploy.name

    filter {
      data = "$.result == 'RESULT_PASSED'"
    }
  }

  input {
    name = "VERSION"
  }

  input_mapping {
    value {
      name = "VERSION"
      from_event {
        expression = "$.outputs.version"
      }
    }
  }

  github {
    integration = "github"
    repository  = "app"
    workflow    = "smoke.yml"
    ref         = "main"
    inputs = {
      version = "$${{ inputs.VERSION }}"
    }
  }
}

# Runs on each push to main of a GitLab project: a GitLab CI/CD pipeline on
# main with the pushed commit as a variable, followed to its end. Cancelling
# the execution cancels the pipeline.
resource "superplane_stage" "gitlab_release" {
  canvas = superplane_canvas.production.name
  name   = "gitlab-release"

  connect {
    type = "event_source"
    name = "api" # a gitlab event source

    filter {
      data = "$.ref == 'refs/heads/main'"
    }
  }

  input {
    name = "SHA"
  }

  input_mapping {
    value {
      name = "SHA"
      from_event {
        expression = "$.after"
      }
    }
  }

  gitlab {
    integration = "gitlab"
    project     = "acme/platform/api"
    ref         = "main"
    variables = {
      RELEASE_SHA = "$${{ inputs.SHA }}"
    }
  }
}

# Runs a custom Bitbucket Pipelines pipeline (custom: deploy in
# bitbucket-pipelines.yml) on main for each push the Bitbucket source hears,
# with the pushed commit as a variable. Cancelling the execution stops the
# pipeline.
resource "superplane_stage" "bitbucket_deploy" {
  canvas = superplane_canvas.production.name
  name   = "bitbucket-deploy"

  connect {
    type = "event_source"
    name = "bitbucket-app"
  }

  input {
    name = "COMMIT"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        expression = "$.push.changes[0].new.target.hash"
      }
    }
  }

  bitbucket {
    integration = "bitbucket"
    repository  = "app"
    ref         = "main"
    pipeline    = "deploy"
    variables = {
      COMMIT = "$${{ inputs.COMMIT }}"
    }
  }
}

# Runs Azure Pipelines pipeline 12 of the project on the pushed ref for each
# push the Azure DevOps source hears, with a runtime parameter and a
# queue-time variable. Cancelling the execution cancels the run.
resource "superplane_stage" "azure_devops_deploy" {
  canvas = superplane_canvas.production.name
  name   = "azure-devops-deploy"

  connect {
    type = "event_source"
    name = "azure-devops-app"
  }

  input {
    name = "COMMIT"
  }

  input_mapping {
    value {
      name = "COMMIT"
      from_event {
        expression = "$.resource.refUpdates[0].newObjectId"
      }
    }
  }

  azure_devops {
    integration = "azure-devops"
    project     = "Fabrikam Fiber"
    pipeline    = "12"
    ref         = "main"
    parameters = {
      environment = "production"
    }
    variables = {
      COMMIT = "$${{ inputs.COMMIT }}"
    }
  }
}

# After one approval, invoke a Lambda function, the request signed with AWS
# SigV4 by an aws integration (see superplane_integration): with web identity
# no AWS key is stored anywhere; the role's trust policy allows the subject
# org:<org>:canvas:production:stage:invoke-lambda.
resource "superplane_stage" "invoke_lambda" {
  canvas = superplane_canvas.production.name
  name   = "invoke-lambda"

  connect {
    type = "event_source"
    name = superplane_event_source.ci.name
  }

  approval {
    count = 1
  }

  http {
    url         = "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/deploy/invocations"
    integration = "aws"
    payload = {
      environment = "production"
    }
  }
}

# After one approval, restart an Azure web app through Azure Resource Manager,
# the request carrying a bearer token of an azure integration (see
# superplane_integration): with a federated credential no Azure secret is
# stored anywhere; the application trusts the subject
# org:<org>:canvas:production:stage:restart-webapp.
resource "superplane_stage" "restart_webapp" {
  canvas = superplane_canvas.production.name
  name   = "restart-webapp"

  connect {
    type = "event_source"
    name = superplane_event_source.ci.name
  }

  approval {
    count = 1
  }

  http {
    url         = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/web/providers/Microsoft.Web/sites/api/restart?api-version=2022-03-01"
    integration = "azure"
    azure_scope = "https://management.azure.com/.default"
  }
}

# After one approval, run a Cloud Build trigger with a Google access token
# of a gcp integration (see superplane_integration), for the scopes in
# gcp_scopes (cloud-platform, Cloud Build's, when left out); with workload
# identity the service account trusts the subject
# org:<org>:canvas:production:stage:cloud-build.
resource "superplane_stage" "cloud_build" {
  canvas = superplane_canvas.production.name
  name   = "cloud-build"

  connect {
    type = "event_source"
    name = superplane_event_source.ci.name
  }

  approval {
    count = 1
  }

  http {
    url         = "https://cloudbuild.googleapis.com/v1/projects/acme-prod/locations/global/triggers/deploy:run"
    integration = "gcp"
    payload = {
      branchName = "main"
    }
  }
}

# After one approval, pause a MongoDB Atlas cluster through the Atlas Admin
# API, authenticated by a mongodb_atlas integration (see
# superplane_integration). With method, the request goes as written:
# payload_json is the whole body (Atlas refuses attributes it does not know).
resource "superplane_stage" "pause_staging_cluster" {
  canvas = superplane_canvas.production.name
  name   = "pause-staging-cluster"

  connect {
    type = "event_source"
    name = superplane_event_source.ci.name
  }

  approval {
    count = 1
  }

  http {
    url          = "https://cloud.mongodb.com/api/atlas/v2/groups/6123456789abcdef01234567/clusters/staging"
    integration  = "atlas"
    method       = "PATCH"
    payload_json = jsonencode({ paused = true })
    headers = {
      Accept = "application/vnd.atlas.2024-08-05+json"
    }
  }
}

output "last_deploy" {
  value = superplane_stage.deploy.last_execution
}
