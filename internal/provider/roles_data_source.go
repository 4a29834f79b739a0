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
	_ datasource.DataSource              = &RolesDataSource{}
	_ datasource.DataSourceWithConfigure = &RolesDataSource{}
)

// NewRolesDataSource returns the superplane_roles data source.
func NewRolesDataSource() datasource.DataSource { return &RolesDataSource{} }

// RolesDataSource lists the roles of the organization or of a canvas.
type RolesDataSource struct {
	client *client.Client
}

// RolesDataSourceModel is the state of data.superplane_roles.
type RolesDataSourceModel struct {
	CanvasID types.String `tfsdk:"canvas_id"`
	Roles    types.List   `tfsdk:"roles"`
}

// listedRoleModel is one role as the data source lists it.
type listedRoleModel struct {
	Name        types.String `tfsdk:"name"`
	DisplayName types.String `tfsdk:"display_name"`
	Description types.String `tfsdk:"description"`
	Builtin     types.Bool   `tfsdk:"builtin"`
	Permissions types.Set    `tfsdk:"permissions"`
}

// listedRoleAttrTypes are the attributes of a listed role.
var listedRoleAttrTypes = map[string]attr.Type{
	"name": types.StringType, "display_name": types.StringType, "description": types.StringType, "builtin": types.BoolType,
	"permissions": types.SetType{ElemType: types.ObjectType{AttrTypes: rolePermissionAttrTypes}},
}

// Metadata names the data source superplane_roles.
func (d *RolesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_roles"
}

// Schema describes data.superplane_roles.
func (d *RolesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The roles of the organization, or with `canvas_id` of a canvas: the built-in ones first " +
			"(`org_owner`, `org_admin`, `org_viewer`, `org_member`; `canvas_owner`, `canvas_admin`, `canvas_viewer`), then " +
			"the custom ones by name, each with its permissions. Useful to see what a built-in role allows before " +
			"writing a `superplane_role`.",
		Attributes: map[string]schema.Attribute{
			"canvas_id": schema.StringAttribute{
				MarkdownDescription: "A canvas's id: list its roles. Omit for the organization's.",
				Optional:            true,
			},
			"roles": schema.ListNestedAttribute{
				MarkdownDescription: "The roles.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":         schema.StringAttribute{MarkdownDescription: "The role's name.", Computed: true},
					"display_name": schema.StringAttribute{MarkdownDescription: "The role's human name.", Computed: true},
					"description":  schema.StringAttribute{MarkdownDescription: "What the role is for.", Computed: true},
					"builtin":      schema.BoolAttribute{MarkdownDescription: "Whether the role is built in (cannot be changed or deleted).", Computed: true},
					"permissions": schema.SetNestedAttribute{
						MarkdownDescription: "What the role allows.",
						Computed:            true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"resource": schema.StringAttribute{MarkdownDescription: "The resource.", Computed: true},
							"action":   schema.StringAttribute{MarkdownDescription: "The action.", Computed: true},
						}},
					},
				}},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *RolesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the roles.
func (d *RolesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg RolesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	roles, err := d.client.ListRoles(ctx, roleDomain(cfg.CanvasID))
	if err != nil {
		resp.Diagnostics.AddError("Error listing roles", err.Error())
		return
	}
	list := []listedRoleModel{}
	for i := range roles {
		role := &roles[i]
		if role.Metadata == nil || role.Spec == nil {
			continue
		}
		// The same mapping as the resource's, so both read permissions alike.
		m := roleModelFrom(role, cfg.CanvasID)
		list = append(list, listedRoleModel{Name: m.Name, DisplayName: m.DisplayName, Description: m.Description,
			Builtin: types.BoolValue(role.Metadata.Builtin), Permissions: m.Permissions})
	}
	var diags diag.Diagnostics
	cfg.Roles, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: listedRoleAttrTypes}, list)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
