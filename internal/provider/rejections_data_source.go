package provider

import (
	"context"
	"encoding/json"

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
	_ datasource.DataSource              = &RejectionsDataSource{}
	_ datasource.DataSourceWithConfigure = &RejectionsDataSource{}
)

// rejectionReasons are the contract's rejection reasons by the names the
// provider shows.
var rejectionReasons = map[string]string{
	"filtered": api.RejectionReasonFiltered,
	"error":    api.RejectionReasonError,
}

// rejectionAttrTypes is one rejection as the data source shows it.
var rejectionAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"reason":      types.StringType,
	"message":     types.StringType,
	"stage":       types.StringType,
	"stage_id":    types.StringType,
	"event_id":    types.StringType,
	"event_type":  types.StringType,
	"event_data":  types.StringType,
	"rejected_at": types.StringType,
}

// maxListLimit is the largest page the alerts and rejections data sources
// ask for (the server's limit).
const maxListLimit = 200

// NewRejectionsDataSource returns the superplane_rejections data source.
func NewRejectionsDataSource() datasource.DataSource {
	return &RejectionsDataSource{}
}

// RejectionsDataSource lists why events did not become work for the stages
// of a canvas.
type RejectionsDataSource struct {
	client *client.Client
}

// RejectionsDataSourceModel is the superplane_rejections data source.
type RejectionsDataSourceModel struct {
	Canvas     types.String `tfsdk:"canvas"`
	Stage      types.String `tfsdk:"stage"`
	Limit      types.Int64  `tfsdk:"limit"`
	TotalCount types.Int64  `tfsdk:"total_count"`
	Rejections types.List   `tfsdk:"rejections"`
}

// Metadata names the data source superplane_rejections.
func (d *RejectionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rejections"
}

// Schema describes the superplane_rejections data source.
func (d *RejectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the events the stages of a canvas did not take, newest first, each with its " +
			"reason: `filtered` (the filters of the stage's connection did not pass) or `error` (an input " +
			"mapping or filter expression failed or exceeded its limits, or a secret was missing when the stage " +
			"ran; the message says which). With `stage` set it answers \"why did my stage not run?\" in one " +
			"read. The server keeps rejections 30 days, at most the newest 10,000 per canvas.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"stage": schema.StringAttribute{
				MarkdownDescription: "Only the rejections of this stage (name or id); a stage that does not exist is an error.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most rejections to return, 1-200 (default 50): the newest.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxListLimit)},
			},
			"total_count": schema.Int64Attribute{
				MarkdownDescription: "How many rejections match in all (may be more than are returned).",
				Computed:            true,
			},
			"rejections": schema.ListNestedAttribute{
				MarkdownDescription: "The rejections, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          schema.StringAttribute{MarkdownDescription: "The rejection id.", Computed: true},
						"reason":      schema.StringAttribute{MarkdownDescription: "`filtered` or `error`.", Computed: true},
						"message":     schema.StringAttribute{MarkdownDescription: "Why, in words; secret values are masked.", Computed: true},
						"stage":       schema.StringAttribute{MarkdownDescription: "The name of the stage that did not take the event.", Computed: true},
						"stage_id":    schema.StringAttribute{MarkdownDescription: "The id of that stage.", Computed: true},
						"event_id":    schema.StringAttribute{MarkdownDescription: "The id of the event (for a stage connected to a stage: of the execution whose end it was).", Computed: true},
						"event_type":  schema.StringAttribute{MarkdownDescription: "The event's type, null when the event is gone.", Computed: true},
						"event_data":  schema.StringAttribute{MarkdownDescription: "The event's payload as JSON, null when the event is gone.", Computed: true},
						"rejected_at": schema.StringAttribute{MarkdownDescription: "When (RFC 3339).", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *RejectionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists one page of rejections, the newest.
func (d *RejectionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config RejectionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := client.RejectionQuery{Limit: int(config.Limit.ValueInt64())}
	if isKnown(config.Stage) {
		q.TargetType, q.TargetID = api.ConnectionTypeStage, config.Stage.ValueString()
	}
	page, err := d.client.ListRejections(ctx, config.Canvas.ValueString(), q)
	if err != nil {
		resp.Diagnostics.AddError("Error reading rejections", err.Error())
		return
	}
	items := make([]attr.Value, 0, len(page.Rejections))
	for _, r := range page.Rejections {
		eventType, eventData := types.StringNull(), types.StringNull()
		if r.Event != nil {
			eventType = types.StringValue(r.Event.Type)
			eventData = jsonStringValue(r.Event)
		}
		items = append(items, types.ObjectValueMust(rejectionAttrTypes, map[string]attr.Value{
			"id":          types.StringValue(r.ID),
			"reason":      types.StringValue(reverseLookup(rejectionReasons, r.Reason)),
			"message":     types.StringValue(r.Message),
			"stage":       types.StringValue(r.TargetName),
			"stage_id":    types.StringValue(r.TargetID),
			"event_id":    types.StringValue(r.EventID),
			"event_type":  eventType,
			"event_data":  eventData,
			"rejected_at": timeValue(r.RejectedAt),
		}))
	}
	out := config
	out.TotalCount = types.Int64Value(page.TotalCount)
	out.Rejections = types.ListValueMust(types.ObjectType{AttrTypes: rejectionAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}

// jsonStringValue is ev's payload as JSON text, as the attribute always
// read: decoded and encoded again (keys sorted), null when it is JSON null.
func jsonStringValue(ev *api.Event) types.String {
	v, err := ev.RawObject()
	if err != nil || v == nil {
		return types.StringNull()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return types.StringNull()
	}
	return types.StringValue(string(b))
}
