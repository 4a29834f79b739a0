package semaphore_test

import (
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
)

// TestSemaphoreOutputTokenParameters: a workflow or a task started with an
// output token gets SUPERPLANE_EXECUTION_ID and SUPERPLANE_TOKEN as
// parameters next to the spec's (a spec parameter of the same name gives
// way); without a token, only the spec's.
func TestSemaphoreOutputTokenParameters(t *testing.T) {
	const token = "spo_output-token-of-the-test"
	f := newRunFixture(t, 0)
	req := semaphoreRequest("exec-1")
	req.OutputToken = token
	req.Spec["parameters"] = map[string]any{"VERSION": "1.2.3", api.SemaphoreOutputTokenParameter: "mine"}
	runtest.WantOutcome(t, f.run(t, req, nil), api.ResultPassed, api.ResultReasonOK)

	taskID := f.fake.AddTask("app", "deploy", "main", ".semaphore/deploy.yml")
	treq := taskRequest("exec-2", taskID, "")
	treq.OutputToken = token
	runtest.WantOutcome(t, f.run(t, treq, nil), api.ResultPassed, api.ResultReasonOK)

	runtest.WantOutcome(t, f.run(t, semaphoreRequest("exec-3"), nil), api.ResultPassed, api.ResultReasonOK)

	wfs := f.fake.Workflows()
	if len(wfs) != 3 {
		t.Fatalf("workflows = %+v, want 3", wfs)
	}
	for i, execID := range []string{"exec-1", "exec-2"} {
		p := wfs[i].Parameters
		if p[api.SemaphoreExecutionIDParameter] != execID || p[api.SemaphoreOutputTokenParameter] != token {
			t.Errorf("workflow %d parameters = %v, want the execution id and the output token", i, p)
		}
	}
	if wfs[0].Parameters["VERSION"] != "1.2.3" {
		t.Errorf("the spec's parameters were lost: %v", wfs[0].Parameters)
	}
	if p := wfs[2].Parameters; p[api.SemaphoreOutputTokenParameter] != "" || p[api.SemaphoreExecutionIDParameter] != "" {
		t.Errorf("without an output token the pipeline got %v", p)
	}
}
