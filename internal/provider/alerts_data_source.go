package provider

import (
	"context"

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
	_ datasource.DataSource              = &AlertsDataSource{}
	_ datasource.DataSourceWithConfigure = &AlertsDataSource{}
)

// alertTypes are the contract's alert types by the names the provider
// shows.
var alertTypes = map[string]string{
	"error":   api.AlertTypeError,
	"warning": api.AlertTypeWarning,
	"info":    api.AlertTypeInfo,
}

// alertAttrTypes is one alert as the data source shows it.
var alertAttrTypes = map[string]attr.Type{
	"id":              types.StringType,
	"type":            types.StringType,
	"kind":            types.StringType,
	"message":         types.StringType,
	"stage":           types.StringType,
	"stage_id":        types.StringType,
	"count":           types.Int64Type,
	"acknowledged":    types.BoolType,
	"acknowledged_at": types.StringType,
	"created_at":      types.StringType,
	"last_seen_at":    types.StringType,
}

// alertPages bounds how many pages the data source reads to find the
// alerts of one stage (the API has no filter by object).
const alertPages = 5

// NewAlertsDataSource returns the superplane_alerts data source.
func NewAlertsDataSource() datasource.DataSource {
	return &AlertsDataSource{}
}

// AlertsDataSource lists the alerts of a canvas.
type AlertsDataSource struct {
	client *client.Client
}

// AlertsDataSourceModel is the superplane_alerts data source.
type AlertsDataSourceModel struct {
	Canvas              types.String `tfsdk:"canvas"`
	Stage               types.String `tfsdk:"stage"`
	IncludeAcknowledged types.Bool   `tfsdk:"include_acknowledged"`
	Limit               types.Int64  `tfsdk:"limit"`
	Alerts              types.List   `tfsdk:"alerts"`
}

// Metadata names the data source superplane_alerts.
func (d *AlertsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alerts"
}

// Schema describes the superplane_alerts data source.
func (d *AlertsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the alerts of a canvas, newest first: errors on SuperPlane's side that kept a " +
			"stage's execution from running (`kind`: `missing_secret`, `expression_error`, `executor_spec`, " +
			"`integration_unusable`, `run_error`). A run that the tool reports failed is the execution's result, " +
			"not an alert. An alert is not repeated while it is unacknowledged: `count` and `last_seen_at` show " +
			"the repeats. Acknowledge an alert with `PATCH /api/v1/canvases/{canvas}/alerts/{id}/acknowledge`.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"stage": schema.StringAttribute{
				MarkdownDescription: "Only the alerts about this stage (name or id), among the newest 1,000.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"include_acknowledged": schema.BoolAttribute{
				MarkdownDescription: "Also list acknowledged alerts (default false: only the open ones).",
				Optional:            true,
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most alerts to return, 1-200 (default 50): the newest.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxListLimit)},
			},
			"alerts": schema.ListNestedAttribute{
				MarkdownDescription: "The alerts, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":              schema.StringAttribute{MarkdownDescription: "The alert id.", Computed: true},
						"type":            schema.StringAttribute{MarkdownDescription: "`error`, `warning` or `info`.", Computed: true},
						"kind":            schema.StringAttribute{MarkdownDescription: "What went wrong.", Computed: true},
						"message":         schema.StringAttribute{MarkdownDescription: "The error; secret values are masked.", Computed: true},
						"stage":           schema.StringAttribute{MarkdownDescription: "The name of the stage it is about.", Computed: true},
						"stage_id":        schema.StringAttribute{MarkdownDescription: "The id of that stage.", Computed: true},
						"count":           schema.Int64Attribute{MarkdownDescription: "How many times it happened while open.", Computed: true},
						"acknowledged":    schema.BoolAttribute{MarkdownDescription: "Whether someone acknowledged it.", Computed: true},
						"acknowledged_at": schema.StringAttribute{MarkdownDescription: "When (RFC 3339), null while open.", Computed: true},
						"created_at":      schema.StringAttribute{MarkdownDescription: "When it first happened (RFC 3339).", Computed: true},
						"last_seen_at":    schema.StringAttribute{MarkdownDescription: "When it last happened (RFC 3339).", Computed: true},
					},
				},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (d *AlertsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read lists the newest alerts; with a stage, it reads up to alertPages
// full pages and keeps that stage's.
func (d *AlertsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config AlertsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit := int(config.Limit.ValueInt64())
	if limit == 0 {
		limit = 50
	}
	q := client.AlertQuery{IncludeAcknowledged: config.IncludeAcknowledged.ValueBool(), Limit: limit}
	stage := ""
	if isKnown(config.Stage) {
		stage, q.Limit = config.Stage.ValueString(), maxListLimit
	}
	var found []api.Alert
	for range alertPages {
		page, err := d.client.ListAlerts(ctx, config.Canvas.ValueString(), q)
		if err != nil {
			resp.Diagnostics.AddError("Error reading alerts", err.Error())
			return
		}
		for _, a := range page.Alerts {
			if stage == "" || a.SourceName == stage || a.SourceID == stage {
				found = append(found, a)
			}
		}
		if stage == "" || len(found) >= limit || !page.HasNextPage || page.LastTimestamp == nil || len(page.Alerts) == 0 {
			break
		}
		q.Before, q.BeforeID = *page.LastTimestamp, page.Alerts[len(page.Alerts)-1].ID
	}
	if len(found) > limit {
		found = found[:limit]
	}
	items := make([]attr.Value, 0, len(found))
	for _, a := range found {
		items = append(items, types.ObjectValueMust(alertAttrTypes, map[string]attr.Value{
			"id":              types.StringValue(a.ID),
			"type":            types.StringValue(reverseLookup(alertTypes, a.Type)),
			"kind":            types.StringValue(a.Kind),
			"message":         types.StringValue(a.Message),
			"stage":           types.StringValue(a.SourceName),
			"stage_id":        types.StringValue(a.SourceID),
			"count":           types.Int64Value(a.Count),
			"acknowledged":    types.BoolValue(a.Acknowledged),
			"acknowledged_at": timeValue(a.AcknowledgedAt),
			"created_at":      timeValue(a.CreatedAt),
			"last_seen_at":    timeValue(a.LastSeenAt),
		}))
	}
	out := config
	out.Alerts = types.ListValueMust(types.ObjectType{AttrTypes: alertAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}
