# Every user of the organization with their roles.
data "superplane_users" "all" {}

resource "superplane_canvas" "prod" {
  name = "prod"
}

# Who holds a role on prod, themselves or through a group.
data "superplane_users" "prod" {
  canvas_id = superplane_canvas.prod.id
}

output "prod_admins" {
  value = [for u in data.superplane_users.prod.users : u.email if anytrue([for r in u.roles : r.role == "canvas_admin"])]
}
