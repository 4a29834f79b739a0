package provider

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// stageParams builds the API stage from a plan, whose values are all known.
func stageParams(ctx context.Context, plan *StageResourceModel) (client.StageParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := api.StageSpec{
		Connections:   []api.Connection{},
		Conditions:    []api.Condition{},
		Inputs:        []api.InputDefinition{},
		InputMappings: []api.InputMapping{},
		Outputs:       []api.OutputDefinition{},
		Secrets:       []api.ValueDefinition{},
		DryRun:        plan.DryRun.ValueBool(),
	}

	conns, _ := listAs[stageConnectionModel](ctx, plan.Connections, &diags)
	for _, c := range conns {
		conn := api.Connection{
			Type: stageConnectionTypes[c.Type.ValueString()], Name: c.Name.ValueString(),
			FilterOperator: api.FilterOperatorAnd,
		}
		if op, ok := filterOperators[c.FilterOperator.ValueString()]; ok {
			conn.FilterOperator = op
		}
		conn.Filters = apiFilters(ctx, c.Filters, &diags)
		spec.Connections = append(spec.Connections, conn)
	}

	inputs, _ := listAs[stageInputModel](ctx, plan.Inputs, &diags)
	for _, in := range inputs {
		spec.Inputs = append(spec.Inputs, api.InputDefinition{Name: in.Name.ValueString(), Description: in.Description.ValueString()})
	}

	mappings, _ := listAs[stageInputMappingModel](ctx, plan.InputMappings, &diags)
	for _, m := range mappings {
		im := api.InputMapping{Values: []api.ValueDefinition{}}
		if !m.TriggeredBy.IsNull() {
			im.When = &api.InputMappingWhen{TriggeredBy: &struct {
				Connection string `json:"connection"`
			}{Connection: m.TriggeredBy.ValueString()}}
		}
		values, _ := listAs[stageValueModel](ctx, m.Values, &diags)
		for _, val := range values {
			def := stageValueDefinition(ctx, val, &diags)
			if ev := def.ValueFrom; ev != nil && ev.EventData != nil && ev.EventData.Connection == "" {
				ev.EventData.Connection, _ = fromEventConnection(m.TriggeredBy, conns)
			}
			im.Values = append(im.Values, def)
		}
		spec.InputMappings = append(spec.InputMappings, im)
	}

	outputs, _ := listAs[stageOutputModel](ctx, plan.Outputs, &diags)
	for _, o := range outputs {
		spec.Outputs = append(spec.Outputs, api.OutputDefinition{
			Name: o.Name.ValueString(), Description: o.Description.ValueString(), Required: o.Required.ValueBool(),
		})
	}

	approvals, _ := listAs[stageApprovalModel](ctx, plan.Approval, &diags)
	for _, a := range approvals {
		spec.Conditions = append(spec.Conditions, api.Condition{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: a.Count.ValueInt64()}})
	}
	windows, _ := listAs[stageTimeWindowModel](ctx, plan.TimeWindows, &diags)
	for _, w := range windows {
		tw := &api.ConditionTimeWindow{Start: w.Start.ValueString(), End: w.End.ValueString(), WeekDays: stageStrings(ctx, w.WeekDays, &diags)}
		spec.Conditions = append(spec.Conditions, api.Condition{Type: api.ConditionTypeTimeWindow, TimeWindow: tw})
	}

	secrets, _ := listAs[stageSecretModel](ctx, plan.Secrets, &diags)
	for _, s := range secrets {
		spec.Secrets = append(spec.Secrets, api.ValueDefinition{Name: s.Name.ValueString(), ValueFrom: &api.StageValueFrom{
			Secret: &api.ValueFromSecret{Name: s.Secret.ValueString(), Key: s.Key.ValueString(), DomainType: secretScopes[s.Scope.ValueString()]},
		}})
	}

	ex, d := stageExecutor(ctx, plan)
	diags.Append(d...)
	spec.Executor = ex
	return client.StageParams{Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Spec: spec}, diags
}

// fromEventConnection is the connection a from_event block left without
// one reads from: the mapping's triggered_by, else the stage's only
// connection. SuperPlane v1 servers require it; this one reads any
// triggering connection. ok is false when neither is known: several
// connections and no triggered_by, or names not known yet.
func fromEventConnection(triggeredBy types.String, conns []stageConnectionModel) (string, bool) {
	if isKnown(triggeredBy) && triggeredBy.ValueString() != "" {
		return triggeredBy.ValueString(), true
	}
	if len(conns) == 1 && isKnown(conns[0].Name) {
		return conns[0].Name.ValueString(), true
	}
	return "", false
}

// stageValueDefinition maps a value block.
func stageValueDefinition(ctx context.Context, val stageValueModel, diags *diag.Diagnostics) api.ValueDefinition {
	def := api.ValueDefinition{Name: val.Name.ValueString()}
	if ev := objectAs[stageFromEventModel](ctx, val.FromEvent, diags); ev != nil {
		def.ValueFrom = &api.StageValueFrom{EventData: &api.ValueFromEventData{
			Connection: ev.Connection.ValueString(), Expression: ev.Expression.ValueString(),
		}}
		return def
	}
	if last := objectAs[stageFromLastExecutionModel](ctx, val.FromLastExecution, diags); last != nil {
		results := stageStrings(ctx, last.Results, diags)
		for i, r := range results {
			results[i] = stageResults[r]
		}
		def.ValueFrom = &api.StageValueFrom{LastExecution: &api.ValueFromLastExecution{Results: results}}
		return def
	}
	def.Value = val.Value.ValueString()
	return def
}

// stageStrings returns a list of strings, nil when it is null.
func stageStrings(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	out := []string{}
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

// stageStringMap returns a map of strings as the executor spec holds it,
// and false when it is null.
func stageStringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) (map[string]any, bool) {
	if m.IsNull() || m.IsUnknown() {
		return nil, false
	}
	var values map[string]string
	diags.Append(m.ElementsAs(ctx, &values, false)...)
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	return out, true
}

// stageExecutor builds the executor from the one executor block of plan.
func stageExecutor(ctx context.Context, plan *StageResourceModel) (*api.Executor, diag.Diagnostics) {
	var diags diag.Diagnostics
	setMap := func(spec map[string]any, key string, m types.Map) {
		if v, ok := stageStringMap(ctx, m, &diags); ok {
			spec[key] = v
		}
	}
	setString := func(spec map[string]any, key string, v types.String) {
		if !v.IsNull() && !v.IsUnknown() {
			spec[key] = v.ValueString()
		}
	}
	if h := objectAs[stageHTTPModel](ctx, plan.HTTP, &diags); h != nil {
		spec := map[string]any{"url": h.URL.ValueString()}
		setMap(spec, "headers", h.Headers)
		setMap(spec, "payload", h.Payload)
		if !h.StatusCodes.IsNull() {
			var codes []int64
			diags.Append(h.StatusCodes.ElementsAs(ctx, &codes, false)...)
			list := make([]any, 0, len(codes))
			for _, c := range codes {
				list = append(list, c)
			}
			spec["responsePolicy"] = map[string]any{"statusCodes": list}
		}
		if !h.TimeoutSeconds.IsNull() {
			spec["timeoutSeconds"] = h.TimeoutSeconds.ValueInt64()
		}
		signing := map[string]any{}
		setString(signing, "service", h.AWSService)
		setString(signing, "region", h.AWSRegion)
		if len(signing) > 0 {
			spec["aws"] = signing
		}
		if isKnown(h.AzureScope) {
			spec["azure"] = map[string]any{"scope": h.AzureScope.ValueString()}
		}
		if !h.GCPScopes.IsNull() && !h.GCPScopes.IsUnknown() {
			var scopes []string
			diags.Append(h.GCPScopes.ElementsAs(ctx, &scopes, false)...)
			list := make([]any, 0, len(scopes))
			for _, s := range scopes {
				list = append(list, s)
			}
			spec["gcp"] = map[string]any{"scopes": list}
		}
		expandHTTPMethod(h, spec, &diags)
		ex := &api.Executor{Type: api.ExecutorHTTP, Spec: spec}
		if isKnown(h.Integration) {
			ex.Integration = &api.IntegrationRef{Name: h.Integration.ValueString()}
		}
		return ex, diags
	}
	if g := objectAs[stageGitHubModel](ctx, plan.GitHub, &diags); g != nil {
		spec := map[string]any{"workflow": g.Workflow.ValueString(), "ref": g.Ref.ValueString()}
		setMap(spec, "inputs", g.Inputs)
		return &api.Executor{
			Type:        api.ExecutorGitHub,
			Integration: &api.IntegrationRef{Name: g.Integration.ValueString()},
			Resource:    &api.ResourceRef{Type: "repository", Name: g.Repository.ValueString()},
			Spec:        spec,
		}, diags
	}
	if s := objectAs[stageSemaphoreModel](ctx, plan.Semaphore, &diags); s != nil {
		spec := map[string]any{}
		// A task runs its own pipeline file, and its branch unless ref
		// names one: the spec carries only what the block sets.
		setString(spec, "pipelineFile", s.PipelineFile)
		setString(spec, "task", s.Task)
		setString(spec, "ref", s.Ref)
		setMap(spec, "parameters", s.Parameters)
		return &api.Executor{
			Type:        api.ExecutorSemaphore,
			Integration: &api.IntegrationRef{Name: s.Integration.ValueString()},
			Resource:    &api.ResourceRef{Type: "project", Name: s.Project.ValueString()},
			Spec:        spec,
		}, diags
	}
	if g := objectAs[stageGitLabModel](ctx, plan.GitLab, &diags); g != nil {
		return stageGitLabExecutor(ctx, g, &diags), diags
	}
	if b := objectAs[stageBitbucketModel](ctx, plan.Bitbucket, &diags); b != nil {
		spec := map[string]any{"ref": b.Ref.ValueString()}
		setString(spec, "pipeline", b.Pipeline)
		setMap(spec, "variables", b.Variables)
		return &api.Executor{
			Type:        api.ExecutorBitbucket,
			Integration: &api.IntegrationRef{Name: b.Integration.ValueString()},
			Resource:    &api.ResourceRef{Type: "repository", Name: b.Repository.ValueString()},
			Spec:        spec,
		}, diags
	}
	if a := objectAs[stageAzureDevOpsModel](ctx, plan.AzureDevOps, &diags); a != nil {
		return stageAzureDevOpsExecutor(ctx, a, &diags), diags
	}
	if n := objectAs[stageNoopModel](ctx, plan.Noop, &diags); n != nil {
		spec := map[string]any{}
		setMap(spec, "outputs", n.Outputs)
		return &api.Executor{Type: api.ExecutorNoop, Spec: spec}, diags
	}
	diags.AddError("Missing executor", "A stage needs exactly one executor block: "+api.JoinOr(stageExecutorBlocks)+".")
	return nil, diags
}

// stageModelFrom builds state from an API stage. Only the canvas argument
// as written comes from prior (the plan or the previous state); everything
// else is what the server holds, so an import is complete and a change made
// outside Terraform shows in the next plan.
func stageModelFrom(ctx context.Context, st *api.Stage, prior *StageResourceModel) (*StageResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m, spec := st.Metadata, st.Spec
	if spec == nil {
		spec = &api.StageSpec{}
	}
	out := &StageResourceModel{
		ID:          types.StringValue(m.ID),
		Canvas:      prior.Canvas,
		Name:        types.StringValue(m.Name),
		Description: types.StringValue(m.Description),
		DryRun:      types.BoolValue(spec.DryRun),
		CreatedAt:   timeValue(m.CreatedAt),
	}
	if st.Status != nil {
		out.LastExecution = stageLastExecutionValue(ctx, st.Status.LastExecution, &diags)
	} else {
		out.LastExecution = types.ObjectNull(stageLastExecutionAttrTypes)
	}

	conns := make([]stageConnectionModel, 0, len(spec.Connections))
	for _, c := range spec.Connections {
		conns = append(conns, stageConnectionModel{
			Type:           types.StringValue(reverseLookup(stageConnectionTypes, c.Type)),
			Name:           types.StringValue(c.Name),
			FilterOperator: types.StringValue(orDefault(reverseLookup(filterOperators, c.FilterOperator), "and")),
			Filters:        filterListValue(c.Filters, &diags),
		})
	}
	out.Connections = blockListValue(ctx, stageConnectionAttrTypes, conns, &diags)

	inputs := make([]stageInputModel, 0, len(spec.Inputs))
	for _, in := range spec.Inputs {
		inputs = append(inputs, stageInputModel{Name: types.StringValue(in.Name), Description: types.StringValue(in.Description)})
	}
	out.Inputs = blockListValue(ctx, stageInputAttrTypes, inputs, &diags)

	mappings := make([]stageInputMappingModel, 0, len(spec.InputMappings))
	for _, im := range spec.InputMappings {
		mm := stageInputMappingModel{TriggeredBy: types.StringNull()}
		if im.When != nil && im.When.TriggeredBy != nil && im.When.TriggeredBy.Connection != "" {
			mm.TriggeredBy = types.StringValue(im.When.TriggeredBy.Connection)
		}
		values := make([]stageValueModel, 0, len(im.Values))
		for _, v := range im.Values {
			values = append(values, stageValueModelFrom(ctx, v, &diags))
		}
		mm.Values = blockListValue(ctx, stageValueAttrTypes, values, &diags)
		mappings = append(mappings, mm)
	}
	out.InputMappings = blockListValue(ctx, stageInputMappingAttrTypes, mappings, &diags)

	outputs := make([]stageOutputModel, 0, len(spec.Outputs))
	for _, o := range spec.Outputs {
		outputs = append(outputs, stageOutputModel{Name: types.StringValue(o.Name), Description: types.StringValue(o.Description), Required: types.BoolValue(o.Required)})
	}
	out.Outputs = blockListValue(ctx, stageOutputAttrTypes, outputs, &diags)

	approvals, windows := []stageApprovalModel{}, []stageTimeWindowModel{}
	for _, c := range spec.Conditions {
		switch {
		case c.Type == api.ConditionTypeApproval && c.Approval != nil:
			approvals = append(approvals, stageApprovalModel{Count: types.Int64Value(c.Approval.Count)})
		case c.Type == api.ConditionTypeTimeWindow && c.TimeWindow != nil:
			windows = append(windows, stageTimeWindowModel{
				Start: types.StringValue(c.TimeWindow.Start), End: types.StringValue(c.TimeWindow.End),
				WeekDays: stringListValue(c.TimeWindow.WeekDays, &diags),
			})
		}
	}
	out.Approval = blockListValue(ctx, stageApprovalAttrTypes, approvals, &diags)
	out.TimeWindows = blockListValue(ctx, stageTimeWindowAttrTypes, windows, &diags)

	secrets := make([]stageSecretModel, 0, len(spec.Secrets))
	for _, s := range spec.Secrets {
		sm := stageSecretModel{Name: types.StringValue(s.Name), Secret: types.StringNull(), Key: types.StringNull(), Scope: types.StringNull()}
		if s.ValueFrom != nil && s.ValueFrom.Secret != nil {
			ref := s.ValueFrom.Secret
			sm.Secret, sm.Key = types.StringValue(ref.Name), types.StringValue(ref.Key)
			if scope := reverseLookup(secretScopes, ref.DomainType); scope != ref.DomainType {
				sm.Scope = types.StringValue(scope)
			}
		}
		secrets = append(secrets, sm)
	}
	out.Secrets = blockListValue(ctx, stageSecretAttrTypes, secrets, &diags)

	stageExecutorFrom(ctx, spec.Executor, out, &diags)
	return out, diags
}

// stageValueModelFrom maps one value of an input mapping.
func stageValueModelFrom(ctx context.Context, v api.ValueDefinition, diags *diag.Diagnostics) stageValueModel {
	vm := stageValueModel{
		Name:              types.StringValue(v.Name),
		Value:             types.StringNull(),
		FromEvent:         types.ObjectNull(stageFromEventAttrTypes),
		FromLastExecution: types.ObjectNull(stageFromLastAttrTypes),
	}
	switch {
	case v.ValueFrom == nil:
		vm.Value = types.StringValue(v.Value)
	case v.ValueFrom.EventData != nil:
		ev := stageFromEventModel{Connection: types.StringNull(), Expression: types.StringValue(v.ValueFrom.EventData.Expression)}
		if v.ValueFrom.EventData.Connection != "" {
			ev.Connection = types.StringValue(v.ValueFrom.EventData.Connection)
		}
		obj, d := objectValueOf(ctx, stageFromEventAttrTypes, ev)
		diags.Append(d...)
		vm.FromEvent = obj
	case v.ValueFrom.LastExecution != nil:
		var results []string
		if v.ValueFrom.LastExecution.Results != nil {
			results = make([]string, 0, len(v.ValueFrom.LastExecution.Results))
			for _, r := range v.ValueFrom.LastExecution.Results {
				results = append(results, reverseLookup(stageResults, r))
			}
		}
		obj, d := objectValueOf(ctx, stageFromLastAttrTypes, stageFromLastExecutionModel{Results: stringListValue(results, diags)})
		diags.Append(d...)
		vm.FromLastExecution = obj
	}
	return vm
}

// stageExecutorFrom sets the executor block of out that matches ex; the
// others are null.
func stageExecutorFrom(ctx context.Context, ex *api.Executor, out *StageResourceModel, diags *diag.Diagnostics) {
	out.HTTP = types.ObjectNull(stageHTTPAttrTypes)
	out.GitHub = types.ObjectNull(stageGitHubAttrTypes)
	out.Semaphore = types.ObjectNull(stageSemaphoreAttrTypes)
	out.GitLab = types.ObjectNull(stageGitLabAttrTypes)
	out.Bitbucket = types.ObjectNull(stageBitbucketAttrTypes)
	out.AzureDevOps = types.ObjectNull(stageAzureDevOpsAttrTypes)
	out.Noop = types.ObjectNull(stageNoopAttrTypes)
	if ex == nil {
		return
	}
	spec := ex.Spec
	integration, resource := types.StringNull(), types.StringNull()
	if ex.Integration != nil && ex.Integration.Name != "" {
		integration = types.StringValue(ex.Integration.Name)
	}
	if ex.Resource != nil && ex.Resource.Name != "" {
		resource = types.StringValue(ex.Resource.Name)
	}
	var obj types.Object
	var d diag.Diagnostics
	switch ex.Type {
	case api.ExecutorHTTP:
		h := stageHTTPModel{
			URL:            specStringValue(spec, "url"),
			Headers:        specMapValue(spec, "headers", diags),
			Payload:        specMapValue(spec, "payload", diags),
			StatusCodes:    types.ListNull(types.Int64Type),
			TimeoutSeconds: types.Int64Null(),
			Integration:    integration,
			AWSService:     types.StringNull(),
			AWSRegion:      types.StringNull(),
			AzureScope:     types.StringNull(),
			GCPScopes:      types.ListNull(types.StringType),
		}
		readHTTPMethod(spec, &h, diags)
		if g, ok := spec["gcp"].(map[string]any); ok {
			if list, ok := g["scopes"].([]any); ok {
				scopes := make([]string, 0, len(list))
				for _, x := range list {
					if s, ok := x.(string); ok {
						scopes = append(scopes, s)
					}
				}
				h.GCPScopes = stringListValue(scopes, diags)
			}
		}
		if az, ok := spec["azure"].(map[string]any); ok {
			h.AzureScope = specStringValue(az, "scope")
		}
		if signing, ok := spec["aws"].(map[string]any); ok {
			h.AWSService, h.AWSRegion = specStringValue(signing, "service"), specStringValue(signing, "region")
		}
		if policy, ok := spec["responsePolicy"].(map[string]any); ok {
			if list, ok := policy["statusCodes"].([]any); ok {
				codes := make([]attr.Value, 0, len(list))
				for _, x := range list {
					if n, ok := specNumber(x); ok {
						codes = append(codes, types.Int64Value(n))
					}
				}
				l, ld := types.ListValue(types.Int64Type, codes)
				diags.Append(ld...)
				h.StatusCodes = l
			}
		}
		if n, ok := specNumber(spec["timeoutSeconds"]); ok {
			h.TimeoutSeconds = types.Int64Value(n)
		}
		obj, d = objectValueOf(ctx, stageHTTPAttrTypes, h)
		out.HTTP = obj
	case api.ExecutorGitHub:
		obj, d = objectValueOf(ctx, stageGitHubAttrTypes, stageGitHubModel{
			Integration: integration, Repository: resource,
			Workflow: specStringValue(spec, "workflow"), Ref: specStringValue(spec, "ref"),
			Inputs: specMapValue(spec, "inputs", diags),
		})
		out.GitHub = obj
	case api.ExecutorSemaphore:
		obj, d = objectValueOf(ctx, stageSemaphoreAttrTypes, stageSemaphoreModel{
			Integration: integration, Project: resource,
			PipelineFile: specStringValue(spec, "pipelineFile"), Task: specStringValue(spec, "task"),
			Ref:        specStringValue(spec, "ref"),
			Parameters: specMapValue(spec, "parameters", diags),
		})
		out.Semaphore = obj
	case api.ExecutorGitLab:
		obj, d = stageGitLabFrom(ctx, integration, resource, spec, diags)
		out.GitLab = obj
	case api.ExecutorBitbucket:
		obj, d = objectValueOf(ctx, stageBitbucketAttrTypes, stageBitbucketModel{
			Integration: integration, Repository: resource,
			Ref: specStringValue(spec, "ref"), Pipeline: specStringValue(spec, "pipeline"),
			Variables: specMapValue(spec, "variables", diags),
		})
		out.Bitbucket = obj
	case api.ExecutorAzureDevOps:
		obj, d = stageAzureDevOpsFrom(ctx, integration, resource, spec, diags)
		out.AzureDevOps = obj
	case api.ExecutorNoop:
		obj, d = objectValueOf(ctx, stageNoopAttrTypes, stageNoopModel{Outputs: specMapValue(spec, "outputs", diags)})
		out.Noop = obj
	}
	diags.Append(d...)
}

// specText returns a scalar of an executor spec as text: strings as they
// are, numbers without exponent, anything else as JSON.
func specText(x any) (string, bool) {
	switch t := x.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// specStringValue is a string field of an executor spec, null when absent.
func specStringValue(spec map[string]any, key string) types.String {
	if s, ok := specText(spec[key]); ok {
		return types.StringValue(s)
	}
	return types.StringNull()
}

// specMapValue is an object field of an executor spec as a map of strings,
// null when absent.
func specMapValue(spec map[string]any, key string, diags *diag.Diagnostics) types.Map {
	obj, ok := spec[key].(map[string]any)
	if !ok {
		return types.MapNull(types.StringType)
	}
	elems := make(map[string]attr.Value, len(obj))
	for k, x := range obj {
		s, _ := specText(x)
		elems[k] = types.StringValue(s)
	}
	m, d := types.MapValue(types.StringType, elems)
	diags.Append(d...)
	return m
}

// specNumber reads a whole JSON number (or numeric text).
func specNumber(x any) (int64, bool) {
	var f float64
	switch t := x.(type) {
	case float64:
		f = t
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(t), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// stageLastExecutionValue maps the API's last execution; null when there
// is none. States and results lose their prefix: STATE_FINISHED is
// "finished", RESULT_PASSED "passed".
func stageLastExecutionValue(ctx context.Context, ex *api.Execution, diags *diag.Diagnostics) types.Object {
	if ex == nil || ex.ID == "" {
		return types.ObjectNull(stageLastExecutionAttrTypes)
	}
	m := stageLastExecutionModel{
		ID:              types.StringValue(ex.ID),
		State:           types.StringValue(strings.ToLower(strings.TrimPrefix(ex.State, "STATE_"))),
		Result:          types.StringNull(),
		ResultReason:    types.StringNull(),
		ResultMessage:   types.StringNull(),
		CreatedAt:       timeValue(ex.CreatedAt),
		StartedAt:       timeValue(ex.StartedAt),
		FinishedAt:      timeValue(ex.FinishedAt),
		DurationSeconds: types.Float64Null(),
	}
	if ex.Result != "" && ex.Result != "RESULT_UNKNOWN" {
		m.Result = types.StringValue(strings.ToLower(strings.TrimPrefix(ex.Result, "RESULT_")))
		// The reason and message belong to the result: a server that
		// fills them in early is not believed before it finishes.
		if ex.ResultReason != "" && ex.ResultReason != "RESULT_REASON_UNKNOWN" {
			m.ResultReason = types.StringValue(strings.ToLower(strings.TrimPrefix(ex.ResultReason, "RESULT_REASON_")))
		}
		if ex.ResultMessage != "" {
			m.ResultMessage = types.StringValue(ex.ResultMessage)
		}
	}
	if ex.StartedAt != nil && ex.FinishedAt != nil && !ex.StartedAt.IsZero() && !ex.FinishedAt.IsZero() {
		// Milliseconds are enough for a run and keep the number short.
		ms := max(ex.FinishedAt.Sub(*ex.StartedAt).Milliseconds(), 0)
		m.DurationSeconds = types.Float64Value(float64(ms) / 1000)
	}
	outputs := make(map[string]string, len(ex.Outputs))
	for _, o := range ex.Outputs {
		outputs[o.Name] = o.Value
	}
	om, d := types.MapValueFrom(ctx, types.StringType, outputs)
	diags.Append(d...)
	m.Outputs = om
	obj, d := objectValueOf(ctx, stageLastExecutionAttrTypes, m)
	diags.Append(d...)
	return obj
}
