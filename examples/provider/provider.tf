# The provider reads its settings from the environment when the block leaves
# them out, which keeps the token out of configuration files:
#
#   export SUPERPLANE_API_URL=https://superplane.example.com
#   export SUPERPLANE_API_TOKEN=...
provider "superplane" {}

# Or set them explicitly, the token from a sensitive variable.
variable "superplane_token" {
  type      = string
  sensitive = true
}

provider "superplane" {
  alias    = "explicit"
  endpoint = "https://superplane.example.com"
  token    = var.superplane_token
}
