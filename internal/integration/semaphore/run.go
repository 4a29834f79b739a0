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
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// ResourcePipeline is the resource a semaphore executor reports: a
// Semaphore pipeline, whose ID is the pipeline id, State its state
// (RUNNING, DONE...), Result its result (PASSED...).
const ResourcePipeline = "semaphore_pipeline"

// Semaphore pipeline states and results, compared without case.
const (
	semaphoreStateDone    = "DONE"
	semaphoreResultPassed = "PASSED"
)

// maxSemaphoreResponse bounds how much of a Semaphore answer is read.
const maxSemaphoreResponse = 1 << 20

// semaphoreAPI calls the Semaphore API with "Authorization: Token <t>", as
// Semaphore documents.
type semaphoreAPI struct {
	client *outbound.Client
	base   string
	token  string
}

// semaphoreError is a Semaphore answer other than 2xx, or (status 0) a
// failure to get one.
type semaphoreError struct {
	status  int
	message string
	// denied is set when the outbound guard refused the connection: no
	// retry can help until the operator allows the network.
	denied bool
}

func (e *semaphoreError) Error() string {
	if e.status == 0 {
		return "cannot reach Semaphore: " + e.message
	}
	if e.status == http.StatusUnauthorized {
		return "Semaphore: unauthorized (the integration's token is not valid for the organization)"
	}
	if e.message == "" {
		return fmt.Sprintf("Semaphore: unexpected status %d", e.status)
	}
	return fmt.Sprintf("Semaphore: unexpected status %d: %s", e.status, e.message)
}

// transient reports whether trying again may help: Semaphore was
// unreachable or failed on its side.
func (e *semaphoreError) transient() bool { return !e.denied && (e.status == 0 || e.status >= 500) }

// do sends in (when not nil) as JSON and decodes a 2xx answer into out
// (when not nil).
func (a semaphoreAPI) do(ctx context.Context, method, path string, in, out any) error {
	ans, no := integration.JSONCall{Tool: "Semaphore API", Client: a.client, Limit: maxSemaphoreResponse,
		Prepare: func(req *http.Request) { Type{}.Authenticate(req, a.token) }}.Send(ctx, method, a.base+path, in)
	if no != nil {
		return &semaphoreError{message: no.Message, denied: no.Denied}
	}
	if !ans.OK() {
		return &semaphoreError{status: ans.Status, message: semaphoreMessage(ans.Body)}
	}
	if err := ans.Decode(out); err != nil {
		return &semaphoreError{status: ans.Status, message: err.Error()}
	}
	return nil
}

// semaphoreRun is a Semaphore execution in progress.
type semaphoreRun struct {
	e         *integration.Execution
	api       semaphoreAPI
	resources []integration.Resource
	pipeline  integration.Resource
}

// CheckSpec checks a semaphore executor's spec: either pipelineFile and
// ref (a branch) to run a workflow, or task (a task's id or name) to run
// that task, on ref when given and on the task's branch otherwise; never
// both, since a task runs its own pipeline file. parameters (an object of
// strings) is optional.
func (Type) CheckSpec(c *integration.SpecCheck) {
	if c.Spec["task"] != nil {
		c.RequiredString("task")
		if c.Spec["pipelineFile"] != nil {
			c.Fail("spec.task and spec.pipelineFile are exclusive: a task runs its own pipeline file")
		}
		if c.Spec["ref"] != nil {
			c.RequiredString("ref")
		}
	} else {
		c.RequiredString("pipelineFile")
		c.RequiredString("ref")
	}
	c.StringMap("parameters")
}

// Run starts a workflow of the project ResourceName on the branch
// spec.ref (refs/heads/<ref>; a ref that already starts with refs/, such as
// a tag, is sent as it is) with spec.pipelineFile and spec.parameters, and
// follows its initial pipeline until it is done.
func (Type) Run(ctx context.Context, e *integration.Execution, req integration.RunRequest) integration.Outcome {
	if _, err := api.SemaphoreOrg(req.IntegrationURL); err != nil {
		return integration.Failed(api.ResultReasonError, err.Error())
	}
	if strings.TrimSpace(req.ResourceName) == "" {
		return integration.Failed(api.ResultReasonError, "the Semaphore executor names no project")
	}
	a := semaphoreAPI{client: e.Tools.OutboundClient(), base: e.Tools.SemaphoreAPIURL, token: req.Token}
	if a.base == "" {
		a.base = req.IntegrationURL
	}
	a.base = strings.TrimSuffix(a.base, "/")
	s := &semaphoreRun{e: e, api: a, resources: append([]integration.Resource(nil), req.Resources...)}

	if p, ok := integration.FindResource(req.Resources, ResourcePipeline); ok && p.ID != "" {
		// Resumed: an earlier attempt started the pipeline.
		s.pipeline = p
		return s.follow(ctx)
	}
	if out, done := s.start(ctx, req); done {
		return out
	}
	if s.report(ctx) {
		return s.e.Cancel(ctx, s.remote())
	}
	return s.follow(ctx)
}

// start creates the workflow and records its pipeline in s.pipeline; done
// means out is the final outcome.
func (s *semaphoreRun) start(ctx context.Context, req integration.RunRequest) (out integration.Outcome, done bool) {
	project := req.ResourceName
	var proj struct {
		Metadata struct {
			ID string `json:"id"`
		} `json:"metadata"`
	}
	if err := s.api.do(ctx, http.MethodGet, "/api/v1alpha/projects/"+url.PathEscape(project), nil, &proj); err != nil {
		var se *semaphoreError
		switch {
		case ctx.Err() != nil:
			return s.outcome(s.e.Ended(ctx, "looking up the Semaphore project")), true
		case errors.As(err, &se) && se.status == http.StatusNotFound:
			return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore project %s not found", integration.Printable(project)))), true
		}
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("looking up Semaphore project %s failed: %s", integration.Printable(project), err))), true
	}
	if proj.Metadata.ID == "" {
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore gave no id for project %s", integration.Printable(project)))), true
	}

	if task := integration.SpecString(req.Spec, "task"); task != "" {
		return s.startTask(ctx, req, proj.Metadata.ID, task)
	}
	ref := integration.SpecString(req.Spec, "ref")
	if !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	body := map[string]any{
		"project_id":    proj.Metadata.ID,
		"reference":     ref,
		"pipeline_file": integration.SpecString(req.Spec, "pipelineFile"),
	}
	if params := runParameters(req); len(params) > 0 {
		body["parameters"] = params
	}
	var created struct {
		WorkflowID string `json:"workflow_id"`
		PipelineID string `json:"pipeline_id"`
	}
	if err := s.api.do(ctx, http.MethodPost, "/api/v1alpha/plumber-workflows", body, &created); err != nil {
		if ctx.Err() != nil {
			return s.outcome(s.e.Ended(ctx, "starting the Semaphore workflow")), true
		}
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("starting a workflow of Semaphore project %s failed: %s", integration.Printable(project), err))), true
	}
	if created.PipelineID == "" {
		return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore started workflow %s but gave no pipeline id", integration.Printable(created.WorkflowID)))), true
	}
	s.pipeline = integration.Resource{ID: created.PipelineID, Type: ResourcePipeline}
	return integration.Outcome{}, false
}

// report persists the resources with the pipeline's latest state and
// returns whether a cancel was requested.
func (s *semaphoreRun) report(ctx context.Context) bool {
	s.resources = integration.WithResource(s.resources, s.pipeline)
	return s.e.Progress(ctx, s.resources)
}

func (s *semaphoreRun) outcome(out integration.Outcome) integration.Outcome {
	if s.pipeline.Type != "" {
		s.resources = integration.WithResource(s.resources, s.pipeline)
	}
	out.Resources = s.resources
	return out
}

// pipelinePath is the API path of the pipeline.
func (s *semaphoreRun) pipelinePath() string {
	return "/api/v1alpha/pipelines/" + url.PathEscape(s.pipeline.ID)
}

// follow polls the pipeline until it is done, is cancelled, or the
// execution times out.
func (s *semaphoreRun) follow(ctx context.Context) integration.Outcome {
	return s.e.Follow(ctx, s.remote())
}

// remote is the pipeline as integration.Follow and Cancel see it.
func (s *semaphoreRun) remote() integration.Remote {
	return integration.Remote{
		What: func() string { return "Semaphore pipeline " + integration.Printable(s.pipeline.ID) },
		Read: func(ctx context.Context) (bool, error) {
			err := s.read(ctx)
			return err == nil && strings.EqualFold(s.pipeline.State, semaphoreStateDone), err
		},
		Finished: s.done,
		Gone: func(err error) bool {
			var se *semaphoreError
			return errors.As(err, &se) && se.status == http.StatusNotFound
		},
		Transient: func(err error) bool {
			var se *semaphoreError
			return errors.As(err, &se) && se.transient()
		},
		Report: s.report, Stop: s.terminate, Outcome: s.outcome,
		Stopping: "terminating", Stopped: "was terminated",
	}
}

// done is the outcome of a pipeline in state DONE.
func (s *semaphoreRun) done() integration.Outcome {
	if strings.EqualFold(s.pipeline.Result, semaphoreResultPassed) {
		return s.outcome(integration.Passed(fmt.Sprintf("Semaphore pipeline %s finished with result %s", s.pipeline.ID, s.pipeline.Result), nil))
	}
	result := s.pipeline.Result
	if result == "" {
		result = "unknown"
	}
	return s.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Semaphore pipeline %s finished with result %s", integration.Printable(s.pipeline.ID), integration.Printable(result))))
}

// read reads the pipeline's state and result into s.pipeline.
func (s *semaphoreRun) read(ctx context.Context) error {
	var got struct {
		Pipeline struct {
			State  string `json:"state"`
			Result string `json:"result"`
		} `json:"pipeline"`
	}
	if err := s.api.do(ctx, http.MethodGet, s.pipelinePath(), nil, &got); err != nil {
		return err
	}
	s.pipeline.State, s.pipeline.Result = got.Pipeline.State, got.Pipeline.Result
	return nil
}

// terminate asks Semaphore to stop the pipeline, then reads it again, best
// effort, to show it stopping.
func (s *semaphoreRun) terminate(ctx context.Context) error {
	if err := s.api.do(ctx, http.MethodPatch, s.pipelinePath(), map[string]any{"terminate_request": true}, nil); err != nil {
		return err
	}
	_ = s.read(ctx)
	return nil
}

// runParameters are spec.parameters plus, when SuperPlane minted an output
// token for the execution, the execution's id and that token
// (SUPERPLANE_EXECUTION_ID, SUPERPLANE_TOKEN), with which the pipeline
// pushes its outputs back. Semaphore hands parameters to the pipeline as
// environment variables; a user's parameter of the same name gives way.
func runParameters(req integration.RunRequest) map[string]string {
	params := integration.StringValues(req.Spec["parameters"])
	if req.OutputToken == "" {
		return params
	}
	if params == nil {
		params = map[string]string{}
	}
	params[api.SemaphoreExecutionIDParameter] = req.ExecutionID
	params[api.SemaphoreOutputTokenParameter] = req.OutputToken
	return params
}
