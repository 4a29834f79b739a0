package provider

import (
	"fmt"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestAccStageResourceSemaphoreTask: a semaphore block with a task (and no
// pipeline file) runs that task of the project, by name, on the task's own
// branch and pipeline file; the execution follows the task's pipeline to
// its result, and the stage imports as configured.
func TestAccStageResourceSemaphoreTask(t *testing.T) {
	canvas, stage := randName("acc-sem-stage"), randName("acc-sem-deploy")
	integration, secretName := randName("acc-sem-int"), randName("acc-sem-token")
	project := "acc-sem-" + randomSuffix()
	var taskID string
	if acc.semaphore != nil {
		acc.semaphore.AddProject(project)
		taskID = acc.semaphore.AddTask(project, "nightly-deploy", "release", ".semaphore/nightly.yml")
	}
	tok := newToolToken()
	config := tokenSecretConfig("sem", "", secretName, tok, 1) +
		integrationCfg{label: "sem", name: integration, typ: "semaphore", url: fakeSemaphoreURL,
			secret: "superplane_secret.sem.name", key: "token"}.String() +
		fmt.Sprintf(`
resource "superplane_canvas" "test" {
  name = %[1]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas = superplane_canvas.test.name
  name   = %[2]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  semaphore {
    integration = superplane_integration.sem.name
    project     = %[3]q
    task        = "nightly-deploy"
    parameters = {
      ENVIRONMENT = "prod"
    }
  }
}
`, canvas, stage, project)
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					if err := postStageEvent(s, "superplane_event_source.hook", `{"ref":"main"}`); err != nil {
						return err
					}
					ex, _, err := waitStageExecution(canvas, stage)
					if err != nil {
						return err
					}
					if ex.Result != api.ResultPassed {
						return fmt.Errorf("execution = %s %s: %s", ex.Result, ex.ResultReason, ex.ResultMessage)
					}
					var ours []string
					for _, wf := range acc.semaphore.Workflows() {
						if wf.TaskID == taskID {
							if wf.Reference != "refs/heads/release" || wf.PipelineFile != ".semaphore/nightly.yml" || wf.Parameters["ENVIRONMENT"] != "prod" {
								return fmt.Errorf("the task's workflow = %+v, want its branch and file with the parameters", wf)
							}
							ours = append(ours, wf.ID)
						}
					}
					if len(ours) != 1 {
						return fmt.Errorf("the task ran %d times, want once", len(ours))
					}
					return nil
				},
			},
			{RefreshState: true},
			{
				ResourceName:      "superplane_stage.test",
				ImportState:       true,
				ImportStateId:     canvas + "/" + stage,
				ImportStateVerify: true,
			},
		},
	})
}
