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
	_ datasource.DataSource              = &StageDataSource{}
	_ datasource.DataSourceWithConfigure = &StageDataSource{}
)

// stageSummaryConnectionAttrTypes is a connection as the data source shows it.
var stageSummaryConnectionAttrTypes = map[string]attr.Type{"type": types.StringType, "name": types.StringType}

// NewStageDataSource returns the superplane_stage data source.
func NewStageDataSource() datasource.DataSource {
	return &StageDataSource{}
}

// StageDataSource looks up one stage of a canvas by name and summarizes it:
// what it listens to, its executor and its status.
type StageDataSource struct {
	client *client.Client
}

// StageDataSourceModel is the superplane_stage data source.
type StageDataSourceModel struct {
	Canvas        types.String `tfsdk:"canvas"`
	Name          types.String `tfsdk:"name"`
	ID            types.String `tfsdk:"id"`
	Description   types.String `tfsdk:"description"`
	DryRun        types.Bool   `tfsdk:"dry_run"`
	ExecutorType  types.String `tfsdk:"executor_type"`
	Connections   types.List   `tfsdk:"connections"`
	Inputs        types.List   `tfsdk:"inputs"`
	Outputs       types.List   `tfsdk:"outputs"`
	QueueLength   types.Int64  `tfsdk:"queue_length"`
	LastExecution types.Object `tfsdk:"last_execution"`
	CreatedAt     types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_stage.
func (d *StageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stage"
}

// Schema describes the superplane_stage data source.
func (d *StageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing stage of a canvas by name and returns its id, what it listens " +
			"to, its executor type, the names of its inputs and outputs, and its status: the events waiting in " +
			"its queue and its newest execution.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The stage name.",
				Required:            true,
				Validators:          nameValidators(),
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The stage id.",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "The description.",
				Computed:            true,
			},
			"dry_run": schema.BoolAttribute{
				MarkdownDescription: "Whether executions pass without contacting anything.",
				Computed:            true,
			},
			"executor_type": schema.StringAttribute{
				MarkdownDescription: "`http`, `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `noop`.",
				Computed:            true,
			},
			"connections": schema.ListNestedAttribute{
				MarkdownDescription: "What the stage listens to.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"type": schema.StringAttribute{
							MarkdownDescription: "`event_source`, `stage` or `connection_group`.",
							Computed:            true,
						},
						"name": schema.StringAttribute{
							MarkdownDescription: "The event source or stage name.",
							Computed:            true,
						},
					},
				},
			},
			"inputs": schema.ListAttribute{
				MarkdownDescription: "The names of the stage's inputs.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"outputs": schema.ListAttribute{
				MarkdownDescription: "The names of the stage's outputs.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"queue_length": schema.Int64Attribute{
				MarkdownDescription: "How many events wait in the queue (pending, or waiting for a condition).",
				Computed:            true,
			},
			"last_execution": schema.SingleNestedAttribute{
				MarkdownDescription: "The newest execution, null before the first.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						MarkdownDescription: "The execution id.",
						Computed:            true,
					},
					"state": schema.StringAttribute{
						MarkdownDescription: "`pending`, `started` or `finished`.",
						Computed:            true,
					},
					"result": schema.StringAttribute{
						MarkdownDescription: "`passed`, `failed` or `cancelled`; null until it finishes.",
						Computed:            true,
					},
					"result_reason": schema.StringAttribute{
						MarkdownDescription: "Why it ended so: `ok`, `error`, `missing_outputs`, `timeout` or `user` " +
							"(cancelled by someone); null until it finishes.",
						Computed: true,
					},
					"result_message": schema.StringAttribute{
						MarkdownDescription: "What went wrong, or what the tool answered (for an `http` stage " +
							"refused by its status, the start of the response body), secret values masked " +
							"as `***`; null until it finishes or when there is nothing to say.",
						Computed: true,
					},
					"created_at": schema.StringAttribute{
						MarkdownDescription: "When it was queued (RFC 3339).",
						Computed:            true,
					},
					"started_at": schema.StringAttribute{
						MarkdownDescription: "When it started (RFC 3339), null until then.",
						Computed:            true,
					},
					"finished_at": schema.StringAttribute{
						MarkdownDescription: "When it finished (RFC 3339), null until then.",
						Computed:            true,
					},
					"duration_seconds": schema.Float64Attribute{
						MarkdownDescription: "How long it ran, from start to finish, in seconds (to the " +
							"millisecond); null until it finishes, or when it never started.",
						Computed: true,
					},
					"outputs": schema.MapAttribute{
						MarkdownDescription: "The declared outputs it produced.",
						Computed:            true,
						ElementType:         types.StringType,
					},
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the stage was created (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *StageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the stage up; a missing stage or canvas is an error.
func (d *StageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config StageDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	st, err := d.client.LookupStage(ctx, config.Canvas.ValueString(), config.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading stage", err.Error())
		return
	}

	spec := st.Spec
	out := StageDataSourceModel{
		Canvas:        config.Canvas,
		Name:          types.StringValue(st.Metadata.Name),
		ID:            types.StringValue(st.Metadata.ID),
		Description:   types.StringValue(st.Metadata.Description),
		DryRun:        types.BoolValue(spec.DryRun),
		ExecutorType:  types.StringNull(),
		QueueLength:   types.Int64Value(0),
		LastExecution: types.ObjectNull(stageLastExecutionAttrTypes),
		CreatedAt:     timeValue(st.Metadata.CreatedAt),
	}
	if spec.Executor != nil {
		out.ExecutorType = types.StringValue(spec.Executor.Type)
	}
	if st.Status != nil {
		out.LastExecution = stageLastExecutionValue(ctx, st.Status.LastExecution, &resp.Diagnostics)
		if st.Status.Queue != nil {
			out.QueueLength = types.Int64Value(st.Status.Queue.Total)
		}
	}
	conns := make([]attr.Value, 0, len(spec.Connections))
	for _, c := range spec.Connections {
		conns = append(conns, types.ObjectValueMust(stageSummaryConnectionAttrTypes, map[string]attr.Value{
			"type": types.StringValue(reverseLookup(stageConnectionTypes, c.Type)),
			"name": types.StringValue(c.Name),
		}))
	}
	out.Connections = types.ListValueMust(types.ObjectType{AttrTypes: stageSummaryConnectionAttrTypes}, conns)
	inputs := make([]string, 0, len(spec.Inputs))
	for _, in := range spec.Inputs {
		inputs = append(inputs, in.Name)
	}
	out.Inputs = stringListValue(inputs, &resp.Diagnostics)
	outputs := make([]string, 0, len(spec.Outputs))
	for _, o := range spec.Outputs {
		outputs = append(outputs, o.Name)
	}
	out.Outputs = stringListValue(outputs, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}
