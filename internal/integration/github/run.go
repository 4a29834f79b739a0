package github

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

// ExecutionIDInput is the workflow_dispatch input that carries the
// execution id to the workflow run.
const ExecutionIDInput = api.GitHubExecutionIDInput

// OutputTokenInput is the workflow_dispatch input that carries the
// execution's output token, sent only when the stage declares outputs and
// SuperPlane minted one.
const OutputTokenInput = api.GitHubOutputTokenInput

// maxDispatchInputs is GitHub's limit on the inputs of one
// workflow_dispatch event ("The maximum number of properties is 10").
const maxDispatchInputs = 10

// ResourceWorkflowRun is the resource a github executor reports: a GitHub
// Actions workflow run, whose ID is the run id, State its status (queued,
// in_progress, completed), Result its conclusion. Right after the
// dispatch, before GitHub has shown the run, it is reported with an empty
// ID and State "dispatched", so that a resumed execution looks for the run
// instead of dispatching again.
const ResourceWorkflowRun = "github_workflow_run"

// stateDispatched is the State of a workflow run that was dispatched but not
// yet found.
const stateDispatched = "dispatched"

// runLookupWindow bounds the wait for a dispatched run to show up. GitHub
// creates the run within seconds of the dispatch; a run that never shows up
// means the workflow lacks the run-name that identifies it, and waiting the
// whole execution timeout would not help.
const runLookupWindow = 5 * time.Minute

// runNameHint says what a workflow needs for its run to be found.
const runNameHint = "the workflow must set `run-name: ${{ inputs." + ExecutionIDInput + " }}` " +
	"and declare that workflow_dispatch input, so that SuperPlane can find its run"

// runLookupSlack widens the created-at filter of the lookup, for clock skew
// between SuperPlane and GitHub.
const runLookupSlack = time.Minute

// githubRun is a GitHub execution in progress.
type githubRun struct {
	e      *integration.Execution
	client *gh.Client
	// owner, repo and workflow are as the user wrote them; the e* forms
	// are escaped for the API's paths.
	owner, repo, workflow    string
	eOwner, eRepo, eWorkflow string
	token                    string
	execID                   string
	resources                []integration.Resource
	run                      integration.Resource
}

// CheckSpec checks a github executor's spec: workflow (a file name such as
// deploy.yml, or an id) and ref are required; inputs (an object of
// strings) is optional.
func (Type) CheckSpec(c *integration.SpecCheck) {
	checkWorkflow(c)
	c.RequiredString("ref")
	c.StringMap("inputs")
}

// checkWorkflow checks spec.workflow: a file name or an id, not a path.
func checkWorkflow(c *integration.SpecCheck) {
	// A workflow id may come as a JSON number.
	if raw, ok := c.Spec["workflow"]; ok {
		if _, isString := raw.(string); !isString {
			if n, ok := integration.Number(raw); ok && n > 0 && n == math.Trunc(n) {
				return
			}
		}
	}
	s, ok := c.RequiredString("workflow")
	if !ok || (c.Templated && integration.HasTemplate(s)) {
		return
	}
	if strings.ContainsAny(s, "/\\") {
		c.Fail("spec.workflow must be a workflow file name (deploy.yml) or id, not a path")
	}
}

// Run dispatches spec.workflow on spec.ref of the repository
// ResourceName, with spec.inputs plus superplane_execution_id, and follows
// the run to its conclusion.
//
// GitHub's dispatch API does not return the run it creates, so the run is
// found by the execution id: the workflow must name its runs after that
// input, with
//
//	run-name: ${{ inputs.superplane_execution_id }}
//
// (and declare the input under on.workflow_dispatch.inputs). The run is then
// the workflow_dispatch run, created since the dispatch, whose display title
// (or name) contains the execution id.
func (Type) Run(ctx context.Context, e *integration.Execution, req integration.RunRequest) integration.Outcome {
	client, owner, err := newClient(e.Tools, req.IntegrationURL, req.Token)
	if err != nil {
		return integration.Failed(api.ResultReasonError, redact.New(req.Token).Redact(err.Error()))
	}
	if owner == "" {
		return integration.Failed(api.ResultReasonError, "the GitHub integration URL names no owner for repository "+integration.Printable(req.ResourceName))
	}
	if strings.TrimSpace(req.ResourceName) == "" {
		return integration.Failed(api.ResultReasonError, "the GitHub executor names no repository")
	}
	if req.ExecutionID == "" {
		// Every run's title would contain "": the run could not be told
		// apart from others.
		return integration.Failed(api.ResultReasonError, "the execution has no id to find its workflow run by")
	}
	g := &githubRun{
		e: e, client: client, token: req.Token, execID: req.ExecutionID,
		owner: owner, repo: req.ResourceName, workflow: integration.SpecString(req.Spec, "workflow"),
		resources: append([]integration.Resource(nil), req.Resources...),
	}
	g.eOwner, g.eRepo, g.eWorkflow = url.PathEscape(g.owner), url.PathEscape(g.repo), url.PathEscape(g.workflow)

	var since time.Time
	if run, ok := integration.FindResource(req.Resources, ResourceWorkflowRun); ok {
		// Resumed: the workflow was dispatched by an earlier attempt.
		g.run = run
	} else {
		inputs := map[string]any{}
		if in, ok := integration.AsObject(req.Spec["inputs"]); ok {
			for k, v := range in {
				if s, ok := integration.ScalarString(v); ok {
					inputs[k] = s
				}
			}
		}
		inputs[ExecutionIDInput] = req.ExecutionID
		since = time.Now().Add(-runLookupSlack)
		err := g.dispatch(ctx, integration.SpecString(req.Spec, "ref"), inputs, req.OutputToken)
		if err != nil {
			if ctx.Err() != nil {
				return g.outcome(e.Ended(ctx, "dispatching the workflow"))
			}
			return g.outcome(integration.Failed(api.ResultReasonError, "dispatching workflow "+g.describeWorkflow()+" failed: "+g.reason(err)))
		}
		// Persist the dispatch before looking for the run, so that a
		// restart in between does not dispatch a second time.
		g.run = integration.Resource{Type: ResourceWorkflowRun, State: stateDispatched}
		if g.report(ctx) {
			return g.cancelBeforeFound(ctx, since)
		}
	}
	if g.run.ID == "" {
		if out, done := g.lookup(ctx, since); done {
			return out
		}
	}
	return g.follow(ctx)
}

// dispatch creates the workflow_dispatch event with inputs, plus the output
// token when there is one and it fits GitHub's input limit. GitHub refuses
// inputs a workflow does not declare (422 "Unexpected inputs provided");
// when the refused one is the token, the event is sent again without it:
// the workflow did not ask for a token, and may push its outputs with its
// OIDC ID token instead. A 422 creates no run, so sending again cannot run
// the workflow twice.
func (g *githubRun) dispatch(ctx context.Context, ref string, inputs map[string]any, token string) error {
	send := func(in map[string]any) error {
		_, err := g.client.Actions.CreateWorkflowDispatchEventByFileName(ctx, g.eOwner, g.eRepo, g.eWorkflow,
			gh.CreateWorkflowDispatchEventRequest{Ref: ref, Inputs: in})
		return err
	}
	if token == "" || len(inputs) >= maxDispatchInputs {
		return send(inputs)
	}
	withToken := make(map[string]any, len(inputs)+1)
	for k, v := range inputs {
		withToken[k] = v
	}
	withToken[OutputTokenInput] = token
	err := send(withToken)
	var er *gh.ErrorResponse
	if err != nil && isStatus(err, http.StatusUnprocessableEntity) && errors.As(err, &er) &&
		strings.Contains(er.Message, "Unexpected inputs") && strings.Contains(er.Message, OutputTokenInput) {
		return send(inputs)
	}
	return err
}

func (g *githubRun) describeWorkflow() string {
	return fmt.Sprintf("%s in %s/%s", integration.Printable(g.workflow), integration.Printable(g.owner), integration.Printable(g.repo))
}

// reason describes a GitHub error, the token masked.
func (g *githubRun) reason(err error) string {
	if isStatus(err, http.StatusNotFound) {
		return fmt.Sprintf("GitHub: not found (the repository %s/%s or the workflow %s does not exist, or the token cannot access it)",
			integration.Printable(g.owner), integration.Printable(g.repo), integration.Printable(g.workflow))
	}
	return ErrorReason(err, g.owner, g.token)
}

// report persists the resources with the run's latest state and returns
// whether a cancel was requested.
func (g *githubRun) report(ctx context.Context) bool {
	g.resources = integration.WithResource(g.resources, g.run)
	return g.e.Progress(ctx, g.resources)
}

// outcome attaches the resources to out.
func (g *githubRun) outcome(out integration.Outcome) integration.Outcome {
	if g.run.Type != "" {
		g.resources = integration.WithResource(g.resources, g.run)
	}
	out.Resources = g.resources
	return out
}

// lookup waits for the dispatched run to show up and records it in g.run.
// since is the earliest creation time to consider (zero after a restart,
// when the dispatch time is unknown). done means out is the final outcome.
func (g *githubRun) lookup(ctx context.Context, since time.Time) (out integration.Outcome, done bool) {
	lookupCtx, cancel := context.WithTimeout(ctx, runLookupWindow)
	defer cancel()
	failures := 0
	for {
		run, err := g.findRun(lookupCtx, since)
		switch {
		case run != nil:
			g.setRun(run)
			if g.report(ctx) {
				return g.cancel(ctx), true
			}
			return integration.Outcome{}, false
		case err != nil && lookupCtx.Err() == nil:
			if failures++; failures >= integration.MaxTransientErrors || !transient(err) {
				return g.outcome(integration.Failed(api.ResultReasonError, "looking for the run of workflow "+g.describeWorkflow()+" failed: "+g.reason(err))), true
			}
		}
		if lookupCtx.Err() == nil && g.report(ctx) {
			return g.cancelBeforeFound(ctx, since), true
		}
		if !g.e.Sleep(lookupCtx) {
			if ctx.Err() != nil {
				return g.outcome(g.e.Ended(ctx, "waiting for the run of workflow "+g.describeWorkflow()+" to appear ("+runNameHint+")")), true
			}
			return g.outcome(integration.Failed(api.ResultReasonTimeout, fmt.Sprintf("no run of workflow %s for execution %s appeared within %s: %s",
				g.describeWorkflow(), g.execID, runLookupWindow, runNameHint))), true
		}
	}
}

// findRun returns the workflow_dispatch run of the workflow whose display
// title or name contains the execution id, or nil when there is none yet.
// Only the newest page is read: the run was created moments ago.
func (g *githubRun) findRun(ctx context.Context, since time.Time) (*gh.WorkflowRun, error) {
	opts := &gh.ListWorkflowRunsOptions{Event: "workflow_dispatch", ListOptions: gh.ListOptions{PerPage: 100}}
	if !since.IsZero() {
		opts.Created = ">=" + since.UTC().Format(time.RFC3339)
	}
	runs, _, err := g.client.Actions.ListWorkflowRunsByFileName(ctx, g.eOwner, g.eRepo, g.eWorkflow, opts)
	if err != nil {
		return nil, err
	}
	for _, run := range runs.WorkflowRuns {
		if strings.Contains(run.GetDisplayTitle(), g.execID) || strings.Contains(run.GetName(), g.execID) {
			return run, nil
		}
	}
	return nil, nil
}

func (g *githubRun) setRun(run *gh.WorkflowRun) {
	g.run = integration.Resource{
		ID:     strconv.FormatInt(run.GetID(), 10),
		Type:   ResourceWorkflowRun,
		State:  run.GetStatus(),
		Result: run.GetConclusion(),
	}
}

// follow polls the run until it completes, is cancelled, or the execution
// times out.
func (g *githubRun) follow(ctx context.Context) integration.Outcome {
	id, err := strconv.ParseInt(g.run.ID, 10, 64)
	if err != nil {
		return g.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("invalid workflow run id %q", integration.Printable(g.run.ID))))
	}
	return g.e.Follow(ctx, g.remote(id))
}

// remote is run id as integration.Follow and Cancel see it.
func (g *githubRun) remote(id int64) integration.Remote {
	return integration.Remote{
		What: func() string { return fmt.Sprintf("workflow run %d of %s", id, g.describeWorkflow()) },
		Read: func(ctx context.Context) (bool, error) {
			run, _, err := g.client.Actions.GetWorkflowRunByID(ctx, g.eOwner, g.eRepo, id)
			if err != nil {
				return false, err
			}
			g.setRun(run)
			return run.GetStatus() == "completed", nil
		},
		Finished:  g.completed,
		Gone:      func(err error) bool { return isStatus(err, http.StatusNotFound) },
		Transient: transient,
		Reason:    g.reason,
		Report:    g.report,
		Stop:      func(ctx context.Context) error { return g.cancelRun(ctx, id) },
		Stopping:  "cancelling",
		Stopped:   "was cancelled on GitHub",
		// A 409 to the cancel: it completed before the cancel reached GitHub.
		EndedFirst: func() bool { return g.run.State == "completed" && g.run.Result != "cancelled" },
		Outcome:    g.outcome,
	}
}

// completed is the outcome of a completed run.
func (g *githubRun) completed() integration.Outcome {
	if g.run.Result == "success" {
		return g.outcome(integration.Passed(fmt.Sprintf("GitHub workflow run %s concluded %q", g.run.ID, g.run.Result), nil))
	}
	conclusion := g.run.Result
	if conclusion == "" {
		conclusion = "unknown"
	}
	return g.outcome(integration.Failed(api.ResultReasonError, fmt.Sprintf("GitHub workflow run %s concluded %q", g.run.ID, integration.Printable(conclusion))))
}

// cancel cancels the found run because the user asked to.
func (g *githubRun) cancel(ctx context.Context) integration.Outcome {
	id, _ := strconv.ParseInt(g.run.ID, 10, 64)
	return g.e.Cancel(ctx, g.remote(id))
}

// cancelRun asks GitHub to cancel the run and refreshes its state. GitHub
// answers 202 while the cancel proceeds.
func (g *githubRun) cancelRun(ctx context.Context, id int64) error {
	_, err := g.client.Actions.CancelWorkflowRunByID(ctx, g.eOwner, g.eRepo, id)
	var accepted *gh.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		if isStatus(err, http.StatusConflict) {
			// 409: the run is already completed; read how it ended.
			if run, _, gerr := g.client.Actions.GetWorkflowRunByID(ctx, g.eOwner, g.eRepo, id); gerr == nil {
				g.setRun(run)
			}
		}
		return err
	}
	if run, _, err := g.client.Actions.GetWorkflowRunByID(ctx, g.eOwner, g.eRepo, id); err == nil {
		g.setRun(run)
	}
	return nil
}

// cancelBeforeFound handles a cancel requested between the dispatch and the
// run showing up: one more look for the run, to cancel it if it is there.
func (g *githubRun) cancelBeforeFound(ctx context.Context, since time.Time) integration.Outcome {
	cctx, cancel := integration.CleanupContext(ctx)
	defer cancel()
	if run, err := g.findRun(cctx, since); err == nil && run != nil {
		g.setRun(run)
		return g.cancel(cctx)
	}
	return g.outcome(integration.Cancelled("cancelled before the workflow run of " + g.describeWorkflow() + " appeared on GitHub; it may still run"))
}

// isStatus reports whether err is a GitHub answer with the HTTP status.
func isStatus(err error, status int) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == status
}

// transient reports whether a failed GitHub call may succeed if tried
// again: the network or GitHub's side failed, or a rate limit.
func transient(err error) bool {
	if _, denied := outbound.Denied(err); denied {
		// Only the operator can change that (SUPERPLANE_ALLOWED_NETWORKS).
		return false
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode >= 500
	}
	// Not an answer with a status: the network, or a rate limit (which
	// go-github reports as its own error types).
	return true
}
