// Package gitlab is the GitLab integration type: an access token of a user
// (or a project, group or OAuth token) on gitlab.com or a self-managed
// instance, project webhooks that deliver a project's events to event
// sources with a per-source X-Gitlab-Token, and the gitlab executor, which
// creates a pipeline on a ref with variables and follows it to its end.
// Every call is a small REST request on the guarded client (client.go).
package gitlab

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the GitLab integration type.
type Type struct{}

var (
	_ integration.Type   = Type{}
	_ integration.Hooks  = Type{}
	_ integration.Runner = Type{}
)

// Name is "gitlab".
func (Type) Name() string { return api.IntegrationTypeGitLab }

// ValidateURL accepts https://gitlab.com or a self-managed instance's URL.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeGitLab, rawURL)
}

// Authenticate sets "Authorization: Bearer <token>": GitLab accepts
// personal, project and group access tokens there as well as OAuth tokens,
// where PRIVATE-TOKEN takes only the former.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// ResourceKind is "project": a source watches a GitLab project.
func (Type) ResourceKind() string { return "project" }

// DefaultEvents is "push": a source that names no events hears pushes, as
// a GitLab hook does by default.
func (Type) DefaultEvents() []string { return []string{"push"} }

// DeliveryIDs is false: GitLab names a delivery (Idempotency-Key, the same
// on every retry) only from 17.4 on, and the receiver uses it when it is
// there; a delivery from an older instance is recognised as a retry by its
// body.
func (Type) DeliveryIDs() bool { return false }
