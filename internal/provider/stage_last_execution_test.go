package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestLastExecutionShowsWhyAndWhen: a failed run tells why (reason and the
// server's message) and when (queued, started, finished, how long); a run
// still going has no result, reason, message, finish or duration yet.
func TestLastExecutionShowsWhyAndWhen(t *testing.T) {
	created := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	started := created.Add(2 * time.Second)
	finished := started.Add(1500 * time.Millisecond)
	tests := []struct {
		name string
		ex   api.Execution
		want map[string]attr.Value
	}{
		{
			name: "failed",
			ex: api.Execution{
				ID: "e1", State: "STATE_FINISHED", Result: api.ResultFailed, ResultReason: api.ResultReasonError,
				ResultMessage: `HTTP 403: {"error":"token ***"}`, CreatedAt: &created, StartedAt: &started, FinishedAt: &finished,
			},
			want: map[string]attr.Value{
				"state": types.StringValue("finished"), "result": types.StringValue("failed"),
				"result_reason":    types.StringValue("error"),
				"result_message":   types.StringValue(`HTTP 403: {"error":"token ***"}`),
				"created_at":       types.StringValue("2026-12-06T07:00:00Z"),
				"started_at":       types.StringValue("2026-12-06T07:00:02Z"),
				"finished_at":      types.StringValue("2026-12-06T07:00:03Z"),
				"duration_seconds": types.Float64Value(1.5),
			},
		},
		{
			name: "timed out",
			ex: api.Execution{
				ID: "e2", State: "STATE_FINISHED", Result: api.ResultFailed, ResultReason: api.ResultReasonTimeout,
				ResultMessage: "execution timed out", CreatedAt: &created, StartedAt: &started, FinishedAt: &finished,
			},
			want: map[string]attr.Value{"result_reason": types.StringValue("timeout"), "result_message": types.StringValue("execution timed out")},
		},
		{
			name: "running",
			ex:   api.Execution{ID: "e3", State: "STATE_STARTED", Result: "RESULT_UNKNOWN", ResultReason: "RESULT_REASON_UNKNOWN", CreatedAt: &created, StartedAt: &started},
			want: map[string]attr.Value{
				"state": types.StringValue("started"), "result": types.StringNull(), "result_reason": types.StringNull(),
				"result_message": types.StringNull(), "started_at": types.StringValue("2026-12-06T07:00:02Z"),
				"finished_at": types.StringNull(), "duration_seconds": types.Float64Null(),
			},
		},
		{
			name: "cancelled before it started",
			ex: api.Execution{
				ID: "e4", State: "STATE_FINISHED", Result: "RESULT_CANCELLED", ResultReason: api.ResultReasonUser,
				CreatedAt: &created, FinishedAt: &finished,
			},
			want: map[string]attr.Value{
				"result": types.StringValue("cancelled"), "result_reason": types.StringValue("user"),
				"result_message": types.StringNull(), "started_at": types.StringNull(), "duration_seconds": types.Float64Null(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			obj := stageLastExecutionValue(context.Background(), &tt.ex, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			got := obj.Attributes()
			for k, want := range tt.want {
				if !got[k].Equal(want) {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
		})
	}
}
