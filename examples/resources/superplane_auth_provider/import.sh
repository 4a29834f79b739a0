# An auth provider can be imported by id
terraform import superplane_auth_provider.github 3c9d2f41-7a8b-4c6d-9e0f-1a2b3c4d5e6f

# or by name. A write-only client secret is not imported: the first apply
# after the import sends client_secret_wo again.
terraform import superplane_auth_provider.github github
