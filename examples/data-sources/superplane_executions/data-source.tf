# The ten newest runs of the deploy stage, newest first.
data "superplane_executions" "deploy" {
  canvas = "production"
  stage  = "deploy"
  limit  = 10
}

output "deploy_history" {
  value = [for e in data.superplane_executions.deploy.executions : "${e.created_at} ${e.state} ${coalesce(e.result, "-")} ${lookup(e.outputs, "version", "")}"]
}

output "last_failure" {
  value = try([for e in data.superplane_executions.deploy.executions : e.result_message if e.result == "failed"][0], null)
}
