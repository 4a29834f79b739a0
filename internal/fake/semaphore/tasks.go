package semaphore

import (
	"net/http"
	"strings"
)

// task is a Semaphore task (formerly a scheduler): a workflow of a project
// run on demand or on a schedule, with a default branch and pipeline file.
type task struct {
	id, name, projectID, branch, pipelineFile string
}

// AddTask adds a task called name to the project called projectName, with
// its default branch and pipeline file, and returns its id. The project
// must have been added.
func (s *Server) AddTask(projectName, name, branch, pipelineFile string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		if p.name == projectName {
			t := task{id: newID(), name: name, projectID: p.id, branch: branch, pipelineFile: pipelineFile}
			s.tasks = append(s.tasks, t)
			return t.id
		}
	}
	panic("fake semaphore: AddTask for a project that was not added: " + projectName)
}

// listTasks serves GET /api/v1alpha/tasks?project_id=..., the project's
// tasks (an empty list for an unknown project).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	project := r.URL.Query().Get("project_id")
	if project == "" {
		writeMessage(w, http.StatusBadRequest, "project_id is required")
		return
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, t := range s.tasks {
		if t.projectID == project {
			out = append(out, map[string]any{"id": t.id, "name": t.name, "project_id": t.projectID,
				"branch": t.branch, "pipeline_file": t.pipelineFile, "recurring": false})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// runTask serves POST /api/v1alpha/tasks/{id}/run_now as Semaphore's API
// reference documents it: an optional JSON body whose branch,
// pipeline_file and parameters override the task's defaults. It answers
// the started workflow's id.
func (s *Server) runTask(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Branch       string            `json:"branch"`
		PipelineFile string            `json:"pipeline_file"`
		Parameters   map[string]string `json:"parameters"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tasks {
		if t.id != r.PathValue("id") {
			continue
		}
		branch, file := t.branch, t.pipelineFile
		if in.Branch != "" {
			branch = in.Branch
		}
		if in.PipelineFile != "" {
			file = in.PipelineFile
		}
		wf := s.startWorkflowLocked(Workflow{ProjectID: t.projectID, Reference: "refs/heads/" + strings.TrimPrefix(branch, "refs/heads/"),
			PipelineFile: file, Parameters: in.Parameters, TaskID: t.id})
		writeJSON(w, http.StatusOK, map[string]string{"workflow_id": wf.ID})
		return
	}
	writeMessage(w, http.StatusNotFound, "task not found")
}

// describeWorkflow serves GET /api/v1alpha/plumber-workflows/{id}: the
// workflow and its initial pipeline.
func (s *Server) describeWorkflow(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, wf := range s.pipelines.workflows {
		if wf.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, map[string]any{"workflow": map[string]any{
				"wf_id": wf.ID, "initial_ppl_id": wf.PipelineID, "project_id": wf.ProjectID,
				"branch_name": strings.TrimPrefix(wf.Reference, "refs/heads/"),
				"created_at":  map[string]int64{"seconds": wf.created.Unix(), "nanos": int64(wf.created.Nanosecond())},
			}})
			return
		}
	}
	writeMessage(w, http.StatusNotFound, "workflow not found")
}
