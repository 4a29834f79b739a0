# Values are never returned: only the id, key names and version.
data "superplane_secret" "registry" {
  name = "registry"
}

data "superplane_secret" "database" {
  canvas = "production"
  name   = "database"
}

output "registry_keys" {
  value = data.superplane_secret.registry.keys
}
