# Terraform 1.10 or later. A token of the "deployer" account exists only
# while Terraform runs: it is created when the plan or apply opens it and
# revoked when Terraform is done, and never written to the plan or state.
ephemeral "superplane_service_account_token" "deployer" {
  service_account = "deployer"
  expires_in      = "30m"
}

# A second provider configuration that acts as the service account.
provider "superplane" {
  alias = "deployer"
  token = ephemeral.superplane_service_account_token.deployer.value
}

resource "superplane_canvas" "release" {
  provider = superplane.deployer
  name     = "release"
}
