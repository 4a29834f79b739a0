package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                = &UserGroupResource{}
	_ resource.ResourceWithConfigure   = &UserGroupResource{}
	_ resource.ResourceWithImportState = &UserGroupResource{}
)

// NewUserGroupResource returns the superplane_group resource.
func NewUserGroupResource() resource.Resource { return &UserGroupResource{} }

// UserGroupResource manages one group of users and its members.
type UserGroupResource struct {
	client *client.Client
}

// UserGroupResourceModel is the state of a superplane_group.
type UserGroupResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	CanvasID    types.String `tfsdk:"canvas_id"`
	Role        types.String `tfsdk:"role"`
	DisplayName types.String `tfsdk:"display_name"`
	Description types.String `tfsdk:"description"`
	Members     types.Set    `tfsdk:"members"`
}

// Metadata names the resource superplane_group.
func (r *UserGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

// Schema describes superplane_group.
func (r *UserGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group of users of the organization that all hold one role on the group's domain: the " +
			"organization (an organization role, never `org_owner`) or one canvas (a canvas role, built-in or custom). " +
			"A member's access is the most of its organization role, its own roles and its groups' roles. The caller " +
			"must hold every permission of the group's role. Import with `<name>` (organization) or `<canvas_id>/<name>`. " +
			"Not to be confused with `superplane_connection_group`, which joins events.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name of the group in its domain: 1 to 128 letters, digits, `.`, `_` or `-`, " +
					"and not a UUID. Changing it replaces the group.",
				Required:      true,
				Validators:    nameValidators(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"canvas_id": schema.StringAttribute{
				MarkdownDescription: "The id of the canvas the group's role applies to; omit for an organization group. " +
					"Changing it replaces the group.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The role every member holds on the domain: `org_admin`, `org_viewer`, `org_member` or a " +
					"custom organization role; on a canvas `canvas_owner`, `canvas_admin`, `canvas_viewer` or a custom role " +
					"of that canvas. Changed in place.",
				Required: true,
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: "A human name. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"members": schema.SetAttribute{
				MarkdownDescription: "The members' emails. A user not yet known is created (sign-in matches it by email). " +
					"Members are added and removed in place; removing one takes the group's role away from its next request on. " +
					"Defaults to none.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *UserGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

func (m UserGroupResourceModel) params() client.GroupParams {
	return client.GroupParams{Name: m.Name.ValueString(), Role: m.Role.ValueString(), DisplayName: m.DisplayName.ValueString(),
		Description: m.Description.ValueString()}
}

// emails is a set of strings as a sorted slice.
func emails(ctx context.Context, s types.Set) []string {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return out
	}
	_ = s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out
}

// syncMembers adds the members of want missing from have and removes
// those of have not in want.
func (r *UserGroupResource) syncMembers(ctx context.Context, d client.Domain, group string, have, want []string) error {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, e := range want {
		if !in(have, e) {
			if err := r.client.AddGroupUser(ctx, d, group, "", e); err != nil {
				return err
			}
		}
	}
	for _, e := range have {
		if !in(want, e) {
			if err := r.client.RemoveGroupUser(ctx, d, group, "", e); err != nil && !client.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// read is the group and its members in state's shape.
func (r *UserGroupResource) read(ctx context.Context, d client.Domain, name string, canvasID types.String) (UserGroupResourceModel, error) {
	g, err := r.client.GetGroup(ctx, d, name)
	if err != nil {
		return UserGroupResourceModel{}, err
	}
	users, err := r.client.GroupUsers(ctx, d, name)
	if err != nil {
		return UserGroupResourceModel{}, err
	}
	return userGroupModelFrom(g, users, canvasID), nil
}

func userGroupModelFrom(g *api.Group, users []api.User, canvasID types.String) UserGroupResourceModel {
	var members []string
	for _, u := range users {
		if u.Metadata != nil {
			members = append(members, u.Metadata.Email)
		}
	}
	set, _ := types.SetValueFrom(context.Background(), types.StringType, members)
	if members == nil {
		set = types.SetValueMust(types.StringType, nil)
	}
	return UserGroupResourceModel{
		ID: types.StringValue(g.Metadata.ID), Name: types.StringValue(g.Metadata.Name), CanvasID: canvasID,
		Role: types.StringValue(g.Spec.Role), DisplayName: types.StringValue(g.Spec.DisplayName),
		Description: types.StringValue(g.Spec.Description), Members: set,
	}
}

// Create creates the group and adds its members.
func (r *UserGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan UserGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	d := roleDomain(plan.CanvasID)
	if _, err := r.client.CreateGroup(ctx, d, plan.params()); err != nil {
		resp.Diagnostics.AddError("Error creating group", err.Error())
		return
	}
	if err := r.syncMembers(ctx, d, plan.Name.ValueString(), nil, emails(ctx, plan.Members)); err != nil {
		resp.Diagnostics.AddError("Error adding group members", err.Error())
	}
	m, err := r.read(ctx, d, plan.Name.ValueString(), plan.CanvasID)
	if err != nil {
		resp.Diagnostics.AddError("Error reading group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Read refreshes the group and its members; a group deleted outside
// Terraform is removed from state.
func (r *UserGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state UserGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.read(ctx, roleDomain(state.CanvasID), state.Name.ValueString(), state.CanvasID)
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "group not found, removing from state", map[string]any{"name": state.Name.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update changes the role, names and members in place.
func (r *UserGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state UserGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	d := roleDomain(plan.CanvasID)
	if _, err := r.client.UpdateGroup(ctx, d, plan.params()); err != nil {
		resp.Diagnostics.AddError("Error updating group", err.Error())
		return
	}
	if err := r.syncMembers(ctx, d, plan.Name.ValueString(), emails(ctx, state.Members), emails(ctx, plan.Members)); err != nil {
		resp.Diagnostics.AddError("Error changing group members", err.Error())
	}
	m, err := r.read(ctx, d, plan.Name.ValueString(), plan.CanvasID)
	if err != nil {
		resp.Diagnostics.AddError("Error reading group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete deletes the group; one already gone counts as deleted.
func (r *UserGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state UserGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteGroup(ctx, roleDomain(state.CanvasID), state.Name.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting group", err.Error())
	}
}

// ImportState accepts "<name>" or "<canvas_id>/<name>".
func (r *UserGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	canvas, name := domainImportID(req.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	if canvas != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas_id"), canvas)...)
	}
}
