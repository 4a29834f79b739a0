variable "canvas" {
  description = "Name (or id) of the canvas the service's stages, source and secret live in."
  type        = string

  validation {
    condition     = length(var.canvas) > 0
    error_message = "canvas must not be empty."
  }
}

variable "name" {
  description = "The service's name: 1 to 40 lower-case letters, digits or '-', starting with a letter. It prefixes every object the module creates (<name>-push, <name>-build, <name>-deploy, <name>-secrets), so it must be unique in the canvas."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1 to 40 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "description" {
  description = "What the service is; shown on its stages."
  type        = string
  default     = ""
}

variable "branch" {
  description = "The branch whose pushes are built and deployed."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,100}$", var.branch))
    error_message = "branch must be 1 to 100 letters, digits, '.', '_', '/' or '-'."
  }
}

variable "deploy_url" {
  description = "The endpoint the deploy stage posts each built image to (http or https)."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/\\s]+", var.deploy_url))
    error_message = "deploy_url must be an http:// or https:// URL."
  }
}

variable "deploy_token" {
  description = "The bearer token the deploy endpoint expects. Write-only: it goes to SuperPlane and never into the plan or the state."
  type        = string
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = length(var.deploy_token) >= 8
    error_message = "deploy_token must be at least 8 characters."
  }
}

variable "secrets" {
  description = "Further values of the service's secret (key => value), write-only like deploy_token. Keys: letters, digits and '_', not starting with a digit."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k)) && k != "deploy_token"])
    error_message = "secrets keys must be letters, digits and '_', not starting with a digit, and not deploy_token."
  }
}

variable "secrets_version" {
  description = "Increment after changing deploy_token or secrets to send the new values (Terraform cannot compare write-only values)."
  type        = number
  default     = 1

  validation {
    condition     = var.secrets_version >= 1 && floor(var.secrets_version) == var.secrets_version
    error_message = "secrets_version must be a whole number, 1 or more."
  }
}

variable "dry_run" {
  description = "When true, the service's executions pass at once without calling deploy_url."
  type        = bool
  default     = false
}
