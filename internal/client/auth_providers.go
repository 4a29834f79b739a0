package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func authProviderPath(idOrName string) string {
	return api.AuthProvidersPath + "/" + url.PathEscape(idOrName)
}

func authProviderRequest(name string, spec api.AuthProviderSpec) api.AuthProviderRequest {
	return api.AuthProviderRequest{AuthProvider: &api.AuthProvider{
		Metadata: &api.AuthProviderMetadata{Name: name}, Spec: &spec,
	}}
}

// ListAuthProviders returns the organization's auth providers.
func (c *Client) ListAuthProviders(ctx context.Context) ([]api.AuthProvider, error) {
	var out api.ListAuthProvidersResponse
	if _, err := c.do(ctx, request{op: "list auth providers", method: http.MethodGet, path: api.AuthProvidersPath}, &out); err != nil {
		return nil, err
	}
	if out.AuthProviders == nil {
		out.AuthProviders = []api.AuthProvider{}
	}
	return out.AuthProviders, nil
}

// GetAuthProvider returns an auth provider by id or name; a missing one
// satisfies IsNotFound.
func (c *Client) GetAuthProvider(ctx context.Context, idOrName string) (*api.AuthProvider, error) {
	if idOrName == "" {
		return nil, errors.New("get auth provider: an id or name is required")
	}
	var out api.AuthProviderResponse
	if _, err := c.do(ctx, request{op: "get auth provider", method: http.MethodGet, path: authProviderPath(idOrName)}, &out); err != nil {
		return nil, err
	}
	return checkAuthProvider(out.AuthProvider, "get auth provider")
}

// CreateAuthProvider creates an auth provider. A retry that meets the name
// taken by an earlier attempt of this call gets IsConflict: the caller
// reads it back.
func (c *Client) CreateAuthProvider(ctx context.Context, name string, spec api.AuthProviderSpec) (*api.AuthProvider, error) {
	if name == "" || spec.Type == "" {
		return nil, errors.New("create auth provider: a name and a type are required")
	}
	var out api.AuthProviderResponse
	r := request{op: "create auth provider", method: http.MethodPost, path: api.AuthProvidersPath, body: authProviderRequest(name, spec)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkAuthProvider(out.AuthProvider, r.op)
}

// UpdateAuthProvider replaces a provider's name and settings; a spec
// without ClientSecret keeps the stored secret.
func (c *Client) UpdateAuthProvider(ctx context.Context, idOrName, name string, spec api.AuthProviderSpec) (*api.AuthProvider, error) {
	if idOrName == "" {
		return nil, errors.New("update auth provider: an id or name is required")
	}
	var out api.AuthProviderResponse
	r := request{op: "update auth provider", method: http.MethodPatch, path: authProviderPath(idOrName), body: authProviderRequest(name, spec)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkAuthProvider(out.AuthProvider, r.op)
}

// DeleteAuthProvider deletes an auth provider; a missing one satisfies
// IsNotFound.
func (c *Client) DeleteAuthProvider(ctx context.Context, idOrName string) error {
	if idOrName == "" {
		return errors.New("delete auth provider: an id or name is required")
	}
	_, err := c.do(ctx, request{op: "delete auth provider", method: http.MethodDelete, path: authProviderPath(idOrName)}, nil)
	return err
}

// ExchangeCLISignInCode trades a browser sign-in's one-time code and the
// PKCE verifier for an API token (superplane login --browser). The client
// needs no token for it.
func (c *Client) ExchangeCLISignInCode(ctx context.Context, code, verifier string) (*api.CLISignInTokenResponse, error) {
	var out api.CLISignInTokenResponse
	r := request{op: "exchange the sign-in code", method: http.MethodPost, path: api.CLISignInTokenPath,
		body: api.CLISignInTokenRequest{Code: code, Verifier: verifier}}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, fmt.Errorf("%s: the server's answer has no token", r.op)
	}
	return &out, nil
}

func checkAuthProvider(a *api.AuthProvider, op string) (*api.AuthProvider, error) {
	if a == nil || a.Metadata == nil || a.Metadata.ID == "" || a.Spec == nil {
		return nil, fmt.Errorf("%s: the server's answer has no auth provider", op)
	}
	return a, nil
}
