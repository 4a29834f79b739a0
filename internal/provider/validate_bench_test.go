package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// BenchmarkValidateConfig is ValidateConfig's work for a stage and an event
// source of the bench's shapes (one connection and a noop executor; a
// webhook source): Terraform asks for it once a resource per plan.
func BenchmarkValidateConfig(b *testing.B) {
	ctx := context.Background()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	st, _ := stageModelFrom(ctx, &api.Stage{Metadata: &api.StageMetadata{ID: "t1", Name: "t", CreatedAt: &created},
		Spec: &api.StageSpec{Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "e", FilterOperator: api.FilterOperatorAnd}},
			Executor: &api.Executor{Type: api.ExecutorNoop}}}, &StageResourceModel{Canvas: types.StringValue("c")})
	st.ID, st.CreatedAt = types.StringNull(), types.StringNull()
	es, _ := eventSourceModelFrom(&api.EventSource{Metadata: &api.EventSourceMetadata{ID: "e1", Name: "e"},
		Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook}}, &EventSourceResourceModel{Canvas: types.StringValue("c"),
		KeyWOVersion: types.Int64Null()})
	es.ID, es.CreatedAt, es.Key, es.KeyVersion, es.WebhookURL = types.StringNull(), types.StringNull(), types.StringNull(), types.Int64Null(), types.StringNull()
	es.Status, es.SignatureScheme = types.ObjectNull(eventSourceStatusAttrTypes), types.StringNull()
	b.Run("stage", func(b *testing.B) { benchValidate(b, &StageResource{}, st) })
	b.Run("event_source", func(b *testing.B) { benchValidate(b, &EventSourceResource{}, es) })
}

func benchValidate[T any](b *testing.B, r resource.ResourceWithValidateConfig, m *T) {
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema}
	st.Raw = emptyRaw(sr)
	if d := setStateModel(ctx, &st, m); d.HasError() {
		b.Fatal(d)
	}
	req := resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: st.Raw}}
	b.ReportAllocs()
	for b.Loop() {
		var resp resource.ValidateConfigResponse
		r.ValidateConfig(ctx, req, &resp)
		if resp.Diagnostics.HasError() {
			b.Fatal(resp.Diagnostics)
		}
	}
}

// emptyRaw is a null value of the schema's type.
func emptyRaw(sr resource.SchemaResponse) tftypes.Value {
	return tftypes.NewValue(sr.Schema.Type().TerraformType(context.Background()), nil)
}
