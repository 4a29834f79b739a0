# An organization role is imported by name
terraform import superplane_role.auditor auditor

# and a canvas role by the canvas's id and the role's name.
terraform import superplane_role.release_manager 6f1c9a52-8d0e-4f63-9b1f-2a7c4e5d8b90/release-manager
