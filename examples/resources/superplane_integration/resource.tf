variable "github_token" {
  description = "A GitHub token with the repo scope, from an account that administers a repository of the owner."
  type        = string
  sensitive   = true
}

variable "github_token_version" {
  description = "Increment after changing github_token to send the new token to SuperPlane."
  type        = number
  default     = 1
}

# The token lives in a secret, written once and never stored in the state.
resource "superplane_secret" "github" {
  name            = "github"
  data_wo         = { token = var.github_token }
  data_wo_version = var.github_token_version
}

# An organization integration with GitHub. SuperPlane verifies the token when
# the integration is created or changed, and whenever the secret changes; the
# apply fails with GitHub's own message if it does not work.
resource "superplane_integration" "github" {
  name = "github"
  type = "github"
  url  = "https://github.com/acme"

  auth {
    token {
      # A reference, so the secret is created before and deleted after the
      # integration.
      secret = superplane_secret.github.name
      key    = "token"
    }
  }
}

resource "superplane_canvas" "production" {
  name = "production"
}

variable "semaphore_token" {
  type      = string
  sensitive = true
}

resource "superplane_secret" "semaphore" {
  canvas          = superplane_canvas.production.name
  name            = "semaphore"
  data_wo         = { token = var.semaphore_token }
  data_wo_version = 1
}

# A canvas integration with Semaphore, using a secret of the same canvas.
# With verify = false a failed verification does not fail the apply: it only
# shows in status.
resource "superplane_integration" "semaphore" {
  canvas      = superplane_canvas.production.name
  name        = "semaphore"
  description = "CI for the production canvas"
  type        = "semaphore"
  url         = "https://acme.semaphoreci.com"
  verify      = false

  auth {
    token {
      secret = superplane_secret.semaphore.name
      key    = "token"
    }
  }
}

# A canvas integration may also use an organization secret.
resource "superplane_integration" "github_production" {
  canvas = superplane_canvas.production.name
  name   = "github"
  type   = "github"
  url    = "https://github.com/acme"

  auth {
    token {
      secret = superplane_secret.github.name
      key    = "token"
      scope  = "organization"
    }
  }
}

variable "gitlab_token" {
  description = "A GitLab personal, project or group access token with the api scope."
  type        = string
  sensitive   = true
}

resource "superplane_secret" "gitlab" {
  name            = "gitlab"
  data_wo         = { token = var.gitlab_token }
  data_wo_version = 1
}

# A GitLab integration: gitlab.com, or a self-managed instance by its web
# address (https://git.example.com, or with its relative root,
# https://example.com/gitlab). SuperPlane verifies the token by reading its
# user; each source and stage then needs its role on its project (Maintainer
# for a webhook, Developer for pipelines), checked when they run.
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

variable "bitbucket_credential" {
  description = "<user>:<API token or app password> (with an Atlassian API token, the user is the account's email), or a workspace, project or repository access token alone."
  type        = string
  sensitive   = true
}

resource "superplane_secret" "bitbucket" {
  name            = "bitbucket"
  data_wo         = { credential = var.bitbucket_credential }
  data_wo_version = 1
}

# An organization integration with the Bitbucket Cloud workspace acme.
# SuperPlane checks the user and its permission in the workspace (or, for an
# access token, that it reaches a repository of the workspace).
resource "superplane_integration" "bitbucket" {
  name = "bitbucket"
  type = "bitbucket"
  url  = "https://bitbucket.org/acme"

  auth {
    token {
      secret = superplane_secret.bitbucket.name
      key    = "credential"
    }
  }
}

output "semaphore_status" {
  value = superplane_integration.semaphore.status
}

# An AWS integration with no AWS secret at all: SuperPlane signs a short-lived
# ID token (it is an OIDC identity provider at its base URL) and AWS STS
# exchanges it for the role's credentials. See "AWS" below for the IAM side.
resource "superplane_integration" "aws" {
  name = "aws"
  type = "aws"

  aws {
    region = "eu-west-1"
    web_identity {
      role_arn = "arn:aws:iam::123456789012:role/superplane"
    }
    # Optional: chain to a role in another account.
    assume_role {
      role_arn         = "arn:aws:iam::210987654321:role/deploy"
      external_id      = "superplane"
      session_duration = 900
    }
  }
}

variable "aws_secret_access_key" {
  type      = string
  sensitive = true
}

# Or an IAM user's access key pair, both halves in one secret.
resource "superplane_secret" "aws_keys" {
  name = "aws-keys"
  data_wo = {
    access_key_id     = "AKIAIOSFODNN7EXAMPLE"
    secret_access_key = var.aws_secret_access_key
  }
  data_wo_version = 1
}

resource "superplane_integration" "aws_keys" {
  name = "aws-keys"
  type = "aws"

  aws {
    region = "us-east-1"
    access_key {
      secret                = superplane_secret.aws_keys.name
      access_key_id_key     = "access_key_id"
      secret_access_key_key = "secret_access_key"
    }
  }
}

# An Azure integration with no Azure secret at all: SuperPlane's own ID token
# (audience api://AzureADTokenExchange) is the client assertion of a
# federated credential on the application. See "Azure" below for the Entra
# side.
resource "superplane_integration" "azure" {
  name = "azure"
  type = "azure"

  azure {
    tenant_id       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    client_id       = "11111111-2222-3333-4444-555555555555"
    subscription_id = "00000000-0000-0000-0000-000000000000"
    federated {}
  }
}

variable "azure_client_secret" {
  type      = string
  sensitive = true
}

# Or the application's client secret, kept in a secret.
resource "superplane_secret" "azure_app" {
  name = "azure-app"
  data_wo = {
    client_secret = var.azure_client_secret
  }
  data_wo_version = 1
}

resource "superplane_integration" "azure_secret" {
  name = "azure-secret"
  type = "azure"

  azure {
    tenant_id       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    client_id       = "11111111-2222-3333-4444-555555555555"
    subscription_id = "00000000-0000-0000-0000-000000000000"
    client_secret {
      secret = superplane_secret.azure_app.name
      key    = "client_secret"
    }
  }
}

# A Google Cloud integration with no Google secret at all: SuperPlane's ID
# token is exchanged at Google STS through a workload identity pool whose
# OIDC provider is SuperPlane, then for a service account's access token.
# See "Google Cloud" below for the Google side.
resource "superplane_integration" "gcp" {
  name = "gcp"
  type = "gcp"

  gcp {
    project_id = "acme-prod"
    workload_identity {
      audience        = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/superplane/providers/superplane-oidc"
      service_account = "deployer@acme-prod.iam.gserviceaccount.com"
    }
  }
}

variable "gcp_service_account_key" {
  type      = string
  sensitive = true
}

# Or a service account's JSON key file, kept in a secret.
resource "superplane_secret" "gcp_key" {
  name = "gcp-key"
  data_wo = {
    "key.json" = var.gcp_service_account_key
  }
  data_wo_version = 1
}

resource "superplane_integration" "gcp_key" {
  name = "gcp-key"
  type = "gcp"

  gcp {
    project_id = "acme-prod"
    service_account_key {
      secret = superplane_secret.gcp_key.name
      key    = "key.json"
    }
  }
}

variable "azure_devops_pat" {
  description = "An Azure DevOps personal access token with the scopes Project and Team (read), Build (read & execute) and Service Hooks (read & write)."
  type        = string
  sensitive   = true
}

resource "superplane_secret" "azure_devops" {
  name            = "azure-devops"
  data_wo         = { pat = var.azure_devops_pat }
  data_wo_version = 1
}

# An organization integration with the Azure DevOps organization acme
# (an Azure DevOps Server collection works too:
# https://tfs.example.com/tfs/DefaultCollection). SuperPlane checks who the
# PAT authenticates (connectionData) and that it sees a project.
resource "superplane_integration" "azure_devops" {
  name = "azure-devops"
  type = "azure_devops"
  url  = "https://dev.azure.com/acme"

  auth {
    token {
      secret = superplane_secret.azure_devops.name
      key    = "pat"
    }
  }
}

variable "atlas_private_key" {
  type      = string
  sensitive = true
}

# A MongoDB Atlas organization, with a programmatic API key: its public key
# here, its private key kept in a secret (sent with HTTP Digest
# authentication, never in state). See "MongoDB Atlas" below.
resource "superplane_secret" "atlas" {
  name = "atlas"
  data_wo = {
    private_key = var.atlas_private_key
  }
  data_wo_version = 1
}

resource "superplane_integration" "atlas" {
  name = "atlas"
  type = "mongodb_atlas"

  mongodb_atlas {
    organization_id = "5f0a1b2c3d4e5f6a7b8c9d0e"
    api_key {
      public_key = "qwertyui"
      secret     = superplane_secret.atlas.name
      key        = "private_key"
    }
  }
}
