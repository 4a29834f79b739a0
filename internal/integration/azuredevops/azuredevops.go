// Package azuredevops is the Azure DevOps integration type: an organization
// of Azure DevOps Services (https://dev.azure.com/<organization>) or a
// collection of Azure DevOps Server, reached with a personal access token
// (HTTP basic authentication, empty user, the PAT as the password); service
// hook subscriptions (webHooks consumer, httpRequest action) for event
// sources, authenticated per source by a header carrying the source's key,
// since Azure DevOps does not sign deliveries; and the azure_devops
// executor, which runs an Azure Pipelines pipeline with parameters and
// variables and follows the run to its result.
package azuredevops

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the Azure DevOps integration type.
type Type struct{}

var (
	_ integration.Type   = Type{}
	_ integration.Hooks  = Type{}
	_ integration.Runner = Type{}
)

// Name is "azure_devops".
func (Type) Name() string { return api.IntegrationTypeAzureDevOps }

// ValidateURL accepts https://dev.azure.com/<organization> or a Server
// collection URL.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeAzureDevOps, rawURL)
}

// Authenticate sets HTTP basic authentication with an empty user and the
// PAT as the password, as Azure DevOps documents for personal access
// tokens. Surrounding spaces (a trailing newline from a file) are not part
// of the token.
func (Type) Authenticate(req *http.Request, token string) {
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+strings.TrimSpace(token))))
}

// ResourceKind is "project": a source watches an Azure DevOps project.
func (Type) ResourceKind() string { return "project" }

// DefaultEvents is "git.push": a source that names no events hears pushes
// to the project's repositories.
func (Type) DefaultEvents() []string { return []string{"git.push"} }

// DeliveryIDs is true: every notification names its event ("id"), the
// same on each retry of it.
func (Type) DeliveryIDs() bool { return true }

// redact masks the PAT (trimmed and as given) and also (a hook's key) in
// every encoded form, the basic credential too, and clips s for a Reason.
func redact(s, token string, also ...string) string {
	t := strings.TrimSpace(token)
	return integration.Redact(s, token, append([]string{t, base64.StdEncoding.EncodeToString([]byte(":" + t))}, also...)...)
}
