# "Why did my stage not run?" One read answers it: the events the stage did
# not take, newest first, each with its reason (filtered, or error) and a
# message naming the filter, expression or secret.
data "superplane_rejections" "deploy" {
  canvas = "production"
  stage  = "deploy"
  limit  = 10
}

output "why_deploy_did_not_run" {
  value = [for r in data.superplane_rejections.deploy.rejections : "${r.rejected_at} ${r.reason}: ${r.message}"]
}

# For example:
#   why_deploy_did_not_run = [
#     "2026-12-06T07:02:11Z filtered: webhook event from hook did not pass the filters of connection hook",
#     "2026-12-06T06:58:40Z error: secret TOKEN: secret \"deploy-token\" not found",
#   ]
