# An organization integration: organization/<integration name>
terraform import superplane_integration.github organization/github

# A canvas integration: canvas/<canvas id or name>/<integration name>
terraform import superplane_integration.semaphore canvas/production/semaphore
