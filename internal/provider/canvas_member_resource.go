package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                = &CanvasMemberResource{}
	_ resource.ResourceWithConfigure   = &CanvasMemberResource{}
	_ resource.ResourceWithImportState = &CanvasMemberResource{}
)

// NewCanvasMemberResource returns the superplane_canvas_member resource.
func NewCanvasMemberResource() resource.Resource { return &CanvasMemberResource{} }

// CanvasMemberResource manages one user's role on one canvas.
type CanvasMemberResource struct {
	client *client.Client
}

// CanvasMemberResourceModel is the state of a superplane_canvas_member.
type CanvasMemberResourceModel struct {
	ID        types.String `tfsdk:"id"`
	CanvasID  types.String `tfsdk:"canvas_id"`
	UserEmail types.String `tfsdk:"user_email"`
	UserID    types.String `tfsdk:"user_id"`
	Role      types.String `tfsdk:"role"`
}

// Metadata names the resource superplane_canvas_member.
func (r *CanvasMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_canvas_member"
}

// Schema describes superplane_canvas_member.
func (r *CanvasMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user's role on one canvas (canvas membership). A member of the organization (organization " +
			"role `org_member`) sees only the canvases it holds a role on: others answer 404. `canvas_viewer` reads the " +
			"canvas; `canvas_admin` manages its secrets, integrations, sources, stages, groups and members but cannot delete " +
			"it; `canvas_owner` may do everything on it. A custom canvas role (`superplane_role` with `canvas_id`) works too. " +
			"The caller must hold every permission of the role it gives. Import with `<canvas_id>/<user_email>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<canvas_id>/<user_id>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas_id": schema.StringAttribute{
				MarkdownDescription: "The canvas's id. Changing it replaces the membership.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"user_email": schema.StringAttribute{
				MarkdownDescription: "The user's email; a user not yet known is created (sign-in matches it by email). " +
					"Changing it replaces the membership.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The user's id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The canvas role: `canvas_owner`, `canvas_admin`, `canvas_viewer` or a custom role of the canvas. " +
					"Changed in place, from the user's next request on.",
				Required: true,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *CanvasMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// find is the user's own role on the canvas (not through a group): found
// false when it has none.
func (r *CanvasMemberResource) find(ctx context.Context, canvas, email string) (CanvasMemberResourceModel, bool, error) {
	users, err := r.client.CanvasMembers(ctx, canvas)
	if err != nil {
		return CanvasMemberResourceModel{}, false, err
	}
	for _, u := range users {
		if u.Metadata == nil || !strings.EqualFold(u.Metadata.Email, email) || u.Status == nil {
			continue
		}
		for _, a := range u.Status.RoleAssignments {
			if a.DomainType == api.DomainTypeCanvas && a.GroupName == "" {
				return CanvasMemberResourceModel{
					ID: types.StringValue(canvas + "/" + u.Metadata.ID), CanvasID: types.StringValue(canvas),
					UserEmail: types.StringValue(u.Metadata.Email), UserID: types.StringValue(u.Metadata.ID), Role: types.StringValue(a.RoleName),
				}, true, nil
			}
		}
	}
	return CanvasMemberResourceModel{}, false, nil
}

func (r *CanvasMemberResource) apply(ctx context.Context, plan CanvasMemberResourceModel) (CanvasMemberResourceModel, error) {
	canvas, email := plan.CanvasID.ValueString(), plan.UserEmail.ValueString()
	if err := r.client.AddCanvasMember(ctx, canvas, "", email, plan.Role.ValueString()); err != nil {
		return CanvasMemberResourceModel{}, err
	}
	m, ok, err := r.find(ctx, canvas, email)
	if err == nil && !ok {
		err = fmt.Errorf("%s has no role on canvas %s after it was given one", email, canvas)
	}
	// Keep the email as configured (the server may spell it otherwise).
	m.UserEmail = plan.UserEmail
	return m, err
}

// Create gives the user the role on the canvas.
func (r *CanvasMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan CanvasMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.apply(ctx, plan)
	if err != nil {
		resp.Diagnostics.AddError("Error adding canvas member", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Read refreshes the role; a membership removed outside Terraform is
// removed from state.
func (r *CanvasMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state CanvasMemberResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, ok, err := r.find(ctx, state.CanvasID.ValueString(), state.UserEmail.ValueString())
	if client.IsNotFound(err) || (err == nil && !ok) {
		tflog.Warn(ctx, "canvas member not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading canvas member", err.Error())
		return
	}
	if strings.EqualFold(m.UserEmail.ValueString(), state.UserEmail.ValueString()) {
		m.UserEmail = state.UserEmail
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update changes the role in place.
func (r *CanvasMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan CanvasMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.apply(ctx, plan)
	if err != nil {
		resp.Diagnostics.AddError("Error changing canvas member", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete takes the role away; one already gone counts as deleted.
func (r *CanvasMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state CanvasMemberResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.RemoveCanvasMember(ctx, state.CanvasID.ValueString(), state.UserID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error removing canvas member", err.Error())
	}
}

// ImportState accepts "<canvas_id>/<user_email>".
func (r *CanvasMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	canvas, email, ok := strings.Cut(req.ID, "/")
	if !ok || canvas == "" || email == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not <canvas_id>/<user_email>", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas_id"), canvas)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_email"), email)...)
}
