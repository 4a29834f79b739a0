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

// The mongodb_atlas block of superplane_integration: an Atlas organization
// and either a programmatic API key (its public key, and its private key
// from a secret) or a service account (its client id, and its client
// secret from a secret). Terraform names the secret and key only.

var (
	integrationAtlasAPIKeyAttrTypes = map[string]attr.Type{
		"public_key": types.StringType,
		"secret":     types.StringType,
		"scope":      types.StringType,
		"key":        types.StringType,
	}
	integrationAtlasServiceAccountAttrTypes = map[string]attr.Type{
		"client_id": types.StringType,
		"secret":    types.StringType,
		"scope":     types.StringType,
		"key":       types.StringType,
	}
	integrationAtlasAttrTypes = map[string]attr.Type{
		"organization_id": types.StringType,
		"api_key":         types.ObjectType{AttrTypes: integrationAtlasAPIKeyAttrTypes},
		"service_account": types.ObjectType{AttrTypes: integrationAtlasServiceAccountAttrTypes},
	}
)

// integrationAtlasModel is the mongodb_atlas block.
type integrationAtlasModel struct {
	OrganizationID types.String `tfsdk:"organization_id"`
	APIKey         types.Object `tfsdk:"api_key"`
	ServiceAccount types.Object `tfsdk:"service_account"`
}

// integrationAtlasAPIKeyModel is mongodb_atlas.api_key.
type integrationAtlasAPIKeyModel struct {
	PublicKey types.String `tfsdk:"public_key"`
	Secret    types.String `tfsdk:"secret"`
	Scope     types.String `tfsdk:"scope"`
	Key       types.String `tfsdk:"key"`
}

// integrationAtlasServiceAccountModel is mongodb_atlas.service_account.
type integrationAtlasServiceAccountModel struct {
	ClientID types.String `tfsdk:"client_id"`
	Secret   types.String `tfsdk:"secret"`
	Scope    types.String `tfsdk:"scope"`
	Key      types.String `tfsdk:"key"`
}

// atlasSecretAttributes are the secret, key and scope of a credential
// block; what names the value the key holds.
func atlasSecretAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"secret": schema.StringAttribute{
			MarkdownDescription: "Name of the secret holding the " + what + ". Reference `superplane_secret.<name>.name`.",
			Optional:            true,
			Validators:          nameValidators(),
		},
		"key": schema.StringAttribute{
			MarkdownDescription: "The key of the secret whose value is the " + what + ".",
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
	}
}

// integrationAtlasBlock is the resource's mongodb_atlas block.
func integrationAtlasBlock() schema.SingleNestedBlock {
	key := atlasSecretAttributes("API key's private key")
	key["public_key"] = schema.StringAttribute{
		MarkdownDescription: "The API key's public key (its user name in HTTP Digest authentication; not a secret).",
		Optional:            true,
	}
	account := atlasSecretAttributes("service account's client secret")
	account["client_id"] = schema.StringAttribute{
		MarkdownDescription: "The service account's client id, `mdb_sa_id_...` (not a secret).",
		Optional:            true,
	}
	return schema.SingleNestedBlock{
		MarkdownDescription: "The settings of a `mongodb_atlas` integration (set `type = \"mongodb_atlas\"`, and no `url` or " +
			"`auth`). Set `api_key` (a programmatic API key, sent with HTTP Digest authentication) or `service_account` " +
			"(an Atlas service account, whose client secret SuperPlane exchanges at Atlas's OAuth token endpoint for a " +
			"bearer token). SuperPlane verifies by reading the organization (`GET /api/atlas/v2/orgs/{orgId}`); " +
			"`status.reason` then names it. An `http` stage naming the integration has its requests to the Atlas Admin " +
			"API (`https://cloud.mongodb.com`, and nowhere else) authenticated the same way.",
		Attributes: map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The Atlas organization id: 24 hexadecimal digits.",
				Optional:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"api_key": schema.SingleNestedBlock{
				MarkdownDescription: "A programmatic API key: its public key, and its private key from a secret.",
				Attributes:          key,
				Validators: []validator.Object{
					objectvalidator.AlsoRequires(path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("key")),
				},
			},
			"service_account": schema.SingleNestedBlock{
				MarkdownDescription: "A service account: its client id, and its client secret from a secret.",
				Attributes:          account,
				Validators: []validator.Object{
					objectvalidator.AlsoRequires(path.MatchRelative().AtName("secret"), path.MatchRelative().AtName("key")),
				},
			},
		},
	}
}

// integrationAtlasDataSourceAttribute is the data source's mongodb_atlas
// attribute.
func integrationAtlasDataSourceAttribute() dsschema.SingleNestedAttribute {
	str := func(d string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
	}
	ref := func(what string, extra map[string]dsschema.Attribute) map[string]dsschema.Attribute {
		extra["secret"] = str("Name of the secret holding the " + what + ".")
		extra["scope"] = str("Where the secret is: `organization` or `canvas`.")
		extra["key"] = str("The key of the " + what + ".")
		return extra
	}
	return dsschema.SingleNestedAttribute{
		MarkdownDescription: "The settings of a `mongodb_atlas` integration (null for other types).",
		Computed:            true,
		Attributes: map[string]dsschema.Attribute{
			"organization_id": str("The Atlas organization id."),
			"api_key": dsschema.SingleNestedAttribute{
				MarkdownDescription: "The programmatic API key (null with a service account).",
				Computed:            true,
				Attributes:          ref("private key", map[string]dsschema.Attribute{"public_key": str("The API key's public key.")}),
			},
			"service_account": dsschema.SingleNestedAttribute{
				MarkdownDescription: "The service account (null with an API key).",
				Computed:            true,
				Attributes:          ref("client secret", map[string]dsschema.Attribute{"client_id": str("The service account's client id.")}),
			},
		},
	}
}

// integrationAtlasSpec builds spec.mongodbAtlas from the plan's block; nil
// when the block is absent.
func integrationAtlasSpec(ctx context.Context, block types.Object, diags *diag.Diagnostics) *api.MongoDBAtlasIntegration {
	m := objectAs[integrationAtlasModel](ctx, block, diags)
	if m == nil {
		return nil
	}
	ref := func(secret, key, scope types.String) *api.AuthToken {
		return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
			DomainType: secretScopes[scope.ValueString()], Name: secret.ValueString(), Key: key.ValueString(),
		}}}
	}
	out := &api.MongoDBAtlasIntegration{OrganizationID: m.OrganizationID.ValueString()}
	if k := objectAs[integrationAtlasAPIKeyModel](ctx, m.APIKey, diags); k != nil {
		out.APIKey = &api.MongoDBAtlasAPIKey{PublicKey: k.PublicKey.ValueString(), PrivateKey: ref(k.Secret, k.Key, k.Scope)}
	}
	if a := objectAs[integrationAtlasServiceAccountModel](ctx, m.ServiceAccount, diags); a != nil {
		out.ServiceAccount = &api.MongoDBAtlasServiceAccount{ClientID: a.ClientID.ValueString(), ClientSecret: ref(a.Secret, a.Key, a.Scope)}
	}
	return out
}

// integrationAtlasParams is the API settings of a mongodb_atlas plan.
func integrationAtlasParams(ctx context.Context, plan *IntegrationResourceModel) (client.IntegrationParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := client.IntegrationParams{
		Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Type: plan.Type.ValueString(),
		MongoDBAtlas: integrationAtlasSpec(ctx, plan.MongoDBAtlas, &diags),
	}
	if p.MongoDBAtlas == nil && !diags.HasError() {
		diags.AddAttributeError(path.Root("mongodb_atlas"), "Missing mongodb_atlas block", "A mongodb_atlas integration needs the mongodb_atlas block.")
	}
	return p, diags
}

// integrationAtlasValue maps spec.mongodbAtlas to the block's value. The
// scope of a secret the server names without a domain comes from prior,
// else the integration's own scope.
func integrationAtlasValue(ctx context.Context, a *api.MongoDBAtlasIntegration, prior types.Object, canvas types.String, diags *diag.Diagnostics) types.Object {
	if a == nil {
		return types.ObjectNull(integrationAtlasAttrTypes)
	}
	pm := objectAs[integrationAtlasModel](ctx, prior, diags)
	scopeOf := func(ref *api.ValueFromSecret, priorScope func() types.String) string {
		switch ref.DomainType {
		case api.DomainTypeCanvas:
			return scopeCanvas
		case api.DomainTypeOrganization:
			return scopeOrganization
		}
		if s := priorScope(); isKnown(s) {
			return s.ValueString()
		}
		if !canvas.IsNull() {
			return scopeCanvas
		}
		return scopeOrganization
	}
	secretOf := func(t *api.AuthToken) *api.ValueFromSecret {
		if t == nil || t.ValueFrom == nil || t.ValueFrom.Secret == nil {
			return &api.ValueFromSecret{}
		}
		return t.ValueFrom.Secret
	}
	key := types.ObjectNull(integrationAtlasAPIKeyAttrTypes)
	if k := a.APIKey; k != nil {
		ref := secretOf(k.PrivateKey)
		scope := scopeOf(ref, func() types.String {
			if pm != nil {
				if pk := objectAs[integrationAtlasAPIKeyModel](ctx, pm.APIKey, diags); pk != nil {
					return pk.Scope
				}
			}
			return types.StringNull()
		})
		v, d := types.ObjectValue(integrationAtlasAPIKeyAttrTypes, map[string]attr.Value{
			"public_key": types.StringValue(k.PublicKey), "secret": types.StringValue(ref.Name),
			"scope": types.StringValue(scope), "key": types.StringValue(ref.Key),
		})
		diags.Append(d...)
		key = v
	}
	account := types.ObjectNull(integrationAtlasServiceAccountAttrTypes)
	if sa := a.ServiceAccount; sa != nil {
		ref := secretOf(sa.ClientSecret)
		scope := scopeOf(ref, func() types.String {
			if pm != nil {
				if ps := objectAs[integrationAtlasServiceAccountModel](ctx, pm.ServiceAccount, diags); ps != nil {
					return ps.Scope
				}
			}
			return types.StringNull()
		})
		v, d := types.ObjectValue(integrationAtlasServiceAccountAttrTypes, map[string]attr.Value{
			"client_id": types.StringValue(sa.ClientID), "secret": types.StringValue(ref.Name),
			"scope": types.StringValue(scope), "key": types.StringValue(ref.Key),
		})
		diags.Append(d...)
		account = v
	}
	v, d := types.ObjectValue(integrationAtlasAttrTypes, map[string]attr.Value{
		"organization_id": types.StringValue(a.OrganizationID), "api_key": key, "service_account": account,
	})
	diags.Append(d...)
	return v
}

// atlasTFNames rewrites the API's field names in a rule's message as the
// block spells them.
func atlasTFNames(msg string) string {
	return strings.NewReplacer(
		"apiKey.privateKey.valueFrom.secret.name", "api_key.secret",
		"apiKey.privateKey.valueFrom.secret.key", "api_key.key",
		"apiKey.privateKey.valueFrom.secret", "api_key.secret",
		"serviceAccount.clientSecret.valueFrom.secret.name", "service_account.secret",
		"serviceAccount.clientSecret.valueFrom.secret.key", "service_account.key",
		"serviceAccount.clientSecret.valueFrom.secret", "service_account.secret",
		"apiKey.publicKey", "api_key.public_key", "serviceAccount.clientId", "service_account.client_id",
		"apiKey", "api_key", "serviceAccount", "service_account", "publicKey", "public_key", "privateKey", "private key",
		"clientId", "client_id", "clientSecret", "client secret", "organizationId", "organization_id",
	).Replace(msg)
}
