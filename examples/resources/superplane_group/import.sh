# An organization group is imported by name
terraform import superplane_group.support support

# and a canvas group by the canvas's id and the group's name.
terraform import superplane_group.platform 6f1c9a52-8d0e-4f63-9b1f-2a7c4e5d8b90/platform
