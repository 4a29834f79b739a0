package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// maxSemaphoreBody bounds how much of a Semaphore response is read.
const maxSemaphoreBody = 1 << 20

// verifySemaphore checks a Semaphore token by listing the organization's
// projects (GET /api/v1alpha/projects with "Authorization: Token <token>",
// as Semaphore's API documents): the call every Semaphore executor depends
// on.
func (v *Verifier) verifySemaphore(ctx context.Context, rawURL, token string) Result {
	org, err := api.SemaphoreOrg(rawURL)
	if err != nil {
		return fail(err.Error())
	}
	base := v.SemaphoreAPIURL
	if base == "" {
		base = rawURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1alpha/projects", nil)
	if err != nil {
		return fail("invalid Semaphore API URL in the server configuration")
	}
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "SuperPlane")

	// Redirects are answers, not detours: Semaphore's API does not redirect,
	// and following one to a login page would report HTML as success.
	client := *v.httpClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return fail(unreachable("Semaphore", err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSemaphoreBody))
	if err != nil && !errors.Is(err, io.EOF) {
		return fail("cannot reach Semaphore: " + remoteText(err.Error()))
	}

	switch resp.StatusCode {
	case http.StatusOK:
		var projects []json.RawMessage
		if err := json.Unmarshal(body, &projects); err != nil {
			return failf("unexpected answer from Semaphore: the project list is not a JSON array: %s", remoteText(string(body)))
		}
		return ok()
	case http.StatusUnauthorized:
		reason := fmt.Sprintf("Semaphore: unauthorized (token is not valid for organization %s)", org)
		if m := semaphoreMessage(body); m != "" && !strings.EqualFold(m, "unauthorized") {
			reason += ": " + m
		}
		return fail(reason)
	case http.StatusNotFound:
		return failf("Semaphore organization %s not found", org)
	default:
		return failf("Semaphore: unexpected status %s: %s", resp.Status, semaphoreMessage(body))
	}
}

// semaphoreMessage returns the message of an error body: the "message" of a
// JSON object, or else the text itself, made fit for a Reason.
func semaphoreMessage(body []byte) string {
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &obj) == nil && obj.Message != "" {
		return remoteText(obj.Message)
	}
	return remoteText(string(body))
}
