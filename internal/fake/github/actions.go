package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dispatch is a workflow_dispatch event the fake received.
type Dispatch struct {
	Workflow string // the workflow's file name
	Ref      string
	Inputs   map[string]any
}

// WorkflowRun is a workflow run as the fake reports it.
type WorkflowRun struct {
	ID           int64
	Workflow     string // the workflow's file name
	Ref          string
	DisplayTitle string
	Status       string // queued, in_progress or completed
	Conclusion   string // "" until completed
}

// actions is the fake's GitHub Actions state; its zero value is empty.
type actions struct {
	workflows  map[string][]*workflow // by lower-case "owner/repo"
	runs       []*workflowRun
	dispatches map[string][]Dispatch // by lower-case "owner/repo"
}

// workflow is a workflow file of a repository and how its runs end.
type workflow struct {
	id              int64
	file            string
	conclusion      string
	pollsToComplete int
	// inputs are the workflow_dispatch inputs it declares; nil takes any
	// (SetWorkflowInputs).
	inputs []string
}

// name is the workflow's name: GitHub takes it from the file's name: key;
// the fake uses the file name without extension.
func (wf *workflow) name() string { return strings.TrimSuffix(wf.file, path.Ext(wf.file)) }

// workflowRun is a run. Its status is derived from how many times it was
// read: queued until the first GET, in_progress until pollsToComplete GETs,
// then completed.
type workflowRun struct {
	id              int64
	repoKey         string
	number          int
	wf              *workflow
	ref             string
	displayTitle    string
	conclusion      string
	pollsToComplete int
	gets            int
	cancelled       bool
	created         time.Time
	// inputs are the dispatch's inputs; posted says the run called
	// SuperPlane back (outputs.go).
	inputs map[string]any
	posted bool
}

func (run *workflowRun) status() (status, conclusion string) {
	switch {
	case run.cancelled:
		return "completed", "cancelled"
	case run.gets >= run.pollsToComplete:
		return "completed", run.conclusion
	case run.gets == 0:
		return "queued", ""
	default:
		return "in_progress", ""
	}
}

const actionsDocURL = "https://docs.github.com/rest/actions"

// AddWorkflow adds the workflow file (deploy.yml) to owner/repo, or changes
// an existing one. Its runs complete with conclusion (success, failure...)
// after pollsToComplete reads of the run; 0 makes them complete at once.
// The repository must exist (AddRepo).
func (s *Server) AddWorkflow(ownerLogin, repoName, file, conclusion string, pollsToComplete int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(ownerLogin + "/" + repoName)
	if s.repos[key] == nil {
		s.t.Fatalf("fake github: AddWorkflow: unknown repository %s/%s; call AddRepo first", ownerLogin, repoName)
		return
	}
	if s.actions.workflows == nil {
		s.actions.workflows = map[string][]*workflow{}
	}
	for _, wf := range s.actions.workflows[key] {
		if wf.file == file {
			wf.conclusion, wf.pollsToComplete = conclusion, pollsToComplete
			return
		}
	}
	s.nextID++
	s.actions.workflows[key] = append(s.actions.workflows[key], &workflow{
		id: s.nextID, file: file, conclusion: conclusion, pollsToComplete: pollsToComplete,
	})
}

// Dispatches returns the workflow_dispatch events owner/repo received, in
// order.
func (s *Server) Dispatches(ownerLogin, repoName string) []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Dispatch
	for _, d := range s.actions.dispatches[strings.ToLower(ownerLogin+"/"+repoName)] {
		inputs := make(map[string]any, len(d.Inputs))
		for k, v := range d.Inputs {
			inputs[k] = v
		}
		d.Inputs = inputs
		out = append(out, d)
	}
	return out
}

// WorkflowRuns returns the runs of owner/repo, oldest first, without
// counting as reads.
func (s *Server) WorkflowRuns(ownerLogin, repoName string) []WorkflowRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(ownerLogin + "/" + repoName)
	var out []WorkflowRun
	for _, run := range s.actions.runs {
		if run.repoKey != key {
			continue
		}
		status, conclusion := run.status()
		out = append(out, WorkflowRun{
			ID: run.id, Workflow: run.wf.file, Ref: run.ref, DisplayTitle: run.displayTitle,
			Status: status, Conclusion: conclusion,
		})
	}
	return out
}

// registerActions serves workflow dispatch and workflow runs.
func (s *Server) registerActions() {
	s.handle("POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", "repo", s.dispatchWorkflow)
	s.handle("GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs", "", s.listWorkflowRuns)
	s.handle("GET /repos/{owner}/{repo}/actions/runs", "", s.listWorkflowRuns)
	s.handle("GET /repos/{owner}/{repo}/actions/runs/{id}", "", s.getWorkflowRun)
	s.handle("POST /repos/{owner}/{repo}/actions/runs/{id}/cancel", "repo", s.cancelWorkflowRun)
}

// actionsRepoLocked returns the repository of the request, or writes 404.
// write says the caller must be able to run workflows: a classic token
// needs the repo scope, and the user write access (which the fake grants
// with admin), else 403 as GitHub answers on a public repository.
func (s *Server) actionsRepoLocked(w http.ResponseWriter, r *http.Request, caller *token, write bool) *repo {
	rp := s.repoLocked(r)
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found", actionsDocURL)
		return nil
	}
	if write && (!rp.isAdmin(caller.login) || !caller.hasAnyScope("repo")) {
		writeError(w, http.StatusForbidden, "Must have admin rights to Repository.", actionsDocURL)
		return nil
	}
	return rp
}

// workflowLocked returns the workflow named in the path by file name or id,
// or nil.
func (s *Server) workflowLocked(rp *repo, ref string) *workflow {
	for _, wf := range s.actions.workflows[strings.ToLower(rp.fullName())] {
		if wf.file == ref || strconv.FormatInt(wf.id, 10) == ref {
			return wf
		}
	}
	return nil
}

// dispatchWorkflow serves POST .../actions/workflows/{workflow}/dispatches:
// 204, and a new run whose display title is the superplane_execution_id
// input, as a workflow with run-name: ${{ inputs.superplane_execution_id }}
// would have.
func (s *Server) dispatchWorkflow(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.actionsRepoLocked(w, r, caller, true)
	if rp == nil {
		return
	}
	wf := s.workflowLocked(rp, r.PathValue("workflow"))
	if wf == nil {
		writeError(w, http.StatusNotFound, "Not Found", actionsDocURL+"/workflows#create-a-workflow-dispatch-event")
		return
	}
	var body struct {
		Ref    *string        `json:"ref"`
		Inputs map[string]any `json:"inputs"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", actionsDocURL)
		return
	}
	if body.Ref == nil || *body.Ref == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.", actionsDocURL+"/workflows#create-a-workflow-dispatch-event")
		return
	}
	if msg := checkDispatchInputs(wf, body.Inputs); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, msg, actionsDocURL+"/workflows#create-a-workflow-dispatch-event")
		return
	}
	key := strings.ToLower(rp.fullName())
	if s.actions.dispatches == nil {
		s.actions.dispatches = map[string][]Dispatch{}
	}
	s.actions.dispatches[key] = append(s.actions.dispatches[key], Dispatch{Workflow: wf.file, Ref: *body.Ref, Inputs: body.Inputs})

	title := wf.name()
	if id, ok := body.Inputs["superplane_execution_id"].(string); ok && id != "" {
		title = id
	}
	number := 1
	for _, run := range s.actions.runs {
		if run.wf == wf {
			number++
		}
	}
	s.nextID++
	s.actions.runs = append(s.actions.runs, &workflowRun{
		id: s.nextID, repoKey: key, number: number, wf: wf, ref: strings.TrimPrefix(*body.Ref, "refs/heads/"),
		displayTitle: title, conclusion: wf.conclusion, pollsToComplete: wf.pollsToComplete,
		created: time.Now().UTC().Truncate(time.Second), inputs: body.Inputs,
	})
	w.WriteHeader(http.StatusNoContent)
}

// listWorkflowRuns serves the runs of a repository or of one workflow,
// newest first, filtered by event, branch, status and created as GitHub
// does.
func (s *Server) listWorkflowRuns(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.actionsRepoLocked(w, r, caller, false)
	if rp == nil {
		return
	}
	var wf *workflow
	if ref := r.PathValue("workflow"); ref != "" {
		if wf = s.workflowLocked(rp, ref); wf == nil {
			writeError(w, http.StatusNotFound, "Not Found", actionsDocURL+"/workflow-runs#list-workflow-runs-for-a-workflow")
			return
		}
	}
	q := r.URL.Query()
	created, ok := parseCreatedFilter(q.Get("created"))
	if !ok {
		writeValidationFailed(w, "WorkflowRun", "invalid created filter "+strconv.Quote(q.Get("created")), actionsDocURL)
		return
	}
	key := strings.ToLower(rp.fullName())
	var match []*workflowRun
	for _, run := range s.actions.runs {
		status, conclusion := run.status()
		switch {
		case run.repoKey != key, wf != nil && run.wf != wf:
		case q.Get("event") != "" && q.Get("event") != "workflow_dispatch":
		case q.Get("branch") != "" && q.Get("branch") != run.ref:
		case q.Get("status") != "" && q.Get("status") != status && q.Get("status") != conclusion:
		case !created(run.created):
		default:
			match = append(match, run)
		}
	}
	slices.Reverse(match)
	page := paginate(w, r, s.srv.URL, match)
	out := make([]map[string]any, 0, len(page))
	for _, run := range page {
		out = append(out, s.runJSON(rp, run))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(match), "workflow_runs": out})
}

// parseCreatedFilter parses GitHub's date filter: a date or time, or one
// after >, >=, < or <=, or a range a..b (either side may be *).
func parseCreatedFilter(f string) (func(time.Time) bool, bool) {
	if f == "" {
		return func(time.Time) bool { return true }, true
	}
	if lo, hi, ok := strings.Cut(f, ".."); ok {
		from, ok1 := parseFilterTime(lo)
		to, ok2 := parseFilterTime(hi)
		if !ok1 && lo != "*" || !ok2 && hi != "*" {
			return nil, false
		}
		return func(t time.Time) bool {
			return (lo == "*" || !t.Before(from)) && (hi == "*" || !t.After(to))
		}, true
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(f, op); ok {
			at, ok := parseFilterTime(rest)
			if !ok {
				return nil, false
			}
			return func(t time.Time) bool {
				switch op {
				case ">=":
					return !t.Before(at)
				case "<=":
					return !t.After(at)
				case ">":
					return t.After(at)
				default:
					return t.Before(at)
				}
			}, true
		}
	}
	if day, err := time.Parse(time.DateOnly, f); err == nil {
		return func(t time.Time) bool { return !t.Before(day) && t.Before(day.AddDate(0, 0, 1)) }, true
	}
	at, ok := parseFilterTime(f)
	return func(t time.Time) bool { return t.Equal(at) }, ok
}

func parseFilterTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// runLocked returns the run named in the path, or writes 404.
func (s *Server) runLocked(w http.ResponseWriter, r *http.Request, rp *repo) *workflowRun {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		for _, run := range s.actions.runs {
			if run.id == id && run.repoKey == strings.ToLower(rp.fullName()) {
				return run
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", actionsDocURL+"/workflow-runs#get-a-workflow-run")
	return nil
}

// getWorkflowRun serves GET .../actions/runs/{id}; every read moves the run
// one step towards completion.
func (s *Server) getWorkflowRun(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.actionsRepoLocked(w, r, caller, false)
	if rp == nil {
		return
	}
	if run := s.runLocked(w, r, rp); run != nil {
		run.gets++
		if status, _ := run.status(); status == "completed" {
			// Its last step posts the outputs before the run completes.
			s.callBackLocked(rp, run)
		}
		writeJSON(w, http.StatusOK, s.runJSON(rp, run))
	}
}

// cancelWorkflowRun serves POST .../actions/runs/{id}/cancel: 202, or 409
// when the run is already completed.
func (s *Server) cancelWorkflowRun(w http.ResponseWriter, r *http.Request, caller *token) {
	rp := s.actionsRepoLocked(w, r, caller, true)
	if rp == nil {
		return
	}
	run := s.runLocked(w, r, rp)
	if run == nil {
		return
	}
	if status, _ := run.status(); status == "completed" {
		writeError(w, http.StatusConflict, "Cannot cancel a workflow run that is completed.", actionsDocURL+"/workflow-runs#cancel-a-workflow-run")
		return
	}
	run.cancelled = true
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

// runJSON renders a run as GitHub does.
func (s *Server) runJSON(rp *repo, run *workflowRun) map[string]any {
	status, conclusion := run.status()
	var c any
	if conclusion != "" {
		c = conclusion
	}
	apiURL := fmt.Sprintf("%srepos/%s/actions/runs/%d", s.URL(), rp.fullName(), run.id)
	created := run.created.Format(time.RFC3339)
	return map[string]any{
		"id":             run.id,
		"node_id":        fmt.Sprintf("WFR_fake%d", run.id),
		"name":           run.wf.name(),
		"display_title":  run.displayTitle,
		"path":           ".github/workflows/" + run.wf.file,
		"head_branch":    run.ref,
		"head_sha":       fmt.Sprintf("%040x", run.id),
		"run_number":     run.number,
		"run_attempt":    1,
		"event":          "workflow_dispatch",
		"status":         status,
		"conclusion":     c,
		"workflow_id":    run.wf.id,
		"url":            apiURL,
		"html_url":       fmt.Sprintf("https://github.com/%s/actions/runs/%d", rp.fullName(), run.id),
		"cancel_url":     apiURL + "/cancel",
		"created_at":     created,
		"updated_at":     created,
		"run_started_at": created,
	}
}
