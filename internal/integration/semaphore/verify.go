package semaphore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxSemaphoreBody bounds how much of a Semaphore response is read.
const maxSemaphoreBody = 1 << 20

// Verify checks a Semaphore token by listing the organization's
// projects (GET /api/v1alpha/projects with "Authorization: Token <token>",
// as Semaphore's API documents): the call every Semaphore executor depends
// on.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	org, err := api.SemaphoreOrg(rawURL)
	if err != nil {
		return integration.Fail(err.Error())
	}
	base := v.SemaphoreAPIURL
	if base == "" {
		base = rawURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1alpha/projects", nil)
	if err != nil {
		return integration.Fail("invalid Semaphore API URL in the server configuration")
	}
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")

	// Redirects are answers, not detours: Semaphore's API does not redirect,
	// and following one to a login page would report HTML as success.
	client := *v.HTTPClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return integration.Fail(integration.Unreachable("Semaphore", err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSemaphoreBody))
	if err != nil && !errors.Is(err, io.EOF) {
		return integration.Fail("cannot reach Semaphore: " + integration.RemoteText(err.Error()))
	}

	switch resp.StatusCode {
	case http.StatusOK:
		var projects []json.RawMessage
		if err := json.Unmarshal(body, &projects); err != nil {
			return integration.Failf("unexpected answer from Semaphore: the project list is not a JSON array: %s", integration.RemoteText(string(body)))
		}
		return integration.OK()
	case http.StatusUnauthorized:
		reason := fmt.Sprintf("Semaphore: unauthorized (token is not valid for organization %s)", org)
		if m := semaphoreMessage(body); m != "" && !strings.EqualFold(m, "unauthorized") {
			reason += ": " + m
		}
		return integration.Fail(reason)
	case http.StatusNotFound:
		return integration.Failf("Semaphore organization %s not found", org)
	default:
		return integration.Failf("Semaphore: unexpected status %s: %s", resp.Status, semaphoreMessage(body))
	}
}

// semaphoreMessage returns the message of an error body: the "message" of a
// JSON object, or else the text itself, made fit for a Reason.
func semaphoreMessage(body []byte) string {
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &obj) == nil && obj.Message != "" {
		return integration.RemoteText(obj.Message)
	}
	return integration.RemoteText(string(body))
}
