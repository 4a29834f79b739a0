// Package bitbucket is the Bitbucket Cloud integration type: a workspace
// reached with an API token or app password (a user and a secret, HTTP basic
// authentication) or with a workspace, project or repository access token
// (Bearer); repository webhooks for event sources, signed with the source's
// key (X-Hub-Signature); and the bitbucket executor, which runs a Pipelines
// pipeline on a branch with variables and follows it to its result.
package bitbucket

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Bitbucket integration type.
type Type struct{}

var (
	_ integration.Type   = Type{}
	_ integration.Hooks  = Type{}
	_ integration.Runner = Type{}
)

// Name is "bitbucket".
func (Type) Name() string { return api.IntegrationTypeBitbucket }

// ValidateURL accepts https://bitbucket.org/<workspace>.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeBitbucket, rawURL)
}

// Authenticate sets the Authorization header Bitbucket accepts for the
// credential: HTTP basic for "<user>:<secret>" (an API token or app
// password), else a Bearer access token.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", parseCredential(token).header())
}

// ResourceKind is "repository": a source watches a Bitbucket repository.
func (Type) ResourceKind() string { return "repository" }

// DefaultEvents is "repo:push": a source that names no events hears pushes.
func (Type) DefaultEvents() []string { return []string{"repo:push"} }

// DeliveryIDs is true: Bitbucket names each delivery (X-Request-UUID).
func (Type) DeliveryIDs() bool { return true }

// credential is the secret of an integration, as the secret's value gives
// it: "<user>:<secret>" for an API token or app password, which Bitbucket
// takes with HTTP basic authentication, or an access token alone, which
// has no user (access tokens contain no colon).
type credential struct {
	user, secret string
	basic        bool
}

// parseCredential reads an integration's secret value. Surrounding spaces
// (a trailing newline from a file) are not part of it.
func parseCredential(token string) credential {
	token = strings.TrimSpace(token)
	if user, secret, ok := strings.Cut(token, ":"); ok {
		return credential{user: user, secret: secret, basic: true}
	}
	return credential{secret: token}
}

// header is the value of the Authorization header.
func (c credential) header() string {
	if c.basic {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.secret))
	}
	return "Bearer " + c.secret
}

// redact masks the whole credential and its secret alone (a tool may echo
// either) in s, in every encoded form, and clips s for a Reason.
func redact(s, token string, also ...string) string {
	return integration.Redact(s, token, append([]string{parseCredential(token).secret}, also...)...)
}
