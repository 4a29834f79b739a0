// Package api holds the wire types of the SuperPlane v1 REST API that both
// the server and the client use, so the two sides of the wire cannot drift
// apart, and openapi.json, the description of the server's API (v1 plus this
// project's extensions) that the server serves and its tests hold to these
// types. It imports nothing of ours.
//
// Field names follow the contract: lowerCamelCase JSON, enums as their full
// names, unpopulated fields emitted (no omitempty on v1 fields).
package api

import "time"

// Domain types of secrets and integrations.
const (
	DomainTypeUnspecified  = "DOMAIN_TYPE_UNSPECIFIED"
	DomainTypeOrganization = "DOMAIN_TYPE_ORGANIZATION"
	DomainTypeCanvas       = "DOMAIN_TYPE_CANVAS"
)

// Secret providers. PROVIDER_LOCAL is the only one the contract defines.
const (
	ProviderUnknown = "PROVIDER_UNKNOWN"
	ProviderLocal   = "PROVIDER_LOCAL"
)

// RedactedValue is what every secret value reads back as.
const RedactedValue = "***"

// Roles a token can carry.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// Error is the grpc-gateway error body: {"code": <gRPC code>, "message": ..., "details": []}.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

// gRPC codes used by the contract, and the HTTP statuses grpc-gateway maps them to.
const (
	CodeInvalidArgument  = 3  // 400
	CodeNotFound         = 5  // 404
	CodeAlreadyExists    = 6  // 409
	CodePermissionDenied = 7  // 403
	CodeResourceExhaust  = 8  // 429
	CodeAborted          = 10 // 409
	CodeUnimplemented    = 12 // 501
	CodeInternal         = 13 // 500
	CodeUnavailable      = 14 // 503
	CodeUnauthenticated  = 16 // 401
)

// CanvasMetadata is SuperplaneCanvasMetadata. UpdatedAt is an extension.
type CanvasMetadata struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   *time.Time `json:"createdAt"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
}

// Canvas is SuperplaneCanvas.
type Canvas struct {
	Metadata *CanvasMetadata `json:"metadata"`
}

// CreateCanvasRequest is the body of POST /api/v1/canvases.
type CreateCanvasRequest struct {
	Canvas *Canvas `json:"canvas"`
}

// CanvasResponse is the body of create, describe and update canvas responses.
type CanvasResponse struct {
	Canvas *Canvas `json:"canvas"`
}

// ListCanvasesResponse is the body of GET /api/v1/canvases.
type ListCanvasesResponse struct {
	Canvases []Canvas `json:"canvases"`
}

// UpdateCanvasRequest is the body of the PATCH /api/v1/canvases/{idOrName}
// extension. Only the description can change; a nil description is left alone.
type UpdateCanvasRequest struct {
	Canvas *Canvas `json:"canvas"`
}

// SecretMetadata is SecretsSecretMetadata. Version and UpdatedAt are this
// project's extension: Version increases on every change of the data, so a
// client can see that values changed without seeing them.
type SecretMetadata struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	DomainType string     `json:"domainType"`
	DomainID   string     `json:"domainId"`
	CreatedAt  *time.Time `json:"createdAt"`
	UpdatedAt  *time.Time `json:"updatedAt,omitempty"`
	Version    int64      `json:"version,omitempty"`
	// CreatedBy (an extension) is the id of the user whose token created
	// the secret: the provider adopts only its own orphans.
	CreatedBy string `json:"createdBy,omitempty"`
}

// SecretLocal holds the values of a PROVIDER_LOCAL secret.
type SecretLocal struct {
	Data map[string]string `json:"data"`
}

// SecretSpec is SecretsSecretSpec.
type SecretSpec struct {
	Provider string       `json:"provider"`
	Local    *SecretLocal `json:"local"`
}

// Secret is SecretsSecret.
type Secret struct {
	Metadata *SecretMetadata `json:"metadata"`
	Spec     *SecretSpec     `json:"spec"`
}

// CreateSecretRequest is the body of POST /api/v1/secrets.
type CreateSecretRequest struct {
	Secret     *Secret `json:"secret"`
	DomainType string  `json:"domainType"`
	DomainID   string  `json:"domainId"`
}

// UpdateSecretRequest is the body of PATCH /api/v1/secrets/{idOrName}. The
// data map replaces the stored one whole: keys left out are removed.
type UpdateSecretRequest struct {
	Secret     *Secret `json:"secret"`
	DomainType string  `json:"domainType"`
	DomainID   string  `json:"domainId"`
}

// SecretResponse is the body of create, describe and update secret responses.
type SecretResponse struct {
	Secret *Secret `json:"secret"`
}

// ListSecretsResponse is the body of GET /api/v1/secrets.
type ListSecretsResponse struct {
	Secrets []Secret `json:"secrets"`
	// Next (an extension) is set when ?limit= cut the list short: pass it
	// as ?after= for the next page.
	Next string `json:"next,omitempty"`
}

// Me is SuperplaneMeUser. Role, OrganizationName and TokenExpiresAt are
// extensions.
type Me struct {
	ID               string     `json:"id"`
	Email            string     `json:"email"`
	OrganizationID   string     `json:"organizationId"`
	CreatedAt        *time.Time `json:"createdAt"`
	HasToken         bool       `json:"hasToken"`
	OrganizationName string     `json:"organizationName,omitempty"`
	Role             string     `json:"role,omitempty"`
	// TokenExpiresAt is when the caller's token stops working; absent when
	// it does not expire.
	TokenExpiresAt *time.Time `json:"tokenExpiresAt,omitempty"`
}

// RegenerateTokenResponse is MeRegenerateTokenResponse: the caller's new
// token, shown once. The token that asked no longer works.
type RegenerateTokenResponse struct {
	Token string `json:"token"`
}

// Empty is the body of delete responses.
type Empty struct{}
