package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &CanvasesDataSource{}
	_ datasource.DataSourceWithConfigure = &CanvasesDataSource{}
)

// canvasSummaryAttrTypes is one canvas as superplane_canvases shows it.
var canvasSummaryAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"name":        types.StringType,
	"description": types.StringType,
	"created_at":  types.StringType,
}

// NewCanvasesDataSource returns the superplane_canvases data source.
func NewCanvasesDataSource() datasource.DataSource {
	return &CanvasesDataSource{}
}

// CanvasesDataSource lists the canvases of the token's organization.
type CanvasesDataSource struct {
	client *client.Client
}

// CanvasesDataSourceModel is the superplane_canvases data source.
type CanvasesDataSourceModel struct {
	Canvases types.List `tfsdk:"canvases"`
}

// Metadata names the data source superplane_canvases.
func (d *CanvasesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_canvases"
}

// Schema describes the superplane_canvases data source.
func (d *CanvasesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the canvases of the organization the API token belongs to, sorted by name.",
		Attributes: map[string]schema.Attribute{
			"canvases": schema.ListNestedAttribute{
				MarkdownDescription: "The canvases, sorted by name.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          schema.StringAttribute{MarkdownDescription: "The canvas id.", Computed: true},
						"name":        schema.StringAttribute{MarkdownDescription: "The canvas name.", Computed: true},
						"description": schema.StringAttribute{MarkdownDescription: "The description.", Computed: true},
						"created_at":  schema.StringAttribute{MarkdownDescription: "When it was created (RFC 3339).", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *CanvasesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the canvases; the order is by name so that a plan does not
// change when the server's order does.
func (d *CanvasesDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	canvases, err := d.client.ListCanvases(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error listing canvases", err.Error())
		return
	}
	items := make([]attr.Value, 0, len(canvases))
	for _, c := range canvases {
		if c.Metadata == nil {
			continue
		}
		m := c.Metadata
		items = append(items, types.ObjectValueMust(canvasSummaryAttrTypes, map[string]attr.Value{
			"id":          types.StringValue(m.ID),
			"name":        types.StringValue(m.Name),
			"description": types.StringValue(m.Description),
			"created_at":  timeValue(m.CreatedAt),
		}))
	}
	sortByName(items)
	resp.Diagnostics.Append(resp.State.Set(ctx, CanvasesDataSourceModel{
		Canvases: types.ListValueMust(types.ObjectType{AttrTypes: canvasSummaryAttrTypes}, items),
	})...)
}

// sortByName orders objects by their "name" attribute.
func sortByName(items []attr.Value) {
	name := func(v attr.Value) string {
		o, ok := v.(types.Object)
		if !ok {
			return ""
		}
		s, ok := o.Attributes()["name"].(types.String)
		if !ok {
			return ""
		}
		return s.ValueString()
	}
	sort.SliceStable(items, func(i, j int) bool { return name(items[i]) < name(items[j]) })
}
