package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &IntegrationResource{}
	_ resource.ResourceWithConfigure      = &IntegrationResource{}
	_ resource.ResourceWithValidateConfig = &IntegrationResource{}
	_ resource.ResourceWithModifyPlan     = &IntegrationResource{}
	_ resource.ResourceWithImportState    = &IntegrationResource{}
)

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	integrationTokenAttrTypes = map[string]attr.Type{
		"secret": types.StringType,
		"key":    types.StringType,
		"scope":  types.StringType,
	}
	integrationAuthAttrTypes = map[string]attr.Type{
		"token": types.ObjectType{AttrTypes: integrationTokenAttrTypes},
	}
	integrationStatusAttrTypes = map[string]attr.Type{
		"state":      types.StringType,
		"reason":     types.StringType,
		"checked_at": types.StringType,
	}
)

// NewIntegrationResource returns the superplane_integration resource.
func NewIntegrationResource() resource.Resource {
	return &IntegrationResource{}
}

// IntegrationResource manages one integration: SuperPlane's connection to
// GitHub or Semaphore, authenticated with a token kept in a secret.
type IntegrationResource struct {
	client *client.Client
}

// IntegrationResourceModel is the state of a superplane_integration. Auth
// holds an integrationAuthModel, Status an integrationStatusModel.
type IntegrationResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Canvas      types.String `tfsdk:"canvas"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Type        types.String `tfsdk:"type"`
	URL         types.String `tfsdk:"url"`
	Auth        types.Object `tfsdk:"auth"`
	Verify      types.Bool   `tfsdk:"verify"`
	Status      types.Object `tfsdk:"status"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

// integrationAuthModel is the auth block.
type integrationAuthModel struct {
	Token types.Object `tfsdk:"token"`
}

// integrationTokenModel is the auth.token block: where the token is kept.
type integrationTokenModel struct {
	Secret types.String `tfsdk:"secret"`
	Key    types.String `tfsdk:"key"`
	Scope  types.String `tfsdk:"scope"`
}

// integrationStatusModel is the status attribute.
type integrationStatusModel struct {
	State     types.String `tfsdk:"state"`
	Reason    types.String `tfsdk:"reason"`
	CheckedAt types.String `tfsdk:"checked_at"`
}

// Metadata names the resource superplane_integration.
func (r *IntegrationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration"
}

// Schema describes superplane_integration.
func (r *IntegrationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane integration: the connection to a GitHub owner or a Semaphore " +
			"organization that event sources and executors use. It authenticates with an API token kept in " +
			"a `superplane_secret`; Terraform only names the secret and key, never the token. SuperPlane " +
			"verifies the credentials with the tool on every create and update, and again whenever the " +
			"secret's values change; `status` shows the result. It belongs to the organization, or to one " +
			"canvas when `canvas` is set.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The integration id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the integration belongs to. Leave it out for an " +
					"organization integration. Changing it replaces the integration.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the integration, unique in its organization or canvas: 1 to 128 " +
					"letters, digits, `.`, `_` or `-`, and not a UUID. A rename is made in place and keeps the id.",
				Required:   true,
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Changes are made in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "The tool: `github` or `semaphore`. Changing it replaces the integration.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "Where the tool is, checked against `type` when Terraform plans. For " +
					"`github`: `https://github.com/<owner>`, or a GitHub Enterprise Server URL " +
					"`https://<host>[/<owner>]`. For `semaphore`: `https://<organization>.semaphoreci.com`. " +
					"https only, without a path beyond the owner, a query or credentials.",
				Required: true,
			},
			"verify": schema.BoolAttribute{
				MarkdownDescription: "Whether an apply must fail when SuperPlane cannot verify the credentials " +
					"(default `true`). A create that fails verification deletes the integration again, so " +
					"nothing is left behind; a failed update keeps the previous state. While the last " +
					"verification failed (for example after the token was rotated to a bad one), each plan " +
					"shows an update, and applying verifies again. With `false`, the result is only " +
					"reported in `status`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"status": schema.SingleNestedAttribute{
				MarkdownDescription: "The result of SuperPlane's last verification of the credentials. It is " +
					"refreshed on every read, so a change of the token secret shows up here.",
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"state": schema.StringAttribute{
						MarkdownDescription: "`ok`, `failed` or `unverified`.",
						Computed:            true,
					},
					"reason": schema.StringAttribute{
						MarkdownDescription: "`ok`, or why verification failed, quoting the tool where it " +
							"said (GitHub's `Bad credentials`). It never contains the token.",
						Computed: true,
					},
					"checked_at": schema.StringAttribute{
						MarkdownDescription: "When the credentials were last verified (RFC 3339).",
						Computed:            true,
					},
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the integration was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"auth": schema.SingleNestedBlock{
				MarkdownDescription: "How the integration authenticates with the tool. Required.",
				Validators:          []validator.Object{objectvalidator.IsRequired()},
				Blocks: map[string]schema.Block{
					"token": schema.SingleNestedBlock{
						MarkdownDescription: "An API token, taken from a key of a secret. Required.",
						Validators:          []validator.Object{objectvalidator.IsRequired()},
						Attributes: map[string]schema.Attribute{
							"secret": schema.StringAttribute{
								MarkdownDescription: "Name of the secret holding the token. Reference " +
									"`superplane_secret.<name>.name` so Terraform creates the secret first and " +
									"deletes it last.",
								Required:   true,
								Validators: nameValidators(),
							},
							"key": schema.StringAttribute{
								MarkdownDescription: "The key of the secret whose value is the token.",
								Required:            true,
								Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
							},
							"scope": schema.StringAttribute{
								MarkdownDescription: "Where the secret is: `organization` or `canvas` (the " +
									"integration's canvas; only for canvas integrations). Defaults to the " +
									"integration's own scope, so a canvas integration that uses an " +
									"organization secret sets `organization`.",
								Optional: true,
								Computed: true,
								Validators: []validator.String{
									stringvalidator.OneOf(scopeOrganization, scopeCanvas),
								},
								PlanModifiers: []planmodifier.String{defaultScope()},
							},
						},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *IntegrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig checks, before anything is sent, what the server would
// refuse: an unknown type, a URL of the wrong shape for the type, and a
// canvas secret for an organization integration. Unknown values are
// checked when they become known.
func (r *IntegrationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config IntegrationResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	typeOK := false
	if isKnown(config.Type) {
		if err := api.ValidateIntegrationType("type", config.Type.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("type"), "Invalid integration type", err.Error())
		} else {
			typeOK = true
		}
	}
	if typeOK && isKnown(config.URL) {
		if err := api.ValidateIntegrationURL("url", config.Type.ValueString(), config.URL.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid integration URL", err.Error())
		}
	}

	tok := integrationToken(ctx, config.Auth, &resp.Diagnostics)
	if tok != nil && tok.Scope.ValueString() == scopeCanvas && config.Canvas.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("auth").AtName("token").AtName("scope"),
			"Canvas secret for an organization integration",
			`An organization integration can only use an organization secret: set scope = "organization" `+
				"(or leave it out), or set canvas to make this a canvas integration.")
	}
}

// ModifyPlan keeps `status` as it is when applying would not touch the
// integration, so a converged configuration plans nothing. It marks
// `status` unknown, so the apply verifies again, when the settings change
// (the server verifies on every update) and when `verify` is true and the
// last verification failed: then Update calls the verify endpoint and fails
// with the tool's reason if the credentials still do not work.
func (r *IntegrationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return // destroy, or create: status is unknown anyway
	}
	var plan, state IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	prior := objectAs[integrationStatusModel](ctx, state.Status, &resp.Diagnostics)
	reverify := !plan.Verify.Equal(types.BoolValue(false)) && prior != nil && prior.State.ValueString() != api.IntegrationStateOK
	switch {
	case integrationSettingsChanged(&plan, &state):
		plan.Status = types.ObjectUnknown(integrationStatusAttrTypes)
	case reverify:
		plan.Status = types.ObjectUnknown(integrationStatusAttrTypes)
		resp.Diagnostics.AddAttributeWarning(path.Root("status"), "Integration credentials failed verification",
			fmt.Sprintf("SuperPlane's last verification of integration %q failed: %s. Because verify is true, "+
				"applying verifies the credentials again and fails if they still do not work.",
				state.Name.ValueString(), prior.Reason.ValueString()))
	default:
		plan.Status = state.Status
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// Create creates the integration, which SuperPlane verifies at once. With
// verify set and a failed verification, the integration is deleted again
// and the apply fails with the tool's reason.
func (r *IntegrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := integrationParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(plan.Canvas)
	in, err := r.client.CreateIntegration(ctx, domainType, domainID, params)
	if client.IsConflict(err) {
		if own, aerr := r.client.AdoptIntegration(ctx, domainType, domainID, params); aerr == nil {
			in, err = own, nil
			adoptedWarning(&resp.Diagnostics, "integration", params.Name)
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating integration", err.Error())
		return
	}
	created, diags := integrationModelFrom(ctx, in, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	if plan.Verify.ValueBool() && verificationFailed(in.Status) {
		detail := verificationFailure(params, in.Status)
		err := r.client.DeleteIntegration(ctx, domainType, domainID, in.Metadata.ID)
		if err == nil || client.IsNotFound(err) {
			resp.Diagnostics.AddError("Integration credentials failed verification", detail+
				"\n\nThe integration was deleted again, so nothing is left behind.")
			return
		}
		// It exists and cannot be removed: keep it in state (Terraform
		// marks it tainted) rather than lose track of it.
		resp.Diagnostics.Append(resp.State.Set(ctx, created)...)
		resp.Diagnostics.AddError("Integration credentials failed verification", detail+
			fmt.Sprintf("\n\nThe integration could not be deleted again (%v), so it is kept in the Terraform "+
				"state. Fix the credentials and run terraform untaint on it, or remove it from the state.", err))
		return
	}
	if in.Status == nil {
		resp.Diagnostics.AddWarning("Integration not verified",
			"The server reports no verification status (a SuperPlane v1 server does not verify "+
				"integrations), so Terraform cannot tell whether the credentials work.")
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, created)...)
}

// Read refreshes the integration, its status included: SuperPlane
// verifies again whenever the token secret's values change, so a rotation
// shows here. A failed verification is not an error on read. An
// integration deleted outside Terraform is removed from state so the next
// plan creates it again.
func (r *IntegrationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state IntegrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(state.Canvas)
	in, err := r.client.GetIntegration(ctx, domainType, domainID, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "integration not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading integration", err.Error())
		return
	}

	m, diags := integrationModelFrom(ctx, in, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update sends the settings when they changed (the server verifies them),
// or only verifies when ModifyPlan asked for it (status unknown). With
// verify set and a failed verification, the apply fails with the tool's
// reason and the state keeps its previous values.
func (r *IntegrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := integrationParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(plan.Canvas)
	var in *api.Integration
	var err error
	switch {
	case integrationSettingsChanged(&plan, &state):
		in, err = r.client.UpdateIntegration(ctx, domainType, domainID, state.ID.ValueString(), params)
	case plan.Status.IsUnknown():
		in, err = r.client.VerifyIntegration(ctx, domainType, domainID, state.ID.ValueString())
	default:
		// Only verify changed: nothing to tell the server.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error updating integration", err.Error())
		return
	}

	if plan.Verify.ValueBool() && verificationFailed(in.Status) {
		resp.Diagnostics.AddError("Integration credentials failed verification", verificationFailure(params, in.Status)+
			"\n\nSuperPlane keeps the integration with these settings and reports the failure in its status; "+
			"the Terraform state keeps its previous values, so the next plan tries again.")
		return
	}
	m, diags := integrationModelFrom(ctx, in, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete deletes the integration; one already gone counts as deleted. A
// SuperPlane v1 server cannot delete integrations at all, which the error
// says in so many words.
func (r *IntegrationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state IntegrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(state.Canvas)
	err := r.client.DeleteIntegration(ctx, domainType, domainID, state.ID.ValueString())
	switch {
	case err == nil || client.IsNotFound(err):
	case client.IsUnsupported(err):
		resp.Diagnostics.AddError("The server cannot delete integrations",
			fmt.Sprintf("This SuperPlane server has no operation to delete an integration (the v1 API lacks "+
				"DELETE /api/v1/integrations/{id}), so integration %q is still there. To stop managing it "+
				"with Terraform, remove it from the state (terraform state rm, or a removed block with "+
				"lifecycle { destroy = false }). (%v)", state.Name.ValueString(), err))
	default:
		resp.Diagnostics.AddError("Error deleting integration", err.Error())
	}
}

// ImportState accepts "organization/<name>" or "canvas/<canvas>/<name>".
// Read fills in the rest; verify, which the server does not know, starts at
// its default.
func (r *IntegrationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if importScoped(ctx, "integration", req, resp) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("verify"), true)...)
	}
}

// integrationSettingsChanged reports whether plan changes anything the
// server holds (canvas and type changes replace the integration instead).
func integrationSettingsChanged(plan, state *IntegrationResourceModel) bool {
	return !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) ||
		!plan.Type.Equal(state.Type) || !plan.URL.Equal(state.URL) || !plan.Auth.Equal(state.Auth)
}

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

// verificationFailed reports whether the server verified the credentials
// and they did not work. No status at all (a v1 server) is not a failure.
func verificationFailed(st *api.IntegrationStatus) bool {
	return st != nil && st.State != api.IntegrationStateOK
}

// verificationFailure is the first paragraph of the error for a failed
// verification: which integration, which secret, and the tool's reason.
func verificationFailure(p client.IntegrationParams, st *api.IntegrationStatus) string {
	reason := st.Reason
	if reason == "" {
		reason = "state " + st.State
	}
	return fmt.Sprintf("SuperPlane could not verify the credentials of %s integration %q (token from key %q of "+
		"secret %q): %s\n\nFix the token in the secret or the url, or set verify = false to keep an integration "+
		"whose credentials do not work yet (status then reports the failure).",
		p.Type, p.Name, p.SecretKey, p.SecretName, reason)
}

// integrationModelFrom builds state from an API integration. What the
// server does not return (the canvas argument as written, verify) comes from
// prior, the plan or the previous state; so does a URL the server stored
// without its trailing slash, and a token scope the server left out.
func integrationModelFrom(ctx context.Context, in *api.Integration, prior *IntegrationResourceModel) (*IntegrationResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := in.Metadata
	out := &IntegrationResourceModel{
		ID:          types.StringValue(m.ID),
		Canvas:      prior.Canvas,
		Name:        types.StringValue(m.Name),
		Description: types.StringValue(m.Description),
		Type:        prior.Type,
		URL:         prior.URL,
		Auth:        prior.Auth,
		Verify:      prior.Verify,
		Status:      integrationStatusValue(in.Status),
		CreatedAt:   timeValue(m.CreatedAt),
	}
	if out.Verify.IsNull() || out.Verify.IsUnknown() {
		out.Verify = types.BoolValue(true)
	}
	if in.Spec != nil {
		out.Type = types.StringValue(in.Spec.Type)
		if !isKnown(prior.URL) || strings.TrimSuffix(prior.URL.ValueString(), "/") != in.Spec.URL {
			out.URL = types.StringValue(in.Spec.URL)
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
