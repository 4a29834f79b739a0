package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Runner is the optional part of a Type whose stages run work on the tool:
// the executor of the type's name (a stage's executor.type "github"
// dispatches a workflow). internal/executor keeps what every execution
// shares (dry runs, the timeout, panic recovery, masking secrets in the
// message) and asks the registry for the Runner of an integration-backed
// executor type.
type Runner interface {
	// CheckSpec checks the fields of an executor spec of this type with c,
	// which collects the first error ("spec.ref is required"). It runs
	// when a stage is saved (templates may still be in the spec) and again
	// before each run, on the rendered spec. spec.outputs is checked by the
	// executor for every type.
	CheckSpec(c *SpecCheck)
	// Run starts req's work on the tool, or resumes what req.Resources say
	// an earlier attempt started, and follows it to its outcome: it calls
	// e.Progress after starting something and on every poll, and cancels
	// the work on the tool when Progress asks to. req.Spec has passed
	// CheckSpec; ctx ends at the execution's timeout (ExecutionContext) or
	// when the caller stops. Its Message never contains req.Token.
	Run(ctx context.Context, e *Execution, req RunRequest) Outcome
}

// Resource is what an executor started on a tool: a workflow run, a
// pipeline.
type Resource = api.ExecutionResource

// RunRequest is one execution, with its spec already rendered (templates
// resolved).
type RunRequest struct {
	ExecutionID, StageID string
	// Type is the executor type: http, noop, or an integration type with a
	// Runner.
	Type string
	// Spec is the rendered executor spec.
	Spec map[string]any
	// IntegrationURL and Token are the integration of an integration-backed
	// executor and its decrypted token, for this call only: never stored,
	// never put in an Outcome.
	IntegrationURL, Token string
	// Secrets are the secret values rendered into Spec, masked (with
	// Token) in the Message before it is clipped: a tool that echoes one
	// back must not have its start shown by the clip.
	Secrets []string
	// OutputToken is the token minted for this execution with which the
	// run may push its outputs back (POST /api/v1/outputs); "" when none
	// was minted (the stage declares no outputs, or the run was started
	// before). A runner hands it to the run as a workflow input or a
	// pipeline parameter only, never in an Outcome.
	OutputToken string
	// Sign, when set, authenticates the http executor's request with the
	// stage's cloud integration (aws: SigV4) just before it is sent.
	Sign func(ctx context.Context, req *http.Request, body []byte) error
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

// Execution is what a Runner gets from the executor besides the request.
type Execution struct {
	// Tools holds the tools' API URLs and the guarded client every call
	// of a run goes through (the executor's, with its allowed networks).
	Tools *Verifier
	// PollInterval is how often a running execution is polled and checked
	// for a cancel request.
	PollInterval time.Duration
	// Timeout bounds the whole execution; it is named in the message of an
	// execution that runs out of it.
	Timeout time.Duration
	// Progress persists what the run started; never nil.
	Progress Progress
}

// APITimeout bounds one call to a tool's API during a run.
const APITimeout = 30 * time.Second

// MaxTransientErrors is how many polls in a row may fail (the tool
// unreachable, a 5xx) before the execution fails.
const MaxTransientErrors = 5

// errExecutionTimeout is the cause of the context of an execution that ran
// out of its timeout.
var errExecutionTimeout = errors.New("execution timed out")

// ExecutionContext returns the context of an execution bounded by timeout,
// whose end TimedOut recognises (as opposed to the caller stopping).
func ExecutionContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, timeout, errExecutionTimeout)
}

// TimedOut reports whether ctx (from ExecutionContext) ended because the
// execution's timeout passed.
func TimedOut(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errExecutionTimeout)
}

// Ended returns the outcome of an execution whose context is done: a
// timeout when Timeout passed, else an interruption by the caller (a caller
// that is shutting down does not record it, and resumes later). what names
// the work, as in "waiting for workflow run 42".
func (e *Execution) Ended(ctx context.Context, what string) Outcome {
	if TimedOut(ctx) {
		return Failed(api.ResultReasonTimeout, fmt.Sprintf("execution timed out after %s while %s", e.Timeout, what))
	}
	return Failed(api.ResultReasonError, "interrupted while "+what)
}

// Sleep waits for the poll interval and reports whether ctx is still live.
func (e *Execution) Sleep(ctx context.Context) bool {
	t := time.NewTimer(e.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// CleanupContext is for cancelling a tool's work after the execution's own
// context ended (a timeout): it keeps ctx's values, not its deadline.
func CleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), APITimeout)
}

// Passed is the outcome of an execution that passed.
func Passed(message string, outputs map[string]string) Outcome {
	return Outcome{Result: api.ResultPassed, Reason: api.ResultReasonOK, Message: message, Outputs: outputs}
}

// Failed is the outcome of an execution that failed for reason.
func Failed(reason, message string) Outcome {
	return Outcome{Result: api.ResultFailed, Reason: reason, Message: message}
}

// Cancelled is the outcome of an execution a user cancelled.
func Cancelled(message string) Outcome {
	return Outcome{Result: api.ResultCancelled, Reason: api.ResultReasonUser, Message: message}
}

// WithResource returns resources with res in place of the resource of the
// same type (appended when there is none). It never changes resources.
func WithResource(resources []Resource, res Resource) []Resource {
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

// FindResource returns the resource of type typ among resources.
func FindResource(resources []Resource, typ string) (Resource, bool) {
	for _, x := range resources {
		if x.Type == typ {
			return x, true
		}
	}
	return Resource{}, false
}
