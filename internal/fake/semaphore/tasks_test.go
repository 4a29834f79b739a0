package semaphore_test

import (
	"encoding/json"
	"net/http"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// TestRunTask: run_now with no body runs the task's branch and pipeline
// file, a body overrides them and gives parameters, the workflow it answers
// names its initial pipeline, and an unknown task is 404.
func TestRunTask(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	fake.AddProject("app")
	id := fake.AddTask("app", "nightly", "release", ".semaphore/nightly.yml")

	run := func(body string) string {
		t.Helper()
		resp := send(t, fake, http.MethodPost, "/api/v1alpha/tasks/"+id+"/run_now", "application/json", body)
		var out struct {
			WorkflowID string `json:"workflow_id"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); resp.StatusCode != http.StatusOK || err != nil || out.WorkflowID == "" {
			t.Fatalf("run_now = %d, %v, %+v; want 200 with a workflow id", resp.StatusCode, err, out)
		}
		return out.WorkflowID
	}
	first := run("")
	run(`{"branch":"hotfix","pipeline_file":".semaphore/other.yml","parameters":{"A":"b"}}`)
	wfs := fake.Workflows()
	if len(wfs) != 2 || wfs[0].ID != first || wfs[0].TaskID != id || wfs[0].Reference != "refs/heads/release" || wfs[0].PipelineFile != ".semaphore/nightly.yml" {
		t.Fatalf("first workflow = %+v, want the task's defaults", wfs)
	}
	if wfs[1].Reference != "refs/heads/hotfix" || wfs[1].PipelineFile != ".semaphore/other.yml" || wfs[1].Parameters["A"] != "b" {
		t.Errorf("second workflow = %+v, want the body's branch, file and parameters", wfs[1])
	}

	var wf struct {
		Workflow struct {
			InitialPplID string `json:"initial_ppl_id"`
		} `json:"workflow"`
	}
	if err := json.NewDecoder(get(t, fake, "/api/v1alpha/plumber-workflows/"+first, "Token sem-token").Body).Decode(&wf); err != nil ||
		wf.Workflow.InitialPplID != wfs[0].PipelineID {
		t.Errorf("workflow's initial pipeline = %q, %v; want %q", wf.Workflow.InitialPplID, err, wfs[0].PipelineID)
	}
	if p := describe(t, fake, wfs[0].PipelineID); p.Pipeline.PplID != wfs[0].PipelineID {
		t.Errorf("the task's pipeline reads as %+v", p)
	}

	var tasks []struct{ ID, Name string }
	if err := json.NewDecoder(get(t, fake, "/api/v1alpha/tasks?project_id="+projectID(t, fake, "app"), "Token sem-token").Body).Decode(&tasks); err != nil ||
		len(tasks) != 1 || tasks[0].ID != id || tasks[0].Name != "nightly" {
		t.Errorf("tasks = %+v, %v; want nightly", tasks, err)
	}
	if resp := send(t, fake, http.MethodPost, "/api/v1alpha/tasks/nope/run_now", "application/json", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("run_now of an unknown task = %d, want 404", resp.StatusCode)
	}
}
