package bitbucket

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// ResourcePipeline is the resource a bitbucket executor reports: a
// Bitbucket Pipelines pipeline, whose ID is its uuid (with braces, as
// Bitbucket writes it), State its state name (PENDING, IN_PROGRESS,
// COMPLETED) and Result, once completed, its result name (SUCCESSFUL,
// FAILED, ERROR, STOPPED, EXPIRED).
const ResourcePipeline = "bitbucket_pipeline"

// Bitbucket's pipeline state and result names, compared without case.
const (
	stateCompleted   = "COMPLETED"
	resultSuccessful = "SUCCESSFUL"
)

// pipelineJSON is the part of a Bitbucket pipeline SuperPlane reads.
type pipelineJSON struct {
	UUID        string `json:"uuid"`
	BuildNumber int64  `json:"build_number"`
	State       struct {
		Name   string `json:"name"`
		Result struct {
			Name string `json:"name"`
		} `json:"result"`
	} `json:"state"`
}

// CheckSpec checks a bitbucket executor's spec: ref (the branch to run on)
// is required; pipeline (the name of a custom pipeline of
// bitbucket-pipelines.yml) and variables (an object of strings) are
// optional. Without pipeline, Bitbucket runs the branch's own pipeline.
func (Type) CheckSpec(c *integration.SpecCheck) {
	c.RequiredString("ref")
	if c.Spec["pipeline"] != nil {
		c.RequiredString("pipeline")
	}
	c.StringMap("variables")
}

// bitbucketRun is a Bitbucket execution in progress.
type bitbucketRun struct {
	e         *integration.Execution
	c         client
	ws, repo  string
	resources []integration.Resource
	pipeline  integration.Resource
	build     int64 // the pipeline's build number, 0 until known
}

// Run starts a pipeline of the repository ResourceName on the branch
// spec.ref (a custom pipeline when spec.pipeline names one) with
// spec.variables, and follows it until it is completed; or, resumed after
// a restart, follows the pipeline req.Resources names.
func (Type) Run(ctx context.Context, e *integration.Execution, req integration.RunRequest) integration.Outcome {
	ws, err := api.BitbucketWorkspace(req.IntegrationURL)
	if err != nil {
		return integration.Failed(api.ResultReasonError, err.Error())
	}
	if strings.TrimSpace(req.ResourceName) == "" {
		return integration.Failed(api.ResultReasonError, "the Bitbucket executor names no repository")
	}
	r := &bitbucketRun{
		e: e, c: newClient(e.Tools, req.Token), ws: ws, repo: req.ResourceName,
		resources: append([]integration.Resource(nil), req.Resources...),
	}
	if p, ok := integration.FindResource(req.Resources, ResourcePipeline); ok && p.ID != "" {
		// Resumed: an earlier attempt started the pipeline.
		r.pipeline = p
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

// start triggers the pipeline and records it in r.pipeline; done means out
// is the final outcome. A variable whose value holds one of secrets (a
// secret rendered into the spec) is sent secured, so that Bitbucket masks
// it in the pipeline's logs and never shows it again.
func (r *bitbucketRun) start(ctx context.Context, req integration.RunRequest) (out integration.Outcome, done bool) {
	spec, secrets := req.Spec, req.Secrets
	target := map[string]any{
		"type":     "pipeline_ref_target",
		"ref_type": "branch",
		"ref_name": integration.SpecString(spec, "ref"),
	}
	if name := integration.SpecString(spec, "pipeline"); name != "" {
		target["selector"] = map[string]any{"type": "custom", "pattern": name}
	}
	body := map[string]any{"target": target}
	if vars := integration.StringValues(spec["variables"]); len(vars) > 0 || req.OutputToken != "" {
		list := make([]map[string]any, 0, len(vars)+2)
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if req.OutputToken != "" && (k == api.RunExecutionIDVariable || k == api.RunOutputTokenVariable) {
				continue // SuperPlane's own give way to nothing: see outputVariables
			}
			list = append(list, map[string]any{"key": k, "value": vars[k], "secured": holdsSecret(vars[k], secrets)})
		}
		body["variables"] = append(list, outputVariables(req)...)
	}
	var created pipelineJSON
	if err := r.c.do(ctx, http.MethodPost, repoPath(r.ws, r.repo, "/pipelines/"), body, &created); err != nil {
		if ctx.Err() != nil {
			return r.outcome(r.e.Ended(ctx, "starting the Bitbucket pipeline")), true
		}
		what := fmt.Sprintf("starting a pipeline of Bitbucket repository %s/%s", r.ws, integration.Printable(r.repo))
		if statusOf(err) == http.StatusNotFound {
			return r.outcome(integration.Failed(api.ResultReasonError, what+" failed: the repository was not found, or the credential cannot read it")), true
		}
		return r.outcome(integration.Failed(api.ResultReasonError, what+" failed: "+err.Error())), true
	}
	if created.UUID == "" {
		return r.outcome(integration.Failed(api.ResultReasonError, "Bitbucket started a pipeline but gave no uuid")), true
	}
	r.pipeline = integration.Resource{ID: created.UUID, Type: ResourcePipeline}
	r.take(created)
	return integration.Outcome{}, false
}

// take records what a read of the pipeline says.
func (r *bitbucketRun) take(p pipelineJSON) {
	r.pipeline.State, r.pipeline.Result = p.State.Name, p.State.Result.Name
	if p.BuildNumber > 0 {
		r.build = p.BuildNumber
	}
}

// name is how messages call the pipeline: its build number when known, and
// its uuid.
func (r *bitbucketRun) name() string {
	id := integration.Printable(r.pipeline.ID)
	if r.build > 0 {
		return "#" + strconv.FormatInt(r.build, 10) + " " + id
	}
	return id
}

// report persists the resources with the pipeline's latest state and
// returns whether a cancel was requested.
func (r *bitbucketRun) report(ctx context.Context) bool {
	r.resources = integration.WithResource(r.resources, r.pipeline)
	return r.e.Progress(ctx, r.resources)
}

func (r *bitbucketRun) outcome(out integration.Outcome) integration.Outcome {
	if r.pipeline.Type != "" {
		r.resources = integration.WithResource(r.resources, r.pipeline)
	}
	out.Resources = r.resources
	return out
}

// pipelinePath is the API path of the pipeline, with rest after it.
func (r *bitbucketRun) pipelinePath(rest string) string {
	return repoPath(r.ws, r.repo, "/pipelines/"+url.PathEscape(r.pipeline.ID)+rest)
}

// follow polls the pipeline until it is completed, is cancelled, or the
// execution times out.
func (r *bitbucketRun) follow(ctx context.Context) integration.Outcome {
	return r.e.Follow(ctx, r.remote())
}

// remote is the pipeline as integration.Follow and Cancel see it.
func (r *bitbucketRun) remote() integration.Remote {
	return integration.Remote{
		What: func() string { return "Bitbucket pipeline " + r.name() },
		Read: func(ctx context.Context) (bool, error) {
			err := r.read(ctx)
			return err == nil && strings.EqualFold(r.pipeline.State, stateCompleted), err
		},
		Finished:  r.completed,
		Gone:      func(err error) bool { return statusOf(err) == http.StatusNotFound },
		Transient: isTransient,
		Report:    r.report, Stop: r.stop, Outcome: r.outcome,
		Stopping: "stopping", Stopped: "was stopped",
	}
}

// completed is the outcome of a pipeline in state COMPLETED.
func (r *bitbucketRun) completed() integration.Outcome {
	result := r.pipeline.Result
	if strings.EqualFold(result, resultSuccessful) {
		return r.outcome(integration.Passed(fmt.Sprintf("Bitbucket pipeline %s finished with result %s", r.name(), result), nil))
	}
	if result == "" {
		result = "unknown"
	}
	return r.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("Bitbucket pipeline %s finished with result %s", r.name(), integration.Printable(result))))
}

// read reads the pipeline's state and result into r.pipeline.
func (r *bitbucketRun) read(ctx context.Context) error {
	var got pipelineJSON
	if err := r.c.do(ctx, http.MethodGet, r.pipelinePath(""), nil, &got); err != nil {
		return err
	}
	r.take(got)
	return nil
}

// stop asks Bitbucket to stop the pipeline (204). A pipeline that has
// already completed cannot be stopped, and is no failure to stop. The
// pipeline is read again after it, best effort, to show it stopping.
func (r *bitbucketRun) stop(ctx context.Context) error {
	err := r.c.do(ctx, http.MethodPost, r.pipelinePath("/stopPipeline"), nil, nil)
	if err != nil && statusOf(err) == http.StatusBadRequest && r.read(ctx) == nil && strings.EqualFold(r.pipeline.State, stateCompleted) {
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

// outputVariables are, when SuperPlane minted an output token for the
// execution, the execution's id and that token (SUPERPLANE_EXECUTION_ID,
// SUPERPLANE_TOKEN), with which the pipeline pushes its outputs back. The
// token is a secured variable: Bitbucket masks it in the pipeline's logs
// and never shows it again. They replace a user's variable of the same
// name, so that the push cannot be pointed at another execution.
func outputVariables(req integration.RunRequest) []map[string]any {
	if req.OutputToken == "" {
		return nil
	}
	return []map[string]any{
		{"key": api.RunExecutionIDVariable, "value": req.ExecutionID, "secured": false},
		{"key": api.RunOutputTokenVariable, "value": req.OutputToken, "secured": true},
	}
}
