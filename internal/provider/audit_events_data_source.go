package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ datasource.DataSource                   = &AuditEventsDataSource{}
	_ datasource.DataSourceWithConfigure      = &AuditEventsDataSource{}
	_ datasource.DataSourceWithValidateConfig = &AuditEventsDataSource{}
)

// auditEventAttrTypes is one audit record as the data source shows it.
var auditEventAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"at":          types.StringType,
	"actor_type":  types.StringType,
	"actor_id":    types.StringType,
	"actor_email": types.StringType,
	"token_id":    types.StringType,
	"session_id":  types.StringType,
	"action":      types.StringType,
	"object_type": types.StringType,
	"object_id":   types.StringType,
	"object_name": types.StringType,
	"canvas_id":   types.StringType,
	"canvas_name": types.StringType,
	"method":      types.StringType,
	"route":       types.StringType,
	"status":      types.Int64Type,
	"outcome":     types.StringType,
	"client_ip":   types.StringType,
	"user_agent":  types.StringType,
	"request_id":  types.StringType,
}

// maxAuditEvents bounds limit; auditEventsPage is the page the data source
// asks for (the API's largest).
const (
	maxAuditEvents  = 1000
	auditEventsPage = 200
)

// NewAuditEventsDataSource returns the superplane_audit_events data source.
func NewAuditEventsDataSource() datasource.DataSource {
	return &AuditEventsDataSource{}
}

// AuditEventsDataSource lists the organization's audit trail.
type AuditEventsDataSource struct {
	client *client.Client
}

// AuditEventsDataSourceModel is the superplane_audit_events data source.
type AuditEventsDataSourceModel struct {
	Actor       types.String `tfsdk:"actor"`
	ObjectType  types.String `tfsdk:"object_type"`
	Object      types.String `tfsdk:"object"`
	Canvas      types.String `tfsdk:"canvas"`
	Action      types.String `tfsdk:"action"`
	Outcome     types.String `tfsdk:"outcome"`
	Since       types.String `tfsdk:"since"`
	Until       types.String `tfsdk:"until"`
	Limit       types.Int64  `tfsdk:"limit"`
	AuditEvents types.List   `tfsdk:"audit_events"`
}

// Metadata names the data source superplane_audit_events.
func (d *AuditEventsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audit_events"
}

// Schema describes the superplane_audit_events data source.
func (d *AuditEventsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	}
	out := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the organization's audit trail, newest first: every change made through the API " +
			"(create, update, delete, verify, reset_key, refresh, approve, discard, cancel, acknowledge, token " +
			"regenerate, outputs pushed by CI runs), refused ones included, with who made it, with which token, " +
			"on what, when, from where and how it ended. A record never holds a value: no body, secret data, key " +
			"or token. Needs a token with role `owner` or `admin` (a viewer's is refused). Reads pages of the " +
			"API's cursor until it has `limit` records or the trail ends.",
		Attributes: map[string]schema.Attribute{
			"actor":       str("Only the records of this actor: a user's id or email, or an execution's id."),
			"object_type": str("Only records about this type of object: `canvas`, `secret`, `integration`, `event_source`, `event`, `stage`, `stage_event`, `execution`, `alert`, `connection_group`, `token`."),
			"object":      str("Only records about this object: its id or name."),
			"canvas":      str("Only records in this canvas: its id or name."),
			"action":      str("Only this action: `create`, `update`, `delete`, `verify`, `reset_key`, `refresh`, `approve`, `discard`, `cancel`, `acknowledge`, `regenerate`, `push_outputs`."),
			"outcome": schema.StringAttribute{
				MarkdownDescription: "Only records of this outcome: `succeeded`, `failed` (400, 404, 409...) or `denied` (401, 403).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("succeeded", "failed", "denied")},
			},
			"since": str("Only records at or after this time (RFC 3339)."),
			"until": str("Only records before this time (RFC 3339)."),
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most records to return, 1-1000 (default 50): the newest.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxAuditEvents)},
			},
			"audit_events": schema.ListNestedAttribute{
				MarkdownDescription: "The records, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          out("The record's id."),
						"at":          out("When the change was made (RFC 3339)."),
						"actor_type":  out("`user` (an API token's user) or `execution` (a CI run pushing outputs)."),
						"actor_id":    out("The user's id, or the execution's."),
						"actor_email": out("The user's email."),
						"token_id":    out("The id of the API token used (never the token)."),
						"session_id":  out("The console session used, when not a token."),
						"action":      out("What was done."),
						"object_type": out("The type of the object it was done to."),
						"object_id":   out("The object's id (empty when the request named an object that does not exist)."),
						"object_name": out("The object's name, when it has one."),
						"canvas_id":   out("The canvas of the object, when it belongs to one."),
						"canvas_name": out("That canvas's name."),
						"method":      out("The HTTP method."),
						"route":       out("The route's pattern (`METHOD /path/{param}`)."),
						"status":      schema.Int64Attribute{MarkdownDescription: "The HTTP status of the answer.", Computed: true},
						"outcome":     out("`succeeded`, `failed` or `denied`."),
						"client_ip":   out("The client's address as the server saw it."),
						"user_agent":  out("The client's user agent, clipped to 256 bytes."),
						"request_id":  out("The request's id (`X-Request-Id`), to find it in the server's log."),
					},
				},
			},
		},
	}
}

// ValidateConfig refuses a since or until that is not an RFC 3339 time.
func (d *AuditEventsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config AuditEventsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for name, v := range map[string]types.String{"since": config.Since, "until": config.Until} {
		if !isKnown(v) {
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, v.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Invalid time",
				name+" must be an RFC 3339 time such as 2026-12-06T07:00:00Z, not "+v.ValueString()+".")
		}
	}
}

// Configure takes the API client from the provider.
func (d *AuditEventsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Read follows the API's cursor until it has limit records, the API says
// there is no next page, or it has read the pages limit can need.
func (d *AuditEventsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config AuditEventsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit := int(config.Limit.ValueInt64())
	if limit == 0 {
		limit = 50
	}
	q := client.AuditQuery{
		Actor: config.Actor.ValueString(), ObjectType: config.ObjectType.ValueString(), Object: config.Object.ValueString(),
		Canvas: config.Canvas.ValueString(), Action: config.Action.ValueString(), Outcome: config.Outcome.ValueString(),
		Limit: min(limit, auditEventsPage),
	}
	for _, b := range []struct {
		v  types.String
		to *time.Time
	}{{config.Since, &q.Since}, {config.Until, &q.Until}} {
		if isKnown(b.v) {
			t, err := time.Parse(time.RFC3339Nano, b.v.ValueString())
			if err != nil {
				resp.Diagnostics.AddError("Invalid time", err.Error())
				return
			}
			*b.to = t
		}
	}
	var found []api.AuditEvent
	for page := 0; page <= maxAuditEvents/auditEventsPage && len(found) < limit; page++ {
		out, err := d.client.ListAuditEvents(ctx, q)
		if err != nil {
			resp.Diagnostics.AddError("Error reading the audit trail", err.Error())
			return
		}
		found = append(found, out.AuditEvents...)
		if !out.HasNextPage || out.LastTimestamp == nil || len(out.AuditEvents) == 0 {
			break
		}
		q.Before, q.BeforeID = *out.LastTimestamp, out.AuditEvents[len(out.AuditEvents)-1].ID
		q.Limit = min(limit-len(found), auditEventsPage)
	}
	if len(found) > limit {
		found = found[:limit]
	}
	items := make([]attr.Value, 0, len(found))
	for _, e := range found {
		items = append(items, types.ObjectValueMust(auditEventAttrTypes, map[string]attr.Value{
			"id":          types.StringValue(e.ID),
			"at":          timeValue(e.At),
			"actor_type":  types.StringValue(e.ActorType),
			"actor_id":    types.StringValue(e.ActorID),
			"actor_email": types.StringValue(e.ActorEmail),
			"token_id":    types.StringValue(e.TokenID),
			"session_id":  types.StringValue(e.SessionID),
			"action":      types.StringValue(e.Action),
			"object_type": types.StringValue(e.ObjectType),
			"object_id":   types.StringValue(e.ObjectID),
			"object_name": types.StringValue(e.ObjectName),
			"canvas_id":   types.StringValue(e.CanvasID),
			"canvas_name": types.StringValue(e.CanvasName),
			"method":      types.StringValue(e.Method),
			"route":       types.StringValue(e.Route),
			"status":      types.Int64Value(e.Status),
			"outcome":     types.StringValue(e.Outcome),
			"client_ip":   types.StringValue(e.ClientIP),
			"user_agent":  types.StringValue(e.UserAgent),
			"request_id":  types.StringValue(e.RequestID),
		}))
	}
	state := config
	state.AuditEvents = types.ListValueMust(types.ObjectType{AttrTypes: auditEventAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}
