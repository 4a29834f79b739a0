package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// planOf builds a plan (or configuration) of r's schema with the given
// root attributes set and every other one null, or unknown when listed in
// unknown.
func planOf(tb testing.TB, r resource.Resource, set map[string]attr.Value, unknown ...string) (tfsdk.Plan, tfsdk.Config) {
	tb.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	p := tfsdk.Plan{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	for name, v := range set {
		if d := p.SetAttribute(ctx, path.Root(name), v); d.HasError() {
			tb.Fatal(d)
		}
	}
	for _, name := range unknown {
		typ := sr.Schema.Attributes[name].GetType().TerraformType(ctx)
		if d := p.SetAttribute(ctx, path.Root(name), tftypes.NewValue(typ, tftypes.UnknownValue)); d.HasError() {
			tb.Fatal(d)
		}
	}
	return p, tfsdk.Config{Schema: sr.Schema, Raw: p.Raw}
}

// modifyCreate runs r's ModifyPlan on the plan of a new object.
func modifyCreate(tb testing.TB, r resource.ResourceWithModifyPlan, plan tfsdk.Plan, config tfsdk.Config) tfsdk.Plan {
	tb.Helper()
	ctx := context.Background()
	req := resource.ModifyPlanRequest{Plan: plan, Config: config,
		State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	resp := resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(ctx, req, &resp)
	if resp.Diagnostics.HasError() {
		tb.Fatal(resp.Diagnostics)
	}
	return resp.Plan
}

func secretCreatePlan(tb testing.TB) (tfsdk.Plan, tfsdk.Config) {
	tb.Helper()
	values := types.MapValueMust(types.StringType, map[string]attr.Value{
		"user": types.StringValue("u"), "password": types.StringValue("p")})
	plan, _ := planOf(tb, &SecretResource{}, map[string]attr.Value{
		"canvas": types.StringValue("c"), "name": types.StringValue("s1"), "data_wo_version": types.Int64Value(1),
	}, "id", "keys", "version", "created_at")
	_, config := planOf(tb, &SecretResource{}, map[string]attr.Value{
		"canvas": types.StringValue("c"), "name": types.StringValue("s1"), "data_wo_version": types.Int64Value(1),
		"data_wo": values,
	})
	return plan, config
}

func eventSourceCreatePlan(tb testing.TB) (tfsdk.Plan, tfsdk.Config) {
	tb.Helper()
	set := map[string]attr.Value{"canvas": types.StringValue("c"), "name": types.StringValue("e1"),
		"type": types.StringValue("manual")}
	plan, _ := planOf(tb, &EventSourceResource{}, set, "id", "webhook_url", "key", "key_version", "status", "created_at")
	_, config := planOf(tb, &EventSourceResource{}, set)
	return plan, config
}

// BenchmarkModifyPlanCreate is ModifyPlan's work per new secret and event
// source of an apply (BENCHMARKS.md, issue 17 round four).
func BenchmarkModifyPlanCreate(b *testing.B) {
	b.Run("secret", func(b *testing.B) {
		plan, config := secretCreatePlan(b)
		b.ReportAllocs()
		for b.Loop() {
			modifyCreate(b, &SecretResource{}, plan, config)
		}
	})
	b.Run("event_source", func(b *testing.B) {
		plan, config := eventSourceCreatePlan(b)
		b.ReportAllocs()
		for b.Loop() {
			modifyCreate(b, &EventSourceResource{}, plan, config)
		}
	})
}

// TestModifyPlanCreateSecret: a new secret plans the configured keys (from
// data_wo here, never its values) and an unknown version; the rest of the
// plan is left as Terraform proposed it.
func TestModifyPlanCreateSecret(t *testing.T) {
	ctx := context.Background()
	plan, config := secretCreatePlan(t)
	got := modifyCreate(t, &SecretResource{}, plan, config)
	var m SecretResourceModel
	if d := got.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	want := types.SetValueMust(types.StringType, []attr.Value{types.StringValue("password"), types.StringValue("user")})
	if !m.Keys.Equal(want) {
		t.Errorf("keys = %v, want %v", m.Keys, want)
	}
	if !m.Version.IsUnknown() || !m.ID.IsUnknown() || !m.CreatedAt.IsUnknown() {
		t.Errorf("version, id, created_at = %v, %v, %v, want unknown", m.Version, m.ID, m.CreatedAt)
	}
	if m.Name.ValueString() != "s1" || m.Canvas.ValueString() != "c" || m.DataWOVersion.ValueInt64() != 1 || !m.DataWO.IsNull() {
		t.Errorf("configured attributes changed: %+v", m)
	}
}

// TestModifyPlanCreateEventSource: a new manual source plans no key and no
// webhook URL; a webhook source plans both as unknown (the server makes
// them), unless its key is write-only (key_wo_version), which is never in
// plan or state.
func TestModifyPlanCreateEventSource(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		typ          string
		keyWO        bool
		key, webhook string // "null" or "unknown"
	}{
		{typ: "manual", key: "null", webhook: "null"},
		{typ: "scheduled", key: "null", webhook: "null"},
		{typ: "webhook", key: "unknown", webhook: "unknown"},
		{typ: "webhook", keyWO: true, key: "null", webhook: "unknown"},
	} {
		set := map[string]attr.Value{"canvas": types.StringValue("c"), "name": types.StringValue("e1"),
			"type": types.StringValue(tc.typ)}
		if tc.keyWO {
			set["key_wo_version"] = types.Int64Value(1)
		}
		plan, _ := planOf(t, &EventSourceResource{}, set, "id", "webhook_url", "key", "key_version", "status", "created_at")
		_, config := planOf(t, &EventSourceResource{}, set)
		got := modifyCreate(t, &EventSourceResource{}, plan, config)
		var m EventSourceResourceModel
		if d := got.Get(ctx, &m); d.HasError() {
			t.Fatal(d)
		}
		state := func(v attr.Value) string {
			switch {
			case v.IsNull():
				return "null"
			case v.IsUnknown():
				return "unknown"
			}
			return "known"
		}
		if state(m.Key) != tc.key || state(m.WebhookURL) != tc.webhook {
			t.Errorf("%s (key_wo %v): key %s, webhook_url %s; want %s, %s", tc.typ, tc.keyWO,
				state(m.Key), state(m.WebhookURL), tc.key, tc.webhook)
		}
		if !m.Status.IsUnknown() || !m.ID.IsUnknown() || m.Name.ValueString() != "e1" {
			t.Errorf("%s: other attributes changed: %+v", tc.typ, m)
		}
	}
}
