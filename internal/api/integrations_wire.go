package api

import "time"

// IntegrationMetadata is IntegrationsIntegrationMetadata. Description and
// UpdatedAt are this project's extensions.
type IntegrationMetadata struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   *time.Time `json:"createdAt"`
	DomainType  string     `json:"domainType"`
	DomainID    string     `json:"domainId"`
	Description string     `json:"description,omitempty"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
}

// ValueFromSecret names a key of a secret: SuperplaneIntegrationsValueFromSecret.
type ValueFromSecret struct {
	DomainType string `json:"domainType"`
	Name       string `json:"name"`
	Key        string `json:"key"`
}

// ValueFrom is SuperplaneIntegrationsValueFrom.
type ValueFrom struct {
	Secret *ValueFromSecret `json:"secret"`
}

// AuthToken is the token of an integration, always taken from a secret.
type AuthToken struct {
	ValueFrom *ValueFrom `json:"valueFrom"`
}

// IntegrationAuth is IntegrationAuth; Use is AUTH_TYPE_TOKEN.
type IntegrationAuth struct {
	Use   string     `json:"use"`
	Token *AuthToken `json:"token"`
}

// IntegrationSpec is IntegrationsIntegrationSpec.
type IntegrationSpec struct {
	Type string           `json:"type"`
	URL  string           `json:"url"`
	Auth *IntegrationAuth `json:"auth"`
	// AWS holds an aws integration's settings (extension).
	AWS *AWSIntegration `json:"aws,omitempty"`
	// Azure holds an azure integration's settings (extension).
	Azure *AzureIntegration `json:"azure,omitempty"`
	// GCP holds a gcp integration's settings (extension).
	GCP *GCPIntegration `json:"gcp,omitempty"`
	// Datadog holds a datadog integration's settings (extension).
	Datadog *DatadogIntegration `json:"datadog,omitempty"`
	// MongoDBAtlas holds a mongodb_atlas integration's settings
	// (extension).
	MongoDBAtlas *MongoDBAtlasIntegration `json:"mongodbAtlas,omitempty"`
}

// Integration verification states (extension).
const (
	IntegrationStateOK         = "ok"
	IntegrationStateFailed     = "failed"
	IntegrationStateUnverified = "unverified"
)

// IntegrationStatus is this project's extension: the result of the last
// verification of the credentials against the tool.
type IntegrationStatus struct {
	State     string     `json:"state"`
	Reason    string     `json:"reason"`
	CheckedAt *time.Time `json:"checkedAt"`
}

// Integration is IntegrationsIntegration plus the status extension.
type Integration struct {
	Metadata *IntegrationMetadata `json:"metadata"`
	Spec     *IntegrationSpec     `json:"spec"`
	Status   *IntegrationStatus   `json:"status,omitempty"`
}

// CreateIntegrationRequest is the body of POST /api/v1/integrations.
type CreateIntegrationRequest struct {
	DomainType  string       `json:"domainType"`
	DomainID    string       `json:"domainId"`
	Integration *Integration `json:"integration"`
}

// UpdateIntegrationRequest is the body of PATCH /api/v1/integrations/{idOrName}.
type UpdateIntegrationRequest struct {
	DomainType  string       `json:"domainType"`
	DomainID    string       `json:"domainId"`
	Integration *Integration `json:"integration"`
}

// IntegrationResponse is the body of create, describe, update and verify.
type IntegrationResponse struct {
	Integration *Integration `json:"integration"`
}

// ListIntegrationsResponse is the body of GET /api/v1/integrations.
type ListIntegrationsResponse struct {
	Integrations []Integration `json:"integrations"`
}
