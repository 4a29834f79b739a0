package bitbucket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Verify checks a Bitbucket credential against the URL's workspace.
//
// An API token or app password ("<user>:<secret>") must authenticate
// (GET /2.0/user) and its user must belong to the workspace (GET
// /2.0/user/workspaces/{workspace}/permission, which answers the user's
// permission there, 404 for none). An access token has no user: it must
// reach at least one repository of the workspace (GET
// /2.0/repositories/{workspace}), since every source and executor works on
// one. Bitbucket's own words are kept in the Reason; the credential never is.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	ws, err := api.BitbucketWorkspace(rawURL)
	if err != nil {
		return integration.Fail(err.Error())
	}
	cred := parseCredential(token)
	if cred.basic && (cred.user == "" || cred.secret == "") {
		return integration.Fail(`the credential must be "<user>:<API token or app password>", or an access token alone`)
	}
	c := newClient(v, token)
	if cred.basic {
		return verifyUser(ctx, c, ws, token)
	}
	return verifyAccessToken(ctx, c, ws, token)
}

// verifyUser checks an API token or app password and its user's
// membership of workspace ws.
func verifyUser(ctx context.Context, c client, ws, token string) integration.Result {
	var user struct {
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
	}
	if err := c.do(ctx, http.MethodGet, "/2.0/user", nil, &user); err != nil {
		return integration.Fail(redact(verifyReason(err, ws), token))
	}
	who := user.Username
	if who == "" {
		who = user.DisplayName
	}
	var perm struct {
		Permission string `json:"permission"`
	}
	err := c.do(ctx, http.MethodGet, "/2.0/user/workspaces/"+url.PathEscape(ws)+"/permission", nil, &perm)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return integration.Fail(redact(fmt.Sprintf("Bitbucket user %s is not a member of workspace %s (or the workspace does not exist)", integration.Printable(who), ws), token))
	case err != nil:
		return integration.Fail(redact(verifyReason(err, ws), token))
	case strings.TrimSpace(perm.Permission) == "":
		return integration.Fail(redact(fmt.Sprintf("Bitbucket user %s has no permission in workspace %s", integration.Printable(who), ws), token))
	}
	return integration.OK()
}

// verifyAccessToken checks a workspace, project or repository access
// token: it must list at least one repository of workspace ws.
func verifyAccessToken(ctx context.Context, c client, ws, token string) integration.Result {
	var page struct {
		Values []json.RawMessage `json:"values"`
	}
	err := c.do(ctx, http.MethodGet, "/2.0/repositories/"+url.PathEscape(ws)+"?pagelen=1", nil, &page)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return integration.Failf("Bitbucket workspace %s not found", ws)
	case err != nil:
		return integration.Fail(redact(verifyReason(err, ws), token))
	case len(page.Values) == 0:
		return integration.Failf("the access token reaches no repository of Bitbucket workspace %s", ws)
	}
	return integration.OK()
}

// verifyReason is the Reason of a failed verification call.
func verifyReason(err error, ws string) string {
	ae, ok := errors.AsType[*apiError](err)
	if !ok {
		return "unexpected answer from Bitbucket: " + integration.RemoteText(err.Error())
	}
	switch ae.status {
	case http.StatusUnauthorized:
		return "Bitbucket: unauthorized (the credential is not valid): " + integration.MessageOr(ae.message, "Unauthorized")
	case http.StatusForbidden:
		return fmt.Sprintf("Bitbucket: forbidden for workspace %s: %s", ws, integration.MessageOr(ae.message, "Forbidden"))
	}
	return ae.Error()
}
