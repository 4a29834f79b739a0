package gitlab

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

// ResourcePipeline is the resource a gitlab executor reports: a GitLab
// pipeline, whose ID is the pipeline id, State its status (created,
// running, success...) and Result its final status once it ended.
const ResourcePipeline = "gitlab_pipeline"

// Pipeline statuses that end a pipeline, as GitLab's pipelines API names
// them; any other (created, waiting_for_resource, preparing, pending,
// running, canceling, manual, scheduled) is still under way.
const (
	statusSuccess  = "success"
	statusFailed   = "failed"
	statusCanceled = "canceled"
	statusSkipped  = "skipped"
)

// finished reports whether a pipeline status is final.
func finished(status string) bool {
	switch status {
	case statusSuccess, statusFailed, statusCanceled, statusSkipped:
		return true
	}
	return false
}

// pipelineJSON is the part of a pipeline SuperPlane reads.
type pipelineJSON struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	WebURL string `json:"web_url"`
}

// CheckSpec checks a gitlab executor's spec: ref (the branch or tag the
// pipeline runs on) is required; variables (an object of strings) is
// optional.
func (Type) CheckSpec(c *integration.SpecCheck) {
	c.RequiredString("ref")
	c.StringMap("variables")
}

// glRun is a GitLab execution in progress.
type glRun struct {
	e         *integration.Execution
	c         *client
	project   string // as the stage names it: an id or a full path
	resources []integration.Resource
	pipeline  integration.Resource
}

// Run creates a pipeline of the project ResourceName on spec.ref with
// spec.variables (POST /projects/:id/pipeline), or resumes the pipeline
// req.Resources say an earlier attempt created, and follows it until it
// ends. A cancel of the execution, or its timeout, cancels the pipeline.
func (Type) Run(ctx context.Context, e *integration.Execution, req integration.RunRequest) integration.Outcome {
	c, err := newClient(e.Tools, req.IntegrationURL, req.Token)
	if err != nil {
		return integration.Failed(api.ResultReasonError, redact.New(req.Token).Redact(err.Error()))
	}
	if strings.TrimSpace(req.ResourceName) == "" {
		return integration.Failed(api.ResultReasonError, "the GitLab executor names no project")
	}
	g := &glRun{e: e, c: c, project: req.ResourceName, resources: append([]integration.Resource(nil), req.Resources...)}
	if p, ok := integration.FindResource(req.Resources, ResourcePipeline); ok && p.ID != "" {
		// Resumed: an earlier attempt created the pipeline.
		g.pipeline = p
		return g.follow(ctx)
	}
	if out, done := g.start(ctx, req); done {
		return out
	}
	if g.report(ctx) {
		return g.e.Cancel(ctx, g.remote())
	}
	return g.follow(ctx)
}

// start creates the pipeline and records it in g.pipeline; done means out
// is the final outcome.
func (g *glRun) start(ctx context.Context, req integration.RunRequest) (out integration.Outcome, done bool) {
	name := integration.Printable(g.project)
	if err := g.c.checkProject(ctx, g.project, accessDeveloper, "run pipelines"); err != nil {
		if ctx.Err() != nil {
			return g.outcome(g.e.Ended(ctx, "looking up the GitLab project")), true
		}
		return g.outcome(integration.Failed(api.ResultReasonError, err.Error())), true
	}
	ref := integration.SpecString(req.Spec, "ref")
	vars := runVariables(req)
	list := make([]map[string]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		list = append(list, map[string]string{"key": k, "value": vars[k], "variable_type": "env_var"})
	}
	body := map[string]any{"ref": ref, "variables": list}
	var created pipelineJSON
	if _, err := g.c.do(ctx, http.MethodPost, "/projects/"+project(g.project)+"/pipeline", body, &created); err != nil {
		if ctx.Err() != nil {
			return g.outcome(g.e.Ended(ctx, "creating the GitLab pipeline")), true
		}
		return g.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("creating a pipeline of GitLab project %s on %s failed: %s",
			name, integration.Printable(ref), err))), true
	}
	if created.ID == 0 {
		return g.outcome(integration.Failed(api.ResultReasonError, "GitLab created a pipeline of project "+name+" but gave no id")), true
	}
	g.pipeline = integration.Resource{ID: strconv.FormatInt(created.ID, 10), Type: ResourcePipeline, State: created.Status}
	return integration.Outcome{}, false
}

// report persists the resources with the pipeline's latest state and
// returns whether a cancel was requested.
func (g *glRun) report(ctx context.Context) bool {
	g.resources = integration.WithResource(g.resources, g.pipeline)
	return g.e.Progress(ctx, g.resources)
}

func (g *glRun) outcome(out integration.Outcome) integration.Outcome {
	if g.pipeline.Type != "" {
		g.resources = integration.WithResource(g.resources, g.pipeline)
	}
	out.Resources = g.resources
	return out
}

// pipelinePath is the API path of the pipeline.
func (g *glRun) pipelinePath() string {
	return "/projects/" + project(g.project) + "/pipelines/" + g.pipeline.ID
}

// describe names the pipeline in a message.
func (g *glRun) describe() string {
	return fmt.Sprintf("GitLab pipeline %s of project %s", integration.Printable(g.pipeline.ID), integration.Printable(g.project))
}

// follow polls the pipeline until it ends, is cancelled, or the execution
// times out.
func (g *glRun) follow(ctx context.Context) integration.Outcome {
	return g.e.Follow(ctx, g.remote())
}

// remote is the pipeline as integration.Follow and Cancel see it.
func (g *glRun) remote() integration.Remote {
	return integration.Remote{
		What: g.describe,
		Read: func(ctx context.Context) (bool, error) {
			err := g.read(ctx)
			return err == nil && finished(g.pipeline.State), err
		},
		Finished: g.ended,
		Gone:     func(err error) bool { return statusOf(err) == http.StatusNotFound },
		Transient: func(err error) bool {
			var ae *apiError
			return errors.As(err, &ae) && ae.transient()
		},
		Report: g.report, Stop: g.cancelPipeline, Outcome: g.outcome,
		Stopping: "cancelling", Stopped: "was cancelled on GitLab",
		// It ended before the cancel reached GitLab.
		EndedFirst: func() bool { return finished(g.pipeline.State) && g.pipeline.State != statusCanceled },
	}
}

// ended is the outcome of a pipeline in a final status.
func (g *glRun) ended() integration.Outcome {
	g.pipeline.Result = g.pipeline.State
	msg := fmt.Sprintf("%s ended with status %s", g.describe(), integration.Printable(g.pipeline.State))
	if g.pipeline.State == statusSuccess {
		return g.outcome(integration.Passed(msg, nil))
	}
	return g.outcome(integration.Failed(api.ResultReasonError, msg))
}

// read reads the pipeline's status into g.pipeline.
func (g *glRun) read(ctx context.Context) error {
	var p pipelineJSON
	if _, err := g.c.do(ctx, http.MethodGet, g.pipelinePath(), nil, &p); err != nil {
		return err
	}
	g.pipeline.State = p.Status
	if finished(p.Status) {
		g.pipeline.Result = p.Status
	}
	return nil
}

// cancelPipeline asks GitLab to cancel the pipeline (POST
// .../pipelines/:id/cancel), which answers the pipeline as it is now.
func (g *glRun) cancelPipeline(ctx context.Context) error {
	var p pipelineJSON
	if _, err := g.c.do(ctx, http.MethodPost, g.pipelinePath()+"/cancel", nil, &p); err != nil {
		return err
	}
	if p.Status != "" {
		g.pipeline.State = p.Status
		if finished(p.Status) {
			g.pipeline.Result = p.Status
		}
	}
	return nil
}

// runVariables are spec.variables plus, when SuperPlane minted an output
// token for the execution, the execution's id and that token
// (SUPERPLANE_EXECUTION_ID, SUPERPLANE_TOKEN), with which the pipeline
// pushes its outputs back; as Semaphore's parameters, they replace a
// user's variable of the same name. GitLab's pipeline API has no masked
// variables: the token is visible to the project's maintainers in the
// pipeline's variables, which is why it is good for this execution only,
// while it runs, and for nothing but pushing outputs.
func runVariables(req integration.RunRequest) map[string]string {
	vars := integration.StringValues(req.Spec["variables"])
	if req.OutputToken == "" {
		return vars
	}
	if vars == nil {
		vars = map[string]string{}
	}
	vars[api.RunExecutionIDVariable] = req.ExecutionID
	vars[api.RunOutputTokenVariable] = req.OutputToken
	return vars
}
