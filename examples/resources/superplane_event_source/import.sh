# <canvas id or name>/<event source name>. The signing key of a webhook source
# cannot be read back: change key_version afterwards to get a new one.
terraform import superplane_event_source.deploys production/deploys
