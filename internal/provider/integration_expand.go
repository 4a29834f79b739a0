package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// integrationToken returns the auth.token block, or nil when it (or auth)
// is null or unknown.
func integrationToken(ctx context.Context, auth types.Object, diags *diag.Diagnostics) *integrationTokenModel {
	a := objectAs[integrationAuthModel](ctx, auth, diags)
	if a == nil {
		return nil
	}
	return objectAs[integrationTokenModel](ctx, a.Token, diags)
}

// integrationParams builds the API settings from a plan.
func integrationParams(ctx context.Context, plan *IntegrationResourceModel) (client.IntegrationParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	if plan.Type.ValueString() == api.IntegrationTypeAzure {
		return integrationAzureParams(ctx, plan)
	}
	if plan.Type.ValueString() == api.IntegrationTypeDatadog {
		p := client.IntegrationParams{
			Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Type: plan.Type.ValueString(),
			Datadog: integrationDatadogSpec(ctx, plan.Datadog, &diags),
		}
		if p.Datadog == nil && !diags.HasError() {
			diags.AddAttributeError(path.Root("datadog"), "Missing datadog block", "A datadog integration needs the datadog block.")
		}
		return p, diags
	}
	if plan.Type.ValueString() == api.IntegrationTypeMongoDBAtlas {
		return integrationAtlasParams(ctx, plan)
	}
	if plan.Type.ValueString() == api.IntegrationTypeGCP {
		p := client.IntegrationParams{
			Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Type: plan.Type.ValueString(),
			GCP: integrationGCPSpec(ctx, plan.GCP, &diags),
		}
		if p.GCP == nil && !diags.HasError() {
			diags.AddAttributeError(path.Root("gcp"), "Missing gcp block", "A gcp integration needs the gcp block.")
		}
		return p, diags
	}
	if plan.Type.ValueString() == api.IntegrationTypeAWS {
		p := client.IntegrationParams{
			Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Type: plan.Type.ValueString(),
			AWS: integrationAWSSpec(ctx, plan.AWS, &diags),
		}
		if p.AWS == nil && !diags.HasError() {
			diags.AddAttributeError(path.Root("aws"), "Missing aws block", "An aws integration needs the aws block.")
		}
		return p, diags
	}
	tok := integrationToken(ctx, plan.Auth, &diags)
	if diags.HasError() {
		return client.IntegrationParams{}, diags
	}
	if tok == nil {
		diags.AddAttributeError(path.Root("auth"), "Missing auth", "The auth block with its token block is required.")
		return client.IntegrationParams{}, diags
	}
	p := client.IntegrationParams{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Type:        plan.Type.ValueString(),
		URL:         plan.URL.ValueString(),
		SecretName:  tok.Secret.ValueString(),
		SecretKey:   tok.Key.ValueString(),
		// No domain when the scope is unknown: the server then searches.
		SecretDomainType: secretScopes[tok.Scope.ValueString()],
	}
	return p, diags
}

// integrationModelFrom builds state from an API integration. What the
// server does not return (the canvas argument as written, verify) comes from
// prior, the plan or the previous state; so does a URL the server stored
// without its trailing slash, and a token scope the server left out.
func integrationModelFrom(ctx context.Context, in *api.Integration, prior *IntegrationResourceModel) (*IntegrationResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := in.Metadata
	out := &IntegrationResourceModel{
		ID:           types.StringValue(m.ID),
		Canvas:       prior.Canvas,
		Name:         types.StringValue(m.Name),
		Description:  types.StringValue(m.Description),
		Type:         prior.Type,
		URL:          prior.URL,
		Auth:         prior.Auth,
		AWS:          types.ObjectNull(integrationAWSAttrTypes),
		Azure:        types.ObjectNull(integrationAzureAttrTypes),
		GCP:          types.ObjectNull(integrationGCPAttrTypes),
		Datadog:      types.ObjectNull(integrationDatadogAttrTypes),
		MongoDBAtlas: types.ObjectNull(integrationAtlasAttrTypes),
		Verify:       prior.Verify,
		Status:       integrationStatusValue(in.Status),
		CreatedAt:    timeValue(m.CreatedAt),
	}
	if out.Verify.IsNull() || out.Verify.IsUnknown() {
		out.Verify = types.BoolValue(true)
	}
	if in.Spec != nil {
		out.Type = types.StringValue(in.Spec.Type)
		switch {
		case in.Spec.URL == "" && !isKnown(prior.URL):
			// An aws integration has no URL: left out, it stays null.
			out.URL = types.StringNull()
		case !isKnown(prior.URL) || strings.TrimSuffix(prior.URL.ValueString(), "/") != in.Spec.URL:
			out.URL = types.StringValue(in.Spec.URL)
		}
		if in.Spec.Azure != nil {
			out.Azure = integrationAzureValue(ctx, in.Spec.Azure, prior.Azure, prior.Canvas, &diags)
			out.Auth = types.ObjectNull(integrationAuthAttrTypes)
			return out, diags
		}
		if in.Spec.Datadog != nil {
			out.Datadog = integrationDatadogValue(ctx, in.Spec.Datadog, prior.Datadog, prior.Canvas, &diags)
			out.Auth = types.ObjectNull(integrationAuthAttrTypes)
			return out, diags
		}
		if in.Spec.MongoDBAtlas != nil {
			out.MongoDBAtlas = integrationAtlasValue(ctx, in.Spec.MongoDBAtlas, prior.MongoDBAtlas, prior.Canvas, &diags)
			out.Auth = types.ObjectNull(integrationAuthAttrTypes)
			return out, diags
		}
		if in.Spec.GCP != nil {
			out.GCP = integrationGCPValue(ctx, in.Spec.GCP, prior.GCP, prior.Canvas, &diags)
			out.Auth = types.ObjectNull(integrationAuthAttrTypes)
			return out, diags
		}
		if in.Spec.AWS != nil {
			out.AWS = integrationAWSValue(ctx, in.Spec.AWS, prior.AWS, prior.Canvas, &diags)
			out.Auth = types.ObjectNull(integrationAuthAttrTypes)
			return out, diags
		}
	}

	ref := client.IntegrationSecret(in)
	if ref.Name != "" {
		var scope string
		switch ref.DomainType {
		case api.DomainTypeOrganization:
			scope = scopeOrganization
		case api.DomainTypeCanvas:
			scope = scopeCanvas
		default:
			scope = scopeOrganization
			if !prior.Canvas.IsNull() {
				scope = scopeCanvas
			}
			tok := integrationToken(ctx, prior.Auth, &diags)
			if tok != nil && isKnown(tok.Scope) {
				scope = tok.Scope.ValueString()
			}
		}
		token, d := types.ObjectValue(integrationTokenAttrTypes, map[string]attr.Value{
			"secret": types.StringValue(ref.Name),
			"key":    types.StringValue(ref.Key),
			"scope":  types.StringValue(scope),
		})
		diags.Append(d...)
		auth, d := types.ObjectValue(integrationAuthAttrTypes, map[string]attr.Value{"token": token})
		diags.Append(d...)
		out.Auth = auth
	}
	if out.Auth.IsUnknown() {
		out.Auth = types.ObjectNull(integrationAuthAttrTypes)
	}
	return out, diags
}

// integrationStatusValue maps the API status; null when the server gave
// none (a v1 server does not verify).
func integrationStatusValue(st *api.IntegrationStatus) types.Object {
	if st == nil {
		return types.ObjectNull(integrationStatusAttrTypes)
	}
	return types.ObjectValueMust(integrationStatusAttrTypes, map[string]attr.Value{
		"state":      types.StringValue(st.State),
		"reason":     types.StringValue(st.Reason),
		"checked_at": timeValue(st.CheckedAt),
	})
}
