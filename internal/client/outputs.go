package client

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// PushOutputs pushes outputs to a running execution (POST /api/v1/outputs,
// an extension of v1), as a CI run does. Build the client with the
// execution's output token (the superplane_token workflow input, the
// SUPERPLANE_TOKEN pipeline parameter) or the run's OIDC ID token as
// Config.Token: the route takes no API token. A push is safe to retry: a
// name pushed again keeps its latest value. The answer names every output
// pushed so far.
func (c *Client) PushOutputs(ctx context.Context, executionID string, outputs map[string]string) (*api.PushOutputsResponse, error) {
	var out api.PushOutputsResponse
	req := request{op: "push outputs", method: http.MethodPost, path: api.OutputsPath,
		body: api.PushOutputsRequest{ExecutionID: executionID, Outputs: outputs}}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
