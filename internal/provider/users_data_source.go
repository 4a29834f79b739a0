package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &UsersDataSource{}
	_ datasource.DataSourceWithConfigure = &UsersDataSource{}
)

// NewUsersDataSource returns the superplane_users data source.
func NewUsersDataSource() datasource.DataSource { return &UsersDataSource{} }

// UsersDataSource lists the organization's users, or a canvas's members,
// with their roles.
type UsersDataSource struct {
	client *client.Client
}

// UsersDataSourceModel is the state of data.superplane_users.
type UsersDataSourceModel struct {
	CanvasID types.String `tfsdk:"canvas_id"`
	Users    types.List   `tfsdk:"users"`
}

// userModel is one user with its roles.
type userModel struct {
	ID    types.String `tfsdk:"id"`
	Email types.String `tfsdk:"email"`
	Roles types.List   `tfsdk:"roles"`
}

// userRoleAttrTypes and userAttrTypes are the attributes of a role and a
// user.
var (
	userRoleAttrTypes = map[string]attr.Type{"role": types.StringType, "domain_type": types.StringType,
		"domain_id": types.StringType, "group": types.StringType}
	userAttrTypes = map[string]attr.Type{"id": types.StringType, "email": types.StringType,
		"roles": types.ListType{ElemType: types.ObjectType{AttrTypes: userRoleAttrTypes}}}
)

// userRoleModel is one role a user holds.
type userRoleModel struct {
	Role       types.String `tfsdk:"role"`
	DomainType types.String `tfsdk:"domain_type"`
	DomainID   types.String `tfsdk:"domain_id"`
	Group      types.String `tfsdk:"group"`
}

// Metadata names the data source superplane_users.
func (d *UsersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users"
}

// Schema describes data.superplane_users.
func (d *UsersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	role := map[string]schema.Attribute{
		"role":        schema.StringAttribute{MarkdownDescription: "The role's name (`org_admin`, `canvas_viewer`, a custom role...).", Computed: true},
		"domain_type": schema.StringAttribute{MarkdownDescription: "`DOMAIN_TYPE_ORGANIZATION` or `DOMAIN_TYPE_CANVAS`.", Computed: true},
		"domain_id":   schema.StringAttribute{MarkdownDescription: "The organization's or canvas's id.", Computed: true},
		"group":       schema.StringAttribute{MarkdownDescription: "The group the role comes through; `\"\"` when the user holds it itself.", Computed: true},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's users, or with `canvas_id` the canvas's members (users holding a role on " +
			"it, themselves or through a group), each with the roles they hold there (their organization role included). " +
			"Reading the organization's users needs an owner, admin or viewer token; a canvas's members, a role on that canvas.",
		Attributes: map[string]schema.Attribute{
			"canvas_id": schema.StringAttribute{
				MarkdownDescription: "A canvas's id: list its members. Omit for every user of the organization.",
				Optional:            true,
			},
			"users": schema.ListNestedAttribute{
				MarkdownDescription: "The users, by email.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":    schema.StringAttribute{MarkdownDescription: "The user's id (a UUID).", Computed: true},
					"email": schema.StringAttribute{MarkdownDescription: "The user's email.", Computed: true},
					"roles": schema.ListNestedAttribute{
						MarkdownDescription: "The roles the user holds there.",
						Computed:            true,
						NestedObject:        schema.NestedAttributeObject{Attributes: role},
					},
				}},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *UsersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the users.
func (d *UsersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg UsersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	users, err := d.client.ListUsers(ctx, roleDomain(cfg.CanvasID))
	if err != nil {
		resp.Diagnostics.AddError("Error listing users", err.Error())
		return
	}
	list := []userModel{}
	for _, u := range users {
		if u.Metadata == nil {
			continue
		}
		roles := []userRoleModel{}
		if u.Status != nil {
			for _, a := range u.Status.RoleAssignments {
				roles = append(roles, userRoleModel{Role: types.StringValue(a.RoleName), DomainType: types.StringValue(a.DomainType),
					DomainID: types.StringValue(a.DomainID), Group: types.StringValue(a.GroupName)})
			}
		}
		rl, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: userRoleAttrTypes}, roles)
		resp.Diagnostics.Append(diags...)
		list = append(list, userModel{ID: types.StringValue(u.Metadata.ID), Email: types.StringValue(u.Metadata.Email), Roles: rl})
	}
	var diags diag.Diagnostics
	cfg.Users, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: userAttrTypes}, list)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
