package api

// OutputsPath is the route a CI run pushes its outputs to (an extension of
// v1): POST with PushOutputsRequest, authenticated by the execution's
// output token or by the CI's OIDC ID token.
const OutputsPath = "/api/v1/outputs"

// OutputTokenPrefix starts every output token, so that a leaked one is
// recognisable (secret scanners) and never mistaken for an API token.
const OutputTokenPrefix = "spo_"

// The names under which an execution's id and output token reach the run:
// GitHub workflow_dispatch inputs (which a workflow declares) and Semaphore
// pipeline parameters (environment variables of the pipeline).
const (
	GitHubExecutionIDInput        = "superplane_execution_id"
	GitHubOutputTokenInput        = "superplane_token"
	SemaphoreExecutionIDParameter = "SUPERPLANE_EXECUTION_ID"
	SemaphoreOutputTokenParameter = "SUPERPLANE_TOKEN"
)

// Limits of one push and of what an execution holds: the values are data
// for the next stage's inputs, not a place to store artefacts.
const (
	MaxPushedOutputs      = 32
	MaxOutputValueBytes   = 4096
	MaxPushOutputsRequest = 64 << 10
)

// PushOutputsRequest is the body of POST /api/v1/outputs. ExecutionID is
// also accepted as execution_id.
type PushOutputsRequest struct {
	ExecutionID string            `json:"executionId"`
	Outputs     map[string]string `json:"outputs"`
}

// PushOutputsResponse answers a push: the execution and the names of every
// output pushed to it so far (never their values).
type PushOutputsResponse struct {
	ExecutionID string   `json:"executionId"`
	Outputs     []string `json:"outputs"`
}
