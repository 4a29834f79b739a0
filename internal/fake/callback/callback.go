// Package callback is what the fakes of GitHub and Semaphore share to call
// SuperPlane back like a real run's step would: a POST of the run's outputs
// to /api/v1/outputs with a bearer token (the execution's output token, or
// an OIDC ID token of the fake issuer in internal/fake/oidc), recording
// SuperPlane's answer for tests to read.
package callback

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Outputs configures a run's callback.
type Outputs struct {
	// ServerURL is SuperPlane's base URL; Values are the outputs posted.
	ServerURL string
	Values    map[string]string
	// OIDC makes the run post with an ID token signed by the fake issuer
	// (the fake's IDToken), instead of the output token it was given;
	// Audience is that token's audience (GitHub: "" is ServerURL, the
	// server's public URL; Semaphore's is always its issuer).
	OIDC     bool
	Audience string
}

// Post is one post a run made: SuperPlane's status and answer, or (Status
// 0) why no post was made.
type Post struct {
	ExecutionID string
	Status      int
	Body        string
	Error       string
}

var client = &http.Client{Timeout: 10 * time.Second}

// Send posts values for executionID to serverURL with bearer, as
//
//	curl -X POST "$SUPERPLANE_URL/api/v1/outputs" -H "Authorization: Bearer $TOKEN" -d '{"executionId":..., "outputs":{...}}'
//
// would.
func Send(serverURL, bearer, executionID string, values map[string]string) Post {
	p := Post{ExecutionID: executionID}
	if bearer == "" {
		p.Error = "the run has no token to post with"
		return p
	}
	body, _ := json.Marshal(map[string]any{"executionId": executionID, "outputs": values})
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(serverURL, "/")+"/api/v1/outputs", bytes.NewReader(body))
	if err != nil {
		p.Error = err.Error()
		return p
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	p.Status, p.Body = resp.StatusCode, string(b)
	return p
}
