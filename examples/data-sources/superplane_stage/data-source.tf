# Returns what a stage listens to, its executor type and its status.
data "superplane_stage" "deploy" {
  canvas = "production"
  name   = "deploy"
}

output "deploy_queue_length" {
  value = data.superplane_stage.deploy.queue_length
}

output "last_deploy_result" {
  value = try(data.superplane_stage.deploy.last_execution.result, null)
}
