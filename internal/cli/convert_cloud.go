package cli

import "github.com/superplane/terraform-provider-superplane/internal/api"

// The azure and gcp integrations' typed blocks, written as the aws one is
// (convert_aws.go): the identifiers as they are, a stored credential named
// by secret and key only, a federated credential by its audience.

// azureIntegration writes the azure block: tenant, application and
// subscription, and the client secret's secret and key or the federated
// credential.
func (c *converter) azureIntegration(m *manifest, r *hclBlock, az *api.AzureIntegration) {
	if az == nil {
		c.warnf(m, "an azure integration without spec.azure: add the azure block (tenant_id, client_id, subscription_id, and client_secret or federated)")
		return
	}
	b := r.child("azure")
	b.str("tenant_id", az.TenantID)
	b.str("client_id", az.ClientID)
	b.str("subscription_id", az.SubscriptionID)
	if az.ClientSecret != nil {
		if ref := awsKeyRef(az.ClientSecret); ref == nil {
			c.warnf(m, "spec.azure.clientSecret without valueFrom.secret: add azure.client_secret")
		} else {
			c.secretKeyBlock(m, b.child("client_secret"), ref)
		}
	}
	if fed := az.Federated; fed != nil {
		// An empty block is the default audience: write it even so.
		b.child("federated").str("audience", fed.Audience)
	}
}

// gcpIntegration writes the gcp block: the project, and the service
// account key's secret and key or workload identity federation.
func (c *converter) gcpIntegration(m *manifest, r *hclBlock, g *api.GCPIntegration) {
	if g == nil {
		c.warnf(m, "a gcp integration without spec.gcp: add the gcp block (project_id, and service_account_key or workload_identity)")
		return
	}
	b := r.child("gcp")
	b.str("project_id", g.ProjectID)
	if g.ServiceAccountKey != nil {
		if ref := awsKeyRef(g.ServiceAccountKey); ref == nil {
			c.warnf(m, "spec.gcp.serviceAccountKey without valueFrom.secret: add gcp.service_account_key")
		} else {
			c.secretKeyBlock(m, b.child("service_account_key"), ref)
		}
	}
	if wi := g.WorkloadIdentity; wi != nil {
		wb := b.child("workload_identity")
		wb.str("audience", wi.Audience)
		wb.str("service_account", wi.ServiceAccount)
	}
}

// secretKeyBlock fills a block naming a key of a secret: the secret (a
// reference when the manifests define it), the key, and the scope when a
// canvas integration takes an organization's secret.
func (c *converter) secretKeyBlock(m *manifest, kb *hclBlock, ref *api.ValueFromSecret) {
	secretCanvas, scope := m.canvas, scopeOf(ref.DomainType)
	if scope == "organization" {
		secretCanvas = ""
	}
	kb.expr("secret", c.secretRef(secretCanvas, ref.Name))
	kb.str("key", ref.Key)
	if m.canvas != "" && scope == "organization" {
		kb.str("scope", scope)
	}
}
