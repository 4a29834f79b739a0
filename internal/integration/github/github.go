// Package github is the GitHub integration type: an API token of a GitHub
// or GitHub Enterprise owner, repository webhooks for event sources, and
// the github executor, which dispatches a workflow and follows its run.
package github

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the GitHub integration type.
type Type struct{}

var (
	_ integration.Type   = Type{}
	_ integration.Hooks  = Type{}
	_ integration.Runner = Type{}
)

// Name is "github".
func (Type) Name() string { return api.IntegrationTypeGitHub }

// ValidateURL accepts https://github.com/<owner> or a GitHub Enterprise URL.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeGitHub, rawURL)
}

// Authenticate sets GitHub's bearer token header.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// ResourceKind is "repository": a source watches a GitHub repository.
func (Type) ResourceKind() string { return "repository" }

// DefaultEvents is "push": a source that names no events hears pushes.
func (Type) DefaultEvents() []string { return []string{"push"} }

// DeliveryIDs is true: GitHub names each delivery (X-GitHub-Delivery).
func (Type) DeliveryIDs() bool { return true }
