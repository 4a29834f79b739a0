# A service account can be imported by id
terraform import superplane_service_account.ci 6f1c9a52-8d0e-4f63-9b1f-2a7c4e5d8b90

# or by name.
terraform import superplane_service_account.ci ci
