package provider

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// apiFieldPath matches the field path a 400 answer starts with:
// stage.spec.connections[0].filters[1].data.expression.
var apiFieldPath = regexp.MustCompile(`^stage\.(?:spec|metadata)(?:\.[A-Za-z_]+(?:\[\d+\])*)*`)

// stageFieldSegment is one step of an API field path: a field name and the
// list indexes after it.
type stageFieldSegment struct {
	name    string
	indexes []int
}

// stageFieldMap maps the API fields of one object to the HCL attributes of
// its block: each entry's HCL name (a block or attribute), and the map of
// the object below it (nil: the rest of the API path has no HCL
// counterpart of its own, the error belongs to this attribute).
type stageFieldMap map[string]stageFieldTarget

type stageFieldTarget struct {
	hcl  string
	next stageFieldMap
}

// stageSpecFields is the one table from the stage's API fields to its HCL
// attributes. Conditions and the executor are mapped by stageErrorPath:
// their HCL block depends on the request (the condition's type, the
// executor's).
var stageSpecFields = stageFieldMap{
	"connections": {hcl: "connect", next: stageFieldMap{
		"name":           {hcl: "name"},
		"type":           {hcl: "type"},
		"filterOperator": {hcl: "filter_operator"},
		"filters": {hcl: "filter", next: stageFieldMap{
			"data":   {hcl: "data"},
			"header": {hcl: "header"},
		}},
	}},
	"inputs": {hcl: "input", next: stageFieldMap{
		"name":        {hcl: "name"},
		"description": {hcl: "description"},
	}},
	"inputMappings": {hcl: "input_mapping", next: stageFieldMap{
		"when": {hcl: "triggered_by"},
		"values": {hcl: "value", next: stageFieldMap{
			"name":  {hcl: "name"},
			"value": {hcl: "value"},
			"valueFrom": {hcl: "", next: stageFieldMap{
				"eventData": {hcl: "from_event", next: stageFieldMap{
					"connection": {hcl: "connection"},
					"expression": {hcl: "expression"},
				}},
				"lastExecution": {hcl: "from_last_execution", next: stageFieldMap{
					"results": {hcl: "results"},
				}},
			}},
		}},
	}},
	"outputs": {hcl: "output", next: stageFieldMap{
		"name":        {hcl: "name"},
		"description": {hcl: "description"},
		"required":    {hcl: "required"},
	}},
	"secrets": {hcl: "secret", next: stageFieldMap{
		"name": {hcl: "name"},
		"valueFrom": {hcl: "", next: stageFieldMap{
			"secret": {hcl: "secret", next: stageFieldMap{
				// valueFrom.secret.name is the secret attribute itself.
				"name":       {hcl: ""},
				"key":        {hcl: "-key"},
				"domainType": {hcl: "-scope"},
			}},
		}},
	}},
	"dryRun": {hcl: "dry_run"},
}

// stageExecutorFields maps executor.* for each executor block.
var stageExecutorFields = map[string]stageFieldMap{
	api.ExecutorHTTP: {"spec": {next: stageFieldMap{
		"url": {hcl: "url"}, "headers": {hcl: "headers"}, "payload": {hcl: "payload"},
		"responsePolicy": {hcl: "status_codes"}, "timeoutSeconds": {hcl: "timeout_seconds"},
		"method": {hcl: "method"},
	}}},
	api.ExecutorGitHub: {
		"integration": {hcl: "integration"}, "resource": {hcl: "repository"},
		"spec": {next: stageFieldMap{"workflow": {hcl: "workflow"}, "ref": {hcl: "ref"}, "inputs": {hcl: "inputs"}}},
	},
	api.ExecutorSemaphore: {
		"integration": {hcl: "integration"}, "resource": {hcl: "project"},
		"spec": {next: stageFieldMap{"pipelineFile": {hcl: "pipeline_file"}, "task": {hcl: "task"}, "ref": {hcl: "ref"}, "parameters": {hcl: "parameters"}}},
	},
	api.ExecutorGitLab: {
		"integration": {hcl: "integration"}, "resource": {hcl: "project"},
		"spec": {next: stageFieldMap{"ref": {hcl: "ref"}, "variables": {hcl: "variables"}}},
	},
	api.ExecutorBitbucket: {
		"integration": {hcl: "integration"}, "resource": {hcl: "repository"},
		"spec": {next: stageFieldMap{"ref": {hcl: "ref"}, "pipeline": {hcl: "pipeline"}, "variables": {hcl: "variables"}}},
	},
	api.ExecutorAzureDevOps: {
		"integration": {hcl: "integration"}, "resource": {hcl: "project"},
		"spec": {next: stageFieldMap{"pipeline": {hcl: "pipeline"}, "ref": {hcl: "ref"}, "parameters": {hcl: "parameters"}, "variables": {hcl: "variables"}}},
	},
	api.ExecutorNoop: {"spec": {next: stageFieldMap{"outputs": {hcl: "outputs"}}}},
}

// parseFieldPath splits "connections[0].filters[1].data" into segments;
// ok is false for anything else.
func parseFieldPath(s string) ([]stageFieldSegment, bool) {
	var out []stageFieldSegment
	for _, part := range strings.Split(s, ".") {
		name, rest, _ := strings.Cut(part, "[")
		seg := stageFieldSegment{name: name}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil {
				return nil, false
			}
			seg.indexes = append(seg.indexes, i)
			rest = strings.TrimPrefix(after, "[")
		}
		out = append(out, seg)
	}
	return out, true
}

// stageErrorPath maps the API field path a 400 message starts with to the
// stage's HCL attribute path, as deep as the table knows it, and returns
// the message with the API path replaced by the HCL one. spec is the
// request sent: the executor's type and the order of the conditions decide
// their blocks. ok is false when the message names no stage field.
func stageErrorPath(message string, spec *api.StageSpec) (path.Path, string, bool) {
	apiPath := apiFieldPath.FindString(message)
	if apiPath == "" {
		return path.Empty(), message, false
	}
	rest := strings.TrimPrefix(message, apiPath)
	segs, ok := parseFieldPath(apiPath)
	if !ok || len(segs) < 2 {
		return path.Empty(), message, false
	}
	if segs[1].name == "metadata" {
		if len(segs) > 2 && (segs[2].name == "name" || segs[2].name == "description") {
			return path.Root(segs[2].name), segs[2].name + rest, true
		}
		return path.Empty(), message, false
	}
	segs = segs[2:]
	if len(segs) == 0 {
		return path.Empty(), message, false
	}
	var p path.Path
	var fields stageFieldMap
	switch first := segs[0]; {
	case first.name == "conditions" && len(first.indexes) == 1 && spec != nil:
		p, ok = conditionPath(first.indexes[0], spec.Conditions)
		if !ok {
			return path.Empty(), message, false
		}
		fields = stageFieldMap{
			"approval":   {next: stageFieldMap{"count": {hcl: "count"}}},
			"timeWindow": {next: stageFieldMap{"start": {hcl: "start"}, "end": {hcl: "end"}, "weekDays": {hcl: "week_days"}}},
		}
		segs = segs[1:]
	case first.name == "executor" && spec != nil && spec.Executor != nil && stageExecutorFields[spec.Executor.Type] != nil:
		p, fields = path.Root(spec.Executor.Type), stageExecutorFields[spec.Executor.Type]
		segs = segs[1:]
	default:
		p, fields = path.Empty(), stageSpecFields
	}
	p = walkFieldPath(p, fields, segs)
	if len(p.Steps()) == 0 {
		return path.Empty(), message, false
	}
	return p, p.String() + rest, true
}

// walkFieldPath follows segs through fields from p, stopping at the first
// field the table does not know.
func walkFieldPath(p path.Path, fields stageFieldMap, segs []stageFieldSegment) path.Path {
	for _, seg := range segs {
		t, known := fields[seg.name]
		if !known {
			break
		}
		switch {
		case strings.HasPrefix(t.hcl, "-"):
			// A sibling of the attribute the parent mapped to: key and
			// scope sit next to secret in the secret block.
			p = p.ParentPath().AtName(strings.TrimPrefix(t.hcl, "-"))
		case t.hcl != "":
			p = p.AtName(t.hcl)
		}
		for _, i := range seg.indexes {
			p = p.AtListIndex(i)
		}
		if t.next == nil {
			break
		}
		fields = t.next
	}
	return p
}

// conditionPath maps conditions[i] of the request to its approval or
// time_window block: stageParams sends the approvals first, then the time
// windows, each in the order of the configuration.
func conditionPath(i int, conds []api.Condition) (path.Path, bool) {
	if i < 0 || i >= len(conds) {
		return path.Empty(), false
	}
	n := 0
	for _, c := range conds[:i] {
		if c.Type == conds[i].Type {
			n++
		}
	}
	switch conds[i].Type {
	case api.ConditionTypeApproval:
		return path.Root("approval").AtListIndex(n), true
	case api.ConditionTypeTimeWindow:
		return path.Root("time_window").AtListIndex(n), true
	}
	return path.Empty(), false
}

// addStageAPIError reports err of a create or update: a 400 naming a stage
// field is an error on that HCL attribute, its message naming the
// attribute, not the API field; anything else a plain error.
func addStageAPIError(diags *diag.Diagnostics, summary string, err error, spec *api.StageSpec) {
	var ae *client.APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest {
		if p, msg, ok := stageErrorPath(ae.Message, spec); ok {
			diags.AddAttributeError(p, summary, "SuperPlane refused the stage: "+msg)
			return
		}
	}
	diags.AddError(summary, err.Error())
}
