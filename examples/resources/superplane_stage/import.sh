# <canvas id or name>/<stage name>
terraform import superplane_stage.deploy production/deploy
