package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &StagesDataSource{}
	_ datasource.DataSourceWithConfigure = &StagesDataSource{}
)

// stageListAttrTypes is one stage as superplane_stages shows it.
var stageListAttrTypes = map[string]attr.Type{
	"id":            types.StringType,
	"name":          types.StringType,
	"description":   types.StringType,
	"executor_type": types.StringType,
	"queue_length":  types.Int64Type,
	"created_at":    types.StringType,
}

// NewStagesDataSource returns the superplane_stages data source.
func NewStagesDataSource() datasource.DataSource {
	return &StagesDataSource{}
}

// StagesDataSource lists the stages of a canvas.
type StagesDataSource struct {
	client *client.Client
}

// StagesDataSourceModel is the superplane_stages data source.
type StagesDataSourceModel struct {
	Canvas types.String `tfsdk:"canvas"`
	Stages types.List   `tfsdk:"stages"`
}

// Metadata names the data source superplane_stages.
func (d *StagesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stages"
}

// Schema describes the superplane_stages data source.
func (d *StagesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the stages of a canvas, sorted by name. Use `superplane_stage` for one " +
			"stage's connections, inputs and outputs, and `superplane_executions` for its run history.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"stages": schema.ListNestedAttribute{
				MarkdownDescription: "The stages, sorted by name.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":            schema.StringAttribute{MarkdownDescription: "The stage id.", Computed: true},
						"name":          schema.StringAttribute{MarkdownDescription: "The stage name.", Computed: true},
						"description":   schema.StringAttribute{MarkdownDescription: "The description.", Computed: true},
						"executor_type": schema.StringAttribute{MarkdownDescription: "The executor's type, for example `http` or `noop`.", Computed: true},
						"queue_length":  schema.Int64Attribute{MarkdownDescription: "How many events wait in its queue.", Computed: true},
						"created_at":    schema.StringAttribute{MarkdownDescription: "When it was created (RFC 3339).", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *StagesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the stages; a missing canvas is an error.
func (d *StagesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config StagesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	stages, err := d.client.ListStages(ctx, config.Canvas.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error listing stages", err.Error())
		return
	}
	items := make([]attr.Value, 0, len(stages))
	for _, st := range stages {
		if st.Metadata == nil {
			continue
		}
		executor := types.StringNull()
		if st.Spec != nil && st.Spec.Executor != nil {
			executor = types.StringValue(st.Spec.Executor.Type)
		}
		queue := int64(0)
		if st.Status != nil && st.Status.Queue != nil {
			queue = st.Status.Queue.Total
		}
		items = append(items, types.ObjectValueMust(stageListAttrTypes, map[string]attr.Value{
			"id":            types.StringValue(st.Metadata.ID),
			"name":          types.StringValue(st.Metadata.Name),
			"description":   types.StringValue(st.Metadata.Description),
			"executor_type": executor,
			"queue_length":  types.Int64Value(queue),
			"created_at":    timeValue(st.Metadata.CreatedAt),
		}))
	}
	sortByName(items)
	resp.Diagnostics.Append(resp.State.Set(ctx, StagesDataSourceModel{
		Canvas: config.Canvas,
		Stages: types.ListValueMust(types.ObjectType{AttrTypes: stageListAttrTypes}, items),
	})...)
}
