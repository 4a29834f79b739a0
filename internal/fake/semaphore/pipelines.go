package semaphore

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Workflow is a workflow started through the API, as the fake stores it.
type Workflow struct {
	ID           string
	PipelineID   string // its initial pipeline
	ProjectID    string
	Reference    string // refs/heads/<branch>
	PipelineFile string
	Parameters   map[string]string
	// TaskID is the task the workflow was run from ("" when it was run
	// with plumber-workflows).
	TaskID string
	// Terminated says a terminate request reached the pipeline while it
	// was running.
	Terminated bool
}

// pipelines is the fake's workflow state; its zero value is empty, with
// pipelines passing after one read.
type pipelines struct {
	result      string // "" means PASSED
	pollsToDone int    // used when configured
	configured  bool
	workflows   []*workflowRecord
}

// workflowRecord is a started workflow and its initial pipeline. The
// pipeline is RUNNING until it was read pollsToDone times, then DONE.
type workflowRecord struct {
	Workflow
	result      string
	pollsToDone int
	gets        int
	created     time.Time
	posted      bool // the pipeline called SuperPlane back (outputs.go)
}

func (wf *workflowRecord) state() (state, result, reason string) {
	switch {
	case wf.Terminated:
		return "DONE", "STOPPED", "USER"
	case wf.gets >= wf.pollsToDone:
		reason := "TEST"
		if wf.result == "PASSED" {
			reason = ""
		}
		return "DONE", wf.result, reason
	default:
		return "RUNNING", "", ""
	}
}

// SetPipelineResult makes the pipelines of workflows started from now on
// end with result (PASSED, FAILED, STOPPED...) after pollsToDone reads;
// 0 makes them done at once. Until it is called, pipelines pass after one
// read.
func (s *Server) SetPipelineResult(result string, pollsToDone int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pipelines.result, s.pipelines.pollsToDone, s.pipelines.configured = result, pollsToDone, true
}

// Workflows returns the workflows started through the API, oldest first.
func (s *Server) Workflows() []Workflow {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Workflow, 0, len(s.pipelines.workflows))
	for _, wf := range s.pipelines.workflows {
		c := wf.Workflow
		c.Parameters = make(map[string]string, len(wf.Parameters))
		for k, v := range wf.Parameters {
			c.Parameters[k] = v
		}
		out = append(out, c)
	}
	return out
}

// registerPipelines serves running workflows and reading and terminating
// their pipelines.
func (s *Server) registerPipelines(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1alpha/plumber-workflows", s.authenticated(s.runWorkflow))
	mux.HandleFunc("GET /api/v1alpha/pipelines/{id}", s.authenticated(s.describePipeline))
	mux.HandleFunc("PATCH /api/v1alpha/pipelines/{id}", s.authenticated(s.terminatePipeline))
	mux.HandleFunc("GET /api/v1alpha/plumber-workflows/{id}", s.authenticated(s.describeWorkflow))
	mux.HandleFunc("GET /api/v1alpha/tasks", s.authenticated(s.listTasks))
	mux.HandleFunc("POST /api/v1alpha/tasks/{id}/run_now", s.authenticated(s.runTask))
}

// runWorkflow serves POST /api/v1alpha/plumber-workflows, with a JSON or a
// form body as Semaphore accepts: project_id and reference are required,
// pipeline_file defaults to .semaphore/semaphore.yml, parameters (JSON
// only) become the workflow's parameters.
func (s *Server) runWorkflow(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProjectID    string            `json:"project_id"`
		Reference    string            `json:"reference"`
		CommitSHA    string            `json:"commit_sha"`
		PipelineFile string            `json:"pipeline_file"`
		Parameters   map[string]string `json:"parameters"`
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		if err := r.ParseForm(); err != nil {
			writeMessage(w, http.StatusBadRequest, "invalid request body: "+err.Error())
			return
		}
		in.ProjectID, in.Reference = r.PostForm.Get("project_id"), r.PostForm.Get("reference")
		in.CommitSHA, in.PipelineFile = r.PostForm.Get("commit_sha"), r.PostForm.Get("pipeline_file")
	} else if !decode(w, r, &in) {
		return
	}
	if in.ProjectID == "" || in.Reference == "" {
		writeMessage(w, http.StatusBadRequest, "project_id and reference are required")
		return
	}
	if in.PipelineFile == "" {
		in.PipelineFile = ".semaphore/semaphore.yml"
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for _, p := range s.projects {
		found = found || p.id == in.ProjectID
	}
	if !found {
		writeMessage(w, http.StatusNotFound, "project not found")
		return
	}
	wf := s.startWorkflowLocked(Workflow{ProjectID: in.ProjectID, Reference: in.Reference,
		PipelineFile: in.PipelineFile, Parameters: in.Parameters})
	writeJSON(w, http.StatusOK, map[string]string{"workflow_id": wf.ID, "pipeline_id": wf.PipelineID, "hook_id": newID()})
}

// startWorkflowLocked records a workflow started as wf asks, with new ids
// and the configured pipeline result.
func (s *Server) startWorkflowLocked(wf Workflow) *workflowRecord {
	result, polls := "PASSED", 1
	if s.pipelines.configured {
		result, polls = s.pipelines.result, s.pipelines.pollsToDone
	}
	wf.ID, wf.PipelineID = newID(), newID()
	rec := &workflowRecord{Workflow: wf, result: result, pollsToDone: polls, created: time.Now().UTC()}
	s.pipelines.workflows = append(s.pipelines.workflows, rec)
	return rec
}

// pipelineLocked returns the workflow whose pipeline is named in the path,
// or writes 404.
func (s *Server) pipelineLocked(w http.ResponseWriter, r *http.Request) *workflowRecord {
	for _, wf := range s.pipelines.workflows {
		if wf.PipelineID == r.PathValue("id") {
			return wf
		}
	}
	writeMessage(w, http.StatusNotFound, "pipeline not found")
	return nil
}

// describePipeline serves GET /api/v1alpha/pipelines/{id}; every read moves
// the pipeline one step towards DONE.
func (s *Server) describePipeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wf := s.pipelineLocked(w, r)
	if wf == nil {
		return
	}
	wf.gets++
	state, result, reason := wf.state()
	if state == "DONE" {
		// Its last job posts the outputs before the pipeline is done.
		s.callBackLocked(wf)
	}
	terminate := ""
	if wf.Terminated {
		terminate = "stop"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"pipeline": map[string]any{
			"ppl_id":            wf.PipelineID,
			"wf_id":             wf.ID,
			"name":              "Pipeline",
			"project_id":        wf.ProjectID,
			"branch_name":       strings.TrimPrefix(wf.Reference, "refs/heads/"),
			"yaml_file_name":    wf.PipelineFile,
			"state":             state,
			"result":            result,
			"result_reason":     reason,
			"terminate_request": terminate,
			"created_at":        map[string]int64{"seconds": wf.created.Unix(), "nanos": int64(wf.created.Nanosecond())},
		},
		"blocks": []any{},
	})
}

// terminatePipeline serves PATCH /api/v1alpha/pipelines/{id} with
// {"terminate_request": true}. A pipeline already done is left as it is.
func (s *Server) terminatePipeline(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TerminateRequest bool `json:"terminate_request"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&in); err != nil || !in.TerminateRequest {
		writeMessage(w, http.StatusBadRequest, "terminate_request must be true")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wf := s.pipelineLocked(w, r)
	if wf == nil {
		return
	}
	if state, _, _ := wf.state(); state != "DONE" {
		wf.Terminated = true
	}
	writeMessage(w, http.StatusOK, "Pipeline termination started.")
}
