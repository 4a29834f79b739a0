package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// ServiceAccountParams is what a caller sets on a service account.
type ServiceAccountParams struct {
	// Name is unique in the organization; on update the new name, or the
	// current one.
	Name        string
	Description string
	// Role is owner, admin or viewer: what every token of the account may
	// do.
	Role string
}

func (p ServiceAccountParams) request() api.ServiceAccountRequest {
	return api.ServiceAccountRequest{ServiceAccount: &api.ServiceAccount{
		Metadata: &api.ServiceAccountMetadata{Name: p.Name, Description: p.Description},
		Spec:     &api.ServiceAccountSpec{Role: p.Role},
	}}
}

const accountsPath = "/api/v1/service-accounts"

func accountPath(idOrName string) string { return accountsPath + "/" + url.PathEscape(idOrName) }

func accountTokenPath(account, tokenID string) string {
	return accountPath(account) + "/tokens/" + url.PathEscape(tokenID)
}

// ListServiceAccounts returns the organization's service accounts.
func (c *Client) ListServiceAccounts(ctx context.Context) ([]api.ServiceAccount, error) {
	var out api.ListServiceAccountsResponse
	if _, err := c.do(ctx, request{op: "list service accounts", method: http.MethodGet, path: accountsPath}, &out); err != nil {
		return nil, err
	}
	if out.ServiceAccounts == nil {
		out.ServiceAccounts = []api.ServiceAccount{}
	}
	return out.ServiceAccounts, nil
}

// GetServiceAccount returns a service account by id or name; a missing one
// satisfies IsNotFound.
func (c *Client) GetServiceAccount(ctx context.Context, idOrName string) (*api.ServiceAccount, error) {
	if idOrName == "" {
		return nil, errors.New("get service account: an id or name is required")
	}
	var out api.ServiceAccountResponse
	if _, err := c.do(ctx, request{op: "get service account", method: http.MethodGet, path: accountPath(idOrName)}, &out); err != nil {
		return nil, err
	}
	return checkAccount(out.ServiceAccount, "get service account")
}

// CreateServiceAccount creates a service account. A taken name satisfies
// IsConflict, except when a retry meets the account an earlier attempt of
// this call created (same description and role, created after the call
// began): then that account is returned.
func (c *Client) CreateServiceAccount(ctx context.Context, p ServiceAccountParams) (*api.ServiceAccount, error) {
	if p.Name == "" || p.Role == "" {
		return nil, errors.New("create service account: a name and a role are required")
	}
	started := time.Now()
	var out api.ServiceAccountResponse
	attempts, err := c.do(ctx, request{op: "create service account", method: http.MethodPost, path: accountsPath, body: p.request()}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if a, gerr := c.GetServiceAccount(ctx, p.Name); gerr == nil && a.Metadata.Description == p.Description &&
				a.Spec.Role == p.Role && a.Metadata.CreatedAt != nil && !a.Metadata.CreatedAt.Before(started.Add(-clockSkew)) {
				return a, nil
			}
		}
		return nil, err
	}
	return checkAccount(out.ServiceAccount, "create service account")
}

// UpdateServiceAccount replaces an account's name, description and role
// with p; its tokens carry the new role from their next request on.
func (c *Client) UpdateServiceAccount(ctx context.Context, idOrName string, p ServiceAccountParams) (*api.ServiceAccount, error) {
	if idOrName == "" || p.Name == "" || p.Role == "" {
		return nil, errors.New("update service account: the account's id or name, its name and its role are required")
	}
	var out api.ServiceAccountResponse
	r := request{op: "update service account", method: http.MethodPatch, path: accountPath(idOrName), body: p.request()}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkAccount(out.ServiceAccount, r.op)
}

// DeleteServiceAccount deletes an account and revokes its tokens; a
// missing one satisfies IsNotFound.
func (c *Client) DeleteServiceAccount(ctx context.Context, idOrName string) error {
	if idOrName == "" {
		return errors.New("delete service account: an id or name is required")
	}
	_, err := c.do(ctx, request{op: "delete service account", method: http.MethodDelete, path: accountPath(idOrName)}, nil)
	return err
}

// ListServiceAccountTokens returns an account's tokens, never their
// values.
func (c *Client) ListServiceAccountTokens(ctx context.Context, account string) ([]api.ServiceAccountToken, error) {
	if account == "" {
		return nil, errors.New("list service account tokens: an account id or name is required")
	}
	var out api.ListServiceAccountTokensResponse
	if _, err := c.do(ctx, request{op: "list service account tokens", method: http.MethodGet, path: accountPath(account) + "/tokens"}, &out); err != nil {
		return nil, err
	}
	if out.Tokens == nil {
		out.Tokens = []api.ServiceAccountToken{}
	}
	return out.Tokens, nil
}

// GetServiceAccountToken returns one token of an account, never its value;
// a revoked one (or a missing account) satisfies IsNotFound.
func (c *Client) GetServiceAccountToken(ctx context.Context, account, tokenID string) (*api.ServiceAccountToken, error) {
	if account == "" || tokenID == "" {
		return nil, errors.New("get service account token: an account id or name and a token id are required")
	}
	var out api.ServiceAccountTokenResponse
	if _, err := c.do(ctx, request{op: "get service account token", method: http.MethodGet, path: accountTokenPath(account, tokenID)}, &out); err != nil {
		return nil, err
	}
	if out.Token == nil || out.Token.ID == "" {
		return nil, errors.New("get service account token: the server's answer has no token")
	}
	return out.Token, nil
}

// CreateServiceAccountToken creates a token of an account, expiring at
// expiresAt (nil: the server's default of 30 days), and returns it with its
// value, which the server shows only this once. When an earlier attempt of
// this call may have created a token too (a retry), the tokens of that
// name created since the call began, other than the one returned, are
// revoked: nobody holds their values.
func (c *Client) CreateServiceAccountToken(ctx context.Context, account, name string, expiresAt *time.Time) (*api.ServiceAccountToken, string, error) {
	if account == "" || name == "" {
		return nil, "", errors.New("create service account token: an account id or name and a token name are required")
	}
	started := time.Now()
	var out api.CreateServiceAccountTokenResponse
	r := request{op: "create service account token", method: http.MethodPost, path: accountPath(account) + "/tokens",
		body: api.CreateServiceAccountTokenRequest{Name: name, ExpiresAt: expiresAt}}
	attempts, err := c.do(ctx, r, &out)
	if err != nil {
		return nil, "", err
	}
	if out.Token == nil || out.Token.ID == "" || out.Value == "" {
		return nil, "", fmt.Errorf("%s: the server's answer has no token", r.op)
	}
	if attempts > 1 {
		c.revokeOrphanTokens(context.WithoutCancel(ctx), account, name, out.Token.ID, started)
	}
	return out.Token, out.Value, nil
}

// revokeOrphanTokens revokes, best effort, the tokens named name created
// since started other than keep.
func (c *Client) revokeOrphanTokens(ctx context.Context, account, name, keep string, started time.Time) {
	list, err := c.ListServiceAccountTokens(ctx, account)
	if err != nil {
		return
	}
	for _, t := range list {
		if t.ID != keep && t.Name == name && t.CreatedAt != nil && !t.CreatedAt.Before(started.Add(-clockSkew)) {
			_ = c.RevokeServiceAccountToken(ctx, account, t.ID)
		}
	}
}

// RevokeServiceAccountToken revokes a token: it stops working at once. A
// missing one satisfies IsNotFound.
func (c *Client) RevokeServiceAccountToken(ctx context.Context, account, tokenID string) error {
	if account == "" || tokenID == "" {
		return errors.New("revoke service account token: an account id or name and a token id are required")
	}
	_, err := c.do(ctx, request{op: "revoke service account token", method: http.MethodDelete, path: accountTokenPath(account, tokenID)}, nil)
	return err
}

// checkAccount rejects a response without the account's metadata in it.
func checkAccount(a *api.ServiceAccount, op string) (*api.ServiceAccount, error) {
	if a == nil || a.Metadata == nil || a.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no service account metadata", op)
	}
	if a.Spec == nil {
		a.Spec = &api.ServiceAccountSpec{}
	}
	return a, nil
}
