package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &ConnectionGroupDataSource{}
	_ datasource.DataSourceWithConfigure = &ConnectionGroupDataSource{}
)

// NewConnectionGroupDataSource returns the superplane_connection_group data
// source.
func NewConnectionGroupDataSource() datasource.DataSource {
	return &ConnectionGroupDataSource{}
}

// ConnectionGroupDataSource looks up one connection group of a canvas by
// name, with how many of its keys are waiting.
type ConnectionGroupDataSource struct {
	client *client.Client
}

// ConnectionGroupDataSourceModel is the superplane_connection_group data
// source: the resource's shape, and the number of pending field sets.
type ConnectionGroupDataSourceModel struct {
	ID              types.String `tfsdk:"id"`
	Canvas          types.String `tfsdk:"canvas"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Timeout         types.Int64  `tfsdk:"timeout_seconds"`
	TimeoutBehavior types.String `tfsdk:"timeout_behavior"`
	Connections     types.List   `tfsdk:"connect"`
	GroupBy         types.List   `tfsdk:"group_by"`
	Pending         types.Int64  `tfsdk:"pending_field_sets"`
}

// Metadata names the data source superplane_connection_group.
func (d *ConnectionGroupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection_group"
}

// Schema describes the superplane_connection_group data source.
func (d *ConnectionGroupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing connection group of a canvas by name: its connections, `group_by` " +
			"fields and timeout, and how many keys (field sets) are waiting for their missing connections.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The connection group name.",
				Required:            true,
				Validators:          nameValidators(),
			},
			"id":               computed("The connection group id."),
			"description":      computed("The description."),
			"timeout_behavior": computed("`drop` or `emit`: what a key that timed out does."),
			"timeout_seconds": schema.Int64Attribute{
				MarkdownDescription: "How long a key waits for its missing connections, in seconds.",
				Computed:            true,
			},
			"pending_field_sets": schema.Int64Attribute{
				MarkdownDescription: "How many keys are waiting for their missing connections (of the newest 100 field sets).",
				Computed:            true,
			},
			"connect": schema.ListNestedAttribute{
				MarkdownDescription: "The connections whose events the group joins.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type":            computed("`event_source` or `stage`."),
					"name":            computed("Name of the event source or stage."),
					"filter_operator": computed("`and` or `or`."),
					"filter": schema.ListNestedAttribute{
						MarkdownDescription: "The connection's filters.",
						Computed:            true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"data":   computed("An expression on the event's JSON body, or null."),
							"header": computed("An expression on the request headers, or null."),
						}},
					},
				}},
			},
			"group_by": schema.ListNestedAttribute{
				MarkdownDescription: "The fields of the key events are joined by.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":       computed("The field's name in the group's event (`$.fields.NAME`)."),
					"expression": computed("The expression that reads it from each event."),
				}},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *ConnectionGroupDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the group and its pending field sets up.
func (d *ConnectionGroupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config ConnectionGroupDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := d.client.LookupConnectionGroup(ctx, config.Canvas.ValueString(), config.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading connection group", err.Error())
		return
	}
	pending, err := d.client.ListFieldSets(ctx, config.Canvas.ValueString(), g.Metadata.ID, []string{api.FieldSetStatePending})
	if err != nil {
		resp.Diagnostics.AddError("Error reading connection group field sets", err.Error())
		return
	}
	m := connectionGroupModelFrom(ctx, g, config.Canvas, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, ConnectionGroupDataSourceModel{
		ID: m.ID, Canvas: m.Canvas, Name: m.Name, Description: m.Description, Timeout: m.Timeout,
		TimeoutBehavior: m.TimeoutBehavior, Connections: m.Connections, GroupBy: m.GroupBy,
		Pending: types.Int64Value(int64(len(pending))),
	})...)
}
