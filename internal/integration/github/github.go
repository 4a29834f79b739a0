// Package github is the GitHub integration type: an API token of a GitHub
// or GitHub Enterprise owner, and repository webhooks for event sources.
package github

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the GitHub integration type.
type Type struct{}

var (
	_ integration.Type  = Type{}
	_ integration.Hooks = Type{}
)

// Name is "github".
func (Type) Name() string { return api.IntegrationTypeGitHub }

// ValidateURL accepts https://github.com/<owner> or a GitHub Enterprise URL.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeGitHub, rawURL)
}

// Verify checks that the token is accepted and has the scopes SuperPlane uses.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	return v.VerifyGitHub(ctx, rawURL, token)
}

// Authenticate sets GitHub's bearer token header.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// ResourceKind is "repository": a source watches a GitHub repository.
func (Type) ResourceKind() string { return "repository" }

// DefaultEvents is "push": a source that names no events hears pushes.
func (Type) DefaultEvents() []string { return []string{"push"} }

// EnsureHook makes the repository's webhook match want.
func (Type) EnsureHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string, pushSecret bool) (integration.HookResult, error) {
	return v.EnsureGitHubHook(ctx, integrationURL, token, repo, want, knownID, pushSecret)
}

// CheckHook reports whether the repository's webhook is there and as want.
func (Type) CheckHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo string, want integration.Hook, knownID string) (integration.HookCheck, error) {
	return v.CheckGitHubHook(ctx, integrationURL, token, repo, want, knownID)
}

// DeleteHook removes the repository's webhooks that deliver to callbackURL.
func (Type) DeleteHook(ctx context.Context, v *integration.Verifier, integrationURL, token, repo, callbackURL string) error {
	return v.DeleteGitHubHook(ctx, integrationURL, token, repo, callbackURL)
}
