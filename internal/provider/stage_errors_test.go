package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestStageErrorPath: a 400 naming an API field of the stage is reported
// on the HCL attribute a user writes, and its message names that attribute
// instead of the API field.
func TestStageErrorPath(t *testing.T) {
	spec := &api.StageSpec{
		Executor: &api.Executor{Type: api.ExecutorGitHub},
		Conditions: []api.Condition{
			{Type: api.ConditionTypeApproval},
			{Type: api.ConditionTypeTimeWindow},
			{Type: api.ConditionTypeTimeWindow},
		},
	}
	connect := path.Root("connect").AtListIndex(0)
	value := path.Root("input_mapping").AtListIndex(1).AtName("value").AtListIndex(2)
	tests := []struct {
		message string
		want    path.Path
		text    string
	}{
		{`stage.spec.connections[0].filters[1].data.expression: unexpected token EOF`,
			connect.AtName("filter").AtListIndex(1).AtName("data"), `connect[0].filter[1].data: unexpected token EOF`},
		{`stage.spec.connections[0].filters[0].header.expression: bad`, connect.AtName("filter").AtListIndex(0).AtName("header"), `connect[0].filter[0].header: bad`},
		{`stage.spec.connections[0].name: event source "x" does not exist in canvas "c"`, connect.AtName("name"), `connect[0].name: event source "x"`},
		{`stage.spec.connections[0].filterOperator "X" is not one of`, connect.AtName("filter_operator"), `connect[0].filter_operator "X"`},
		{`stage.spec.connections: a stage needs at least one connection`, path.Root("connect"), `connect: a stage needs`},
		{`stage.spec.inputMappings[1].values[2].valueFrom.eventData.expression: bad`, value.AtName("from_event").AtName("expression"), `input_mapping[1].value[2].from_event.expression: bad`},
		{`stage.spec.inputMappings[1].values[2].valueFrom.eventData.connection "x" is not a connection`, value.AtName("from_event").AtName("connection"), `from_event.connection "x"`},
		{`stage.spec.inputMappings[1].values[2].valueFrom.lastExecution.results[0] "X" is not one of`, value.AtName("from_last_execution").AtName("results").AtListIndex(0), `from_last_execution.results[0] "X"`},
		{`stage.spec.inputMappings[1].when.triggeredBy.connection "x" is not a connection`, path.Root("input_mapping").AtListIndex(1).AtName("triggered_by"), `input_mapping[1].triggered_by "x"`},
		{`stage.spec.secrets[1].valueFrom.secret: secret "nope" not found`, path.Root("secret").AtListIndex(1).AtName("secret"), `secret[1].secret: secret "nope" not found`},
		{`stage.spec.secrets[1].valueFrom.secret.name: bad`, path.Root("secret").AtListIndex(1).AtName("secret"), `secret[1].secret: bad`},
		{`stage.spec.secrets[1].valueFrom.secret.key: bad`, path.Root("secret").AtListIndex(1).AtName("key"), `secret[1].key: bad`},
		{`stage.spec.outputs[3].name "1x" must be`, path.Root("output").AtListIndex(3).AtName("name"), `output[3].name "1x"`},
		{`stage.spec.conditions[0].approval.count must be 1-100`, path.Root("approval").AtListIndex(0).AtName("count"), `approval[0].count must`},
		{`stage.spec.conditions[2].timeWindow.weekDays[1] "x" is not a week day`, path.Root("time_window").AtListIndex(1).AtName("week_days").AtListIndex(1), `time_window[1].week_days[1] "x"`},
		{`stage.spec.executor.integration: integration "a" is a semaphore integration`, path.Root("github").AtName("integration"), `github.integration: integration "a"`},
		{`stage.spec.executor.spec.workflow is required`, path.Root("github").AtName("workflow"), `github.workflow is required`},
		{`stage.spec.executor.resource.name is required`, path.Root("github").AtName("repository"), `github.repository is required`},
		{`stage.metadata.name "x" is taken`, path.Root("name"), `name "x" is taken`},
	}
	for _, tt := range tests {
		p, msg, ok := stageErrorPath(tt.message, spec)
		if !ok || !p.Equal(tt.want) {
			t.Errorf("%q: path %v (%v), want %v", tt.message, p, ok, tt.want)
		}
		if !strings.Contains(msg, tt.text) || strings.Contains(msg, "stage.spec") {
			t.Errorf("%q: message %q, want it to contain %q and no API path", tt.message, msg, tt.text)
		}
	}
	for _, m := range []string{`canvas "c" not found`, `stage.spec is required`, `stage.spec.nothing[0]: x`} {
		if _, _, ok := stageErrorPath(m, spec); ok {
			t.Errorf("%q: mapped, want a plain error", m)
		}
	}
}

// TestAddStageAPIError: only a 400 becomes an attribute error.
func TestAddStageAPIError(t *testing.T) {
	var diags diag.Diagnostics
	addStageAPIError(&diags, "Error creating stage", &client.APIError{StatusCode: 400, Message: "stage.spec.connections[0].filters[0].data.expression: bad"}, &api.StageSpec{})
	want := path.Root("connect").AtListIndex(0).AtName("filter").AtListIndex(0).AtName("data")
	if wp, ok := diags[0].(diag.DiagnosticWithPath); !ok || !wp.Path().Equal(want) {
		t.Errorf("diagnostic %v, want one at %v", diags[0], want)
	}
	diags = nil
	addStageAPIError(&diags, "Error creating stage", &client.APIError{StatusCode: 500, Message: "stage.spec.connections[0].name: x"}, &api.StageSpec{})
	if _, ok := diags[0].(diag.DiagnosticWithPath); ok {
		t.Errorf("a 500 was reported on an attribute: %v", diags[0])
	}
}
