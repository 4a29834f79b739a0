package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &ExecutionsDataSource{}
	_ datasource.DataSourceWithConfigure = &ExecutionsDataSource{}
)

// executionAttrTypes is one execution as superplane_executions shows it.
var executionAttrTypes = map[string]attr.Type{
	"id":             types.StringType,
	"state":          types.StringType,
	"result":         types.StringType,
	"result_reason":  types.StringType,
	"result_message": types.StringType,
	"event_id":       types.StringType,
	"outputs":        types.MapType{ElemType: types.StringType},
	"created_at":     types.StringType,
	"started_at":     types.StringType,
	"finished_at":    types.StringType,
	"cancelled_at":   types.StringType,
}

// maxExecutions bounds limit: the data source reads at most this many
// executions, so a long history never turns a plan into an unbounded crawl.
const maxExecutions = 1000

// executionsPage is the page size asked of the API (its maximum); a
// variable so that a test can make paging visible with a short history.
var executionsPage = maxListLimit

// NewExecutionsDataSource returns the superplane_executions data source.
func NewExecutionsDataSource() datasource.DataSource {
	return &ExecutionsDataSource{}
}

// ExecutionsDataSource lists the executions of a stage, newest first.
type ExecutionsDataSource struct {
	client *client.Client
}

// ExecutionsDataSourceModel is the superplane_executions data source.
type ExecutionsDataSourceModel struct {
	Canvas     types.String `tfsdk:"canvas"`
	Stage      types.String `tfsdk:"stage"`
	Limit      types.Int64  `tfsdk:"limit"`
	TotalCount types.Int64  `tfsdk:"total_count"`
	Executions types.List   `tfsdk:"executions"`
}

// Metadata names the data source superplane_executions.
func (d *ExecutionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_executions"
}

// Schema describes the superplane_executions data source.
func (d *ExecutionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the executions of a stage, newest first: the stage's run history. It follows " +
			"the API's paging cursor until it has `limit` executions or the history ends.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"stage": schema.StringAttribute{
				MarkdownDescription: "Id or name of the stage.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most executions to return, 1-1000 (default 20): the newest.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxExecutions)},
			},
			"total_count": schema.Int64Attribute{
				MarkdownDescription: "How many executions the stage has in all, counted by the server up to 1000.",
				Computed:            true,
			},
			"executions": schema.ListNestedAttribute{
				MarkdownDescription: "The executions, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":             schema.StringAttribute{MarkdownDescription: "The execution id.", Computed: true},
						"state":          schema.StringAttribute{MarkdownDescription: "`pending`, `started` or `finished`.", Computed: true},
						"result":         schema.StringAttribute{MarkdownDescription: "`passed`, `failed` or `cancelled`; null until it finishes.", Computed: true},
						"result_reason":  schema.StringAttribute{MarkdownDescription: "Why it ended so, as the API says it (for example `RESULT_REASON_ERROR`); null when the API gives none.", Computed: true},
						"result_message": schema.StringAttribute{MarkdownDescription: "What went wrong, secret values masked; null when the API gives none.", Computed: true},
						"event_id":       schema.StringAttribute{MarkdownDescription: "The id of the stage event it ran for.", Computed: true},
						"outputs":        schema.MapAttribute{MarkdownDescription: "The outputs it produced.", Computed: true, ElementType: types.StringType},
						"created_at":     schema.StringAttribute{MarkdownDescription: "When it was created (RFC 3339).", Computed: true},
						"started_at":     schema.StringAttribute{MarkdownDescription: "When it started (RFC 3339), null before.", Computed: true},
						"finished_at":    schema.StringAttribute{MarkdownDescription: "When it finished (RFC 3339), null before.", Computed: true},
						"cancelled_at":   schema.StringAttribute{MarkdownDescription: "When someone asked to cancel it (RFC 3339), null if nobody did.", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *ExecutionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read pages through the stage's executions, newest first, until it has
// limit of them, the API says there is no next page, or it has read the
// pages that limit can need (a server that always claims a next page
// cannot keep it reading).
func (d *ExecutionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config ExecutionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit := int(config.Limit.ValueInt64())
	if limit == 0 {
		limit = 20
	}
	q := client.ExecutionQuery{Limit: min(limit, executionsPage)}
	var found []api.Execution
	total := int64(0)
	for page := 0; page <= maxExecutions/executionsPage && len(found) < limit; page++ {
		out, err := d.client.ListExecutions(ctx, config.Canvas.ValueString(), config.Stage.ValueString(), q)
		if err != nil {
			resp.Diagnostics.AddError("Error listing executions", err.Error())
			return
		}
		found = append(found, out.Executions...)
		if page == 0 {
			total = out.TotalCount
		}
		if !out.HasNextPage || len(out.Executions) == 0 {
			break
		}
		last := out.Executions[len(out.Executions)-1]
		if last.CreatedAt == nil {
			break
		}
		q.Before, q.BeforeID = *last.CreatedAt, last.ID
		q.Limit = min(limit-len(found), executionsPage)
	}
	if len(found) > limit {
		found = found[:limit]
	}
	items := make([]attr.Value, 0, len(found))
	for _, ex := range found {
		items = append(items, executionValue(ctx, &ex, resp))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	out := config
	out.TotalCount = types.Int64Value(total)
	out.Executions = types.ListValueMust(types.ObjectType{AttrTypes: executionAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}

// executionValue maps one execution; states and results lose their
// prefix as in superplane_stage's last_execution.
func executionValue(ctx context.Context, ex *api.Execution, resp *datasource.ReadResponse) attr.Value {
	result := types.StringNull()
	if ex.Result != "" && ex.Result != "RESULT_UNKNOWN" {
		result = types.StringValue(strings.ToLower(strings.TrimPrefix(ex.Result, "RESULT_")))
	}
	outputs := make(map[string]string, len(ex.Outputs))
	for _, o := range ex.Outputs {
		outputs[o.Name] = o.Value
	}
	om, d := types.MapValueFrom(ctx, types.StringType, outputs)
	resp.Diagnostics.Append(d...)
	eventID := types.StringNull()
	if ex.StageEvent != nil && ex.StageEvent.ID != "" {
		eventID = types.StringValue(ex.StageEvent.ID)
	}
	return types.ObjectValueMust(executionAttrTypes, map[string]attr.Value{
		"id":             types.StringValue(ex.ID),
		"state":          types.StringValue(strings.ToLower(strings.TrimPrefix(ex.State, "STATE_"))),
		"result":         result,
		"result_reason":  optionalString(ex.ResultReason),
		"result_message": optionalString(ex.ResultMessage),
		"event_id":       eventID,
		"outputs":        om,
		"created_at":     timeValue(ex.CreatedAt),
		"started_at":     timeValue(ex.StartedAt),
		"finished_at":    timeValue(ex.FinishedAt),
		"cancelled_at":   timeValue(ex.CancelledAt),
	})
}

// optionalString is s, or null when the API left it empty.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
