package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.Resource                = &ServiceAccountResource{}
	_ resource.ResourceWithConfigure   = &ServiceAccountResource{}
	_ resource.ResourceWithImportState = &ServiceAccountResource{}
)

// NewServiceAccountResource returns the superplane_service_account
// resource.
func NewServiceAccountResource() resource.Resource {
	return &ServiceAccountResource{}
}

// ServiceAccountResource manages one service account.
type ServiceAccountResource struct {
	client *client.Client
}

// ServiceAccountResourceModel is the state of a superplane_service_account.
type ServiceAccountResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Role        types.String `tfsdk:"role"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

// roleValidators accept the three roles.
func roleValidators() []validator.String {
	return []validator.String{stringvalidator.OneOf(api.RoleOwner, api.RoleAdmin, api.RoleViewer, api.RoleMember)}
}

// Metadata names the resource superplane_service_account.
func (r *ServiceAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

// Schema describes superplane_service_account.
func (r *ServiceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane service account: a machine identity of the organization (for CI, " +
			"automation, another Terraform configuration) with one role that every token of it carries. " +
			"Create its tokens with `superplane_service_account_token`, or, so that no token is stored in " +
			"state, with the ephemeral `superplane_service_account_token`. Deleting the account revokes all " +
			"its tokens at once. Managing accounts needs an owner or admin token, and an admin cannot create " +
			"or manage an `owner` account.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The service account id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name of the account in the organization: 1 to 128 letters, digits, " +
					"`.`, `_` or `-`, and not a UUID. Renamed in place; its tokens keep working.",
				Required:   true,
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Changes are made in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "What the account's tokens may do: `owner`, `admin`, `viewer` (reads only) or `member` " +
					"(only what canvas roles given to the account's user allow). " +
					"Changed in place; the account's existing tokens carry the new role from their next request on.",
				Required:   true,
				Validators: roleValidators(),
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the account was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *ServiceAccountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

func (m ServiceAccountResourceModel) params() client.ServiceAccountParams {
	return client.ServiceAccountParams{Name: m.Name.ValueString(), Description: m.Description.ValueString(), Role: m.Role.ValueString()}
}

// Create creates the account.
func (r *ServiceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ServiceAccountResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.CreateServiceAccount(ctx, plan.params())
	if err != nil {
		resp.Diagnostics.AddError("Error creating service account", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModelFrom(a))...)
}

// Read refreshes the account; one deleted outside Terraform is removed
// from state so the next plan creates it again.
func (r *ServiceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ServiceAccountResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.GetServiceAccount(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "service account not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading service account", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModelFrom(a))...)
}

// Update changes the name, description and role in place.
func (r *ServiceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ServiceAccountResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.UpdateServiceAccount(ctx, state.ID.ValueString(), plan.params())
	if err != nil {
		resp.Diagnostics.AddError("Error updating service account", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountModelFrom(a))...)
}

// Delete deletes the account, revoking its tokens; one already gone counts
// as deleted.
func (r *ServiceAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ServiceAccountResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteServiceAccount(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting service account", err.Error())
	}
}

// ImportState accepts an account id or name; Read resolves a name to the
// id.
func (r *ServiceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// serviceAccountModelFrom maps an API service account to state.
func serviceAccountModelFrom(a *api.ServiceAccount) ServiceAccountResourceModel {
	m := a.Metadata
	return ServiceAccountResourceModel{
		ID:          types.StringValue(m.ID),
		Name:        types.StringValue(m.Name),
		Description: types.StringValue(m.Description),
		Role:        types.StringValue(a.Spec.Role),
		CreatedAt:   timeValue(m.CreatedAt),
	}
}
