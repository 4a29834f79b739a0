package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestFromEventConnectionFilledIn: SuperPlane v1 servers require
// from_event's connection. Left out, the request names the mapping's
// triggered_by, else the stage's only connection; with several connections
// and no triggered_by nothing is made up, and the plan warns at the
// attribute instead.
func TestFromEventConnectionFilledIn(t *testing.T) {
	ctx := context.Background()
	hook := api.Connection{Type: api.ConnectionTypeEventSource, Name: "hook", FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{}}
	build := api.Connection{Type: api.ConnectionTypeStage, Name: "build", FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{}}
	fromEvent := api.ValueDefinition{Name: "A", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Expression: "$.a"}}}
	tests := []struct {
		name        string
		conns       []api.Connection
		triggeredBy string
		want        string
		warn        bool
	}{
		{"the only connection", []api.Connection{hook}, "", "hook", false},
		{"triggered_by", []api.Connection{hook, build}, "build", "build", false},
		{"several, no triggered_by", []api.Connection{hook, build}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := stageFixture(t, &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "1"}}})
			st.Spec.Connections = tt.conns
			st.Spec.Inputs = []api.InputDefinition{{Name: "A"}}
			im := api.InputMapping{Values: []api.ValueDefinition{fromEvent}}
			if tt.triggeredBy != "" {
				im.When = &api.InputMappingWhen{TriggeredBy: &struct {
					Connection string `json:"connection"`
				}{Connection: tt.triggeredBy}}
			}
			st.Spec.InputMappings = []api.InputMapping{im}
			m, diags := stageModelFrom(ctx, st, &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			params, diags := stageParams(ctx, m)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if got := params.Spec.InputMappings[0].Values[0].ValueFrom.EventData.Connection; got != tt.want {
				t.Errorf("sent connection %q, want %q", got, tt.want)
			}

			var vd diag.Diagnostics
			validateStage(ctx, m, &vd)
			if vd.HasError() {
				t.Fatal(vd)
			}
			warnings := vd.Warnings()
			if !tt.warn {
				if len(warnings) != 0 {
					t.Errorf("warnings: %v", warnings)
				}
				return
			}
			at := path.Root("input_mapping").AtListIndex(0).AtName("value").AtListIndex(0).AtName("from_event").AtName("connection")
			if len(warnings) != 1 {
				t.Fatalf("%d warnings, want 1: %v", len(warnings), warnings)
			}
			if wp, ok := warnings[0].(diag.DiagnosticWithPath); !ok || !wp.Path().Equal(at) {
				t.Errorf("warning at %v, want %v", warnings[0], at)
			}
			if !strings.Contains(warnings[0].Detail(), "v1 servers require") || !strings.Contains(warnings[0].Detail(), "build, hook") {
				t.Errorf("warning %q does not say why or name the connections", warnings[0].Detail())
			}
		})
	}
}
