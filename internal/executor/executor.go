// Package executor runs a stage's executor for one execution: it calls an
// HTTP endpoint, dispatches a GitHub Actions workflow, starts a Semaphore
// pipeline, or does nothing (noop), and reports the outcome. It also renders
// the ${{ inputs.NAME }} and ${{ secrets.NAME }} templates of executor specs
// and validates specs when a stage is created or updated.
//
// The package holds no state between executions: whatever an executor
// started on a tool is handed to the caller through Progress as Resources, so
// an execution interrupted by a server restart resumes from them instead of
// starting the work a second time.
package executor

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

// Resource is what an executor started on a tool: a workflow run, a
// pipeline.
type Resource = api.ExecutionResource

// Resource types an executor reports.
const (
	// ResourceGitHubWorkflowRun is a GitHub Actions workflow run: ID is the
	// run id, State its status (queued, in_progress, completed), Result its
	// conclusion. Right after the dispatch, before GitHub has shown the run,
	// it is reported with an empty ID and State "dispatched", so that a
	// resumed execution looks for the run instead of dispatching again.
	ResourceGitHubWorkflowRun = "github_workflow_run"
	// ResourceSemaphorePipeline is a Semaphore pipeline: ID is the pipeline
	// id, State its state (RUNNING, DONE...), Result its result (PASSED...).
	ResourceSemaphorePipeline = "semaphore_pipeline"
)

// stateDispatched is the State of a workflow run that was dispatched but not
// yet found.
const stateDispatched = "dispatched"

// Request is one execution, with its spec already rendered (templates
// resolved).
type Request struct {
	ExecutionID, StageID string
	// Type is the executor type: http, github, semaphore or noop.
	Type string
	// Spec is the rendered executor spec.
	Spec map[string]any
	// IntegrationURL and Token are the integration of a github or semaphore
	// executor and its decrypted token, for this call only: never stored,
	// never put in an Outcome.
	IntegrationURL, Token string
	// Secrets are the secret values rendered into Spec, masked (with
	// Token) in the Message before it is clipped: a tool that echoes one
	// back must not have its start shown by the clip.
	Secrets []string
	// ResourceName is the repository (github) or project (semaphore).
	ResourceName string
	// DryRun makes the execution pass without contacting anything.
	DryRun bool
	// Resources are what an earlier attempt of this execution started
	// (before a server restart): the executor follows them instead of
	// starting again.
	Resources []Resource
}

// Outcome is how an execution ended.
type Outcome struct {
	// Result is api.ResultPassed, api.ResultFailed or api.ResultCancelled.
	Result string
	// Reason is api.ResultReasonOK for a pass, api.ResultReasonTimeout when
	// the execution or its HTTP request ran out of time,
	// api.ResultReasonUser for a cancel, else api.ResultReasonError.
	Reason string
	// Message says what happened in words for a user. It never contains the
	// integration token; the caller redacts secret values.
	Message string
	// Outputs are the values the executor produced (http: the "outputs" of
	// the response; noop and dry runs: spec.outputs).
	Outputs map[string]string
	// Resources are the final state of what the executor started.
	Resources []Resource
}

// Progress persists the resources started so far and reports whether a
// cancel of the execution was requested. Executors call it after starting
// something and on every poll; it must return quickly.
type Progress func(ctx context.Context, resources []Resource) (cancel bool)

// Config configures a Runner. The zero value talks to the real GitHub and
// Semaphore with the defaults below.
type Config struct {
	// GitHubAPIURL is the GitHub REST API base; "" means api.github.com, or
	// the API of the GitHub Enterprise host of the integration URL.
	GitHubAPIURL string
	// SemaphoreAPIURL is the Semaphore API base; "" means the integration
	// URL (https://<organization>.semaphoreci.com).
	SemaphoreAPIURL string
	// PollInterval is how often a running execution is polled and checked
	// for a cancel request; default 5s.
	PollInterval time.Duration
	// Timeout bounds a whole execution; default 1h.
	Timeout time.Duration
	// AllowedNetworks are destinations every executor (http, github,
	// semaphore) may reach although the outbound guard blocks them by
	// default (loopback, private, link-local, metadata addresses...): the
	// value of SUPERPLANE_ALLOWED_NETWORKS. The configured API URLs are
	// guarded too: a fake on loopback needs 127.0.0.0/8 here.
	AllowedNetworks []netip.Prefix
}

// Defaults of Config.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultTimeout      = time.Hour
)

// apiTimeout bounds one call to the GitHub or Semaphore API.
const apiTimeout = 30 * time.Second

// Runner runs executions. It is safe for concurrent use.
type Runner struct {
	cfg Config
	// hookClient makes the http executor's requests, bounded by the spec's
	// timeoutSeconds; apiClient calls GitHub and Semaphore. Both go through
	// the outbound guard, whatever the URL's origin.
	hookClient, apiClient *outbound.Client
	// runLookupWindow bounds the wait for a dispatched GitHub run to show
	// up (tests shorten it).
	runLookupWindow time.Duration
}

// NewRunner returns a Runner with cfg, defaults filled in.
func NewRunner(cfg Config) *Runner {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	apiClient := outbound.New(outbound.Config{AllowedNetworks: cfg.AllowedNetworks, Timeout: apiTimeout})
	return &Runner{
		cfg: cfg,
		// The context of each request applies the spec's timeoutSeconds;
		// the client's own bound is the largest one a spec may ask.
		hookClient:      apiClient.WithTimeout(maxHTTPTimeoutSeconds*time.Second + time.Minute),
		apiClient:       apiClient,
		runLookupWindow: defaultRunLookupWindow,
	}
}

// errExecutionTimeout is the cause of the context of an execution that ran
// out of Config.Timeout.
var errExecutionTimeout = errors.New("execution timed out")

// Run runs the execution and returns its outcome; it never panics and
// returns only when the execution is over, polling progress meanwhile.
//
// A dry run passes at once with the message "dry run". An unknown type, or
// a spec that does not validate, fails. When Config.Timeout passes, anything
// started on a tool is cancelled and the outcome is a failure with reason
// api.ResultReasonTimeout. When ctx is cancelled by the caller (the server
// stopping), Run returns promptly without cancelling anything on the tools,
// with a failed outcome whose Message starts with "interrupted": a caller
// that is shutting down should not record it, and should resume the
// execution later from the Resources it persisted.
func (r *Runner) Run(ctx context.Context, req Request, progress Progress) (out Outcome) {
	defer func() {
		// A bug in one executor costs one execution, not the server: no
		// input may take the process down.
		if p := recover(); p != nil {
			out = failed(api.ResultReasonError, fmt.Sprintf("internal error in the %s executor", printable(req.Type)))
			out.Resources = req.Resources
		}
		// Tools may echo the token or a secret back in an error, in any
		// encoding; none leaves here, and the clip comes after the masking.
		out.Message = redact.New(append([]string{req.Token}, req.Secrets...)...).Clip(out.Message, MaxMessage)
	}()
	if progress == nil {
		progress = func(context.Context, []Resource) bool { return false }
	}
	if req.DryRun {
		return dryRun(req)
	}
	if err := validateSpec(req.Type, req.Spec, false); err != nil {
		return failed(api.ResultReasonError, err.Error())
	}
	ctx, cancel := context.WithTimeoutCause(ctx, r.cfg.Timeout, errExecutionTimeout)
	defer cancel()
	switch req.Type {
	case api.ExecutorNoop:
		return runNoop(req)
	case api.ExecutorHTTP:
		return r.runHTTP(ctx, req, progress)
	case api.ExecutorGitHub:
		return r.runGitHub(ctx, req, progress)
	default: // api.ExecutorSemaphore; ValidateSpec refused the rest.
		return r.runSemaphore(ctx, req, progress)
	}
}

func passed(message string, outputs map[string]string) Outcome {
	return Outcome{Result: api.ResultPassed, Reason: api.ResultReasonOK, Message: message, Outputs: outputs}
}

func failed(reason, message string) Outcome {
	return Outcome{Result: api.ResultFailed, Reason: reason, Message: message}
}

func cancelled(message string) Outcome {
	return Outcome{Result: api.ResultCancelled, Reason: api.ResultReasonUser, Message: message}
}

// ended returns the outcome of an execution whose context is done: a
// timeout when Config.Timeout passed, else an interruption by the caller.
// what names the work, as in "waiting for workflow run 42".
func (r *Runner) ended(ctx context.Context, what string) Outcome {
	if timedOut(ctx) {
		return failed(api.ResultReasonTimeout, fmt.Sprintf("execution timed out after %s while %s", r.cfg.Timeout, what))
	}
	return failed(api.ResultReasonError, "interrupted while "+what)
}

// timedOut reports whether ctx ended because Config.Timeout passed.
func timedOut(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errExecutionTimeout)
}

// sleep waits for the poll interval and reports whether ctx is still live.
func (r *Runner) sleep(ctx context.Context) bool {
	t := time.NewTimer(r.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// cleanupContext is for cancelling a tool's work after the execution's own
// context ended (a timeout): it keeps ctx's values, not its deadline.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), apiTimeout)
}

// maxTransientErrors is how many polls in a row may fail (the tool
// unreachable, a 5xx) before the execution fails.
const maxTransientErrors = 5

// withResource returns resources with res in place of the resource of the
// same type (appended when there is none). It never changes resources.
func withResource(resources []Resource, res Resource) []Resource {
	out := make([]Resource, 0, len(resources)+1)
	replaced := false
	for _, x := range resources {
		if x.Type == res.Type && !replaced {
			out = append(out, res)
			replaced = true
			continue
		}
		out = append(out, x)
	}
	if !replaced {
		out = append(out, res)
	}
	return out
}

// findResource returns the resource of type typ among resources.
func findResource(resources []Resource, typ string) (Resource, bool) {
	for _, x := range resources {
		if x.Type == typ {
			return x, true
		}
	}
	return Resource{}, false
}
