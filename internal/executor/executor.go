// Package executor runs a stage's executor for one execution: it calls an
// HTTP endpoint, does nothing (noop), or hands the execution to the
// integration type of the executor's name (integration.Runner: GitHub
// dispatches a workflow, Semaphore starts a pipeline), found in the
// registry of internal/integration/all; and it reports the outcome. What
// every execution shares is here: dry runs, the timeout, panic recovery,
// masking secrets in the message. It also renders the ${{ inputs.NAME }}
// and ${{ secrets.NAME }} templates of executor specs and validates specs
// when a stage is created or updated.
//
// The package holds no state between executions: whatever an executor
// started on a tool is handed to the caller through Progress as Resources, so
// an execution interrupted by a server restart resumes from them instead of
// starting the work a second time.
package executor

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/redact"
)

// Resource is what an executor started on a tool: a workflow run, a
// pipeline. Each integration type's package names the resources it
// reports (github.ResourceWorkflowRun, semaphore.ResourcePipeline).
type Resource = integration.Resource

// Request is one execution, with its spec already rendered; Outcome is how
// it ended; Progress persists what it started. They are the integration
// package's, so that an integration type's Runner runs the same requests.
type (
	Request  = integration.RunRequest
	Outcome  = integration.Outcome
	Progress = integration.Progress
)

// Config configures a Runner. The zero value talks to the real GitHub and
// Semaphore with the defaults below.
type Config struct {
	// GitHubAPIURL is the GitHub REST API base; "" means api.github.com, or
	// the API of the GitHub Enterprise host of the integration URL.
	GitHubAPIURL string
	// SemaphoreAPIURL is the Semaphore API base; "" means the integration
	// URL (https://<organization>.semaphoreci.com).
	SemaphoreAPIURL string
	// GitLabAPIURL is the GitLab REST API base; "" means the integration
	// URL followed by /api/v4.
	GitLabAPIURL string
	// BitbucketAPIURL is the Bitbucket Cloud API base (without /2.0); ""
	// means https://api.bitbucket.org.
	BitbucketAPIURL string
	// AzureDevOpsAPIURL replaces the scheme and host of azure_devops
	// integration URLs; "" means the integration URL itself.
	AzureDevOpsAPIURL string
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

// types are the integration types; those with a Runner are executor types.
var types = all.Registry()

// Defaults of Config.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultTimeout      = time.Hour
)

// Runner runs executions. It is safe for concurrent use.
type Runner struct {
	cfg Config
	// hookClient makes the http executor's requests, bounded by the spec's
	// timeoutSeconds; apiClient calls the tools of the integration types
	// (integration.Execution.Tools). Both go through the outbound guard,
	// whatever the URL's origin.
	hookClient, apiClient *outbound.Client
}

// NewRunner returns a Runner with cfg, defaults filled in.
func NewRunner(cfg Config) *Runner {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	apiClient := outbound.New(outbound.Config{AllowedNetworks: cfg.AllowedNetworks, Timeout: integration.APITimeout})
	return &Runner{
		cfg: cfg,
		// The context of each request applies the spec's timeoutSeconds;
		// the client's own bound is the largest one a spec may ask.
		hookClient: apiClient.WithTimeout(maxHTTPTimeoutSeconds*time.Second + time.Minute),
		apiClient:  apiClient,
	}
}

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
			out = integration.Failed(api.ResultReasonError, fmt.Sprintf("internal error in the %s executor", integration.Printable(req.Type)))
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
		return integration.Failed(api.ResultReasonError, err.Error())
	}
	ctx, cancel := integration.ExecutionContext(ctx, r.cfg.Timeout)
	defer cancel()
	switch req.Type {
	case api.ExecutorNoop:
		return runNoop(req)
	case api.ExecutorHTTP:
		return r.runHTTP(ctx, req, progress)
	default: // an integration type's Runner; validateSpec refused the rest.
		runner, _ := types.Runner(req.Type)
		return runner.Run(ctx, r.execution(progress), req)
	}
}

// Timeout is how long an execution may run (Config.Timeout): the engine
// bounds the life of an execution's output token with it.
func (r *Runner) Timeout() time.Duration { return r.cfg.Timeout }

// execution is what an integration type's Runner gets for one execution.
func (r *Runner) execution(progress Progress) *integration.Execution {
	return &integration.Execution{
		Tools:        &integration.Verifier{GitHubAPIURL: r.cfg.GitHubAPIURL, SemaphoreAPIURL: r.cfg.SemaphoreAPIURL, GitLabAPIURL: r.cfg.GitLabAPIURL, BitbucketAPIURL: r.cfg.BitbucketAPIURL, AzureDevOpsAPIURL: r.cfg.AzureDevOpsAPIURL, Client: r.apiClient},
		PollInterval: r.cfg.PollInterval, Timeout: r.cfg.Timeout, Progress: progress,
	}
}

// ended returns the outcome of an execution whose context is done (see
// integration.Execution.Ended).
func (r *Runner) ended(ctx context.Context, what string) Outcome {
	return r.execution(nil).Ended(ctx, what)
}
