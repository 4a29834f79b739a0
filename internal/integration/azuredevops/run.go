package azuredevops

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// ResourceRun is the resource an azure_devops executor reports: an Azure
// Pipelines run, whose ID is "<pipeline id>/<run id>", State its state
// (inProgress, canceling, completed) and Result, once completed, its
// result (succeeded, failed, canceled).
const ResourceRun = "azure_devops_run"

// Azure Pipelines' run states and results, compared without case.
const (
	stateCompleted   = "completed"
	resultSucceeded  = "succeeded"
	resultCanceled   = "canceled"
	stateCanceling   = "canceling"
	refsPrefix       = "refs/"
	branchRefsPrefix = "refs/heads/"
)

// runJSON is the part of a pipeline run SuperPlane reads.
type runJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Result string `json:"result"`
}

// CheckSpec checks an azure_devops executor's spec: pipeline (the
// pipeline's numeric id) is required; ref (the branch or ref of the
// pipeline's repository to run on), parameters (the pipeline's runtime
// parameters) and variables (queue-time variables) are optional.
func (Type) CheckSpec(c *integration.SpecCheck) {
	if p, ok := c.RequiredString("pipeline"); ok && (!c.Templated || !integration.HasTemplate(p)) {
		if n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32); err != nil || n <= 0 {
			c.Fail("spec.pipeline must be the pipeline's numeric id, got %q", integration.Printable(p))
		}
	}
	if c.Spec["ref"] != nil {
		c.RequiredString("ref")
	}
	c.StringMap("parameters")
	c.StringMap("variables")
}

// adoRun is an Azure Pipelines execution in progress.
type adoRun struct {
	e         *integration.Execution
	c         client
	project   string
	pipeline  string
	runID     int64
	name      string // the run's name (its build number), when known
	resources []integration.Resource
	res       integration.Resource
}

// Run runs pipeline spec.pipeline of the project ResourceName on spec.ref
// with spec.parameters and spec.variables, and follows the run until it
// completes; or, resumed after a restart, follows the run req.Resources
// names.
func (Type) Run(ctx context.Context, e *integration.Execution, req integration.RunRequest) integration.Outcome {
	c, err := newClient(e.Tools, req.IntegrationURL, req.Token)
	if err != nil {
		return integration.Failed(api.ResultReasonError, err.Error())
	}
	if strings.TrimSpace(req.ResourceName) == "" {
		return integration.Failed(api.ResultReasonError, "the Azure DevOps executor names no project")
	}
	r := &adoRun{
		e: e, c: c, project: req.ResourceName, pipeline: strings.TrimSpace(integration.SpecString(req.Spec, "pipeline")),
		resources: append([]integration.Resource(nil), req.Resources...),
	}
	if p, ok := integration.FindResource(req.Resources, ResourceRun); ok && p.ID != "" {
		// Resumed: an earlier attempt started the run.
		pipeline, run, ok := strings.Cut(p.ID, "/")
		n, err := strconv.ParseInt(run, 10, 64)
		if !ok || err != nil {
			return integration.Failed(api.ResultReasonError, fmt.Sprintf("the recorded Azure Pipelines run %q is not <pipeline>/<run>", integration.Printable(p.ID)))
		}
		r.pipeline, r.runID, r.res = pipeline, n, p
		return r.follow(ctx)
	}
	if out, done := r.start(ctx, req); done {
		return out
	}
	if r.report(ctx) {
		return r.e.Cancel(ctx, r.remote())
	}
	return r.follow(ctx)
}

// start runs the pipeline and records the run; done means out is the
// final outcome. A variable whose value holds a secret rendered into the
// spec, and the output token, are sent as secret variables, which Azure
// Pipelines masks in the logs.
func (r *adoRun) start(ctx context.Context, req integration.RunRequest) (out integration.Outcome, done bool) {
	body := map[string]any{}
	if ref := strings.TrimSpace(integration.SpecString(req.Spec, "ref")); ref != "" {
		if !strings.HasPrefix(ref, refsPrefix) {
			ref = branchRefsPrefix + ref
		}
		body["resources"] = map[string]any{"repositories": map[string]any{"self": map[string]any{"refName": ref}}}
	}
	if params := integration.StringValues(req.Spec["parameters"]); len(params) > 0 {
		body["templateParameters"] = params
	}
	vars := map[string]any{}
	for k, v := range integration.StringValues(req.Spec["variables"]) {
		vars[k] = map[string]any{"value": v, "isSecret": holdsSecret(v, req.Secrets)}
	}
	if req.OutputToken != "" {
		// With them the run pushes its outputs back (POST /api/v1/outputs);
		// a user's variable of the same name gives way.
		vars[api.AzureDevOpsExecutionIDVariable] = map[string]any{"value": req.ExecutionID, "isSecret": false}
		vars[api.AzureDevOpsOutputTokenVariable] = map[string]any{"value": req.OutputToken, "isSecret": true}
	}
	if len(vars) > 0 {
		body["variables"] = vars
	}
	var created runJSON
	if err := r.c.do(ctx, http.MethodPost, projectPath(r.project, "/_apis/pipelines/"+url.PathEscape(r.pipeline)+"/runs"), body, &created); err != nil {
		if ctx.Err() != nil {
			return r.outcome(r.e.Ended(ctx, "starting the Azure Pipelines run")), true
		}
		what := fmt.Sprintf("running pipeline %s of Azure DevOps project %s/%s", integration.Printable(r.pipeline), r.c.org, integration.Printable(r.project))
		if statusOf(err) == http.StatusNotFound {
			return r.outcome(integration.Failed(api.ResultReasonError, what+" failed: the project or pipeline was not found, or the token cannot read it: "+err.Error())), true
		}
		return r.outcome(integration.Failed(api.ResultReasonError, what+" failed: "+err.Error())), true
	}
	if created.ID <= 0 {
		return r.outcome(integration.Failed(api.ResultReasonError, "Azure DevOps started a run but gave no id")), true
	}
	r.runID = created.ID
	r.res = integration.Resource{ID: r.pipeline + "/" + strconv.FormatInt(created.ID, 10), Type: ResourceRun}
	r.take(created)
	return integration.Outcome{}, false
}

// take records what a read of the run says.
func (r *adoRun) take(run runJSON) {
	r.res.State, r.res.Result = run.State, run.Result
	if run.Name != "" {
		r.name = run.Name
	}
}

// what is how messages call the run.
func (r *adoRun) what() string {
	s := fmt.Sprintf("run %d of pipeline %s", r.runID, integration.Printable(r.pipeline))
	if r.name != "" {
		s += " (" + integration.Printable(r.name) + ")"
	}
	return s
}

// report persists the resources with the run's latest state and returns
// whether a cancel was requested.
func (r *adoRun) report(ctx context.Context) bool {
	r.resources = integration.WithResource(r.resources, r.res)
	return r.e.Progress(ctx, r.resources)
}

func (r *adoRun) outcome(out integration.Outcome) integration.Outcome {
	if r.res.Type != "" {
		r.resources = integration.WithResource(r.resources, r.res)
	}
	out.Resources = r.resources
	return out
}

// follow polls the run until it completes, is cancelled, or the execution
// times out.
func (r *adoRun) follow(ctx context.Context) integration.Outcome {
	return r.e.Follow(ctx, r.remote())
}

// remote is the run as integration.Follow and Cancel see it.
func (r *adoRun) remote() integration.Remote {
	return integration.Remote{
		What: func() string { return "Azure Pipelines " + r.what() },
		Read: func(ctx context.Context) (bool, error) {
			err := r.read(ctx)
			return err == nil && strings.EqualFold(r.res.State, stateCompleted), err
		},
		Finished:  r.completed,
		Gone:      func(err error) bool { return statusOf(err) == http.StatusNotFound },
		Transient: isTransient,
		Report:    r.report, Stop: r.stop, Outcome: r.outcome,
		Stopping: "cancelling", Stopped: "is being canceled",
	}
}

// completed is the outcome of a completed run.
func (r *adoRun) completed() integration.Outcome {
	result := r.res.Result
	switch {
	case strings.EqualFold(result, resultSucceeded):
		return r.outcome(integration.Passed(fmt.Sprintf("Azure Pipelines %s finished with result %s", r.what(), result), nil))
	case strings.EqualFold(result, resultCanceled):
		return r.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Azure Pipelines %s was canceled in Azure DevOps", r.what())))
	case result == "":
		result = "unknown"
	}
	return r.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Azure Pipelines %s finished with result %s", r.what(), integration.Printable(result))))
}

// read reads the run's state and result.
func (r *adoRun) read(ctx context.Context) error {
	var got runJSON
	path := projectPath(r.project, "/_apis/pipelines/"+url.PathEscape(r.pipeline)+"/runs/"+strconv.FormatInt(r.runID, 10))
	if err := r.c.do(ctx, http.MethodGet, path, nil, &got); err != nil {
		return err
	}
	r.take(got)
	return nil
}

// stop asks Azure DevOps to cancel the run: a run is a build, cancelled by
// setting its status to cancelling. A run already completed is no failure.
// The run is read again after it, best effort, to show it canceling.
func (r *adoRun) stop(ctx context.Context) error {
	path := projectPath(r.project, "/_apis/build/builds/"+strconv.FormatInt(r.runID, 10))
	err := r.c.do(ctx, http.MethodPatch, path, map[string]string{"status": "cancelling"}, nil)
	if err != nil && statusOf(err) == http.StatusBadRequest && r.read(ctx) == nil &&
		(strings.EqualFold(r.res.State, stateCompleted) || strings.EqualFold(r.res.State, stateCanceling)) {
		return nil
	}
	if err == nil {
		_ = r.read(ctx)
	}
	return err
}

// holdsSecret reports whether v contains one of secrets.
func holdsSecret(v string, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && strings.Contains(v, s) {
			return true
		}
	}
	return false
}
