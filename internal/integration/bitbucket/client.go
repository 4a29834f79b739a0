package bitbucket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// defaultAPI is Bitbucket Cloud's REST API, without its /2.0 version.
const defaultAPI = "https://api.bitbucket.org"

// maxResponse bounds how much of a Bitbucket answer is read.
const maxResponse = 1 << 20

// client calls the Bitbucket Cloud REST API 2.0 with one integration's
// credential.
type client struct {
	hc    *http.Client
	base  string
	token string
}

// newClient returns a client for token with v's API URL and guarded
// client. Redirects are answers, not detours: the API does not redirect,
// and following one to a login page would read HTML as success.
func newClient(v *integration.Verifier, token string) client {
	base := v.BitbucketAPIURL
	if base == "" {
		base = defaultAPI
	}
	hc := v.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return client{hc: hc, base: strings.TrimSuffix(base, "/"), token: token}
}

// apiError is a Bitbucket answer other than 2xx, or (status 0) a failure
// to get one. message is Bitbucket's own words, fit for a Reason but not
// yet redacted.
type apiError struct {
	status  int
	message string
	// denied is set when the outbound guard refused the connection: no
	// retry helps until the operator allows the network.
	denied bool
}

func (e *apiError) Error() string {
	switch {
	case e.status == 0:
		return "cannot reach Bitbucket: " + e.message
	case e.message == "":
		return fmt.Sprintf("Bitbucket: %d %s", e.status, http.StatusText(e.status))
	case e.status == http.StatusUnauthorized || e.status == http.StatusForbidden:
		return "Bitbucket: " + e.message
	}
	return fmt.Sprintf("Bitbucket: unexpected status %d: %s", e.status, e.message)
}

// transient reports whether trying again may help: Bitbucket was
// unreachable, limited the rate or failed on its side.
func (e *apiError) transient() bool {
	return !e.denied && (e.status == 0 || e.status == http.StatusTooManyRequests || e.status >= 500)
}

// statusOf returns the HTTP status of a failed call (0 when there was no
// answer or err is not an apiError).
func statusOf(err error) int {
	if ae, ok := errors.AsType[*apiError](err); ok {
		return ae.status
	}
	return 0
}

// isTransient reports whether err is an apiError worth retrying.
func isTransient(err error) bool {
	ae, ok := errors.AsType[*apiError](err)
	return ok && ae.transient()
}

// do sends in (when not nil) as JSON to path (under the API base, starting
// with /2.0/) and decodes a 2xx answer into out (when not nil).
func (c client) do(ctx context.Context, method, path string, in, out any) error {
	ans, no := integration.JSONCall{Tool: "Bitbucket API", Client: c.hc, Limit: maxResponse,
		Prepare: func(req *http.Request) { Type{}.Authenticate(req, c.token) }}.Send(ctx, method, c.base+path, in)
	if no != nil {
		return &apiError{message: no.Message, denied: no.Denied}
	}
	if !ans.OK() {
		return &apiError{status: ans.Status, message: errorMessage(ans.Body)}
	}
	if err := ans.Decode(out); err != nil {
		return &apiError{status: ans.Status, message: err.Error()}
	}
	return nil
}

// errorMessage returns the words of a Bitbucket error body, documented as
// {"type": "error", "error": {"message": ..., "detail": ...}}: the message
// and its detail, or else the text itself, on one line.
func errorMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Detail  any    `json:"detail"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		msg := e.Error.Message
		if d, ok := e.Error.Detail.(string); ok && d != "" && d != msg {
			msg += ": " + d
		}
		return integration.RemoteText(msg)
	}
	return integration.RemoteText(string(body))
}

// repoPath is the API path of a repository of the workspace, with rest
// (starting with /) after it.
func repoPath(workspace, repo, rest string) string {
	return "/2.0/repositories/" + url.PathEscape(workspace) + "/" + url.PathEscape(repo) + rest
}
