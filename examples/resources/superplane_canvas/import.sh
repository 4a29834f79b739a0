# A canvas can be imported by id
terraform import superplane_canvas.production 0b7f7c5e-2f3a-4d55-9a51-3c1c2f0e8a11

# or by name.
terraform import superplane_canvas.production production
