// Package gcp is the Google Cloud integration type: a project and either a
// service account's JSON key kept in a secret (the JWT bearer grant at the
// key's token_uri, RS256-signed with the key) or Workload Identity
// Federation (an ID token of this server's OIDC issuer exchanged at Google
// STS, optionally impersonating a service account: no Google secret stored
// at all). Verification is an access token and then a read of the project
// from Cloud Resource Manager; status shows the project and the identity.
//
// It uses golang.org/x/oauth2's jwt and google/externalaccount packages,
// which implement Google's documented token flows (the JWT bearer grant,
// the STS token exchange, generateAccessToken), and deliberately not
// golang.org/x/oauth2/google itself: that one brings Application Default
// Credentials and the metadata server, which read the environment, and
// the server's own Google identity (if it runs on Google Cloud) must never
// stand in for a user's integration. Every call goes through the guarded
// outbound client.
package gcp

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Google Cloud integration type.
type Type struct{}

var (
	_ integration.Type        = Type{}
	_ integration.Cloud       = Type{}
	_ integration.CloudSigner = Type{}
)

// Name is "gcp".
func (Type) Name() string { return api.IntegrationTypeGCP }

// ValidateURL accepts only an empty URL: spec.gcp says which project.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeGCP, rawURL)
}

// Verify fails: a gcp integration has settings, not one token, and is
// verified through VerifyCloud.
func (Type) Verify(context.Context, *integration.Verifier, string, string) integration.Result {
	return integration.Fail("a gcp integration is verified with its spec.gcp settings, not a token")
}

// Authenticate does nothing: a stage's requests get their access token in
// SignRequest, for the scopes the stage names.
func (Type) Authenticate(*http.Request, string) {}
