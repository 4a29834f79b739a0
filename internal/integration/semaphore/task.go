package semaphore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// startTask runs the task named by spec.task (its id or its name) of the
// project projectID with POST /api/v1alpha/tasks/{id}/run_now: spec.ref,
// when given, is the branch instead of the task's own, and spec.parameters
// are passed on. run_now answers the workflow only, so the workflow is read
// for its initial pipeline, which is then followed like any other.
func (s *semaphoreRun) startTask(ctx context.Context, req integration.RunRequest, projectID, task string) (integration.Outcome, bool) {
	id, out, done := s.findTask(ctx, projectID, task)
	if done {
		return out, true
	}
	body := map[string]any{}
	if ref := integration.SpecString(req.Spec, "ref"); ref != "" {
		body["branch"] = strings.TrimPrefix(ref, "refs/heads/")
	}
	if params := runParameters(req); len(params) > 0 {
		body["parameters"] = params
	}
	var started struct {
		WorkflowID string `json:"workflow_id"`
	}
	if err := s.api.do(ctx, http.MethodPost, "/api/v1alpha/tasks/"+url.PathEscape(id)+"/run_now", body, &started); err != nil {
		if ctx.Err() != nil {
			return s.outcome(s.e.Ended(ctx, "running the Semaphore task")), true
		}
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("running Semaphore task %s failed: %s", integration.Printable(task), err))), true
	}
	if started.WorkflowID == "" {
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore ran task %s but gave no workflow id", integration.Printable(task)))), true
	}
	var wf struct {
		Workflow struct {
			InitialPipelineID string `json:"initial_ppl_id"`
		} `json:"workflow"`
	}
	if err := s.api.do(ctx, http.MethodGet, "/api/v1alpha/plumber-workflows/"+url.PathEscape(started.WorkflowID), nil, &wf); err != nil {
		if ctx.Err() != nil {
			return s.outcome(s.e.Ended(ctx, "reading the Semaphore workflow")), true
		}
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("reading Semaphore workflow %s of task %s failed: %s",
			integration.Printable(started.WorkflowID), integration.Printable(task), err))), true
	}
	if wf.Workflow.InitialPipelineID == "" {
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore workflow %s gave no pipeline id", integration.Printable(started.WorkflowID)))), true
	}
	s.pipeline = integration.Resource{ID: wf.Workflow.InitialPipelineID, Type: ResourcePipeline}
	return integration.Outcome{}, false
}

// findTask returns the id of the project's task whose id or name is task.
func (s *semaphoreRun) findTask(ctx context.Context, projectID, task string) (string, integration.Outcome, bool) {
	var tasks []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := s.api.do(ctx, http.MethodGet, "/api/v1alpha/tasks?project_id="+url.QueryEscape(projectID), nil, &tasks); err != nil {
		var se *semaphoreError
		switch {
		case ctx.Err() != nil:
			return "", s.outcome(s.e.Ended(ctx, "looking up the Semaphore task")), true
		case errors.As(err, &se) && se.status == http.StatusNotFound:
		default:
			return "", s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("looking up Semaphore task %s failed: %s", integration.Printable(task), err))), true
		}
	}
	for _, t := range tasks {
		if t.ID == task || t.Name == task {
			return t.ID, integration.Outcome{}, false
		}
	}
	return "", s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore task %s not found in the project", integration.Printable(task)))), true
}
