variable "registry_password" {
  type      = string
  sensitive = true
}

variable "registry_password_version" {
  description = "Increment to send a new registry_password to SuperPlane."
  type        = number
  default     = 1
}

# An organization secret whose values never enter the Terraform state
# (write-only arguments need Terraform 1.11 or later). Terraform cannot see
# when the values change: increment data_wo_version to send new ones.
resource "superplane_secret" "registry" {
  name = "registry"
  data_wo = {
    username = "deploy-bot"
    password = var.registry_password
  }
  data_wo_version = var.registry_password_version
}

resource "superplane_canvas" "production" {
  name = "production"
}

# A canvas secret with plaintext data: simpler, but the values are stored
# (marked sensitive) in the state.
resource "superplane_secret" "database" {
  canvas = superplane_canvas.production.name
  name   = "database"
  data = {
    host = "db.internal.example.com"
    user = "app"
  }
}
