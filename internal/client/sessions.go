package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// ListSessions returns the caller's sessions: console sign-ins and CLI
// browser sign-ins, the current one marked (GET /api/v1/me/sessions).
func (c *Client) ListSessions(ctx context.Context) ([]api.Session, error) {
	var out api.ListSessionsResponse
	if _, err := c.do(ctx, request{op: "list sessions", method: http.MethodGet, path: api.MeSessionsPath}, &out); err != nil {
		return nil, err
	}
	return out.Sessions, nil
}

// RevokeSession ends one of the caller's sessions (DELETE
// /api/v1/me/sessions/{id}); revoking the current one ends this client's
// token when a sign-in minted it. Another user's session is not found (404).
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{op: "revoke session", method: http.MethodDelete, path: api.MeSessionsPath + "/" + url.PathEscape(id)}, nil)
	return err
}

// RevokeOtherSessions ends every session of the caller but the current
// one (DELETE /api/v1/me/sessions) and returns how many it ended.
func (c *Client) RevokeOtherSessions(ctx context.Context) (int, error) {
	var out api.RevokeSessionsResponse
	if _, err := c.do(ctx, request{op: "revoke other sessions", method: http.MethodDelete, path: api.MeSessionsPath}, &out); err != nil {
		return 0, err
	}
	return out.Revoked, nil
}

// SignOutUser ends every session of a user of the organization (DELETE
// /api/v1/users/{userId}/sessions; owners and admins, an admin not an
// owner) and returns how many it ended. The user's API tokens keep working.
func (c *Client) SignOutUser(ctx context.Context, userID string) (int, error) {
	var out api.RevokeSessionsResponse
	path := "/api/v1/users/" + url.PathEscape(userID) + "/sessions"
	if _, err := c.do(ctx, request{op: "sign a user out", method: http.MethodDelete, path: path}, &out); err != nil {
		return 0, err
	}
	return out.Revoked, nil
}
