package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// anonymousUser is the id connectionData gives a caller Azure DevOps did
// not authenticate (public access).
const anonymousUser = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

// Verify checks a PAT against the organization or collection of rawURL:
// it must authenticate a user (GET /_apis/connectionData, whose
// authenticatedUser is who the token acts for) and read the organization's
// projects (GET /_apis/projects), since every source and executor works in
// one. A PAT Azure DevOps refuses is answered with its sign-in page (203)
// rather than a status; that is recognised and said in words. Azure DevOps'
// own message is kept in the Reason; the PAT never is.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	if strings.TrimSpace(token) == "" {
		return integration.Fail("the personal access token is empty")
	}
	c, err := newClient(v, rawURL, token)
	if err != nil {
		return integration.Fail(err.Error())
	}
	var conn struct {
		AuthenticatedUser struct {
			ID                  string `json:"id"`
			ProviderDisplayName string `json:"providerDisplayName"`
		} `json:"authenticatedUser"`
	}
	if err := c.do(ctx, http.MethodGet, connectionDataPath, nil, &conn); err != nil {
		return integration.Fail(redact(verifyReason(err, c.org), token))
	}
	if id := strings.ToLower(conn.AuthenticatedUser.ID); id == "" || id == anonymousUser {
		return integration.Failf("Azure DevOps did not authenticate the personal access token for organization %s (it answered as an anonymous user)", c.org)
	}
	who := integration.Printable(conn.AuthenticatedUser.ProviderDisplayName)
	var projects struct {
		Count int `json:"count"`
		Value []struct {
			Name string `json:"name"`
		} `json:"value"`
	}
	if err := c.do(ctx, http.MethodGet, "/_apis/projects?$top=1", nil, &projects); err != nil {
		return integration.Fail(redact(verifyReason(err, c.org), token))
	}
	if len(projects.Value) == 0 {
		return integration.Failf("Azure DevOps user %s sees no project of organization %s: grant the token's user access to a project", who, c.org)
	}
	return integration.OK()
}

// verifyReason is the Reason of a failed verification call.
func verifyReason(err error, org string) string {
	ae, ok := errors.AsType[*apiError](err)
	if !ok {
		return "unexpected answer from Azure DevOps: " + integration.RemoteText(err.Error())
	}
	switch {
	case ae.signIn:
		return ae.Error()
	case ae.status == http.StatusUnauthorized:
		return "Azure DevOps: unauthorized (the personal access token is not valid, has expired or lacks a scope): " + integration.MessageOr(ae.message, "Unauthorized")
	case ae.status == http.StatusForbidden:
		return fmt.Sprintf("Azure DevOps: forbidden in organization %s: %s", org, integration.MessageOr(ae.message, "Forbidden"))
	case ae.status == http.StatusNotFound:
		return fmt.Sprintf("Azure DevOps: organization or collection %s not found: %s", org, integration.MessageOr(ae.message, "Not Found"))
	}
	return ae.Error()
}
