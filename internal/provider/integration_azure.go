package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// The azure block of superplane_integration: a Microsoft Entra tenant, an
// application (client) id and a subscription, with either the
// application's client secret from a secret or a federated credential
// (SuperPlane's own ID token as the client assertion). The client secret
// is named by secret and key only: Terraform never holds it.

var (
	integrationAzureClientSecretAttrTypes = map[string]attr.Type{
		"secret": types.StringType,
		"key":    types.StringType,
		"scope":  types.StringType,
	}
	integrationAzureFederatedAttrTypes = map[string]attr.Type{
		"audience": types.StringType,
	}
	integrationAzureAttrTypes = map[string]attr.Type{
		"tenant_id":       types.StringType,
		"client_id":       types.StringType,
		"subscription_id": types.StringType,
		"client_secret":   types.ObjectType{AttrTypes: integrationAzureClientSecretAttrTypes},
		"federated":       types.ObjectType{AttrTypes: integrationAzureFederatedAttrTypes},
	}
)

// integrationAzureModel is the azure block.
type integrationAzureModel struct {
	TenantID       types.String `tfsdk:"tenant_id"`
	ClientID       types.String `tfsdk:"client_id"`
	SubscriptionID types.String `tfsdk:"subscription_id"`
	ClientSecret   types.Object `tfsdk:"client_secret"`
	Federated      types.Object `tfsdk:"federated"`
}

// integrationAzureClientSecretModel is azure.client_secret.
type integrationAzureClientSecretModel struct {
	Secret types.String `tfsdk:"secret"`
	Key    types.String `tfsdk:"key"`
	Scope  types.String `tfsdk:"scope"`
}

// integrationAzureFederatedModel is azure.federated.
type integrationAzureFederatedModel struct {
	Audience types.String `tfsdk:"audience"`
}

// isCloudType reports whether typ is configured by a typed block (aws,
// azure, gcp) rather than url and auth.
func isCloudType(typ string) bool {
	return typ == api.IntegrationTypeAWS || typ == api.IntegrationTypeAzure || typ == api.IntegrationTypeGCP ||
		typ == api.IntegrationTypeDatadog || typ == api.IntegrationTypeMongoDBAtlas
}

// integrationAzureBlock is the resource's azure block.
func integrationAzureBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The settings of an `azure` integration (set `type = \"azure\"`, and no `url` or `auth`). " +
			"Set `client_secret` (the application's client secret kept in a `superplane_secret`) or `federated` " +
			"(SuperPlane's own ID token as the client assertion of a federated credential: no Azure secret is stored " +
			"at all). SuperPlane verifies by getting a token from Microsoft Entra ID and reading the subscription; " +
			"`status.reason` then names the subscription and tenant, or quotes Entra's or Azure Resource Manager's error " +
			"(such as `AADSTS7000215`).",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "The Microsoft Entra tenant (directory) id, a GUID, or a verified domain such as `contoso.onmicrosoft.com`.",
				Optional:            true,
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "The application (client) id of the app registration or user-assigned managed identity, a GUID.",
				Optional:            true,
			},
			"subscription_id": schema.StringAttribute{
				MarkdownDescription: "The subscription SuperPlane reads to verify the credentials, a GUID. The application needs a role on it (Reader at least).",
				Optional:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"client_secret": schema.SingleNestedBlock{
				MarkdownDescription: "The application's client secret, a key of a secret.",
				Attributes: map[string]schema.Attribute{
					"secret": schema.StringAttribute{
						MarkdownDescription: "Name of the secret holding the client secret. Reference `superplane_secret.<name>.name`.",
						Optional:            true,
						Validators:          nameValidators(),
					},
					"key": schema.StringAttribute{
						MarkdownDescription: "The key of the secret whose value is the client secret.",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"scope": schema.StringAttribute{
						MarkdownDescription: "Where the secret is: `organization` or `canvas`. Defaults to the integration's own scope.",
						Optional:            true,
						Computed:            true,
						Validators:          []validator.String{stringvalidator.OneOf(scopeOrganization, scopeCanvas)},
						PlanModifiers:       []planmodifier.String{defaultScope()},
					},
				},
				Validators: []validator.Object{
					objectvalidator.AlsoRequires(path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("key")),
				},
			},
			"federated": schema.SingleNestedBlock{
				MarkdownDescription: "A federated identity credential: SuperPlane signs an ID token (issuer: the server's " +
					"base URL; audience `api://AzureADTokenExchange`; subject `org:<org>:integration:<name>`, or " +
					"`org:<org>:canvas:<canvas>:integration:<name>` for a canvas integration, and " +
					"`org:<org>:canvas:<canvas>:stage:<stage>` for a stage's requests) and presents it to Entra as the " +
					"client assertion. Add a federated credential with that issuer and subject to the application. " +
					"Write `federated {}` for the defaults.",
				Attributes: map[string]schema.Attribute{
					"audience": schema.StringAttribute{
						MarkdownDescription: "The ID token's audience, as the federated credential names it. Defaults to " +
							"`api://AzureADTokenExchange` (sovereign clouds use their own, such as `api://AzureADTokenExchangeUSGov`).",
						Optional: true,
					},
				},
			},
		},
	}
}

// integrationAzureDataSourceAttribute is the data source's azure
// attribute.
func integrationAzureDataSourceAttribute() dsschema.SingleNestedAttribute {
	str := func(d string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
	}
	return dsschema.SingleNestedAttribute{
		MarkdownDescription: "The settings of an `azure` integration (null for other types).",
		Computed:            true,
		Attributes: map[string]dsschema.Attribute{
			"tenant_id":       str("The Microsoft Entra tenant id."),
			"client_id":       str("The application (client) id."),
			"subscription_id": str("The subscription id."),
			"client_secret": dsschema.SingleNestedAttribute{
				MarkdownDescription: "Where the client secret is kept (null with a federated credential).",
				Computed:            true,
				Attributes: map[string]dsschema.Attribute{
					"secret": str("Name of the secret holding the client secret."),
					"key":    str("The key of the client secret."),
					"scope":  str("Where the secret is: `organization` or `canvas`."),
				},
			},
			"federated": dsschema.SingleNestedAttribute{
				MarkdownDescription: "The federated credential (null with a client secret).",
				Computed:            true,
				Attributes:          map[string]dsschema.Attribute{"audience": str("The ID token's audience, when not the default.")},
			},
		},
	}
}

// integrationAzureSpec builds spec.azure from the plan's azure block; nil
// when the block is absent.
func integrationAzureSpec(ctx context.Context, block types.Object, diags *diag.Diagnostics) *api.AzureIntegration {
	m := objectAs[integrationAzureModel](ctx, block, diags)
	if m == nil {
		return nil
	}
	out := &api.AzureIntegration{TenantID: m.TenantID.ValueString(), ClientID: m.ClientID.ValueString(), SubscriptionID: m.SubscriptionID.ValueString()}
	if k := objectAs[integrationAzureClientSecretModel](ctx, m.ClientSecret, diags); k != nil {
		out.ClientSecret = &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
			DomainType: secretScopes[k.Scope.ValueString()], Name: k.Secret.ValueString(), Key: k.Key.ValueString(),
		}}}
	}
	if f := objectAs[integrationAzureFederatedModel](ctx, m.Federated, diags); f != nil {
		out.Federated = &api.AzureFederated{Audience: f.Audience.ValueString()}
	}
	return out
}

// integrationAzureParams builds the API settings of an azure integration.
func integrationAzureParams(ctx context.Context, plan *IntegrationResourceModel) (client.IntegrationParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := client.IntegrationParams{
		Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Type: plan.Type.ValueString(),
		Azure: integrationAzureSpec(ctx, plan.Azure, &diags),
	}
	if p.Azure == nil && !diags.HasError() {
		diags.AddAttributeError(path.Root("azure"), "Missing azure block", "An azure integration needs the azure block.")
	}
	return p, diags
}

// integrationAzureValue maps spec.azure to the azure block's value. The
// scope of a secret the server names without a domain comes from prior,
// else the integration's own scope.
func integrationAzureValue(ctx context.Context, a *api.AzureIntegration, prior types.Object, canvas types.String, diags *diag.Diagnostics) types.Object {
	if a == nil {
		return types.ObjectNull(integrationAzureAttrTypes)
	}
	clientSecret := types.ObjectNull(integrationAzureClientSecretAttrTypes)
	if ref := a.ClientSecret; ref != nil && ref.ValueFrom != nil && ref.ValueFrom.Secret != nil {
		s := ref.ValueFrom.Secret
		scope := scopeOrganization
		switch s.DomainType {
		case api.DomainTypeCanvas:
			scope = scopeCanvas
		case api.DomainTypeOrganization:
		default:
			if !canvas.IsNull() {
				scope = scopeCanvas
			}
			if pm := objectAs[integrationAzureModel](ctx, prior, diags); pm != nil {
				if pk := objectAs[integrationAzureClientSecretModel](ctx, pm.ClientSecret, diags); pk != nil && isKnown(pk.Scope) {
					scope = pk.Scope.ValueString()
				}
			}
		}
		v, d := types.ObjectValue(integrationAzureClientSecretAttrTypes, map[string]attr.Value{
			"secret": types.StringValue(s.Name), "key": types.StringValue(s.Key), "scope": types.StringValue(scope),
		})
		diags.Append(d...)
		clientSecret = v
	}
	federated := types.ObjectNull(integrationAzureFederatedAttrTypes)
	if f := a.Federated; f != nil {
		aud := types.StringNull()
		if f.Audience != "" {
			aud = types.StringValue(f.Audience)
		}
		v, d := types.ObjectValue(integrationAzureFederatedAttrTypes, map[string]attr.Value{"audience": aud})
		diags.Append(d...)
		federated = v
	}
	v, d := types.ObjectValue(integrationAzureAttrTypes, map[string]attr.Value{
		"tenant_id": types.StringValue(a.TenantID), "client_id": types.StringValue(a.ClientID),
		"subscription_id": types.StringValue(a.SubscriptionID), "client_secret": clientSecret, "federated": federated,
	})
	diags.Append(d...)
	return v
}

// tfAzureNames rewrites the API's field names in a rule's message as the
// azure block spells them.
func tfAzureNames(msg string) string {
	return strings.NewReplacer(
		"clientSecret.valueFrom.secret.name", "client_secret.secret",
		"clientSecret.valueFrom.secret.key", "client_secret.key",
		"tenantId", "tenant_id", "clientId", "client_id", "subscriptionId", "subscription_id",
		"clientSecret", "client_secret",
	).Replace(msg)
}
