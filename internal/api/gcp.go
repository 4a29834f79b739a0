package api

import (
	"fmt"
)

// IntegrationTypeGCP is the spec.type of a Google Cloud integration. A gcp
// integration has no URL: spec.gcp holds its project and credentials.
const IntegrationTypeGCP = "gcp"

// AuthTypeServiceAccountKey is the auth type of a gcp integration whose
// credentials are a service account's key (its JSON key file) kept in a
// secret. Workload Identity Federation is AuthTypeWebIdentity.
const AuthTypeServiceAccountKey = "AUTH_TYPE_SERVICE_ACCOUNT_KEY"

// GCPDefaultScope is the OAuth scope of a gcp integration's access tokens
// when a stage names none: every Google Cloud API, bounded by the IAM
// roles of the identity.
const GCPDefaultScope = "https://www.googleapis.com/auth/cloud-platform"

// GCPIntegration is spec.gcp (extension): which project a gcp integration
// works in and as whom it calls Google. Exactly one of ServiceAccountKey
// and WorkloadIdentity is set.
type GCPIntegration struct {
	// ProjectID is the Google Cloud project id (my-project-123), read on
	// verification.
	ProjectID string `json:"projectId"`
	// ServiceAccountKey names the secret key holding a service account's
	// JSON key file.
	ServiceAccountKey *AuthToken `json:"serviceAccountKey,omitempty"`
	// WorkloadIdentity exchanges an ID token of this server at Google STS:
	// no Google secret is stored at all.
	WorkloadIdentity *GCPWorkloadIdentity `json:"workloadIdentity,omitempty"`
}

// GCPWorkloadIdentity is Workload Identity Federation with this server as
// the OIDC identity provider of a workload identity pool.
type GCPWorkloadIdentity struct {
	// Audience names the pool's provider:
	// //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.
	// The ID token's aud is the same name with https: before it, the
	// provider's default allowed audience.
	Audience string `json:"audience"`
	// ServiceAccount, when set, is the email of a service account the
	// federated identity impersonates (generateAccessToken); else the
	// federated token itself is used.
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

var (
	gcpProjectPattern  = lazy(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpAudiencePattern = lazy(`^//iam\.googleapis\.com/projects/[0-9]{1,20}/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/providers/[a-z0-9-]{4,32}$`)
	gcpAccountPattern  = lazy(`^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9][a-z0-9.-]{0,253}\.gserviceaccount\.com$`)
)

// GCPTokenAudience is the aud of the ID tokens this server mints for a
// workload identity provider: https: and the provider's name, Google's
// default allowed audience.
func GCPTokenAudience(providerAudience string) string {
	return "https:" + providerAudience
}

// ValidateGCPIntegration returns an error naming the field (below field,
// "integration.spec.gcp") of the first rule g breaks. It checks shapes
// only: whether the secret exists is the server's to say.
func ValidateGCPIntegration(field string, g *GCPIntegration) error {
	if g == nil {
		return fmt.Errorf("%s is required for a gcp integration: projectId and serviceAccountKey or workloadIdentity", field)
	}
	if g.ProjectID == "" {
		return fmt.Errorf("%s.projectId is required: a Google Cloud project id such as my-project-123", field)
	}
	if !gcpProjectPattern.MatchString(g.ProjectID) {
		return fmt.Errorf("%s.projectId %q is not a project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter", field, clipInput(g.ProjectID))
	}
	switch {
	case g.ServiceAccountKey == nil && g.WorkloadIdentity == nil:
		return fmt.Errorf("%s: set serviceAccountKey (a key file from a secret) or workloadIdentity (this server's ID token exchanged at Google STS)", field)
	case g.ServiceAccountKey != nil && g.WorkloadIdentity != nil:
		return fmt.Errorf("%s: set serviceAccountKey or workloadIdentity, not both", field)
	case g.ServiceAccountKey != nil:
		_, err := secretRef(field+".serviceAccountKey", g.ServiceAccountKey)
		return err
	}
	w := g.WorkloadIdentity
	if w.Audience == "" {
		return fmt.Errorf("%s.workloadIdentity.audience is required: //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>", field)
	}
	if !gcpAudiencePattern.MatchString(w.Audience) {
		return fmt.Errorf("%s.workloadIdentity.audience %q is not a workload identity provider: expected //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>", field, clipInput(w.Audience))
	}
	if w.ServiceAccount != "" && !gcpAccountPattern.MatchString(w.ServiceAccount) {
		return fmt.Errorf("%s.workloadIdentity.serviceAccount %q is not a service account email: expected <name>@<project>.iam.gserviceaccount.com", field, clipInput(w.ServiceAccount))
	}
	return nil
}
