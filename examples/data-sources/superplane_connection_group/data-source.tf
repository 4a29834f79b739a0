# Returns a connection group's connections, group_by fields and timeout, and
# how many keys wait for their missing connections.
data "superplane_connection_group" "release" {
  canvas = "production"
  name   = "release"
}

output "versions_waiting" {
  value = data.superplane_connection_group.release.pending_field_sets
}
