package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &CanvasDataSource{}
	_ datasource.DataSourceWithConfigure = &CanvasDataSource{}
)

// NewCanvasDataSource returns the superplane_canvas data source.
func NewCanvasDataSource() datasource.DataSource {
	return &CanvasDataSource{}
}

// CanvasDataSource looks up one canvas by id or name.
type CanvasDataSource struct {
	client *client.Client
}

// CanvasDataSourceModel is the superplane_canvas data source.
type CanvasDataSourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_canvas.
func (d *CanvasDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_canvas"
}

// Schema describes the superplane_canvas data source.
func (d *CanvasDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing canvas by id or by name.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The canvas id. Exactly one of `id` and `name` must be set.",
				Optional:            true,
				Computed:            true,
				Validators: []validator.String{
					stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The canvas name.",
				Optional:            true,
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "The canvas description.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the canvas was created (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *CanvasDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the canvas up.
func (d *CanvasDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config CanvasDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	key := config.ID.ValueString()
	if key == "" {
		key = config.Name.ValueString()
	}
	cv, err := d.client.LookupCanvas(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error reading canvas", err.Error())
		return
	}

	m := canvasModelFrom(cv)
	resp.Diagnostics.Append(resp.State.Set(ctx, CanvasDataSourceModel(m))...)
}
