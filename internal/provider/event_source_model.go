package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Values of schedule.type and signature_scheme with their wire names.
var (
	scheduleTypes = map[string]string{"hourly": api.ScheduleTypeHourly, "daily": api.ScheduleTypeDaily, "weekly": api.ScheduleTypeWeekly}
	// signatureSchemes maps signature_scheme to the API's values.
	signatureSchemes = map[string]string{"hmac_sha256": api.SignatureSchemeHMAC, "standard_webhooks": api.SignatureSchemeStandardWebhooks}
)

// resourceTypeFor is the resource kind a source type watches: the only
// value resource.type may take for it.
var resourceTypeFor = api.EventSourceResourceKinds()

// resourceKinds lists the values of resource.type, in the order of the
// source types that watch them.
func resourceKinds() []string {
	var kinds []string
	for _, typ := range api.EventSourceTypes() {
		if kind, ok := resourceTypeFor[typ]; ok {
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	eventSourceResourceAttrTypes = map[string]attr.Type{
		"type": types.StringType,
		"name": types.StringType,
	}
	eventSourceEventAttrTypes = map[string]attr.Type{
		"type":            types.StringType,
		"filter_operator": types.StringType,
		"filter":          types.ListType{ElemType: types.ObjectType{AttrTypes: filterAttrTypes}},
	}
	eventSourceScheduleAttrTypes = map[string]attr.Type{
		"type":     types.StringType,
		"minute":   types.Int64Type,
		"time":     types.StringType,
		"week_day": types.StringType,
	}
	eventSourceStatusAttrTypes = map[string]attr.Type{
		"webhook_state":           types.StringType,
		"webhook_reason":          types.StringType,
		"webhook_observed":        types.StringType,
		"webhook_observed_reason": types.StringType,
		"checked_at":              types.StringType,
		"last_event_id":           types.StringType,
		"last_event_at":           types.StringType,
	}
	eventSourceEventObjectType = types.ObjectType{AttrTypes: eventSourceEventAttrTypes}
)

// EventSourceResourceModel is the state of a superplane_event_source.
// Resource holds an eventSourceResourceModel, Events eventSourceEventModels
// and Schedule an eventSourceScheduleModel; Status has the attribute types
// eventSourceStatusAttrTypes.
type EventSourceResourceModel struct {
	ID           types.String `tfsdk:"id"`
	Canvas       types.String `tfsdk:"canvas"`
	Name         types.String `tfsdk:"name"`
	Description  types.String `tfsdk:"description"`
	Type         types.String `tfsdk:"type"`
	Integration  types.String `tfsdk:"integration"`
	Resource     types.Object `tfsdk:"resource"`
	Events       types.List   `tfsdk:"events"`
	Schedule     types.Object `tfsdk:"schedule"`
	ForceDestroy types.Bool   `tfsdk:"force_destroy"`
	WebhookURL   types.String `tfsdk:"webhook_url"`
	Key          types.String `tfsdk:"key"`
	KeyVersion   types.Int64  `tfsdk:"key_version"`
	// KeyWO is the write-only key of a webhook source: always null in
	// plan and state, read from the configuration when it is sent.
	KeyWO        types.String `tfsdk:"key_wo"`
	KeyWOVersion types.Int64  `tfsdk:"key_wo_version"`
	// SignatureScheme is how a webhook source's deliveries are signed.
	SignatureScheme types.String `tfsdk:"signature_scheme"`
	Status          types.Object `tfsdk:"status"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

// eventSourceResourceModel is the resource block: what the source watches.
type eventSourceResourceModel struct {
	Type types.String `tfsdk:"type"`
	Name types.String `tfsdk:"name"`
}

// eventSourceEventModel is one events block.
type eventSourceEventModel struct {
	Type           types.String `tfsdk:"type"`
	FilterOperator types.String `tfsdk:"filter_operator"`
	Filter         types.List   `tfsdk:"filter"`
}

// eventSourceScheduleModel is the schedule block.
type eventSourceScheduleModel struct {
	Type    types.String `tfsdk:"type"`
	Minute  types.Int64  `tfsdk:"minute"`
	Time    types.String `tfsdk:"time"`
	WeekDay types.String `tfsdk:"week_day"`
}
