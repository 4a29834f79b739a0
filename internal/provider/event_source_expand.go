package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// eventSourceParams builds the API settings from a plan.
func eventSourceParams(ctx context.Context, plan *EventSourceResourceModel) (client.EventSourceParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := client.EventSourceParams{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Spec:        api.EventSourceSpec{Type: plan.Type.ValueString(), Events: []api.EventSourceEventType{}},
	}
	if isKnown(plan.Integration) {
		p.Spec.Integration = &api.IntegrationRef{Name: plan.Integration.ValueString()}
	}
	if isKnown(plan.SignatureScheme) {
		p.Spec.SignatureScheme = signatureSchemes[plan.SignatureScheme.ValueString()]
	}
	res := objectAs[eventSourceResourceModel](ctx, plan.Resource, &diags)
	if res != nil {
		p.Spec.Resource = &api.ResourceRef{Type: res.Type.ValueString(), Name: res.Name.ValueString()}
	}

	events, _ := listAs[eventSourceEventModel](ctx, plan.Events, &diags)
	for _, ev := range events {
		out := api.EventSourceEventType{Type: ev.Type.ValueString(), FilterOperator: api.FilterOperatorAnd}
		if op, ok := filterOperators[ev.FilterOperator.ValueString()]; ok {
			out.FilterOperator = op
		}
		out.Filters = apiFilters(ctx, ev.Filter, &diags)
		p.Spec.Events = append(p.Spec.Events, out)
	}

	sc := objectAs[eventSourceScheduleModel](ctx, plan.Schedule, &diags)
	if sc != nil {
		out := &api.EventSourceSchedule{Type: scheduleTypes[sc.Type.ValueString()]}
		switch sc.Type.ValueString() {
		case "hourly":
			out.Hourly = &api.HourlySchedule{Minute: int(sc.Minute.ValueInt64())}
		case "daily":
			out.Daily = &api.DailySchedule{Time: sc.Time.ValueString()}
		case "weekly":
			out.Weekly = &api.WeeklySchedule{WeekDay: "WEEK_DAY_" + strings.ToUpper(sc.WeekDay.ValueString()), Time: sc.Time.ValueString()}
		}
		p.Spec.Schedule = out
	}
	return p, diags
}

// eventSourceModelFrom builds state from an API event source. What the
// server does not return (the canvas argument as written, the key,
// force_destroy, a configured key_version) comes from prior: the plan, or
// the previous state.
func eventSourceModelFrom(es *api.EventSource, prior *EventSourceResourceModel) (*EventSourceResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m, spec := es.Metadata, es.Spec
	out := &EventSourceResourceModel{
		ID:           types.StringValue(m.ID),
		Canvas:       prior.Canvas,
		Name:         types.StringValue(m.Name),
		Description:  types.StringValue(m.Description),
		Type:         types.StringValue(spec.Type),
		Integration:  types.StringNull(),
		Resource:     types.ObjectNull(eventSourceResourceAttrTypes),
		ForceDestroy: prior.ForceDestroy,
		WebhookURL:   types.StringNull(),
		Key:          prior.Key,
		KeyVersion:   prior.KeyVersion,
		KeyWO:        types.StringNull(),
		KeyWOVersion: prior.KeyWOVersion,
		Status:       eventSourceStatusValue(es),
		CreatedAt:    timeValue(m.CreatedAt),
	}
	if out.ForceDestroy.IsNull() || out.ForceDestroy.IsUnknown() {
		out.ForceDestroy = types.BoolValue(false)
	}
	if out.Key.IsUnknown() || !out.KeyWOVersion.IsNull() {
		// With key_wo, the key is the user's and stays out of the state.
		out.Key = types.StringNull()
	}
	if out.KeyWOVersion.IsUnknown() {
		out.KeyWOVersion = types.Int64Null()
	}
	if out.KeyVersion.IsNull() || out.KeyVersion.IsUnknown() {
		// Not configured: the server's version (a v1 server reports none,
		// and starts every key at 1).
		out.KeyVersion = types.Int64Value(max(serverKeyVersion(es), 1))
	}
	out.SignatureScheme = types.StringNull()
	for name, wire := range signatureSchemes {
		if spec.SignatureScheme == wire {
			out.SignatureScheme = types.StringValue(name)
		}
	}
	if spec.Integration != nil && spec.Integration.Name != "" {
		out.Integration = types.StringValue(spec.Integration.Name)
	}
	if spec.Resource != nil && spec.Resource.Name != "" {
		res, d := types.ObjectValue(eventSourceResourceAttrTypes, map[string]attr.Value{
			"type": types.StringValue(spec.Resource.Type),
			"name": types.StringValue(spec.Resource.Name),
		})
		diags.Append(d...)
		out.Resource = res
	}
	if spec.Type != api.EventSourceTypeManual && spec.Type != api.EventSourceTypeScheduled &&
		es.Status != nil && es.Status.Webhook != nil && es.Status.Webhook.URL != "" {
		out.WebhookURL = types.StringValue(es.Status.Webhook.URL)
	}

	events, d := eventSourceEventsValue(spec.Events)
	diags.Append(d...)
	out.Events = events
	sched, d := eventSourceScheduleValue(spec.Schedule)
	diags.Append(d...)
	out.Schedule = sched
	return out, diags
}

// eventSourceEventsValue maps the API's event types to the events blocks;
// an empty list when there are none, as Terraform reads absent blocks.
func eventSourceEventsValue(events []api.EventSourceEventType) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(events))
	for _, ev := range events {
		fl := filterListValue(ev.Filters, &diags)
		op := "and"
		if ev.FilterOperator == api.FilterOperatorOr {
			op = "or"
		}
		ov, d := types.ObjectValue(eventSourceEventAttrTypes, map[string]attr.Value{
			"type":            types.StringValue(ev.Type),
			"filter_operator": types.StringValue(op),
			"filter":          fl,
		})
		diags.Append(d...)
		elems = append(elems, ov)
	}
	l, d := types.ListValue(eventSourceEventObjectType, elems)
	diags.Append(d...)
	return l, diags
}

// eventSourceScheduleValue maps the API schedule to the schedule block;
// null when there is none.
func eventSourceScheduleValue(sc *api.EventSourceSchedule) (types.Object, diag.Diagnostics) {
	if sc == nil || sc.Type == "" {
		return types.ObjectNull(eventSourceScheduleAttrTypes), nil
	}
	vals := map[string]attr.Value{
		"type":     types.StringValue(sc.Type),
		"minute":   types.Int64Null(),
		"time":     types.StringNull(),
		"week_day": types.StringNull(),
	}
	for name, wire := range scheduleTypes {
		if wire == sc.Type {
			vals["type"] = types.StringValue(name)
		}
	}
	switch {
	case sc.Type == api.ScheduleTypeHourly && sc.Hourly != nil:
		vals["minute"] = types.Int64Value(int64(sc.Hourly.Minute))
	case sc.Type == api.ScheduleTypeDaily && sc.Daily != nil:
		vals["time"] = types.StringValue(sc.Daily.Time)
	case sc.Type == api.ScheduleTypeWeekly && sc.Weekly != nil:
		vals["time"] = types.StringValue(sc.Weekly.Time)
		vals["week_day"] = types.StringValue(strings.ToLower(strings.TrimPrefix(sc.Weekly.WeekDay, "WEEK_DAY_")))
	}
	return types.ObjectValue(eventSourceScheduleAttrTypes, vals)
}

// eventSourceStatusValue maps the API status; the webhook fields are null
// for sources without a hook, and the whole status when the server gave
// none.
func eventSourceStatusValue(es *api.EventSource) types.Object {
	st := es.Status
	if st == nil {
		return types.ObjectNull(eventSourceStatusAttrTypes)
	}
	vals := map[string]attr.Value{
		"webhook_state":           types.StringNull(),
		"webhook_reason":          types.StringNull(),
		"webhook_observed":        types.StringNull(),
		"webhook_observed_reason": types.StringNull(),
		"checked_at":              types.StringNull(),
		"last_event_id":           types.StringNull(),
		"last_event_at":           types.StringNull(),
	}
	if wh := st.Webhook; wh != nil && wh.State != "" {
		vals["webhook_state"] = types.StringValue(wh.State)
		vals["webhook_reason"] = types.StringValue(wh.Reason)
		vals["checked_at"] = timeValue(wh.CheckedAt)
		if wh.Observed != "" {
			vals["webhook_observed"] = types.StringValue(wh.Observed)
		}
		if wh.ObservedReason != "" {
			vals["webhook_observed_reason"] = types.StringValue(wh.ObservedReason)
		}
	}
	if ev := st.LastEvent; ev != nil && ev.ID != "" {
		vals["last_event_id"] = types.StringValue(ev.ID)
		vals["last_event_at"] = timeValue(ev.ReceivedAt)
	}
	return types.ObjectValueMust(eventSourceStatusAttrTypes, vals)
}
