package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxResponse bounds how much of a GitLab answer is read.
const maxResponse = 1 << 20

// client calls the REST API of one GitLab instance with one token.
type client struct {
	http  *http.Client
	base  string // …/api/v4, without a trailing slash
	token string
}

// newClient returns a client for the instance at integrationURL (or
// v.GitLabAPIURL when set). Redirects are answers, not detours: GitLab's API
// does not redirect, and following one to a sign-in page would read HTML as
// success and could carry the token elsewhere.
func newClient(v *integration.Verifier, integrationURL, token string) (*client, error) {
	base, err := api.GitLabAPIBase(integrationURL)
	if err != nil {
		return nil, err
	}
	if v.GitLabAPIURL != "" {
		base = v.GitLabAPIURL
	}
	hc := v.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{http: hc, base: strings.TrimSuffix(base, "/"), token: token}, nil
}

// apiError is a GitLab answer other than 2xx, or (status 0) a failure to
// get one.
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
		return "cannot reach GitLab: " + e.message
	case e.message == "":
		return fmt.Sprintf("GitLab: %d %s", e.status, http.StatusText(e.status))
	}
	return "GitLab: " + e.message
}

// transient reports whether trying again may help: GitLab was unreachable,
// failed on its side or limited the rate.
func (e *apiError) transient() bool {
	return !e.denied && (e.status == 0 || e.status >= 500 || e.status == http.StatusTooManyRequests)
}

// statusOf returns the HTTP status of a GitLab answer, 0 for anything else.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status
	}
	return 0
}

// project escapes a project id or full path for the API's paths: GitLab
// takes a path URL-encoded in place of the id (group%2Fapp).
func project(p string) string { return url.PathEscape(p) }

// do sends in (when not nil) as JSON and decodes a 2xx answer into out
// (when not nil). The answer's headers are returned for pagination.
func (c *client) do(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	ans, no := integration.JSONCall{Tool: "GitLab API", Client: c.http, Limit: maxResponse,
		Prepare: func(req *http.Request) { Type{}.Authenticate(req, c.token) }}.Send(ctx, method, c.base+path, in)
	if no != nil {
		return ans.Header, &apiError{message: integration.Redact(no.Message, c.token), denied: no.Denied}
	}
	if !ans.OK() {
		return ans.Header, &apiError{status: ans.Status, message: integration.Redact(message(ans.Status, ans.Body), c.token)}
	}
	if err := ans.Decode(out); err != nil {
		return ans.Header, &apiError{status: ans.Status, message: err.Error()}
	}
	return ans.Header, nil
}

// message returns GitLab's reason from an error body. GitLab answers
// {"message": "404 Project Not Found"}, {"message": {"base": ["Reference
// not found"]}} (validation errors, by field), {"error": "url is missing"}
// or, for OAuth scope failures, {"error": "insufficient_scope",
// "error_description": "..."}; anything else is quoted as text.
func message(status int, body []byte) string {
	var obj struct {
		Message     json.RawMessage `json:"message"`
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &obj) != nil {
		return integration.MessageOr(string(body), fmt.Sprintf("%d %s", status, http.StatusText(status)))
	}
	if len(obj.Message) > 0 {
		if m := flatten(obj.Message); m != "" {
			return integration.RemoteText(m)
		}
	}
	switch {
	case obj.Description != "" && obj.Error != "":
		return integration.RemoteText(obj.Error + ": " + obj.Description)
	case obj.Error != "":
		return integration.RemoteText(obj.Error)
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

// flatten renders a "message" that is a string, a list, or an object of
// fields to lists ({"base": ["Reference not found"]} becomes "Reference
// not found"; other fields are named: "url: is blocked").
func flatten(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, "; ")
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		var parts []string
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			text := flatten(fields[k])
			if k != "base" {
				text = k + ": " + text
			}
			parts = append(parts, text)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// projectJSON is the part of a project SuperPlane reads: its id, full path
// and the token user's access (permissions are shown to members only).
type projectJSON struct {
	ID          int64  `json:"id"`
	Path        string `json:"path_with_namespace"`
	Permissions *struct {
		ProjectAccess *struct {
			AccessLevel int `json:"access_level"`
		} `json:"project_access"`
		GroupAccess *struct {
			AccessLevel int `json:"access_level"`
		} `json:"group_access"`
	} `json:"permissions"`
}

// access returns the highest access level the answer shows, and false when
// it shows none (an administrator, or an instance that leaves it out):
// GitLab then decides at the call itself.
func (p projectJSON) access() (int, bool) {
	if p.Permissions == nil {
		return 0, false
	}
	level, known := 0, false
	if a := p.Permissions.ProjectAccess; a != nil {
		level, known = max(level, a.AccessLevel), true
	}
	if a := p.Permissions.GroupAccess; a != nil {
		level, known = max(level, a.AccessLevel), true
	}
	return level, known
}

// GitLab's access levels that SuperPlane's calls need.
const (
	accessDeveloper  = 30 // create and cancel pipelines
	accessMaintainer = 40 // manage project hooks
)

// roleName names an access level as GitLab's UI does.
func roleName(level int) string {
	switch {
	case level >= 50:
		return "Owner"
	case level >= 40:
		return "Maintainer"
	case level >= 30:
		return "Developer"
	case level >= 20:
		return "Reporter"
	case level >= 10:
		return "Guest"
	case level > 0:
		return "Minimal access"
	}
	return "no"
}

// checkProject reads the project and checks that the token's user holds at
// least need on it, for what (a phrase: "manage its webhooks"). The error
// says what is wrong in words a user can act on.
func (c *client) checkProject(ctx context.Context, name string, need int, what string) error {
	var p projectJSON
	_, err := c.do(ctx, http.MethodGet, "/projects/"+project(name), nil, &p)
	switch status := statusOf(err); {
	case status == http.StatusNotFound:
		return fmt.Errorf("GitLab: project %s not found, or the token cannot see it", integration.Printable(name))
	case err != nil:
		return err
	}
	if level, known := p.access(); known && level < need {
		return fmt.Errorf("GitLab: the token's user has %s access to project %s; to %s it needs %s or higher",
			roleName(level), integration.Printable(name), what, roleName(need))
	}
	return nil
}
