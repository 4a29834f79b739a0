package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// eventSourceValue builds the raw value of a model for unit tests of
// ModifyPlan.
func eventSourceValue(t *testing.T, r resource.Resource, m EventSourceResourceModel) tftypes.Value {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if diags := state.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building a value: %v", diags)
	}
	return state.Raw
}

// sampleModel is a webhook source as state holds it.
func sampleModel() EventSourceResourceModel {
	events, _ := eventSourceEventsValue(nil)
	return EventSourceResourceModel{
		ID: types.StringValue(sourceUUID), Canvas: types.StringValue("prod"), Name: types.StringValue("hook"),
		Description: types.StringValue(""), Type: types.StringValue("webhook"), Integration: types.StringNull(),
		Resource: types.ObjectNull(eventSourceResourceAttrTypes), Events: events,
		Schedule: types.ObjectNull(eventSourceScheduleAttrTypes), ForceDestroy: types.BoolValue(false),
		WebhookURL: types.StringValue("http://sp/api/v1/sources/" + sourceUUID), Key: types.StringValue(strings.Repeat("a", 64)),
		KeyVersion: types.Int64Value(1), Status: eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{}}),
		CreatedAt: types.StringValue("2026-01-01T00:00:00Z"),
	}
}

const sourceUUID = "66666666-6666-6666-6666-666666666666"

func TestEventSourceModifyPlan(t *testing.T) {
	ctx := context.Background()
	r := &EventSourceResource{}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	modify := func(plan, state EventSourceResourceModel) EventSourceResourceModel {
		t.Helper()
		req := resource.ModifyPlanRequest{
			Plan:  tfsdk.Plan{Schema: sresp.Schema, Raw: eventSourceValue(t, r, plan)},
			State: tfsdk.State{Schema: sresp.Schema, Raw: eventSourceValue(t, r, state)},
		}
		resp := &resource.ModifyPlanResponse{Plan: req.Plan}
		r.ModifyPlan(ctx, req, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var out EventSourceResourceModel
		resp.Diagnostics.Append(resp.Plan.Get(ctx, &out)...)
		return out
	}
	state := sampleModel()

	// Only force_destroy: status is kept, the key too.
	plan := state
	plan.ForceDestroy, plan.Status = types.BoolValue(true), types.ObjectUnknown(eventSourceStatusAttrTypes)
	if got := modify(plan, state); !got.Status.Equal(state.Status) || !got.Key.Equal(state.Key) {
		t.Errorf("force_destroy only: status %s, key known %v", got.Status, !got.Key.IsUnknown())
	}
	// A description change of a source without a hook keeps status (only
	// the last event, which an update does not change); of a github
	// source, whose hook the update provisions again, status is unknown.
	// The framework proposes computed values unknown on any change.
	received := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for typ, keep := range map[string]bool{"webhook": true, "manual": true, "scheduled": true, "github": false, "semaphore": false} {
		st := state
		st.Type = types.StringValue(typ)
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{
			LastEvent: &api.Event{ID: "ev-1", ReceivedAt: &received},
		}})
		plan = st
		plan.Description, plan.Status = types.StringValue("edited"), types.ObjectUnknown(eventSourceStatusAttrTypes)
		got := modify(plan, st)
		if keep && !got.Status.Equal(st.Status) {
			t.Errorf("%s description change: status planned %s, want the state's", typ, got.Status)
		}
		if !keep && !got.Status.IsUnknown() {
			t.Errorf("%s description change: status planned %s, want unknown", typ, got.Status)
		}
	}
	// A github source whose hook is in place keeps status when only the
	// description or filters change; new event types, a new key, or a
	// hook not yet in place (SuperPlane provisions it again) make it
	// unknown.
	ghReady := state
	ghReady.Type, ghReady.Key, ghReady.Integration = types.StringValue("github"), types.StringNull(), types.StringValue("gh")
	withEvents := func(typ, filter string) types.List {
		t.Helper()
		l, diags := eventSourceEventsValue([]api.EventSourceEventType{{Type: typ,
			Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: filter}}}}})
		if diags.HasError() {
			t.Fatal(diags)
		}
		return l
	}
	ghReady.Events = withEvents("push", "true")
	for hookState, keep := range map[string]bool{"ready": true, "repaired": true, "failed": false, "pending": false} {
		st := ghReady
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{Webhook: &api.WebhookStatus{
			URL: "https://sp/x", State: hookState, Reason: "ok", CheckedAt: &received, Observed: "ok",
		}}})
		for what, edit := range map[string]func(*EventSourceResourceModel) bool{
			"description": func(m *EventSourceResourceModel) bool { m.Description = types.StringValue("edited"); return keep },
			"filter":      func(m *EventSourceResourceModel) bool { m.Events = withEvents("push", "false"); return keep },
			"event types": func(m *EventSourceResourceModel) bool { m.Events = withEvents("pull_request", "true"); return false },
			"integration": func(m *EventSourceResourceModel) bool { m.Integration = types.StringValue("gh2"); return false },
			"key_version": func(m *EventSourceResourceModel) bool { m.KeyVersion = types.Int64Value(2); return false },
		} {
			plan = st
			plan.Status = types.ObjectUnknown(eventSourceStatusAttrTypes)
			want := edit(&plan)
			got := modify(plan, st)
			if want && !got.Status.Equal(st.Status) {
				t.Errorf("github hook %s, %s change: status planned %s, want the state's", hookState, what, got.Status)
			}
			if !want && !got.Status.IsUnknown() {
				t.Errorf("github hook %s, %s change: status planned %s, want unknown", hookState, what, got.Status)
			}
		}
	}
	// A new key_version: the key is unknown until the reset.
	plan = state
	plan.KeyVersion = types.Int64Value(2)
	if got := modify(plan, state); !got.Key.IsUnknown() {
		t.Errorf("key_version change: key = %s, want unknown", got.Key)
	}
	// The same for a GitHub source keeps its null key.
	gh := state
	gh.Type, gh.Key = types.StringValue("github"), types.StringNull()
	plan = gh
	plan.KeyVersion = types.Int64Value(2)
	if got := modify(plan, gh); !got.Key.IsNull() {
		t.Errorf("GitHub key_version change: key = %s, want null", got.Key)
	}
	// A hook the last refresh found missing or drifted plans status to
	// change (an update, whose apply repairs it); ok or a failed check
	// plans nothing.
	for observed, update := range map[string]bool{"missing": true, "drifted": true, "ok": false, "failed": false} {
		st := gh
		st.Status = eventSourceStatusValue(&api.EventSource{Status: &api.EventSourceStatus{Webhook: &api.WebhookStatus{
			URL: "https://sp/x", State: "ready", Reason: "ok", Observed: observed, ObservedReason: "why",
		}}})
		plan = st // as Terraform proposes it: nothing configured changed
		got := modify(plan, st)
		if update && !got.Status.IsUnknown() {
			t.Errorf("observed %s: status planned %s, want unknown (an update)", observed, got.Status)
		}
		if !update && !got.Status.Equal(st.Status) {
			t.Errorf("observed %s: status planned %s, want the state's", observed, got.Status)
		}
	}
}

func TestEventSourceModelFrom(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	es := &api.EventSource{
		Metadata: &api.EventSourceMetadata{ID: sourceUUID, Name: "app", CreatedAt: &created},
		Spec: &api.EventSourceSpec{
			Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Events: []api.EventSourceEventType{{Type: "push", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
				{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "h"}},
			}}},
		},
		Status: &api.EventSourceStatus{KeyVersion: 3, Webhook: &api.WebhookStatus{URL: "https://sp/api/v1/sources/x/github", State: "ready", Reason: "ok", CheckedAt: &created,
			Observed: "failed", ObservedReason: "Bad credentials"},
			LastEvent: &api.Event{ID: "e1", ReceivedAt: &created}},
	}
	prior := &EventSourceResourceModel{Canvas: types.StringValue("prod"), Key: types.StringNull(), KeyVersion: types.Int64Null(), ForceDestroy: types.BoolNull()}
	m, diags := eventSourceModelFrom(es, prior)
	if diags.HasError() {
		t.Fatal(diags)
	}
	// Not configured (an import): the server's key version.
	if m.KeyVersion.ValueInt64() != 3 || m.ForceDestroy.ValueBool() || m.Canvas.ValueString() != "prod" || m.Integration.ValueString() != "gh" {
		t.Errorf("model = %+v", m)
	}
	events, _ := listAs[eventSourceEventModel](context.Background(), m.Events, new(diag.Diagnostics))
	filters, _ := listAs[filterModel](context.Background(), events[0].Filter, new(diag.Diagnostics))
	if events[0].FilterOperator.ValueString() != "or" || len(filters) != 1 || !filters[0].Data.IsNull() || filters[0].Header.ValueString() != "h" {
		t.Errorf("events = %s", m.Events)
	}
	st := objectAs[struct {
		State          types.String `tfsdk:"webhook_state"`
		Reason         types.String `tfsdk:"webhook_reason"`
		Observed       types.String `tfsdk:"webhook_observed"`
		ObservedReason types.String `tfsdk:"webhook_observed_reason"`
		CheckedAt      types.String `tfsdk:"checked_at"`
		LastID         types.String `tfsdk:"last_event_id"`
		LastAt         types.String `tfsdk:"last_event_at"`
	}](context.Background(), m.Status, new(diag.Diagnostics))
	if st == nil || st.State.ValueString() != "ready" || st.Reason.ValueString() != "ok" || st.Observed.ValueString() != "failed" ||
		st.ObservedReason.ValueString() != "Bad credentials" || st.LastID.ValueString() != "e1" || st.LastAt.ValueString() != "2026-01-02T03:04:05Z" {
		t.Errorf("status = %s", m.Status)
	}
	// A configured key_version stays as configured.
	prior.KeyVersion = types.Int64Value(7)
	if m, _ := eventSourceModelFrom(es, prior); m.KeyVersion.ValueInt64() != 7 {
		t.Errorf("key_version = %s, want the configured 7", m.KeyVersion)
	}

	// Schedules, both ways.
	for _, sc := range []*api.EventSourceSchedule{
		{Type: api.ScheduleTypeHourly, Hourly: &api.HourlySchedule{Minute: 0}},
		{Type: api.ScheduleTypeDaily, Daily: &api.DailySchedule{Time: "02:30"}},
		{Type: api.ScheduleTypeWeekly, Weekly: &api.WeeklySchedule{WeekDay: "WEEK_DAY_SUNDAY", Time: "23:59"}},
	} {
		v, diags := eventSourceScheduleValue(sc)
		if diags.HasError() {
			t.Fatal(diags)
		}
		p, d := eventSourceParams(context.Background(), &EventSourceResourceModel{Type: types.StringValue("scheduled"), Schedule: v,
			Integration: types.StringNull(), Resource: types.ObjectNull(eventSourceResourceAttrTypes), Events: types.ListNull(eventSourceEventObjectType)})
		if d.HasError() {
			t.Fatal(d)
		}
		a, b := fmt.Sprintf("%+v %+v %+v %+v", sc.Type, sc.Hourly, sc.Daily, sc.Weekly), fmt.Sprintf("%+v %+v %+v %+v", p.Spec.Schedule.Type, p.Spec.Schedule.Hourly, p.Spec.Schedule.Daily, p.Spec.Schedule.Weekly)
		if a != b {
			t.Errorf("schedule %s came back as %s", a, b)
		}
	}
}

func TestParseCanvasImportID(t *testing.T) {
	canvas, name, err := parseCanvasImportID("event source", "prod/github-app")
	if err != nil || canvas != "prod" || name != "github-app" {
		t.Errorf("got %q %q %v", canvas, name, err)
	}
	for _, id := range []string{"github-app", "prod/", "/app", "prod/app/x", ""} {
		if _, _, err := parseCanvasImportID("event source", id); err == nil || !strings.Contains(err.Error(), `"<canvas id or name>/<event source name>"`) {
			t.Errorf("%q: err = %v", id, err)
		}
	}
}

func TestKeyResetOutside(t *testing.T) {
	es := func(typ string, version int64) *api.EventSource {
		return &api.EventSource{Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: typ},
			Status: &api.EventSourceStatus{KeyVersion: version}}
	}
	two := int64(2)
	if msg := keyResetOutside(es("webhook", 3), &two, false); !strings.Contains(msg, "version 3 on the server") || !strings.Contains(msg, "state is version 2") {
		t.Errorf("reset outside Terraform: %q", msg)
	}
	// With key_wo there is no key in state: the message says what to bump.
	if msg := keyResetOutside(es("webhook", 3), &two, true); !strings.Contains(msg, "sent key_wo as version 2") || !strings.Contains(msg, "Bump key_wo_version") || strings.Contains(msg, "key in the Terraform state") {
		t.Errorf("reset outside Terraform, key_wo: %q", msg)
	}
	for name, tc := range map[string]struct {
		es      *api.EventSource
		written *int64
	}{
		"same version":           {es("webhook", 2), &two},
		"imported (not written)": {es("webhook", 3), nil},
		"no version (v1 server)": {es("webhook", 0), &two},
		"key not in state":       {es("github", 3), &two},
	} {
		if msg := keyResetOutside(tc.es, tc.written, false); msg != "" {
			t.Errorf("%s: %q, want no warning", name, msg)
		}
	}
}
