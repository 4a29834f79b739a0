# The secrets of one canvas: names, ids, key names and versions, never values.
data "superplane_secrets" "production" {
  canvas = "production"
}

# The organization's secrets (leave canvas out).
data "superplane_secrets" "organization" {}

output "production_secret_keys" {
  value = { for s in data.superplane_secrets.production.secrets : s.name => s.keys }
}
