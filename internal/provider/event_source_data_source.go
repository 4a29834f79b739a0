package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource              = &EventSourceDataSource{}
	_ datasource.DataSourceWithConfigure = &EventSourceDataSource{}
)

// NewEventSourceDataSource returns the superplane_event_source data source.
func NewEventSourceDataSource() datasource.DataSource {
	return &EventSourceDataSource{}
}

// EventSourceDataSource looks up one event source of a canvas by name. The
// signing key is never available: SuperPlane returns it only to whoever
// creates or resets it.
type EventSourceDataSource struct {
	client *client.Client
}

// EventSourceDataSourceModel is the superplane_event_source data source.
type EventSourceDataSourceModel struct {
	Canvas      types.String `tfsdk:"canvas"`
	Name        types.String `tfsdk:"name"`
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	Type        types.String `tfsdk:"type"`
	Integration types.String `tfsdk:"integration"`
	Resource    types.Object `tfsdk:"resource"`
	Events      types.List   `tfsdk:"events"`
	Schedule    types.Object `tfsdk:"schedule"`
	WebhookURL  types.String `tfsdk:"webhook_url"`
	KeyVersion  types.Int64  `tfsdk:"key_version"`
	Status      types.Object `tfsdk:"status"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

// Metadata names the data source superplane_event_source.
func (d *EventSourceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_event_source"
}

// Schema describes the superplane_event_source data source.
func (d *EventSourceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing event source of a canvas by name and returns its settings, " +
			"its webhook URL and status. Never the signing key: SuperPlane returns it only when it is created " +
			"or reset.",
		Attributes: map[string]schema.Attribute{
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The event source name.",
				Required:            true,
				Validators:          nameValidators(),
			},
			"id":          computedString("The event source id."),
			"description": computedString("The description."),
			"type":        computedString("`webhook`, `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops`, `datadog`, `manual` or `scheduled`."),
			"integration": computedString("The integration of a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source."),
			"resource": schema.SingleNestedAttribute{
				MarkdownDescription: "What a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source watches.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"type": computedString("`repository` or `project`."),
					"name": computedString("The repository or project."),
				},
			},
			"events": schema.ListNestedAttribute{
				MarkdownDescription: "The event types the source accepts, with their filters.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"type":            computedString("The event type."),
						"filter_operator": computedString("`and` or `or`."),
						"filter": schema.ListNestedAttribute{
							MarkdownDescription: "The filters: each has one of `data` and `header`.",
							Computed:            true,
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"data":   computedString("An expression on the JSON body (`$`)."),
									"header": computedString("An expression on the lower-cased headers."),
								},
							},
						},
					},
				},
			},
			"schedule": schema.SingleNestedAttribute{
				MarkdownDescription: "When a `scheduled` source emits events (UTC).",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"type":     computedString("`hourly`, `daily` or `weekly`."),
					"minute":   schema.Int64Attribute{MarkdownDescription: "For `hourly`: the minute past each hour.", Computed: true},
					"time":     computedString("For `daily` and `weekly`: `HH:MM`."),
					"week_day": computedString("For `weekly`: the day, `monday` to `sunday`."),
				},
			},
			"webhook_url": computedString("Where deliveries go; null for `manual` and `scheduled` sources."),
			"key_version": schema.Int64Attribute{
				MarkdownDescription: "The server's version of the signing key: 1 at creation, one more at every reset.",
				Computed:            true,
			},
			"status": schema.SingleNestedAttribute{
				MarkdownDescription: "What SuperPlane last saw: the state of a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source's " +
					"hook as of its last check, and the newest event.",
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"webhook_state":  computedString("`pending`, `ready`, `failed` or `repaired`; null without a hook."),
					"webhook_reason": computedString("`ok`, why provisioning failed, or when the hook was repaired."),
					"webhook_observed": computedString("Always null here: the data source does not check the hook " +
						"on the tool (the resource's refresh does)."),
					"webhook_observed_reason": computedString("Always null here."),
					"checked_at":              computedString("When SuperPlane last checked the hook (RFC 3339)."),
					"last_event_id":           computedString("The id of the newest event received."),
					"last_event_at":           computedString("When the newest event was received (RFC 3339)."),
				},
			},
			"created_at": computedString("When the source was created (RFC 3339)."),
		},
	}
}

// Configure takes the API client from the provider.
func (d *EventSourceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read looks the event source up. It does not ask SuperPlane to check the
// hook on the tool: status is as of SuperPlane's last check.
func (d *EventSourceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config EventSourceDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	es, err := d.client.LookupEventSource(ctx, config.Canvas.ValueString(), config.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading event source", err.Error())
		return
	}

	m, diags := eventSourceModelFrom(es, &EventSourceResourceModel{
		Canvas:       config.Canvas,
		Key:          types.StringNull(),
		KeyVersion:   types.Int64Null(),
		ForceDestroy: types.BoolNull(),
	})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, EventSourceDataSourceModel{
		Canvas:      config.Canvas,
		Name:        m.Name,
		ID:          m.ID,
		Description: m.Description,
		Type:        m.Type,
		Integration: m.Integration,
		Resource:    m.Resource,
		Events:      m.Events,
		Schedule:    m.Schedule,
		WebhookURL:  m.WebhookURL,
		KeyVersion:  m.KeyVersion,
		Status:      m.Status,
		CreatedAt:   m.CreatedAt,
	})...)
}
