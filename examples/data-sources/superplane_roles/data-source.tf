# The organization's roles, built-in first, with their permissions.
data "superplane_roles" "org" {}

# What org_admin allows, as a list of "resource:action".
output "org_admin_permissions" {
  value = [for p in one([for r in data.superplane_roles.org.roles : r if r.name == "org_admin"]).permissions : "${p.resource}:${p.action}"]
}
