# <canvas id or name>/<connection group name>
terraform import superplane_connection_group.release production/release
