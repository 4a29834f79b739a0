package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The datadog block of superplane_integration: the Datadog site and the
// API and application keys, two keys of one secret. The keys are named by
// secret and key only: Terraform never holds them.

var integrationDatadogAttrTypes = map[string]attr.Type{
	"site":                types.StringType,
	"secret":              types.StringType,
	"scope":               types.StringType,
	"api_key_key":         types.StringType,
	"application_key_key": types.StringType,
}

// integrationDatadogModel is the datadog block.
type integrationDatadogModel struct {
	Site              types.String `tfsdk:"site"`
	Secret            types.String `tfsdk:"secret"`
	Scope             types.String `tfsdk:"scope"`
	APIKeyKey         types.String `tfsdk:"api_key_key"`
	ApplicationKeyKey types.String `tfsdk:"application_key_key"`
}

// integrationDatadogBlock is the resource's datadog block.
func integrationDatadogBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The settings of a `datadog` integration (set `type = \"datadog\"`, and no `url` or `auth`): " +
			"the site and the API and application keys, two keys of one `superplane_secret`. SuperPlane verifies the " +
			"API key with `GET /api/v1/validate` and the application key with `GET /api/v1/org`. An `http` stage naming " +
			"the integration gets `DD-API-KEY` and `DD-APPLICATION-KEY` on requests to the site's hosts only " +
			"(`https://*.<site>`); a `datadog` event source gets a webhook in Datadog's Webhooks integration.",
		Attributes: map[string]schema.Attribute{
			"site": schema.StringAttribute{
				MarkdownDescription: "The Datadog site: `datadoghq.com` (US1), `datadoghq.eu` (EU), `us3.datadoghq.com`, " +
					"`us5.datadoghq.com`, `ap1.datadoghq.com` or `ddog-gov.com` (US1-FED). The API is at `https://api.<site>`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(api.DatadogSites()...)},
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "Name of the secret holding both keys. Reference `superplane_secret.<name>.name`.",
				Optional:            true,
				Validators:          nameValidators(),
			},
			"api_key_key": schema.StringAttribute{
				MarkdownDescription: "The key of the secret whose value is the API key.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"application_key_key": schema.StringAttribute{
				MarkdownDescription: "The key of the secret whose value is the application key.",
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
	}
}

// integrationDatadogDataSourceAttribute is the data source's datadog attribute.
func integrationDatadogDataSourceAttribute() dsschema.SingleNestedAttribute {
	str := func(d string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
	}
	return dsschema.SingleNestedAttribute{
		MarkdownDescription: "The settings of a `datadog` integration (null for other types).",
		Computed:            true,
		Attributes: map[string]dsschema.Attribute{
			"site":                str("The Datadog site."),
			"secret":              str("Name of the secret holding both keys."),
			"scope":               str("Where the secret is: `organization` or `canvas`."),
			"api_key_key":         str("The key of the API key."),
			"application_key_key": str("The key of the application key."),
		},
	}
}

// integrationDatadogSpec builds spec.datadog from the plan's datadog block;
// nil when the block is absent.
func integrationDatadogSpec(ctx context.Context, block types.Object, diags *diag.Diagnostics) *api.DatadogIntegration {
	m := objectAs[integrationDatadogModel](ctx, block, diags)
	if m == nil {
		return nil
	}
	ref := func(key types.String) *api.AuthToken {
		return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
			DomainType: secretScopes[m.Scope.ValueString()], Name: m.Secret.ValueString(), Key: key.ValueString(),
		}}}
	}
	return &api.DatadogIntegration{Site: m.Site.ValueString(), APIKey: ref(m.APIKeyKey), ApplicationKey: ref(m.ApplicationKeyKey)}
}

// integrationDatadogValue maps spec.datadog to the datadog block's value.
// The scope of a secret the server names without a domain comes from
// prior, else the integration's own scope.
func integrationDatadogValue(ctx context.Context, d *api.DatadogIntegration, prior types.Object, canvas types.String, diags *diag.Diagnostics) types.Object {
	if d == nil {
		return types.ObjectNull(integrationDatadogAttrTypes)
	}
	var secret, domain, apiKey, appKey string
	if r := d.APIKey; r != nil && r.ValueFrom != nil && r.ValueFrom.Secret != nil {
		secret, domain, apiKey = r.ValueFrom.Secret.Name, r.ValueFrom.Secret.DomainType, r.ValueFrom.Secret.Key
	}
	if r := d.ApplicationKey; r != nil && r.ValueFrom != nil && r.ValueFrom.Secret != nil {
		appKey = r.ValueFrom.Secret.Key
	}
	scope := scopeOrganization
	switch domain {
	case api.DomainTypeCanvas:
		scope = scopeCanvas
	case api.DomainTypeOrganization:
	default:
		if !canvas.IsNull() {
			scope = scopeCanvas
		}
		if pm := objectAs[integrationDatadogModel](ctx, prior, diags); pm != nil && isKnown(pm.Scope) {
			scope = pm.Scope.ValueString()
		}
	}
	v, dg := types.ObjectValue(integrationDatadogAttrTypes, map[string]attr.Value{
		"site": types.StringValue(d.Site), "secret": types.StringValue(secret), "scope": types.StringValue(scope),
		"api_key_key": types.StringValue(apiKey), "application_key_key": types.StringValue(appKey),
	})
	diags.Append(dg...)
	return v
}

// datadogTFNames rewrites the API's field names in a rule's message as the
// datadog block spells them.
func datadogTFNames(msg string) string {
	return strings.NewReplacer(
		"apiKey.valueFrom.secret.name", "secret",
		"applicationKey.valueFrom.secret.key", "application_key_key",
		"apiKey.valueFrom.secret.key", "api_key_key",
		"applicationKey.valueFrom.secret", "application_key_key",
		"apiKey.valueFrom.secret", "api_key_key",
		"applicationKey", "application_key_key", "apiKey", "api_key_key",
	).Replace(msg)
}
