# An organization secret: organization/<secret name>
terraform import superplane_secret.registry organization/registry

# A canvas secret: canvas/<canvas id or name>/<secret name>
terraform import superplane_secret.database canvas/production/database

# Values cannot be imported (the API never returns them): the first apply
# after an import writes the configured values.
