package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestValueFromRawMatchesTheFramework: valueFromRaw converts a stage with
// every block, an event source and a secret as the framework's
// ValueFromTerraform does, and so it does with each value in them (leaf,
// list, object) made unknown in turn, as in a plan, or null.
func TestValueFromRawMatchesTheFramework(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	stage, d := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorHTTP,
		Spec: map[string]any{"url": "https://example.com/x", "method": "POST", "headers": map[string]any{"a": "b"}, "timeoutSeconds": 15}}),
		&StageResourceModel{Canvas: types.StringValue("c")})
	if d.HasError() {
		t.Fatal(d)
	}
	es, d := eventSourceModelFrom(jsonTrip(t, &api.EventSource{Metadata: &api.EventSourceMetadata{ID: "e1", Name: "hook", CreatedAt: &created},
		Spec: &api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Events: []api.EventSourceEventType{{Type: "push", Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a"}}}}}},
		Status: &api.EventSourceStatus{KeyVersion: 2, Webhook: &api.WebhookStatus{URL: "u", State: "ready"}}}),
		&EventSourceResourceModel{Canvas: types.StringValue("c"), KeyWOVersion: types.Int64Null(), Key: types.StringValue("k")})
	if d.HasError() {
		t.Fatal(d)
	}
	secret := secretModelFrom(&api.Secret{Metadata: &api.SecretMetadata{ID: "s1", Name: "db", Version: 3, CreatedAt: &created},
		Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"a": "", "b": ""}}}},
		&SecretResourceModel{Canvas: types.StringNull(), Data: types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1")}),
			DataWOVersion: types.Int64Value(2)})
	checkValueFromRaw(t, &StageResource{}, stage)
	checkValueFromRaw(t, &EventSourceResource{}, es)
	checkValueFromRaw(t, &SecretResource{}, secret)
}

func checkValueFromRaw[T any](t *testing.T, r resource.Resource, m *T) {
	t.Helper()
	ctx := context.Background()
	st := emptyState(t, r)
	if d := setStateModel(ctx, &st, m); d.HasError() {
		t.Fatal(d)
	}
	typ := st.Schema.Type()
	compare := func(what string, raw tftypes.Value) {
		t.Helper()
		want, werr := typ.ValueFromTerraform(ctx, raw)
		got, gerr := valueFromRaw(ctx, typ, raw)
		if (werr != nil) != (gerr != nil) || (werr == nil && !got.Equal(want)) {
			t.Errorf("%s: valueFromRaw gave %v (%v), the framework %v (%v)", what, got, gerr, want, werr)
		}
		// And getModel, through it, what the framework's Get reads.
		var viaFast, viaFramework T
		src := tfsdk.Plan{Schema: st.Schema, Raw: raw}
		if d := src.Get(ctx, &viaFramework); d.HasError() {
			t.Fatalf("%s: %v", what, d)
		}
		if d := getModel(ctx, src, &viaFast); d.HasError() || !sameModel(&viaFast, &viaFramework) {
			t.Errorf("%s: getModel read %+v, the framework %+v (%v)", what, viaFast, viaFramework, d)
		}
	}
	compare("whole", st.Raw)
	n := 0
	_ = tftypes.Walk(st.Raw, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if len(p.Steps()) == 0 {
			return true, nil
		}
		for _, to := range []any{tftypes.UnknownValue, nil} {
			changed, err := tftypes.Transform(st.Raw, func(q *tftypes.AttributePath, w tftypes.Value) (tftypes.Value, error) {
				if q.Equal(p) {
					return tftypes.NewValue(w.Type(), to), nil
				}
				return w, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			compare(fmt.Sprintf("%v %v", p, to), changed)
			n++
		}
		return true, nil
	})
	if n < 20 {
		t.Errorf("only %d values changed", n)
	}
}
