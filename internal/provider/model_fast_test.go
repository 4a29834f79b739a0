package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// emptyState is a null state of r's schema, as the framework hands Create.
func emptyState(t *testing.T, r resource.Resource) tfsdk.State {
	t.Helper()
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	return tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(context.Background()), nil)}
}

// checkFastModel: setStateModel stores exactly what the framework's Set
// stores, and getModel reads back exactly what the framework's Get reads.
func checkFastModel[T any](t *testing.T, r resource.Resource, m *T) {
	t.Helper()
	ctx := context.Background()
	slow, fast := emptyState(t, r), emptyState(t, r)
	if d := slow.Set(ctx, m); d.HasError() {
		t.Fatal(d)
	}
	if d := setStateModel(ctx, &fast, m); d.HasError() {
		t.Fatal(d)
	}
	if !fast.Raw.Equal(slow.Raw) {
		t.Fatalf("setStateModel stored\n%v\nthe framework's Set\n%v", fast.Raw, slow.Raw)
	}
	var viaFramework, viaFast T
	if d := slow.Get(ctx, &viaFramework); d.HasError() {
		t.Fatal(d)
	}
	if d := getModel(ctx, slow, &viaFast); d.HasError() {
		t.Fatal(d)
	}
	if !sameModel(&viaFast, &viaFramework) || !sameModel(&viaFast, m) {
		t.Fatalf("getModel read\n%+v\nthe framework's Get\n%+v", viaFast, viaFramework)
	}
}

// TestFastModelsMatchTheFramework for the three resources of a large
// configuration, with nested blocks, sets, maps and nulls.
func TestFastModelsMatchTheFramework(t *testing.T) {
	ctx := context.Background()
	stage, d := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorHTTP,
		Spec: map[string]any{"url": "https://example.com/x", "method": "POST", "headers": map[string]any{"a": "b"}}}),
		&StageResourceModel{Canvas: types.StringValue("c")})
	if d.HasError() {
		t.Fatal(d)
	}
	checkFastModel(t, &StageResource{}, stage)

	secret := secretModelFrom(&api.Secret{Metadata: &api.SecretMetadata{ID: "s1", Name: "db", Version: 3}},
		&SecretResourceModel{Canvas: types.StringNull(), Data: types.MapNull(types.StringType), DataWOVersion: types.Int64Value(2)})
	secret.Keys = types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a"), types.StringValue("b")})
	checkFastModel(t, &SecretResource{}, secret)

	es, d := eventSourceModelFrom(&api.EventSource{Metadata: &api.EventSourceMetadata{ID: "e1", Name: "hook"},
		Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook}},
		&EventSourceResourceModel{Canvas: types.StringValue("c"), KeyWOVersion: types.Int64Null()})
	if d.HasError() {
		t.Fatal(d)
	}
	checkFastModel(t, &EventSourceResource{}, es)
}

// TestFastModelFallsBack: a model the fast path cannot copy (here a field
// of the wrong type) goes through the framework, which reports the error.
func TestFastModelFallsBack(t *testing.T) {
	type wrong struct {
		ID   types.Int64  `tfsdk:"id"`
		Rest types.String `tfsdk:"canvas"`
	}
	st := emptyState(t, &SecretResource{})
	if d := setStateModel(context.Background(), &st, &wrong{}); !d.HasError() {
		t.Fatal("a model that does not fit the schema was stored")
	}
}

// TestFastBlocksMatchTheFramework: listAs and objectAs read blocks (here a
// stage's connect blocks with their filters) exactly as the framework's
// ElementsAs and As do.
func TestFastBlocksMatchTheFramework(t *testing.T) {
	ctx := context.Background()
	stage, d := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorNoop}), &StageResourceModel{})
	if d.HasError() {
		t.Fatal(d)
	}
	fast, ok := listAs[stageConnectionModel](ctx, stage.Connections, &d)
	var slow []stageConnectionModel
	d.Append(stage.Connections.ElementsAs(ctx, &slow, false)...)
	if !ok || d.HasError() || len(fast) != 2 || len(slow) != 2 {
		t.Fatalf("listAs: %d blocks (ok %v), ElementsAs: %d, %v", len(fast), ok, len(slow), d)
	}
	for i := range slow {
		if !sameModel(&fast[i], &slow[i]) {
			t.Errorf("connect block %d: listAs %+v, ElementsAs %+v", i, fast[i], slow[i])
		}
	}
	one := objectAs[stageConnectionModel](ctx, stage.Connections.Elements()[0].(types.Object), &d) //nolint:forcetypeassert // A connect block.
	if one == nil || !sameModel(one, &slow[0]) {
		t.Errorf("objectAs: %+v, want %+v", one, slow[0])
	}
}

// TestGetModelAllocatesLittle: getModel of a stage (the largest model,
// read by its ValidateConfig, ModifyPlan, Create and Read) converts the
// root attributes straight into the model without building the root
// object and every value's type to check it: 447 allocations for this
// stage through the root object, 412 without (BENCHMARKS.md, issue 17
// round fourteen).
func TestGetModelAllocatesLittle(t *testing.T) {
	ctx := context.Background()
	stage, d := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorHTTP,
		Spec: map[string]any{"url": "https://example.com/x", "method": "POST", "headers": map[string]any{"a": "b"}}}),
		&StageResourceModel{Canvas: types.StringValue("c")})
	if d.HasError() {
		t.Fatal(d)
	}
	st := emptyState(t, &StageResource{})
	if d := setStateModel(ctx, &st, stage); d.HasError() {
		t.Fatal(d)
	}
	allocs := testing.AllocsPerRun(50, func() {
		var m StageResourceModel
		if d := getModel(ctx, st, &m); d.HasError() {
			t.Fatal(d)
		}
	})
	if allocs > 430 {
		t.Errorf("getModel of a stage allocates %.0f times, want at most 430", allocs)
	}
}
