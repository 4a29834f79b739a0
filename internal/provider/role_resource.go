package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	_ resource.Resource                = &RoleResource{}
	_ resource.ResourceWithConfigure   = &RoleResource{}
	_ resource.ResourceWithImportState = &RoleResource{}
)

// NewRoleResource returns the superplane_role resource.
func NewRoleResource() resource.Resource { return &RoleResource{} }

// RoleResource manages one custom role.
type RoleResource struct {
	client *client.Client
}

// RoleResourceModel is the state of a superplane_role.
type RoleResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	CanvasID    types.String `tfsdk:"canvas_id"`
	DisplayName types.String `tfsdk:"display_name"`
	Description types.String `tfsdk:"description"`
	Permissions types.Set    `tfsdk:"permissions"`
}

// rolePermissionAttrTypes are the attributes of one permission.
var rolePermissionAttrTypes = map[string]attr.Type{"resource": types.StringType, "action": types.StringType}

// rolePermissionModel is one permission of a role.
type rolePermissionModel struct {
	Resource types.String `tfsdk:"resource"`
	Action   types.String `tfsdk:"action"`
}

// roleDomain is the domain of a role, group or membership with this
// canvas_id (null or empty: the organization).
func roleDomain(canvasID types.String) client.Domain {
	if canvasID.IsNull() || canvasID.IsUnknown() || canvasID.ValueString() == "" {
		return client.Domain{Type: api.DomainTypeOrganization}
	}
	return client.Domain{Type: api.DomainTypeCanvas, ID: canvasID.ValueString()}
}

// domainImportID splits an import id "<canvas_id>/<name>" or "<name>".
func domainImportID(id string) (canvas, name string) {
	if c, n, ok := strings.Cut(id, "/"); ok {
		return c, n
	}
	return "", id
}

// permissionResources are the resources a permission may name, for the
// validator (the server checks the pair against the domain's catalogue).
func permissionResources() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range api.OrganizationPermissions() {
		if !seen[p.Resource] {
			seen[p.Resource] = true
			out = append(out, p.Resource)
		}
	}
	sort.Strings(out)
	return out
}

// Metadata names the resource superplane_role.
func (r *RoleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

// Schema describes superplane_role.
func (r *RoleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A custom role: a named set of permissions (a resource and an action each) at the " +
			"organization or on one canvas, assignable like the built-in roles (`org_owner`, `org_admin`, `org_viewer`, " +
			"`org_member`; `canvas_owner`, `canvas_admin`, `canvas_viewer`) to users (`superplane_canvas_member`) and " +
			"groups (`superplane_group`). Nobody creates a role with a permission they do not hold themselves; a role " +
			"still held cannot be deleted (the error names who holds it). Import with `<name>` (organization) or " +
			"`<canvas_id>/<name>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The role's id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name of the role in its domain: 1 to 128 letters, digits, `.`, `_` or `-`, " +
					"not a UUID, and not starting with `org_` or `canvas_` (the built-in roles'). Changing it replaces the role.",
				Required:      true,
				Validators:    nameValidators(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"canvas_id": schema.StringAttribute{
				MarkdownDescription: "The id of the canvas the role is for (a canvas role); omit for an organization role. " +
					"Changing it replaces the role.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
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
			"permissions": schema.SetNestedAttribute{
				MarkdownDescription: "What the role allows. Changed in place: holders have the new permissions from their next request on.",
				Required:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"resource": schema.StringAttribute{
						MarkdownDescription: "The resource: " + strings.Join(quoted(permissionResources()), ", ") +
							" (`organization`, `user`, `serviceaccount`, `authprovider` and `auditevent` only for organization roles).",
						Required:   true,
						Validators: []validator.String{stringvalidator.OneOf(permissionResources()...)},
					},
					"action": schema.StringAttribute{
						MarkdownDescription: "The action: `read`, `create`, `update`, `delete`, or `approve` (on `stageevent`).",
						Required:            true,
						Validators: []validator.String{stringvalidator.OneOf(api.ActionRead, api.ActionCreate, api.ActionUpdate,
							api.ActionDelete, api.ActionApprove)},
					},
				}},
			},
		},
	}
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return out
}

// Configure takes the API client from the provider.
func (r *RoleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

func (m RoleResourceModel) params(ctx context.Context) client.RoleParams {
	p := client.RoleParams{Name: m.Name.ValueString(), DisplayName: m.DisplayName.ValueString(), Description: m.Description.ValueString(),
		Permissions: []api.Permission{}}
	var perms []rolePermissionModel
	_ = m.Permissions.ElementsAs(ctx, &perms, false)
	for _, perm := range perms {
		p.Permissions = append(p.Permissions, api.Permission{Resource: perm.Resource.ValueString(), Action: perm.Action.ValueString()})
	}
	return p
}

// roleModelFrom maps an API role to state; canvas_id stays as configured.
func roleModelFrom(role *api.Role, canvasID types.String) RoleResourceModel {
	m := RoleResourceModel{
		ID: types.StringValue(role.Metadata.ID), Name: types.StringValue(role.Metadata.Name), CanvasID: canvasID,
		DisplayName: types.StringValue(role.Spec.DisplayName), Description: types.StringValue(role.Spec.Description),
	}
	perms := []rolePermissionModel{}
	for _, p := range role.Spec.Permissions {
		perms = append(perms, rolePermissionModel{Resource: types.StringValue(p.Resource), Action: types.StringValue(p.Action)})
	}
	m.Permissions, _ = types.SetValueFrom(context.Background(), types.ObjectType{AttrTypes: rolePermissionAttrTypes}, perms)
	return m
}

// Create creates the role.
func (r *RoleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan RoleResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.client.CreateRole(ctx, roleDomain(plan.CanvasID), plan.params(ctx))
	if err != nil {
		resp.Diagnostics.AddError("Error creating role", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleModelFrom(role, plan.CanvasID))...)
}

// Read refreshes the role; one deleted outside Terraform is removed from
// state so the next plan creates it again.
func (r *RoleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state RoleResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.client.GetRole(ctx, roleDomain(state.CanvasID), state.Name.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "role not found, removing from state", map[string]any{"name": state.Name.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading role", err.Error())
		return
	}
	if role.Metadata.Builtin {
		resp.Diagnostics.AddError("Built-in role", fmt.Sprintf("%s is a built-in role: it is not managed as a superplane_role", role.Metadata.Name))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleModelFrom(role, state.CanvasID))...)
}

// Update changes the display name, description and permissions in place.
func (r *RoleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan RoleResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.client.UpdateRole(ctx, roleDomain(plan.CanvasID), plan.params(ctx))
	if err != nil {
		resp.Diagnostics.AddError("Error updating role", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleModelFrom(role, plan.CanvasID))...)
}

// Delete deletes the role; one already gone counts as deleted.
func (r *RoleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state RoleResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteRole(ctx, roleDomain(state.CanvasID), state.Name.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting role", err.Error())
	}
}

// ImportState accepts "<name>" or "<canvas_id>/<name>".
func (r *RoleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	canvas, name := domainImportID(req.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	if canvas != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas_id"), canvas)...)
	}
}
