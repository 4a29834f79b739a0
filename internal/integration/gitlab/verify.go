package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Verify checks a GitLab token by reading the user it belongs to (GET
// /api/v4/user), which every token that may call the API can do. The
// projects are checked where they are named: a source's hook needs the
// Maintainer role on its project and an executor's pipeline the Developer
// role, which EnsureHook and Run check first and report in the same words.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	c, err := newClient(v, rawURL, token)
	if err != nil {
		return integration.Fail(err.Error())
	}
	var u struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		State    string `json:"state"`
	}
	_, err = c.do(ctx, http.MethodGet, "/user", nil, &u)
	var ae *apiError
	switch {
	case err == nil:
	case asAPIError(err, &ae) && ae.denied:
		return integration.Fail(ae.Error())
	case asAPIError(err, &ae) && ae.status == 0:
		return integration.Fail(integration.Unreachable("GitLab", err))
	case asAPIError(err, &ae) && ae.status == http.StatusUnauthorized:
		return integration.Failf("GitLab: %s (the token is not valid: wrong, expired or revoked)", ae.message)
	case asAPIError(err, &ae) && ae.status == http.StatusForbidden:
		return integration.Failf("GitLab: %s (the token may not read its user: give it the api or read_api scope)", ae.message)
	case asAPIError(err, &ae) && ae.status == http.StatusNotFound:
		return integration.Failf("GitLab: %s (no GitLab API at this URL: check the instance URL)", ae.message)
	default:
		return integration.Fail(err.Error())
	}
	if u.ID == 0 {
		return integration.Fail("unexpected answer from GitLab: the current user has no id (is the URL a GitLab instance?)")
	}
	if u.State != "" && u.State != "active" {
		return integration.Failf("GitLab: the token's user %s is %s", integration.Printable(u.Username), integration.Printable(u.State))
	}
	return integration.OK()
}

// asAPIError is errors.As for *apiError, shorter in a switch.
func asAPIError(err error, target **apiError) bool { return errors.As(err, target) }

// describe is the Reason of an error of a hook call; it never carries the
// token or the hook's secret.
func describe(err error, token string, also ...string) string {
	return integration.Redact(fmt.Sprint(err), token, also...)
}
