package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// createPlanCase is one new object's plan and configuration.
type createPlanCase struct {
	name   string
	plan   tfsdk.Plan
	config tfsdk.Config
}

// bothCreatePlans runs a create plan's raw path and its framework path on
// the same request; the raw path must take it.
func bothCreatePlans(t *testing.T, c createPlanCase,
	raw func(resource.ModifyPlanRequest, *resource.ModifyPlanResponse) bool,
	framework func(context.Context, resource.ModifyPlanRequest, *resource.ModifyPlanResponse)) (types.Object, types.Object) {
	t.Helper()
	ctx := context.Background()
	req := resource.ModifyPlanRequest{Plan: c.plan, Config: c.config,
		State: tfsdk.State{Schema: c.plan.Schema, Raw: tftypes.NewValue(c.plan.Raw.Type(), nil)}}
	fast := resource.ModifyPlanResponse{Plan: c.plan}
	if !raw(req, &fast) {
		t.Fatalf("%s: the raw path refused a plan of the schema's shape", c.name)
	}
	slow := resource.ModifyPlanResponse{Plan: c.plan}
	framework(ctx, req, &slow)
	if slow.Diagnostics.HasError() {
		t.Fatalf("%s: %v", c.name, slow.Diagnostics)
	}
	var got, want types.Object
	if d := fast.Plan.Get(ctx, &got); d.HasError() {
		t.Fatalf("%s: %v", c.name, d)
	}
	if d := slow.Plan.Get(ctx, &want); d.HasError() {
		t.Fatalf("%s: %v", c.name, d)
	}
	return got, want
}

// TestCreatePlansOnRawValuesMatchTheFramework: the plan Terraform shows for
// a new secret or event source is the same whether ModifyPlan works on the
// raw values or through the framework's attribute paths, for values from
// data, data_wo, unknown maps, and every source type with and without a
// write-only key.
func TestCreatePlansOnRawValuesMatchTheFramework(t *testing.T) {
	values := types.MapValueMust(types.StringType, map[string]attr.Value{
		"user": types.StringValue("u"), "password": types.StringValue("p"), "host": types.StringUnknown()})
	unknownMap := types.MapUnknown(types.StringType)
	secret := func(name string, set map[string]attr.Value, configOnly map[string]attr.Value) createPlanCase {
		plan, _ := planOf(t, &SecretResource{}, set, "id", "keys", "version", "created_at")
		all := map[string]attr.Value{}
		for k, v := range set {
			all[k] = v
		}
		for k, v := range configOnly {
			all[k] = v
		}
		_, config := planOf(t, &SecretResource{}, all)
		return createPlanCase{name: name, plan: plan, config: config}
	}
	base := map[string]attr.Value{"name": types.StringValue("s1")}
	withVersion := map[string]attr.Value{"name": types.StringValue("s1"), "canvas": types.StringValue("c"),
		"data_wo_version": types.Int64Value(2)}
	withData := map[string]attr.Value{"name": types.StringValue("s1"), "data": values}
	withUnknownData := map[string]attr.Value{"name": types.StringValue("s1"), "data": unknownMap}
	for _, c := range []createPlanCase{
		secret("data_wo", withVersion, map[string]attr.Value{"data_wo": values}),
		secret("data_wo unknown", withVersion, map[string]attr.Value{"data_wo": unknownMap}),
		secret("data", withData, nil),
		secret("data unknown", withUnknownData, nil),
		secret("neither", base, nil),
		secret("empty data", map[string]attr.Value{"name": types.StringValue("s1"),
			"data": types.MapValueMust(types.StringType, map[string]attr.Value{})}, nil),
	} {
		got, want := bothCreatePlans(t, c, planSecretCreateRaw, planSecretCreateFramework)
		if !got.Equal(want) {
			t.Errorf("secret, %s: raw plan\n%v\nframework plan\n%v", c.name, got, want)
		}
	}

	for _, typ := range []attr.Value{types.StringValue("manual"), types.StringValue("scheduled"),
		types.StringValue("webhook"), types.StringValue("github"), types.StringUnknown()} {
		for _, keyWO := range []attr.Value{types.Int64Null(), types.Int64Value(1), types.Int64Unknown()} {
			set := map[string]attr.Value{"canvas": types.StringValue("c"), "name": types.StringValue("e1"),
				"type": typ, "key_wo_version": keyWO}
			plan, _ := planOf(t, &EventSourceResource{}, set, "id", "webhook_url", "key", "key_version", "status", "created_at")
			_, config := planOf(t, &EventSourceResource{}, set)
			c := createPlanCase{name: typ.String() + " key_wo_version " + keyWO.String(), plan: plan, config: config}
			got, want := bothCreatePlans(t, c, planEventSourceCreateRaw, planEventSourceCreateFramework)
			if !got.Equal(want) {
				t.Errorf("event source, %s: raw plan\n%v\nframework plan\n%v", c.name, got, want)
			}
		}
	}
}

// TestRawPlanRefusesOtherShapes: a plan or configuration that is not a
// known object with the attributes expected is left to the framework
// (which reports what is wrong), and the plan is not touched.
func TestRawPlanRefusesOtherShapes(t *testing.T) {
	plan, config := secretCreatePlan(t)
	for name, req := range map[string]resource.ModifyPlanRequest{
		"unknown config": {Plan: plan, Config: tfsdk.Config{Schema: config.Schema,
			Raw: tftypes.NewValue(config.Raw.Type(), tftypes.UnknownValue)}},
		"config of another schema": {Plan: plan, Config: tfsdk.Config{Schema: config.Schema,
			Raw: tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}},
				map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "s1")})}},
	} {
		resp := resource.ModifyPlanResponse{Plan: plan}
		if planSecretCreateRaw(req, &resp) {
			t.Errorf("%s: taken by the raw path", name)
		}
		if !resp.Plan.Raw.Equal(plan.Raw) {
			t.Errorf("%s: plan changed", name)
		}
	}
	other := tfsdk.Plan{Schema: plan.Schema, Raw: tftypes.NewValue(tftypes.Object{
		AttributeTypes: map[string]tftypes.Type{"keys": tftypes.String}},
		map[string]tftypes.Value{"keys": tftypes.NewValue(tftypes.String, "x")})}
	if setRootAttrs(&other, rootAttr{"keys", tftypes.NewValue(tftypes.Number, 1)}) {
		t.Error("setRootAttrs set a value of another type")
	}
	if setRootAttrs(&other, rootAttr{"missing", tftypes.NewValue(tftypes.String, "y")}) {
		t.Error("setRootAttrs set an attribute the object does not have")
	}
}

// TestCreatePlanAllocatesLittle: a new secret's and event source's
// ModifyPlan (run twice an apply for each, in the plan and the apply
// processes) stay off the framework's attribute paths: 344 and 303
// allocations through them, 32 and 28 on the raw values (BENCHMARKS.md,
// issue 17 round fourteen).
func TestCreatePlanAllocatesLittle(t *testing.T) {
	for name, r := range map[string]resource.ResourceWithModifyPlan{
		"secret": &SecretResource{}, "event_source": &EventSourceResource{}} {
		plan, config := secretCreatePlan(t)
		if name == "event_source" {
			plan, config = eventSourceCreatePlan(t)
		}
		allocs := testing.AllocsPerRun(50, func() { modifyCreate(t, r, plan, config) })
		if allocs > 100 {
			t.Errorf("%s: ModifyPlan of a new object allocates %.0f times, want at most 100", name, allocs)
		}
	}
}
