package azuredevops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// apiVersion is the REST API version every call asks for.
const apiVersion = "7.1"

// connectionDataPath is the location service's route that says who the
// caller is; it takes no api-version.
const connectionDataPath = "/_apis/connectionData"

// maxResponse bounds how much of an Azure DevOps answer is read.
const maxResponse = 1 << 20

// client calls the REST API of one organization or collection with one
// integration's PAT.
type client struct {
	hc    *http.Client
	base  string // the organization's or collection's URL, no trailing slash
	org   string
	token string
}

// newClient returns a client for the organization integrationURL names,
// with v's API URL override and guarded client. Redirects are answers, not
// detours: a PAT Azure DevOps does not accept may be redirected to its
// sign-in page, and following it would read HTML as success.
func newClient(v *integration.Verifier, integrationURL, token string) (client, error) {
	org, err := api.AzureDevOpsOrganization(integrationURL)
	if err != nil {
		return client{}, err
	}
	base := strings.TrimSuffix(integrationURL, "/")
	if v.AzureDevOpsAPIURL != "" {
		u, err := url.Parse(integrationURL)
		if err != nil {
			return client{}, err
		}
		base = strings.TrimSuffix(v.AzureDevOpsAPIURL, "/") + strings.TrimSuffix(u.EscapedPath(), "/")
	}
	hc := v.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return client{hc: hc, base: base, org: org, token: token}, nil
}

// apiError is an Azure DevOps answer other than a JSON 2xx, or (status 0)
// a failure to get one. message is Azure DevOps' own words, fit for a
// Reason but not yet redacted.
type apiError struct {
	status  int
	message string
	// signIn is set when Azure DevOps answered with its sign-in page (203
	// Non-Authoritative Information, or a redirect to it), which is how it
	// answers a PAT it does not accept on many routes.
	signIn bool
	// denied is set when the outbound guard refused the connection.
	denied bool
}

func (e *apiError) Error() string {
	switch {
	case e.signIn:
		return "Azure DevOps answered with its sign-in page: the personal access token is not valid, has expired or was revoked"
	case e.status == 0:
		return "cannot reach Azure DevOps: " + e.message
	case e.message == "":
		return fmt.Sprintf("Azure DevOps: %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("Azure DevOps: %d %s: %s", e.status, http.StatusText(e.status), e.message)
}

// transient reports whether trying again may help.
func (e *apiError) transient() bool {
	return !e.denied && !e.signIn && (e.status == 0 || e.status == http.StatusTooManyRequests || e.status >= 500)
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

// do sends in (when not nil) as JSON to path (under the organization's
// URL, starting with /, without api-version, which do adds) and decodes a
// JSON 2xx answer into out (when not nil).
func (c client) do(ctx context.Context, method, path string, in, out any) error {
	target := c.base + path
	if !strings.HasPrefix(path, connectionDataPath) {
		// connectionData is unversioned; every other route wants one.
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		target += sep + "api-version=" + apiVersion
	}
	ans, no := integration.JSONCall{Tool: "Azure DevOps", Client: c.hc, Limit: maxResponse, Prepare: func(req *http.Request) {
		Type{}.Authenticate(req, c.token)
		// Without it, Azure DevOps may answer a refused PAT with a redirect
		// to its sign-in page rather than a status.
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}}.Send(ctx, method, target, in)
	if no != nil {
		return &apiError{message: no.Message, denied: no.Denied}
	}
	if signInPage(ans) {
		return &apiError{status: ans.Status, signIn: true}
	}
	if !ans.OK() {
		return &apiError{status: ans.Status, message: errorMessage(ans.Body)}
	}
	if err := ans.Decode(out); err != nil {
		return &apiError{status: ans.Status, message: err.Error()}
	}
	return nil
}

// signInPage reports whether ans is Azure DevOps' sign-in page rather
// than an API answer: 203 Non-Authoritative Information (what it answers
// a PAT it does not accept), a redirect (to the sign-in page), or a 2xx
// HTML page.
func signInPage(ans integration.Answer) bool {
	if ans.Status == http.StatusNonAuthoritativeInfo || (ans.Status >= 300 && ans.Status < 400) {
		return true
	}
	mt, _, _ := mime.ParseMediaType(ans.Header.Get("Content-Type"))
	return ans.OK() && mt == "text/html"
}

// errorMessage returns the words of an Azure DevOps error body, documented
// as {"$id": "1", "message": ..., "typeKey": ..., "errorCode": ...}: the
// message, or else the text itself, on one line.
func errorMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return integration.RemoteText(e.Message)
	}
	return integration.RemoteText(string(body))
}

// projectPath is the API path of a project (by name or id) with rest
// (starting with /) after it. Project names may hold spaces.
func projectPath(project, rest string) string {
	return "/" + url.PathEscape(project) + rest
}
