package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Values of the stage's enumerations with their wire names.
var (
	stageConnectionTypes = map[string]string{"event_source": api.ConnectionTypeEventSource, "stage": api.ConnectionTypeStage, "connection_group": api.ConnectionTypeConnectionGroup}
	stageResults         = map[string]string{"passed": api.ResultPassed, "failed": api.ResultFailed, "cancelled": api.ResultCancelled}
)

// stageExecutorBlocks are the executor block names, which are also the
// executor types on the wire.
var stageExecutorBlocks = api.ExecutorTypes()

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	stageConnectionAttrTypes = map[string]attr.Type{
		"type":            types.StringType,
		"name":            types.StringType,
		"filter_operator": types.StringType,
		"filter":          types.ListType{ElemType: types.ObjectType{AttrTypes: filterAttrTypes}},
	}
	stageInputAttrTypes     = map[string]attr.Type{"name": types.StringType, "description": types.StringType}
	stageFromEventAttrTypes = map[string]attr.Type{"connection": types.StringType, "expression": types.StringType}
	stageFromLastAttrTypes  = map[string]attr.Type{"results": types.ListType{ElemType: types.StringType}}
	stageValueAttrTypes     = map[string]attr.Type{
		"name":                types.StringType,
		"value":               types.StringType,
		"from_event":          types.ObjectType{AttrTypes: stageFromEventAttrTypes},
		"from_last_execution": types.ObjectType{AttrTypes: stageFromLastAttrTypes},
	}
	stageInputMappingAttrTypes = map[string]attr.Type{
		"triggered_by": types.StringType,
		"value":        types.ListType{ElemType: types.ObjectType{AttrTypes: stageValueAttrTypes}},
	}
	stageOutputAttrTypes     = map[string]attr.Type{"name": types.StringType, "description": types.StringType, "required": types.BoolType}
	stageApprovalAttrTypes   = map[string]attr.Type{"count": types.Int64Type}
	stageTimeWindowAttrTypes = map[string]attr.Type{
		"start":     types.StringType,
		"end":       types.StringType,
		"week_days": types.ListType{ElemType: types.StringType},
	}
	stageSecretAttrTypes = map[string]attr.Type{
		"name": types.StringType, "secret": types.StringType, "key": types.StringType, "scope": types.StringType,
	}
	stageHTTPAttrTypes = map[string]attr.Type{
		"url":             types.StringType,
		"headers":         types.MapType{ElemType: types.StringType},
		"payload":         types.MapType{ElemType: types.StringType},
		"status_codes":    types.ListType{ElemType: types.Int64Type},
		"timeout_seconds": types.Int64Type,
		"integration":     types.StringType,
		"aws_service":     types.StringType,
		"aws_region":      types.StringType,
		"azure_scope":     types.StringType,
		"gcp_scopes":      types.ListType{ElemType: types.StringType},
		"method":          types.StringType,
		"payload_json":    types.StringType,
	}
	stageGitHubAttrTypes = map[string]attr.Type{
		"integration": types.StringType, "repository": types.StringType, "workflow": types.StringType,
		"ref": types.StringType, "inputs": types.MapType{ElemType: types.StringType},
	}
	stageSemaphoreAttrTypes = map[string]attr.Type{
		"integration": types.StringType, "project": types.StringType, "pipeline_file": types.StringType,
		"task": types.StringType, "ref": types.StringType, "parameters": types.MapType{ElemType: types.StringType},
	}
	stageBitbucketAttrTypes = map[string]attr.Type{
		"integration": types.StringType, "repository": types.StringType, "ref": types.StringType,
		"pipeline": types.StringType, "variables": types.MapType{ElemType: types.StringType},
	}
	stageNoopAttrTypes          = map[string]attr.Type{"outputs": types.MapType{ElemType: types.StringType}}
	stageLastExecutionAttrTypes = map[string]attr.Type{
		"id":               types.StringType,
		"state":            types.StringType,
		"result":           types.StringType,
		"result_reason":    types.StringType,
		"result_message":   types.StringType,
		"created_at":       types.StringType,
		"started_at":       types.StringType,
		"finished_at":      types.StringType,
		"duration_seconds": types.Float64Type,
		"outputs":          types.MapType{ElemType: types.StringType},
	}
)

// StageResourceModel is the state of a superplane_stage. Each list holds
// the models of its block below; each executor object a stage*Model.
type StageResourceModel struct {
	ID            types.String `tfsdk:"id"`
	Canvas        types.String `tfsdk:"canvas"`
	Name          types.String `tfsdk:"name"`
	Description   types.String `tfsdk:"description"`
	DryRun        types.Bool   `tfsdk:"dry_run"`
	Connections   types.List   `tfsdk:"connect"`
	Inputs        types.List   `tfsdk:"input"`
	InputMappings types.List   `tfsdk:"input_mapping"`
	Outputs       types.List   `tfsdk:"output"`
	Approval      types.List   `tfsdk:"approval"`
	TimeWindows   types.List   `tfsdk:"time_window"`
	Secrets       types.List   `tfsdk:"secret"`
	HTTP          types.Object `tfsdk:"http"`
	GitHub        types.Object `tfsdk:"github"`
	Semaphore     types.Object `tfsdk:"semaphore"`
	GitLab        types.Object `tfsdk:"gitlab"`
	Bitbucket     types.Object `tfsdk:"bitbucket"`
	AzureDevOps   types.Object `tfsdk:"azure_devops"`
	Noop          types.Object `tfsdk:"noop"`
	LastExecution types.Object `tfsdk:"last_execution"`
	CreatedAt     types.String `tfsdk:"created_at"`
}

// stageConnectionModel is a connect block: one connection of the stage.
type stageConnectionModel struct {
	Type           types.String `tfsdk:"type"`
	Name           types.String `tfsdk:"name"`
	FilterOperator types.String `tfsdk:"filter_operator"`
	Filters        types.List   `tfsdk:"filter"`
}

// stageInputModel is an input block.
type stageInputModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

// stageInputMappingModel is an input_mapping block.
type stageInputMappingModel struct {
	TriggeredBy types.String `tfsdk:"triggered_by"`
	Values      types.List   `tfsdk:"value"`
}

// stageValueModel is an input mapping's value block.
type stageValueModel struct {
	Name              types.String `tfsdk:"name"`
	Value             types.String `tfsdk:"value"`
	FromEvent         types.Object `tfsdk:"from_event"`
	FromLastExecution types.Object `tfsdk:"from_last_execution"`
}

// stageFromEventModel is a value's from_event block.
type stageFromEventModel struct {
	Connection types.String `tfsdk:"connection"`
	Expression types.String `tfsdk:"expression"`
}

// stageFromLastExecutionModel is a value's from_last_execution block.
type stageFromLastExecutionModel struct {
	Results types.List `tfsdk:"results"`
}

// stageOutputModel is an output block.
type stageOutputModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Required    types.Bool   `tfsdk:"required"`
}

// stageApprovalModel is the approval block.
type stageApprovalModel struct {
	Count types.Int64 `tfsdk:"count"`
}

// stageTimeWindowModel is a time_window block.
type stageTimeWindowModel struct {
	Start    types.String `tfsdk:"start"`
	End      types.String `tfsdk:"end"`
	WeekDays types.List   `tfsdk:"week_days"`
}

// stageSecretModel is a secret block.
type stageSecretModel struct {
	Name   types.String `tfsdk:"name"`
	Secret types.String `tfsdk:"secret"`
	Key    types.String `tfsdk:"key"`
	Scope  types.String `tfsdk:"scope"`
}

// stageHTTPModel is the http executor block.
type stageHTTPModel struct {
	URL            types.String `tfsdk:"url"`
	Headers        types.Map    `tfsdk:"headers"`
	Payload        types.Map    `tfsdk:"payload"`
	StatusCodes    types.List   `tfsdk:"status_codes"`
	TimeoutSeconds types.Int64  `tfsdk:"timeout_seconds"`
	// Integration names a cloud integration (aws) that signs the request;
	// AWSService and AWSRegion say what for when the URL's host does not.
	Integration types.String `tfsdk:"integration"`
	AWSService  types.String `tfsdk:"aws_service"`
	AWSRegion   types.String `tfsdk:"aws_region"`
	// AzureScope is the scope of an azure integration's bearer token.
	AzureScope types.String `tfsdk:"azure_scope"`
	// GCPScopes are the OAuth scopes of a gcp integration's access token.
	GCPScopes types.List `tfsdk:"gcp_scopes"`
	// Method and PayloadJSON send the request as written
	// (stage_http_method.go).
	Method      types.String `tfsdk:"method"`
	PayloadJSON types.String `tfsdk:"payload_json"`
}

// stageGitHubModel is the github executor block.
type stageGitHubModel struct {
	Integration types.String `tfsdk:"integration"`
	Repository  types.String `tfsdk:"repository"`
	Workflow    types.String `tfsdk:"workflow"`
	Ref         types.String `tfsdk:"ref"`
	Inputs      types.Map    `tfsdk:"inputs"`
}

// stageSemaphoreModel is the semaphore executor block.
type stageSemaphoreModel struct {
	Integration  types.String `tfsdk:"integration"`
	Project      types.String `tfsdk:"project"`
	PipelineFile types.String `tfsdk:"pipeline_file"`
	Task         types.String `tfsdk:"task"`
	Ref          types.String `tfsdk:"ref"`
	Parameters   types.Map    `tfsdk:"parameters"`
}

// stageBitbucketModel is the bitbucket executor block.
type stageBitbucketModel struct {
	Integration types.String `tfsdk:"integration"`
	Repository  types.String `tfsdk:"repository"`
	Ref         types.String `tfsdk:"ref"`
	Pipeline    types.String `tfsdk:"pipeline"`
	Variables   types.Map    `tfsdk:"variables"`
}

// stageNoopModel is the noop executor block.
type stageNoopModel struct {
	Outputs types.Map `tfsdk:"outputs"`
}

// stageLastExecutionModel is the last_execution attribute.
type stageLastExecutionModel struct {
	ID              types.String  `tfsdk:"id"`
	State           types.String  `tfsdk:"state"`
	Result          types.String  `tfsdk:"result"`
	ResultReason    types.String  `tfsdk:"result_reason"`
	ResultMessage   types.String  `tfsdk:"result_message"`
	CreatedAt       types.String  `tfsdk:"created_at"`
	StartedAt       types.String  `tfsdk:"started_at"`
	FinishedAt      types.String  `tfsdk:"finished_at"`
	DurationSeconds types.Float64 `tfsdk:"duration_seconds"`
	Outputs         types.Map     `tfsdk:"outputs"`
}
