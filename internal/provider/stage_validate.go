package provider

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// ValidateConfig checks, before anything is sent, what the server would
// refuse, with the path of the attribute at fault: templates naming an
// undeclared input or secret alias (or malformed), input mappings for
// connections the stage does not have, inputs without a value, not exactly
// one executor block, missing executor fields, a URL that is not http(s),
// repeated names, and a time window ending at its start (which SuperPlane
// accepts but never opens). Unknown values are checked when they become
// known.
func (r *StageResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config StageResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateStage(ctx, &config, &resp.Diagnostics)
}

// stageNames is a set of declared names; known is false when some name
// (or the list) is not known yet, so absence proves nothing.
type stageNames struct {
	set   map[string]bool
	known bool
}

func (n stageNames) lacks(name string) bool { return n.known && !n.set[name] }

// sorted lists the names for a message.
func (n stageNames) sorted() string {
	names := make([]string, 0, len(n.set))
	for k := range n.set {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none is declared"
	}
	return "declared: " + strings.Join(names, ", ")
}

// stageValidator collects the diagnostics of one configuration.
type stageValidator struct {
	ctx         context.Context
	diags       *diag.Diagnostics
	inputs      stageNames
	secrets     stageNames
	connections stageNames
	// connectBlocks counts the connect blocks, names known or not.
	connectBlocks int
}

// validateStage adds a diagnostic for each problem of config.
func validateStage(ctx context.Context, config *StageResourceModel, diags *diag.Diagnostics) {
	v := &stageValidator{ctx: ctx, diags: diags}
	v.validateConnections(config)
	v.validateInputs(config)
	v.validateMappings(config)
	stageDeclared(v, config.Outputs, "output", func(o stageOutputModel) types.String { return o.Name })
	v.validateSecrets(config)
	v.validateExecutor(config)
	v.validateTimeWindows(config)
}

// stageDeclared reports repeated names in a list of blocks and returns the
// names declared.
func stageDeclared[T any](v *stageValidator, l types.List, block string, name func(T) types.String) stageNames {
	items, ok := listAs[T](v.ctx, l, v.diags)
	names := stageNames{set: map[string]bool{}, known: ok}
	for i, it := range items {
		n := name(it)
		if !isKnown(n) {
			names.known = false
			continue
		}
		if names.set[n.ValueString()] {
			v.diags.AddAttributeError(path.Root(block).AtListIndex(i).AtName("name"), "Duplicate "+block+" name",
				fmt.Sprintf("%s[%d].name: %q is declared twice.", block, i, n.ValueString()))
		}
		names.set[n.ValueString()] = true
	}
	return names
}

func (v *stageValidator) validateConnections(config *StageResourceModel) {
	conns, ok := listAs[stageConnectionModel](v.ctx, config.Connections, v.diags)
	v.connections = stageNames{set: map[string]bool{}, known: ok}
	v.connectBlocks = len(conns)
	if ok && len(conns) == 0 {
		v.diags.AddAttributeError(path.Root("connect"), "Missing connection",
			"A stage needs at least one connect block: the event sources or stages whose events it runs on.")
	}
	for i, c := range conns {
		p := path.Root("connect").AtListIndex(i)
		if !isKnown(c.Name) {
			v.connections.known = false
		} else {
			n := c.Name.ValueString()
			if v.connections.set[n] {
				v.diags.AddAttributeError(p.AtName("name"), "Duplicate connection",
					fmt.Sprintf("connect[%d].name: %q is listed twice.", i, n))
			}
			v.connections.set[n] = true
			if c.Type.ValueString() == "stage" && isKnown(config.Name) && n == config.Name.ValueString() {
				v.diags.AddAttributeError(p.AtName("name"), "Stage connected to itself",
					fmt.Sprintf("connect[%d].name: a stage cannot listen to itself.", i))
			}
		}
		filters, _ := listAs[filterModel](v.ctx, c.Filters, v.diags)
		for j, f := range filters {
			if f.Data.IsUnknown() || f.Header.IsUnknown() {
				continue
			}
			if f.Data.IsNull() == f.Header.IsNull() {
				v.diags.AddAttributeError(p.AtName("filter").AtListIndex(j), "Invalid filter",
					fmt.Sprintf("connect[%d].filter[%d]: set exactly one of data and header.", i, j))
			}
		}
	}
}

func (v *stageValidator) validateInputs(config *StageResourceModel) {
	v.inputs = stageDeclared(v, config.Inputs, "input", func(in stageInputModel) types.String { return in.Name })
}

func (v *stageValidator) validateSecrets(config *StageResourceModel) {
	secrets, ok := listAs[stageSecretModel](v.ctx, config.Secrets, v.diags)
	v.secrets = stageNames{set: map[string]bool{}, known: ok}
	for i, s := range secrets {
		if !isKnown(s.Name) {
			v.secrets.known = false
			continue
		}
		if v.secrets.set[s.Name.ValueString()] {
			v.diags.AddAttributeError(path.Root("secret").AtListIndex(i).AtName("name"), "Duplicate secret alias",
				fmt.Sprintf("secret[%d].name: %q is declared twice.", i, s.Name.ValueString()))
		}
		v.secrets.set[s.Name.ValueString()] = true
	}
}

func (v *stageValidator) validateMappings(config *StageResourceModel) {
	mappings, ok := listAs[stageInputMappingModel](v.ctx, config.InputMappings, v.diags)
	if !ok {
		return
	}
	if len(mappings) == 0 && v.inputs.known {
		inputs, _ := listAs[stageInputModel](v.ctx, config.Inputs, v.diags)
		for i, in := range inputs {
			v.diags.AddAttributeError(path.Root("input").AtListIndex(i).AtName("name"), "Input without a mapping",
				fmt.Sprintf("input[%d] %q has no value: add an input_mapping block with a value block for it.", i, in.Name.ValueString()))
		}
		return
	}
	triggers := map[string]bool{}
	for i, m := range mappings {
		p := path.Root("input_mapping").AtListIndex(i)
		if !m.TriggeredBy.IsUnknown() {
			when := m.TriggeredBy.ValueString()
			if when != "" && v.connections.lacks(when) {
				v.diags.AddAttributeError(p.AtName("triggered_by"), "Unknown connection",
					fmt.Sprintf("input_mapping[%d].triggered_by %q is not a connection of the stage (%s).", i, when, v.connections.sorted()))
			}
			if triggers[when] {
				what := fmt.Sprintf("connection %q", when)
				if when == "" {
					what = "every connection (no triggered_by)"
				}
				v.diags.AddAttributeError(p.AtName("triggered_by"), "Duplicate input mapping",
					fmt.Sprintf("input_mapping[%d]: another mapping already applies to %s.", i, what))
			}
			triggers[when] = true
		}
		values, ok := listAs[stageValueModel](v.ctx, m.Values, v.diags)
		mapped := map[string]bool{}
		for j, val := range values {
			vp := p.AtName("value").AtListIndex(j)
			label := fmt.Sprintf("input_mapping[%d].value[%d]", i, j)
			if isKnown(val.Name) {
				n := val.Name.ValueString()
				if v.inputs.lacks(n) {
					v.diags.AddAttributeError(vp.AtName("name"), "Undeclared input",
						fmt.Sprintf("%s.name %q is not a declared input (%s).", label, n, v.inputs.sorted()))
				}
				if mapped[n] {
					v.diags.AddAttributeError(vp.AtName("name"), "Duplicate value",
						fmt.Sprintf("%s.name: input %q already has a value in this mapping.", label, n))
				}
				mapped[n] = true
			} else {
				ok = false
			}
			v.validateValue(vp, label, val, m.TriggeredBy)
		}
		if !ok || !v.inputs.known {
			continue
		}
		var missing []string
		for n := range v.inputs.set {
			if !mapped[n] {
				missing = append(missing, strconv.Quote(n))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			v.diags.AddAttributeError(p, "Input without a value",
				fmt.Sprintf("input_mapping[%d] gives no value to input %s: each mapping must set every input.", i, strings.Join(missing, ", ")))
		}
	}
}

// validateValue checks one value block: exactly one source, and the
// connection of from_event.
func (v *stageValidator) validateValue(p path.Path, label string, val stageValueModel, triggeredBy types.String) {
	if val.Value.IsUnknown() || val.FromEvent.IsUnknown() || val.FromLastExecution.IsUnknown() {
		return
	}
	set := 0
	for _, isSet := range []bool{!val.Value.IsNull(), !val.FromEvent.IsNull(), !val.FromLastExecution.IsNull()} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		v.diags.AddAttributeError(p, "Invalid input value",
			fmt.Sprintf("%s: set exactly one of value, from_event and from_last_execution.", label))
	}
	ev := objectAs[stageFromEventModel](v.ctx, val.FromEvent, v.diags)
	if ev == nil {
		return
	}
	if ev.Expression.IsNull() {
		v.diags.AddAttributeError(p.AtName("from_event").AtName("expression"), "Missing expression",
			fmt.Sprintf("%s.from_event.expression is required: the expression that reads the value from the event.", label))
	}
	if ev.Connection.IsNull() && v.connectBlocks > 1 && triggeredBy.IsNull() {
		v.diags.AddAttributeWarning(p.AtName("from_event").AtName("connection"), "Connection not named",
			fmt.Sprintf("%s.from_event.connection is not set and the stage has several connections (%s): "+
				"this server reads the event of whichever one triggered the run, but SuperPlane v1 servers "+
				"require the connection. Set it, or triggered_by on the mapping.", label, v.connections.sorted()))
	}
	if isKnown(ev.Connection) && v.connections.lacks(ev.Connection.ValueString()) {
		v.diags.AddAttributeError(p.AtName("from_event").AtName("connection"), "Unknown connection",
			fmt.Sprintf("%s.from_event.connection %q is not a connection of the stage (%s).", label, ev.Connection.ValueString(), v.connections.sorted()))
	}
}

func (v *stageValidator) validateExecutor(config *StageResourceModel) {
	blocks := map[string]types.Object{
		api.ExecutorHTTP: config.HTTP, api.ExecutorGitHub: config.GitHub, api.ExecutorSemaphore: config.Semaphore, api.ExecutorGitLab: config.GitLab, api.ExecutorNoop: config.Noop,
		api.ExecutorBitbucket: config.Bitbucket,
	}
	blocks[api.ExecutorAzureDevOps] = config.AzureDevOps
	var set []string
	for _, name := range stageExecutorBlocks {
		if !blocks[name].IsNull() {
			set = append(set, name)
		}
	}
	switch {
	case len(set) == 0:
		v.diags.AddError("Missing executor",
			"A stage needs exactly one executor block: "+api.JoinOr(stageExecutorBlocks)+".")
		return
	case len(set) > 1:
		for _, name := range set[1:] {
			v.diags.AddAttributeError(path.Root(name), "Conflicting executor blocks",
				fmt.Sprintf("A stage has exactly one executor, but this one sets %s: keep one of them.", strings.Join(set, " and ")))
		}
		return
	}

	switch set[0] {
	case api.ExecutorHTTP:
		h := objectAs[stageHTTPModel](v.ctx, config.HTTP, v.diags)
		if h == nil {
			return
		}
		p := path.Root("http")
		if v.require(p.AtName("url"), "http.url", h.URL, "the URL SuperPlane calls") {
			v.checkURL(p.AtName("url"), h.URL)
		}
		v.checkTemplates(p.AtName("url"), "http.url", h.URL)
		v.checkTemplateMap(p.AtName("headers"), "http.headers", h.Headers)
		if !h.Headers.IsUnknown() {
			for _, k := range sortedMapKeys(h.Headers) {
				if !api.IsHeaderName(k) {
					v.diags.AddAttributeError(p.AtName("headers").AtMapKey(k), "Invalid header name",
						fmt.Sprintf("http.headers: %q is not a valid HTTP header name.", k))
				}
			}
		}
		v.checkTemplateMap(p.AtName("payload"), "http.payload", h.Payload)
	case api.ExecutorGitHub:
		g := objectAs[stageGitHubModel](v.ctx, config.GitHub, v.diags)
		if g == nil {
			return
		}
		p := path.Root("github")
		v.require(p.AtName("integration"), "github.integration", g.Integration, "the github integration to run the workflow through")
		v.require(p.AtName("repository"), "github.repository", g.Repository, "the repository whose workflow runs")
		if v.require(p.AtName("workflow"), "github.workflow", g.Workflow, "the workflow file name or id") &&
			isKnown(g.Workflow) && !strings.Contains(g.Workflow.ValueString(), "${{") && strings.ContainsAny(g.Workflow.ValueString(), `/\`) {
			v.diags.AddAttributeError(p.AtName("workflow"), "Invalid workflow",
				fmt.Sprintf("github.workflow %q must be a workflow file name (deploy.yml) or id, not a path.", g.Workflow.ValueString()))
		}
		v.require(p.AtName("ref"), "github.ref", g.Ref, "the branch or tag to run on")
		v.checkTemplates(p.AtName("workflow"), "github.workflow", g.Workflow)
		v.checkTemplates(p.AtName("ref"), "github.ref", g.Ref)
		v.checkTemplateMap(p.AtName("inputs"), "github.inputs", g.Inputs)
	case api.ExecutorSemaphore:
		s := objectAs[stageSemaphoreModel](v.ctx, config.Semaphore, v.diags)
		if s == nil {
			return
		}
		p := path.Root("semaphore")
		v.require(p.AtName("integration"), "semaphore.integration", s.Integration, "the semaphore integration to run the pipeline through")
		v.require(p.AtName("project"), "semaphore.project", s.Project, "the Semaphore project")
		if s.Task.IsNull() {
			v.require(p.AtName("pipeline_file"), "semaphore.pipeline_file", s.PipelineFile, "the pipeline file to run, or a task")
			v.require(p.AtName("ref"), "semaphore.ref", s.Ref, "the branch to run on")
		} else if !s.PipelineFile.IsNull() {
			v.diags.AddAttributeError(p.AtName("task"), "Conflicting semaphore.task",
				"Set exactly one of semaphore.pipeline_file and semaphore.task: a task runs its own pipeline file.")
		}
		v.checkTemplates(p.AtName("pipeline_file"), "semaphore.pipeline_file", s.PipelineFile)
		v.checkTemplates(p.AtName("task"), "semaphore.task", s.Task)
		v.checkTemplates(p.AtName("ref"), "semaphore.ref", s.Ref)
		v.checkTemplateMap(p.AtName("parameters"), "semaphore.parameters", s.Parameters)
	case api.ExecutorGitLab:
		v.validateGitLab(config)
	case api.ExecutorAzureDevOps:
		v.validateAzureDevOps(config)
	case api.ExecutorBitbucket:
		b := objectAs[stageBitbucketModel](v.ctx, config.Bitbucket, v.diags)
		if b == nil {
			return
		}
		p := path.Root("bitbucket")
		v.require(p.AtName("integration"), "bitbucket.integration", b.Integration, "the bitbucket integration to run the pipeline through")
		v.require(p.AtName("repository"), "bitbucket.repository", b.Repository, "the repository whose pipeline runs")
		v.require(p.AtName("ref"), "bitbucket.ref", b.Ref, "the branch to run on")
		v.checkTemplates(p.AtName("ref"), "bitbucket.ref", b.Ref)
		v.checkTemplates(p.AtName("pipeline"), "bitbucket.pipeline", b.Pipeline)
		v.checkTemplateMap(p.AtName("variables"), "bitbucket.variables", b.Variables)
	case api.ExecutorNoop:
		n := objectAs[stageNoopModel](v.ctx, config.Noop, v.diags)
		if n == nil {
			return
		}
		v.checkTemplateMap(path.Root("noop").AtName("outputs"), "noop.outputs", n.Outputs)
	}
	v.warnUnproducibleOutputs(config, set[0])
}

// warnUnproducibleOutputs warns about required outputs the executor can
// never produce, so every execution would fail: those missing from
// noop.outputs, and any of a github or semaphore dry run (which contacts
// nothing, so no run pushes them). Only a warning: SuperPlane accepts the
// stage.
func (v *stageValidator) warnUnproducibleOutputs(config *StageResourceModel, executor string) {
	if executor == api.ExecutorHTTP || config.DryRun.IsUnknown() {
		return
	}
	if executor != api.ExecutorNoop && !config.DryRun.ValueBool() {
		// A GitHub Actions run or Semaphore pipeline pushes its outputs
		// (POST /api/v1/outputs) while it runs.
		return
	}
	produced := map[string]bool{}
	if executor == api.ExecutorNoop {
		n := objectAs[stageNoopModel](v.ctx, config.Noop, v.diags)
		if n == nil || n.Outputs.IsUnknown() {
			return
		}
		for k := range n.Outputs.Elements() {
			produced[k] = true
		}
	}
	outputs, _ := listAs[stageOutputModel](v.ctx, config.Outputs, v.diags)
	for i, o := range outputs {
		if !isKnown(o.Name) || !o.Required.ValueBool() || produced[o.Name.ValueString()] {
			continue
		}
		why := fmt.Sprintf("a dry run of a %s executor contacts nothing, so no run pushes it", executor)
		if executor == api.ExecutorNoop {
			why = "noop.outputs does not set it"
		}
		v.diags.AddAttributeWarning(path.Root("output").AtListIndex(i).AtName("required"), "Required output never produced",
			fmt.Sprintf("output[%d] %q is required, but %s: every execution will fail with missing outputs.", i, o.Name.ValueString(), why))
	}
}

// require reports a null required field of an executor block and returns
// whether it is set.
func (v *stageValidator) require(p path.Path, label string, s types.String, what string) bool {
	if !s.IsNull() {
		return true
	}
	v.diags.AddAttributeError(p, "Missing "+label, fmt.Sprintf("%s is required: %s.", label, what))
	return false
}

// checkURL checks that a known URL is http or https; in a URL with a
// template only the scheme before the template can be checked.
func (v *stageValidator) checkURL(p path.Path, s types.String) {
	if !isKnown(s) {
		return
	}
	u := s.ValueString()
	if i := strings.Index(u, "${{"); i >= 0 {
		scheme, _, found := strings.Cut(u[:i], "://")
		if found && !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
			v.diags.AddAttributeError(p, "Invalid URL", fmt.Sprintf("http.url %q must be an http or https URL.", u))
		}
		return
	}
	parsed, err := url.Parse(u)
	if err != nil || (!strings.EqualFold(parsed.Scheme, "http") && !strings.EqualFold(parsed.Scheme, "https")) || parsed.Host == "" {
		v.diags.AddAttributeError(p, "Invalid URL", fmt.Sprintf("http.url %q must be an absolute http or https URL.", u))
	}
}

// checkTemplateMap checks the templates of every known value of m.
func (v *stageValidator) checkTemplateMap(p path.Path, label string, m types.Map) {
	if m.IsNull() || m.IsUnknown() {
		return
	}
	elems := m.Elements()
	for _, k := range sortedMapKeys(m) {
		if s, ok := elems[k].(types.String); ok {
			v.checkTemplates(p.AtMapKey(k), fmt.Sprintf("%s[%q]", label, k), s)
		}
	}
}

// checkTemplates reports malformed templates in s and those naming an
// input or secret alias the stage does not declare.
func (v *stageValidator) checkTemplates(p path.Path, label string, s types.String) {
	if !isKnown(s) {
		return
	}
	refs, err := api.ParseTemplates(s.ValueString())
	if err != nil {
		v.diags.AddAttributeError(p, "Invalid template", fmt.Sprintf("%s: %v.", label, err))
		return
	}
	for _, ref := range refs {
		switch {
		case ref.Namespace == api.TemplateInputs && v.inputs.lacks(ref.Name):
			v.diags.AddAttributeError(p, "Undeclared input",
				fmt.Sprintf("%s uses ${{ inputs.%s }}, but the stage has no input %q (%s): add an input block "+
					"and a value for it in the input mappings.", label, ref.Name, ref.Name, v.inputs.sorted()))
		case ref.Namespace == api.TemplateSecrets && v.secrets.lacks(ref.Name):
			v.diags.AddAttributeError(p, "Undeclared secret",
				fmt.Sprintf("%s uses ${{ secrets.%s }}, but the stage has no secret block named %q (%s). "+
					"Templates name a secret by the alias in its secret block, not by the name of the "+
					"superplane_secret.", label, ref.Name, ref.Name, v.secrets.sorted()))
		}
	}
}

// sortedMapKeys returns the keys of a map value in order.
func sortedMapKeys(m types.Map) []string {
	keys := make([]string, 0, len(m.Elements()))
	for k := range m.Elements() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
