package cli

import "github.com/superplane/terraform-provider-superplane/internal/api"

// mongoDBAtlasIntegration writes the mongodb_atlas block: the organization,
// and either the API key (its public key, and the secret key holding the
// private key) or the service account (its client id, and the secret key
// holding the client secret), named by secret and key only.
func (c *converter) mongoDBAtlasIntegration(m *manifest, r *hclBlock, a *api.MongoDBAtlasIntegration) {
	if a == nil {
		c.warnf(m, "a mongodb_atlas integration without spec.mongodbAtlas: add the mongodb_atlas block (organization_id and api_key or service_account)")
		return
	}
	b := r.child("mongodb_atlas")
	b.str("organization_id", a.OrganizationID)
	switch {
	case a.APIKey != nil:
		k := b.child("api_key")
		k.str("public_key", a.APIKey.PublicKey)
		c.atlasSecret(m, k, awsKeyRef(a.APIKey.PrivateKey), "api_key")
	case a.ServiceAccount != nil:
		k := b.child("service_account")
		k.str("client_id", a.ServiceAccount.ClientID)
		c.atlasSecret(m, k, awsKeyRef(a.ServiceAccount.ClientSecret), "service_account")
	default:
		c.warnf(m, "spec.mongodbAtlas without apiKey or serviceAccount: add mongodb_atlas.api_key or mongodb_atlas.service_account")
	}
}

// atlasSecret names the secret key of an Atlas credential, with its scope
// when it differs from the integration's.
func (c *converter) atlasSecret(m *manifest, b *hclBlock, ref *api.ValueFromSecret, block string) {
	if ref == nil {
		c.warnf(m, "spec.mongodbAtlas.%s without its secret: add mongodb_atlas.%s.secret and key", block, block)
		return
	}
	secretCanvas, scope := m.canvas, scopeOf(ref.DomainType)
	if scope == "organization" {
		secretCanvas = ""
	}
	b.expr("secret", c.secretRef(secretCanvas, ref.Name))
	b.str("key", ref.Key)
	if m.canvas != "" && scope == "organization" {
		b.str("scope", scope)
	}
}
