package provider

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// stageFixture is a stage as the server returns it (after a JSON trip, so
// numbers are floats), using every block; ex is its executor.
func stageFixture(t *testing.T, ex *api.Executor) *api.Stage {
	t.Helper()
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	finished := created.Add(time.Minute)
	st := &api.Stage{
		Metadata: &api.StageMetadata{ID: "id-1", Name: "deploy", Description: "d", CreatedAt: &created},
		Spec: &api.StageSpec{
			Connections: []api.Connection{
				{Type: api.ConnectionTypeEventSource, Name: "hook", FilterOperator: api.FilterOperatorOr, Filters: []api.Filter{
					{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a == 1"}},
					{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: "headers['x'] == 'y'"}},
				}},
				{Type: api.ConnectionTypeStage, Name: "build", FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{}},
			},
			Inputs: []api.InputDefinition{{Name: "A", Description: "a"}, {Name: "B"}, {Name: "C"}},
			InputMappings: []api.InputMapping{
				{Values: []api.ValueDefinition{
					{Name: "A", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "hook", Expression: "$.a"}}},
					{Name: "B", Value: "fixed"},
					{Name: "C", ValueFrom: &api.StageValueFrom{LastExecution: &api.ValueFromLastExecution{Results: []string{api.ResultPassed, api.ResultFailed}}}},
				}},
				{When: &api.InputMappingWhen{TriggeredBy: &struct {
					Connection string `json:"connection"`
				}{Connection: "build"}}, Values: []api.ValueDefinition{
					{Name: "A", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "build", Expression: "$.outputs.a"}}},
					{Name: "B", Value: ""},
					{Name: "C", ValueFrom: &api.StageValueFrom{LastExecution: &api.ValueFromLastExecution{}}},
				}},
			},
			Outputs: []api.OutputDefinition{{Name: "version", Description: "v", Required: true}, {Name: "url"}},
			Conditions: []api.Condition{
				{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 2}},
				{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "09:00", End: "17:00", WeekDays: []string{"monday"}}},
				{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "22:00", End: "02:00"}},
			},
			Secrets: []api.ValueDefinition{
				{Name: "TOKEN", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "deploy", Key: "token"}}},
				{Name: "ORG", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "org", Key: "k", DomainType: api.DomainTypeOrganization}}},
			},
			Executor: ex,
			DryRun:   true,
		},
		Status: &api.StageStatus{LastExecution: &api.Execution{
			ID: "ex-1", State: api.ExecutionStateFinished, Result: api.ResultPassed, FinishedAt: &finished,
			Outputs: []api.OutputValue{{Name: "version", Value: "1.2.3"}},
		}},
	}
	return jsonTrip(t, st)
}

// jsonTrip returns v after a trip through JSON, as the client decodes it.
func jsonTrip[T any](t *testing.T, v *T) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestStageMappingRoundTrip maps a server stage to state and back: what
// is sent must be what the server holds, for every executor, or a
// converged configuration would plan changes.
func TestStageMappingRoundTrip(t *testing.T) {
	executors := map[string]*api.Executor{
		"http": {Type: api.ExecutorHTTP, Spec: map[string]any{
			"url":            "https://example.com/${{ inputs.A }}",
			"headers":        map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
			"payload":        map[string]any{"a": "${{ inputs.A }}", "b": "x"},
			"responsePolicy": map[string]any{"statusCodes": []any{200, 202}},
			"timeoutSeconds": 15,
		}},
		"http minimal": {Type: api.ExecutorHTTP, Spec: map[string]any{"url": "https://example.com", "headers": map[string]any{}}},
		"github": {Type: api.ExecutorGitHub, Integration: &api.IntegrationRef{Name: "gh"},
			Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Spec:     map[string]any{"workflow": "deploy.yml", "ref": "${{ inputs.B }}", "inputs": map[string]any{"env": "prod"}}},
		"semaphore": {Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
			Resource: &api.ResourceRef{Type: "project", Name: "app"},
			Spec:     map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main"}},
		"semaphore task": {Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
			Resource: &api.ResourceRef{Type: "project", Name: "app"},
			Spec:     map[string]any{"task": "nightly-deploy", "parameters": map[string]any{"VERSION": "${{ inputs.A }}"}}},
		"semaphore task on a branch": {Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
			Resource: &api.ResourceRef{Type: "project", Name: "app"},
			Spec:     map[string]any{"task": "nightly-deploy", "ref": "release"}},
		"gitlab": {Type: api.ExecutorGitLab, Integration: &api.IntegrationRef{Name: "gl"},
			Resource: &api.ResourceRef{Type: "project", Name: "acme/platform/api"},
			Spec:     map[string]any{"ref": "${{ inputs.B }}", "variables": map[string]any{"SHA": "${{ inputs.A }}"}}},
		"gitlab without variables": {Type: api.ExecutorGitLab, Integration: &api.IntegrationRef{Name: "gl"},
			Resource: &api.ResourceRef{Type: "project", Name: "42"}, Spec: map[string]any{"ref": "main"}},
		"noop":         {Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "${{ inputs.A }}"}}},
		"noop no spec": {Type: api.ExecutorNoop, Spec: map[string]any{}},
	}
	ctx := context.Background()
	for name, ex := range executors {
		t.Run(name, func(t *testing.T) {
			st := stageFixture(t, ex)
			m, diags := stageModelFrom(ctx, st, &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			var vd diag.Diagnostics
			validateStage(ctx, m, &vd)
			if vd.HasError() {
				t.Fatalf("the server's own stage does not validate: %v", vd)
			}
			params, diags := stageParams(ctx, m)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if params.Name != "deploy" || params.Description != "d" {
				t.Errorf("metadata = %q %q", params.Name, params.Description)
			}
			got, want := jsonTrip(t, &params.Spec), st.Spec
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("sent spec differs from the server's:\n got %s\nwant %s", g, w)
			}
			if m.LastExecution.IsNull() {
				t.Fatal("last_execution is null")
			}
			le := m.LastExecution.Attributes()
			if !le["result"].Equal(types.StringValue("passed")) || !le["state"].Equal(types.StringValue("finished")) {
				t.Errorf("last_execution = %v", le)
			}
		})
	}
}

// validStage is a valid configuration to break in one way per test.
func validStage(t *testing.T) *StageResourceModel {
	t.Helper()
	st := stageFixture(t, &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{
		"url":     "https://example.com/deploy",
		"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
		"payload": map[string]any{"a": "${{ inputs.A }}"},
	}})
	m, diags := stageModelFrom(context.Background(), st, &StageResourceModel{Canvas: types.StringValue("prod")})
	if diags.HasError() {
		t.Fatal(diags)
	}
	return m
}

// setHTTP replaces one attribute of the http block.
func setHTTP(t *testing.T, m *StageResourceModel, name string, v attr.Value) {
	t.Helper()
	attrs := m.HTTP.Attributes()
	attrs[name] = v
	obj, diags := types.ObjectValue(stageHTTPAttrTypes, attrs)
	if diags.HasError() {
		t.Fatal(diags)
	}
	m.HTTP = obj
}

func TestValidateStage(t *testing.T) {
	strMap := func(kv ...string) types.Map {
		elems := map[string]attr.Value{}
		for i := 0; i+1 < len(kv); i += 2 {
			elems[kv[i]] = types.StringValue(kv[i+1])
		}
		return types.MapValueMust(types.StringType, elems)
	}
	cases := []struct {
		name   string
		mutate func(t *testing.T, m *StageResourceModel)
		path   path.Path // where the one error must be; empty: no error
		detail string
	}{
		{"valid", func(*testing.T, *StageResourceModel) {}, path.Empty(), ""},
		{"undeclared input", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "payload", strMap("a", "${{ inputs.NOPE }}"))
		}, path.Root("http").AtName("payload").AtMapKey("a"), `inputs.NOPE`},
		{"secret by its real name", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "headers", strMap("Authorization", "${{ secrets.deploy }}"))
		}, path.Root("http").AtName("headers").AtMapKey("Authorization"), `secrets.deploy`},
		{"template in url", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "url", types.StringValue("https://example.com/${{ inputs.Z }}"))
		}, path.Root("http").AtName("url"), `inputs.Z`},
		{"bad header name", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "headers", strMap("Bad Header", "x"))
		}, path.Root("http").AtName("headers").AtMapKey("Bad Header"), `not a valid HTTP header name`},
		{"url scheme before a template", func(t *testing.T, m *StageResourceModel) {
			setHTTP(t, m, "url", types.StringValue("ftp://${{ inputs.A }}"))
		}, path.Root("http").AtName("url"), `http or https`},
		{"two executors", func(t *testing.T, m *StageResourceModel) {
			m.Noop = types.ObjectValueMust(stageNoopAttrTypes, map[string]attr.Value{"outputs": types.MapNull(types.StringType)})
		}, path.Root("noop"), `http and noop`},
		{"unknown values are not judged", func(t *testing.T, m *StageResourceModel) {
			// The inputs come from a variable not known yet: a template
			// naming any input may be right.
			m.Inputs = types.ListUnknown(types.ObjectType{AttrTypes: stageInputAttrTypes})
			setHTTP(t, m, "payload", strMap("a", "${{ inputs.LATER }}"))
			setHTTP(t, m, "url", types.StringUnknown())
		}, path.Empty(), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validStage(t)
			tc.mutate(t, m)
			var diags diag.Diagnostics
			validateStage(context.Background(), m, &diags)
			errs := diags.Errors()
			if tc.detail == "" {
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			withPath, ok := errs[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(tc.path) {
				t.Errorf("error at %v, want %v", errs[0], tc.path)
			}
			if !strings.Contains(errs[0].Detail(), tc.detail) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tc.detail)
			}
		})
	}
}

func TestValidateStageWarnsUnproducibleOutputs(t *testing.T) {
	ctx := context.Background()
	// The fixture's output "version" is required.
	githubEx := &api.Executor{Type: api.ExecutorGitHub, Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Name: "app"}, Spec: map[string]any{"workflow": "d.yml", "ref": "main"}}
	for name, tc := range map[string]struct {
		ex     *api.Executor
		dryRun bool
	}{
		"noop without it": {ex: &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"url": "x"}}}},
		// A dry run contacts nothing: no run is there to push the output.
		"github dry run": {ex: githubEx, dryRun: true},
	} {
		t.Run(name, func(t *testing.T) {
			m, diags := stageModelFrom(ctx, stageFixture(t, tc.ex), &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			m.DryRun = types.BoolValue(tc.dryRun)
			validateStage(ctx, m, &diags)
			warnings := diags.Warnings()
			if diags.HasError() || len(warnings) != 1 || !strings.Contains(warnings[0].Detail(), `"version" is required`) {
				t.Fatalf("diagnostics = %v", diags)
			}
			withPath, ok := warnings[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(path.Root("output").AtListIndex(0).AtName("required")) {
				t.Errorf("warning at %v", warnings[0])
			}
		})
	}
	m, _ := stageModelFrom(ctx, stageFixture(t, &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"version": "1"}}}),
		&StageResourceModel{Canvas: types.StringValue("prod")})
	var diags diag.Diagnostics
	validateStage(ctx, m, &diags)
	if len(diags) != 0 {
		t.Errorf("a noop producing its required output: %v", diags)
	}
	// A GitHub Actions run pushes its outputs (POST /api/v1/outputs): a
	// required one is no mistake.
	m, _ = stageModelFrom(ctx, stageFixture(t, githubEx), &StageResourceModel{Canvas: types.StringValue("prod")})
	m.DryRun = types.BoolValue(false)
	diags = nil
	validateStage(ctx, m, &diags)
	if len(diags) != 0 {
		t.Errorf("a github stage with a required output: %v", diags)
	}
}

// TestValidateStageSemaphoreTask: a semaphore block sets exactly one of
// pipeline_file and task; ref is required with pipeline_file only.
func TestValidateStageSemaphoreTask(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   map[string]any
		path   path.Path // of the one error; empty: valid
		detail string
	}{
		{"task alone", map[string]any{"task": "nightly"}, path.Empty(), ""},
		{"task on a branch", map[string]any{"task": "nightly", "ref": "release"}, path.Empty(), ""},
		{"both", map[string]any{"task": "nightly", "pipelineFile": ".semaphore/deploy.yml", "ref": "main"},
			path.Root("semaphore").AtName("task"), "exactly one of semaphore.pipeline_file and semaphore.task"},
		{"neither", map[string]any{"ref": "main"}, path.Root("semaphore").AtName("pipeline_file"), "or a task"},
		{"pipeline file without ref", map[string]any{"pipelineFile": ".semaphore/deploy.yml"}, path.Root("semaphore").AtName("ref"), "semaphore.ref is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stageFixture(t, &api.Executor{Type: api.ExecutorSemaphore, Integration: &api.IntegrationRef{Name: "sem"},
				Resource: &api.ResourceRef{Type: "project", Name: "app"}, Spec: tc.spec})
			m, diags := stageModelFrom(context.Background(), st, &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			var vd diag.Diagnostics
			validateStage(context.Background(), m, &vd)
			errs := vd.Errors()
			if tc.detail == "" {
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			if withPath, ok := errs[0].(diag.DiagnosticWithPath); !ok || !withPath.Path().Equal(tc.path) {
				t.Errorf("error at %v, want %v", errs[0], tc.path)
			}
			if !strings.Contains(errs[0].Detail(), tc.detail) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tc.detail)
			}
		})
	}
}
