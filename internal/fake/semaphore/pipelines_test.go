package semaphore_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// send requests path with a body of the given content type.
func send(t *testing.T, fake *fakesemaphore.Server, method, path, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, fake.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token sem-token")
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

type pipelineJSON struct {
	Pipeline struct {
		PplID  string `json:"ppl_id"`
		State  string `json:"state"`
		Result string `json:"result"`
	} `json:"pipeline"`
}

func describe(t *testing.T, fake *fakesemaphore.Server, id string) pipelineJSON {
	t.Helper()
	resp := get(t, fake, "/api/v1alpha/pipelines/"+id, "Token sem-token")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("describe: %d, want 200", resp.StatusCode)
	}
	var p pipelineJSON
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func projectID(t *testing.T, fake *fakesemaphore.Server, name string) string {
	t.Helper()
	var p struct{ Metadata struct{ ID string } }
	if err := json.NewDecoder(get(t, fake, "/api/v1alpha/projects/"+name, "Token sem-token").Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p.Metadata.ID
}

func TestRunWorkflowAndPipeline(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	fake.AddProject("app")
	fake.SetPipelineResult("FAILED", 2)
	pid := projectID(t, fake, "app")

	body, _ := json.Marshal(map[string]any{
		"project_id": pid, "reference": "refs/heads/main", "pipeline_file": ".semaphore/deploy.yml",
		"parameters": map[string]string{"VERSION": "1"},
	})
	resp := send(t, fake, http.MethodPost, "/api/v1alpha/plumber-workflows", "application/json", string(body))
	var created struct {
		WorkflowID string `json:"workflow_id"`
		PipelineID string `json:"pipeline_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("run workflow: %d %v", resp.StatusCode, err)
	}
	wfs := fake.Workflows()
	if len(wfs) != 1 || wfs[0].ID != created.WorkflowID || wfs[0].PipelineID != created.PipelineID ||
		wfs[0].ProjectID != pid || wfs[0].Parameters["VERSION"] != "1" || wfs[0].PipelineFile != ".semaphore/deploy.yml" {
		t.Fatalf("workflows = %+v, want the one started (%+v)", wfs, created)
	}

	if p := describe(t, fake, created.PipelineID); p.Pipeline.State != "RUNNING" || p.Pipeline.PplID != created.PipelineID {
		t.Errorf("first read = %+v, want RUNNING", p)
	}
	if p := describe(t, fake, created.PipelineID); p.Pipeline.State != "DONE" || p.Pipeline.Result != "FAILED" {
		t.Errorf("second read = %+v, want DONE/FAILED", p)
	}
	if got := get(t, fake, "/api/v1alpha/pipelines/nope", "Token sem-token").StatusCode; got != http.StatusNotFound {
		t.Errorf("unknown pipeline: %d, want 404", got)
	}
}

func TestRunWorkflowFormAndErrors(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	fake.AddProject("app")
	pid := projectID(t, fake, "app")

	form := url.Values{"project_id": {pid}, "reference": {"refs/heads/main"}}.Encode()
	if got := send(t, fake, http.MethodPost, "/api/v1alpha/plumber-workflows", "application/x-www-form-urlencoded", form).StatusCode; got != http.StatusOK {
		t.Errorf("form body: %d, want 200", got)
	}
	if wfs := fake.Workflows(); len(wfs) != 1 || wfs[0].PipelineFile != ".semaphore/semaphore.yml" {
		t.Errorf("workflows = %+v, want the default pipeline file", wfs)
	}
	if got := send(t, fake, http.MethodPost, "/api/v1alpha/plumber-workflows", "application/json", `{"project_id": "`+pid+`"}`).StatusCode; got != http.StatusBadRequest {
		t.Errorf("no reference: %d, want 400", got)
	}
	if got := send(t, fake, http.MethodPost, "/api/v1alpha/plumber-workflows", "application/json", `{"project_id": "nope", "reference": "refs/heads/main"}`).StatusCode; got != http.StatusNotFound {
		t.Errorf("unknown project: %d, want 404", got)
	}
	req, _ := http.NewRequest(http.MethodPost, fake.URL()+"/api/v1alpha/plumber-workflows", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %v %v, want 401", resp, err)
	} else {
		_ = resp.Body.Close()
	}
}

func TestTerminatePipeline(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	fake.AddProject("app")
	fake.SetPipelineResult("PASSED", 100)
	body := `{"project_id": "` + projectID(t, fake, "app") + `", "reference": "refs/heads/main"}`
	var raw map[string]string
	_ = json.NewDecoder(send(t, fake, http.MethodPost, "/api/v1alpha/plumber-workflows", "application/json", body).Body).Decode(&raw)
	id := raw["pipeline_id"]

	if got := send(t, fake, http.MethodPatch, "/api/v1alpha/pipelines/"+id, "application/json", `{}`).StatusCode; got != http.StatusBadRequest {
		t.Errorf("PATCH without terminate_request: %d, want 400", got)
	}
	if got := send(t, fake, http.MethodPatch, "/api/v1alpha/pipelines/"+id, "application/json", `{"terminate_request": true}`).StatusCode; got != http.StatusOK {
		t.Errorf("terminate: %d, want 200", got)
	}
	if p := describe(t, fake, id); p.Pipeline.State != "DONE" || p.Pipeline.Result != "STOPPED" {
		t.Errorf("after terminate = %+v, want DONE/STOPPED", p)
	}
	if wfs := fake.Workflows(); !wfs[0].Terminated {
		t.Errorf("workflow = %+v, want Terminated", wfs[0])
	}
}
