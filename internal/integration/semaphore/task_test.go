package semaphore_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
)

// taskRequest runs the task named task instead of a pipeline file.
func taskRequest(execID, task string, ref string) integration.RunRequest {
	req := semaphoreRequest(execID)
	delete(req.Spec, "pipelineFile")
	delete(req.Spec, "ref")
	req.Spec["task"] = task
	if ref != "" {
		req.Spec["ref"] = ref
	}
	return req
}

// TestSemaphoreTaskRun: spec.task runs the project's task (named by id or
// by name) with run_now, on the task's own branch and pipeline file unless
// spec.ref names a branch, with the spec's parameters, and the execution
// follows the task's pipeline to its result.
func TestSemaphoreTaskRun(t *testing.T) {
	for _, tt := range []struct {
		name, ref, wantRef string
		byID               bool
	}{
		{name: "by name, the task's branch", wantRef: "refs/heads/release"},
		{name: "by id, spec.ref's branch", ref: "hotfix", wantRef: "refs/heads/hotfix", byID: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newRunFixture(t, 0)
			f.fake.SetPipelineResult("FAILED", 2)
			id := f.fake.AddTask("app", "nightly-deploy", "release", ".semaphore/nightly.yml")
			task := "nightly-deploy"
			if tt.byID {
				task = id
			}
			out := f.run(t, taskRequest("exec-task", task, tt.ref), (&runtest.Recorder{}).Progress)
			runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "FAILED")
			wfs := f.fake.Workflows()
			if len(wfs) != 1 {
				t.Fatalf("workflows = %+v, want the task's 1", wfs)
			}
			wf := wfs[0]
			if wf.TaskID != id || wf.Reference != tt.wantRef || wf.PipelineFile != ".semaphore/nightly.yml" ||
				!reflect.DeepEqual(wf.Parameters, map[string]string{"VERSION": "1.2.3", "REPLICAS": "2"}) {
				t.Errorf("workflow = %+v, want task %s on %s with its pipeline file and the spec's parameters", wf, id, tt.wantRef)
			}
			want := integration.Resource{ID: wf.PipelineID, Type: semaphore.ResourcePipeline, State: "DONE", Result: "FAILED"}
			if len(out.Resources) != 1 || out.Resources[0] != want {
				t.Errorf("resources = %+v, want [%+v]", out.Resources, want)
			}
		})
	}
}

// TestSemaphoreTaskNotFound: a task the project does not have fails the
// execution, naming it, and runs nothing.
func TestSemaphoreTaskNotFound(t *testing.T) {
	f := newRunFixture(t, 0)
	f.fake.AddTask("app", "nightly-deploy", "release", ".semaphore/nightly.yml")
	out := f.run(t, taskRequest("exec-task", "weekly", ""), nil)
	runtest.WantOutcome(t, out, api.ResultFailed, api.ResultReasonError, "Semaphore task weekly not found")
	if n := len(f.fake.Workflows()); n != 0 {
		t.Errorf("workflows = %d, want none", n)
	}
}

// TestSemaphoreCheckSpecTask: a spec runs either a pipeline file on a ref
// or a task, never both; with a task, ref is optional.
func TestSemaphoreCheckSpecTask(t *testing.T) {
	for _, tt := range []struct {
		spec map[string]any
		want string // "" for accepted
	}{
		{map[string]any{"task": "nightly"}, ""},
		{map[string]any{"task": "nightly", "ref": "main", "parameters": map[string]any{"A": "b"}}, ""},
		{map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main"}, ""},
		{map[string]any{"task": "nightly", "pipelineFile": ".semaphore/deploy.yml"}, "spec.task and spec.pipelineFile are exclusive"},
		{map[string]any{"task": " "}, "spec.task is required"},
		{map[string]any{"task": 3.0}, "spec.task must be a string"},
		{map[string]any{"task": "nightly", "ref": ""}, "spec.ref is required"},
		{map[string]any{"ref": "main"}, "spec.pipelineFile is required"},
	} {
		c := &integration.SpecCheck{Spec: tt.spec}
		sem.CheckSpec(c)
		switch err := c.Err(); {
		case tt.want == "" && err != nil:
			t.Errorf("CheckSpec(%v) = %v, want accepted", tt.spec, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckSpec(%v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}
