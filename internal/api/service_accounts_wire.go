package api

import "time"

// Service account token lifetimes: a token created without an expiry gets
// DefaultTokenLifetime, and none lives longer than MaxTokenLifetime, so a
// leaked token stops working on its own.
const (
	DefaultTokenLifetime = 30 * 24 * time.Hour
	MaxTokenLifetime     = 366 * 24 * time.Hour
)

// RoleRank orders the roles: a caller may act on a service account (and
// create its tokens) only when the account's role ranks no higher than the
// caller's. A member (nothing on any canvas until it is given canvas
// roles) ranks lowest. Unknown roles rank 0.
func RoleRank(role string) int {
	switch role {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleViewer:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// ServiceAccount is a machine identity of the organization (our extension;
// v1 has no such object): metadata and a spec holding its role.
type ServiceAccount struct {
	Metadata *ServiceAccountMetadata `json:"metadata,omitempty"`
	Spec     *ServiceAccountSpec     `json:"spec,omitempty"`
}

// ServiceAccountMetadata is a service account's identity.
type ServiceAccountMetadata struct {
	ID          string     `json:"id,omitempty"`
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	CreatedBy   string     `json:"createdBy,omitempty"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
}

// ServiceAccountSpec is what a service account may do: its role, one of
// owner, admin, viewer or member, which every token of the account carries.
type ServiceAccountSpec struct {
	Role string `json:"role,omitempty"`
}

// ServiceAccountRequest is the body of a create or update.
type ServiceAccountRequest struct {
	ServiceAccount *ServiceAccount `json:"serviceAccount,omitempty"`
}

// ServiceAccountResponse answers a create, describe or update.
type ServiceAccountResponse struct {
	ServiceAccount *ServiceAccount `json:"serviceAccount,omitempty"`
}

// ListServiceAccountsResponse answers the listing, ordered by name.
type ListServiceAccountsResponse struct {
	ServiceAccounts []ServiceAccount `json:"serviceAccounts"`
}

// ServiceAccountToken is a token of a service account as it is listed:
// never its value, which only the create answers, once.
type ServiceAccountToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	CreatedAt  *time.Time `json:"createdAt,omitempty"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
}

// CreateServiceAccountTokenRequest names the new token and when it
// expires (default: DefaultTokenLifetime from now; at most
// MaxTokenLifetime from now).
type CreateServiceAccountTokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// CreateServiceAccountTokenResponse answers a create: the token's record
// and its value, shown this once (only its hash is stored).
type CreateServiceAccountTokenResponse struct {
	Token *ServiceAccountToken `json:"token,omitempty"`
	Value string               `json:"value"`
}

// ServiceAccountTokenResponse answers a describe of one token.
type ServiceAccountTokenResponse struct {
	Token *ServiceAccountToken `json:"token,omitempty"`
}

// ListServiceAccountTokensResponse answers the listing of an account's
// tokens, expired ones included, oldest first.
type ListServiceAccountTokensResponse struct {
	Tokens []ServiceAccountToken `json:"tokens"`
}
