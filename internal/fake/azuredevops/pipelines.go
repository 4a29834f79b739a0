package azuredevops

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Run is a pipeline run started through the API, as the fake stores it.
type Run struct {
	ID                 int64
	Organization       string
	Project            string
	PipelineID         string
	RefName            string // resources.repositories.self.refName, "" for the default branch
	TemplateParameters map[string]string
	Variables          map[string]string
	// Secret names the variables sent with "isSecret": true.
	Secret []string
	// Cancelled says a cancel request (PATCH of its build) reached it while
	// it ran.
	Cancelled bool
}

// runState is the fake's Azure Pipelines state; its zero value passes every
// run after one read.
type runState struct {
	result      string // "" means succeeded
	pollsToDone int
	nextID      int64
	runs        []*runRecord
}

// runRecord is a run and its progress: inProgress until it was read
// pollsToDone times, then completed.
type runRecord struct {
	Run
	result      string
	pollsToDone int
	gets        int
	created     time.Time
}

func (r *runRecord) state() (state, result string) {
	switch {
	case r.Cancelled:
		return "completed", "canceled"
	case r.gets > r.pollsToDone:
		return "completed", r.result
	}
	return "inProgress", ""
}

// SetRunResult makes runs started from now on complete with result
// (succeeded, failed, canceled) after pollsToDone reads in progress.
func (s *Server) SetRunResult(result string, pollsToDone int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs.result, s.runs.pollsToDone = result, pollsToDone
}

// FinishRuns makes every run still in progress complete with result on
// its next read, as when its jobs end.
func (s *Server) FinishRuns(result string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs.runs {
		if state, _ := r.state(); state != "completed" {
			r.result, r.pollsToDone = result, r.gets
		}
	}
}

// Runs returns the runs started through the API, oldest first.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Run, 0, len(s.runs.runs))
	for _, r := range s.runs.runs {
		c := r.Run
		c.TemplateParameters = cloneMap(r.TemplateParameters)
		c.Variables = cloneMap(r.Variables)
		c.Secret = append([]string(nil), r.Secret...)
		out = append(out, c)
	}
	return out
}

func (s *Server) registerPipelines() {
	s.handle("POST /{org}/{project}/_apis/pipelines/{pipeline}/runs", true, s.runPipeline)
	s.handle("GET /{org}/{project}/_apis/pipelines/{pipeline}/runs/{run}", true, s.getRun)
	s.handle("PATCH /{org}/{project}/_apis/build/builds/{build}", true, s.updateBuild)
}

// runBody is the body of Runs - Run Pipeline.
type runBody struct {
	Resources struct {
		Repositories map[string]struct {
			RefName string `json:"refName"`
		} `json:"repositories"`
	} `json:"resources"`
	TemplateParameters map[string]string `json:"templateParameters"`
	Variables          map[string]struct {
		Value    *string `json:"value"`
		IsSecret bool    `json:"isSecret"`
	} `json:"variables"`
}

func (s *Server) projectOf(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) *project {
	p := o.findProject(r.PathValue("project"))
	if p == nil || !pat.sees(p) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("TF200016: The following project does not exist: %s. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", r.PathValue("project")), "ProjectDoesNotExistWithNameException")
		return nil
	}
	return p
}

func (s *Server) runPipeline(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	p := s.projectOf(w, r, o, pat)
	if p == nil {
		return
	}
	pid := r.PathValue("pipeline")
	if _, ok := p.pipelines[pid]; !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Pipeline with id %s does not exist.", pid), "PipelineNotFoundException")
		return
	}
	var b runBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "The request body could not be read as a RunPipelineParameters: "+err.Error(), "InvalidRequestException")
		return
	}
	run := &runRecord{
		Run: Run{
			Organization: o.name, Project: p.name, PipelineID: pid,
			TemplateParameters: b.TemplateParameters, Variables: map[string]string{},
		},
		result: s.runs.result, pollsToDone: s.runs.pollsToDone, created: time.Now(),
	}
	if self, ok := b.Resources.Repositories["self"]; ok {
		if !strings.HasPrefix(self.RefName, "refs/") {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Unexpected refName %q: a ref starts with refs/.", self.RefName), "InvalidRequestException")
			return
		}
		run.RefName = self.RefName
	}
	for k, v := range b.Variables {
		if v.Value == nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Variable %s has no value.", k), "InvalidRequestException")
			return
		}
		run.Variables[k] = *v.Value
		if v.IsSecret {
			run.Secret = append(run.Secret, k)
		}
	}
	if run.result == "" {
		run.result = "succeeded"
	}
	s.runs.nextID++
	run.ID = s.runs.nextID
	s.runs.runs = append(s.runs.runs, run)
	writeJSON(w, http.StatusOK, s.runJSON(o, p, run))
}

func (s *Server) runJSON(o *org, p *project, run *runRecord) map[string]any {
	state, result := run.state()
	out := map[string]any{
		"id": run.ID, "name": run.created.UTC().Format("20060102") + "." + strconv.FormatInt(run.ID, 10),
		"state": state, "createdDate": run.created.UTC().Format(time.RFC3339),
		"pipeline": map[string]any{"id": run.PipelineID, "name": p.pipelines[run.PipelineID]},
		"url":      fmt.Sprintf("%s/%s/%s/_apis/pipelines/%s/runs/%d", s.srv.URL, o.name, p.id, run.PipelineID, run.ID),
	}
	if result != "" {
		out["result"] = result
	}
	return out
}

func (s *Server) findRun(o *org, p *project, pipeline, id string) *runRecord {
	for _, run := range s.runs.runs {
		if run.Organization == o.name && run.Project == p.name && (pipeline == "" || run.PipelineID == pipeline) && strconv.FormatInt(run.ID, 10) == id {
			return run
		}
	}
	return nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	p := s.projectOf(w, r, o, pat)
	if p == nil {
		return
	}
	run := s.findRun(o, p, r.PathValue("pipeline"), r.PathValue("run"))
	if run == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Run with id %s does not exist.", r.PathValue("run")), "PipelineRunNotFoundException")
		return
	}
	run.gets++
	writeJSON(w, http.StatusOK, s.runJSON(o, p, run))
}

// updateBuild serves Builds - Update Build with {"status": "cancelling"},
// which cancels the run the build is. A completed build cannot be
// cancelled (400).
func (s *Server) updateBuild(w http.ResponseWriter, r *http.Request, o *org, pat *PAT) {
	p := s.projectOf(w, r, o, pat)
	if p == nil {
		return
	}
	run := s.findRun(o, p, "", r.PathValue("build"))
	if run == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("The requested build %s could not be found.", r.PathValue("build")), "BuildNotFoundException")
		return
	}
	var b struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Status != "cancelling" {
		writeError(w, http.StatusBadRequest, "Only a status of cancelling can be set on a build through this fake.", "InvalidRequestException")
		return
	}
	if state, _ := run.state(); state == "completed" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The build %d has already completed and cannot be cancelled.", run.ID), "InvalidBuildStatusException")
		return
	}
	run.Cancelled = true
	writeJSON(w, http.StatusOK, map[string]any{"id": run.ID, "status": "cancelling", "buildNumber": s.runJSON(o, p, run)["name"]})
}
