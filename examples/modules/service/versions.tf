terraform {
  required_version = ">= 1.11" # data_wo (write-only arguments)

  required_providers {
    superplane = {
      source = "superplane/superplane"
    }
  }
}
