package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// typedBlock is what plan-time validation knows of one typed block of
// superplane_integration (aws, azure, gcp, datadog, mongodb_atlas). The
// checks are the same for every block; only the names, the API's rule and
// where the block names its secret differ, so each type is a row of
// typedBlocks and one function runs them all.
type typedBlock[S any] struct {
	name        string // the block's attribute, also the integration type
	article     string // "A" or "An", before name
	holds       string // what the block holds: "credentials" or "keys"
	needs       string // what the block must set, for the missing-block message
	block       func(*IntegrationResourceModel) types.Object
	spec        func(context.Context, types.Object, *diag.Diagnostics) *S
	rule        func(field string, spec *S) error
	tfNames     func(string) string
	secretScope func(*S) (domainType string, at path.Path)
}

// blockValidator is a typedBlock of any spec type.
type blockValidator interface {
	validate(ctx context.Context, config *IntegrationResourceModel, diags *diag.Diagnostics)
}

// typedBlocks are the typed blocks in the house's type order.
var typedBlocks = []blockValidator{
	typedBlock[api.AWSIntegration]{
		name: api.IntegrationTypeAWS, article: "An", holds: "credentials", needs: "region and access_key or web_identity",
		block: func(m *IntegrationResourceModel) types.Object { return m.AWS },
		spec:  integrationAWSSpec,
		// The API's rule wants a secret name on each half; the block names
		// one secret for both, which the rule then accepts.
		rule: api.ValidateAWSIntegration, tfNames: tfNames,
		secretScope: func(s *api.AWSIntegration) (string, path.Path) {
			at := path.Root("aws").AtName("access_key").AtName("scope")
			if s.AccessKey == nil {
				return "", at
			}
			return s.AccessKey.AccessKeyID.ValueFrom.Secret.DomainType, at
		},
	},
	typedBlock[api.AzureIntegration]{
		name: api.IntegrationTypeAzure, article: "An", holds: "credentials",
		needs: "tenant_id, client_id, subscription_id and client_secret or federated",
		block: func(m *IntegrationResourceModel) types.Object { return m.Azure },
		spec:  integrationAzureSpec, rule: api.ValidateAzureIntegration, tfNames: tfAzureNames,
		secretScope: func(s *api.AzureIntegration) (string, path.Path) {
			at := path.Root("azure").AtName("client_secret").AtName("scope")
			if s.ClientSecret == nil {
				return "", at
			}
			return s.ClientSecret.ValueFrom.Secret.DomainType, at
		},
	},
	typedBlock[api.GCPIntegration]{
		name: api.IntegrationTypeGCP, article: "A", holds: "credentials", needs: "project_id and service_account_key or workload_identity",
		block: func(m *IntegrationResourceModel) types.Object { return m.GCP },
		spec:  integrationGCPSpec, rule: api.ValidateGCPIntegration, tfNames: gcpTFNames,
		secretScope: func(s *api.GCPIntegration) (string, path.Path) {
			at := path.Root("gcp").AtName("service_account_key").AtName("scope")
			if s.ServiceAccountKey == nil {
				return "", at
			}
			return s.ServiceAccountKey.ValueFrom.Secret.DomainType, at
		},
	},
	typedBlock[api.DatadogIntegration]{
		name: api.IntegrationTypeDatadog, article: "A", holds: "keys", needs: "site, secret, api_key_key and application_key_key",
		block: func(m *IntegrationResourceModel) types.Object { return m.Datadog },
		spec:  integrationDatadogSpec, rule: api.ValidateDatadogIntegration, tfNames: datadogTFNames,
		secretScope: func(s *api.DatadogIntegration) (string, path.Path) {
			return s.APIKey.ValueFrom.Secret.DomainType, path.Root("datadog").AtName("scope")
		},
	},
	typedBlock[api.MongoDBAtlasIntegration]{
		name: api.IntegrationTypeMongoDBAtlas, article: "A", holds: "credentials", needs: "organization_id and api_key or service_account",
		block: func(m *IntegrationResourceModel) types.Object { return m.MongoDBAtlas },
		spec:  integrationAtlasSpec, rule: api.ValidateMongoDBAtlasIntegration, tfNames: atlasTFNames,
		secretScope: func(s *api.MongoDBAtlasIntegration) (string, path.Path) {
			at := path.Root("mongodb_atlas")
			if ref := api.MongoDBAtlasSecretRef(s); ref != nil && ref.ValueFrom != nil {
				return ref.ValueFrom.Secret.DomainType, at
			}
			return "", at
		},
	},
}

// validateTypedBlocks checks, at plan time, what the server would refuse of
// each typed block, with the API's own rules, and that no other type sets
// it. Unknown values are checked once known.
func validateTypedBlocks(ctx context.Context, config *IntegrationResourceModel, diags *diag.Diagnostics) {
	if !isKnown(config.Type) {
		return
	}
	for _, b := range typedBlocks {
		b.validate(ctx, config, diags)
	}
}

func (b typedBlock[S]) validate(ctx context.Context, config *IntegrationResourceModel, diags *diag.Diagnostics) {
	block, at := b.block(config), path.Root(b.name)
	if config.Type.ValueString() != b.name {
		if !block.IsNull() {
			diags.AddAttributeError(at, fmt.Sprintf("%s block on a non-%s integration", b.name, b.name),
				fmt.Sprintf("The %s block is for type = %q only.", b.name, b.name))
		}
		return
	}
	if !config.Auth.IsNull() {
		diags.AddAttributeError(path.Root("auth"), fmt.Sprintf("auth block on %s %s integration", lower(b.article), b.name),
			fmt.Sprintf("%s %s integration takes its %s from its %s block: remove the auth block.", b.article, b.name, b.holds, b.name))
	}
	if block.IsNull() {
		diags.AddAttributeError(at, fmt.Sprintf("Missing %s block", b.name),
			fmt.Sprintf("%s %s integration needs the %s block: %s.", b.article, b.name, b.name, b.needs))
		return
	}
	if block.IsUnknown() || !objectKnown(block) {
		return
	}
	spec := b.spec(ctx, block, diags)
	if spec == nil {
		return
	}
	if err := b.rule(b.name, spec); err != nil {
		diags.AddAttributeError(at, fmt.Sprintf("Invalid %s settings", b.name), b.tfNames(err.Error()))
	}
	if dt, scopeAt := b.secretScope(spec); dt == api.DomainTypeCanvas && config.Canvas.IsNull() {
		diags.AddAttributeError(scopeAt, "Canvas secret for an organization integration",
			`An organization integration can only use an organization secret: set scope = "organization" (or leave it out).`)
	}
}

func lower(article string) string {
	if article == "An" {
		return "an"
	}
	return "a"
}
