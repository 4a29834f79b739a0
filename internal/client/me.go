package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Me returns the user and organization the token belongs to
// (GET /api/v1/me). A 401 answer satisfies IsUnauthorized. The answer is
// cached for the organization id of secrets and for retried creates.
func (c *Client) Me(ctx context.Context) (*api.Me, error) {
	var me api.Me
	if _, err := c.do(ctx, request{op: "get current user", method: http.MethodGet, path: "/api/v1/me"}, &me); err != nil {
		return nil, err
	}
	c.meMu.Lock()
	c.me = &me
	c.meMu.Unlock()
	out := me
	return &out, nil
}

// cachedMe returns the cached identity, fetching it on first use. A failed
// fetch is not cached, so the next call tries again.
func (c *Client) cachedMe(ctx context.Context) (*api.Me, error) {
	c.meMu.Lock()
	me := c.me
	c.meMu.Unlock()
	if me != nil {
		return me, nil
	}
	me, err := c.Me(ctx)
	if err != nil {
		return nil, err
	}
	return me, nil
}

// organizationID is the id of the token's organization.
func (c *Client) organizationID(ctx context.Context) (string, error) {
	me, err := c.cachedMe(ctx)
	if err != nil {
		return "", err
	}
	if me.OrganizationID == "" {
		return "", errors.New("the server's /api/v1/me answer has no organizationId")
	}
	return me.OrganizationID, nil
}

// RegenerateToken replaces this client's token with a new one
// (POST /api/v1/me/token) and returns it; the token this client holds stops
// working at once, so the caller makes a new client with the answer. It is
// sent once, never retried: a retry after a lost answer would carry the old,
// already revoked token, and the new one would be lost with the answer.
func (c *Client) RegenerateToken(ctx context.Context) (string, error) {
	const op = "regenerate API token"
	r := request{op: op, method: http.MethodPost, path: "/api/v1/me/token"}
	resp, err := c.attempt(ctx, r, c.base.String()+r.path, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w (if the server received it, the old token no longer works)", op, unwrapURLError(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return "", readAPIError(resp, op)
	}
	var out api.RegenerateTokenResponse
	if err := decodeBody(resp, &out); err != nil {
		return "", fmt.Errorf("%s: decoding response: %w", op, err)
	}
	if out.Token == "" {
		return "", errors.New("the server's answer to " + op + " has no token")
	}
	return out.Token, nil
}
