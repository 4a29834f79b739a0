package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &StageResource{}
	_ resource.ResourceWithConfigure      = &StageResource{}
	_ resource.ResourceWithValidateConfig = &StageResource{}
	_ resource.ResourceWithModifyPlan     = &StageResource{}
	_ resource.ResourceWithImportState    = &StageResource{}
)

// Values of the stage's enumerations with their wire names.
var (
	stageConnectionTypes = map[string]string{"event_source": api.ConnectionTypeEventSource, "stage": api.ConnectionTypeStage}
	stageResults         = map[string]string{"passed": api.ResultPassed, "failed": api.ResultFailed, "cancelled": api.ResultCancelled}
	stageSecretScopes    = map[string]string{scopeOrganization: api.DomainTypeOrganization, scopeCanvas: api.DomainTypeCanvas}
)

// What the server accepts: input, output and secret alias names
// (identifiers, so templates can name them) and HTTP header names (RFC 9110
// tokens). Times of day, repository names, week days and filter operators
// are shared with superplane_event_source.
var (
	stageIdentPattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	stageHeaderPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// stageExecutorBlocks are the executor block names, which are also the
// executor types on the wire.
var stageExecutorBlocks = []string{api.ExecutorHTTP, api.ExecutorGitHub, api.ExecutorSemaphore, api.ExecutorNoop}

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	stageFilterAttrTypes     = map[string]attr.Type{"data": types.StringType, "header": types.StringType}
	stageConnectionAttrTypes = map[string]attr.Type{
		"type":            types.StringType,
		"name":            types.StringType,
		"filter_operator": types.StringType,
		"filter":          types.ListType{ElemType: types.ObjectType{AttrTypes: stageFilterAttrTypes}},
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
	}
	stageGitHubAttrTypes = map[string]attr.Type{
		"integration": types.StringType, "repository": types.StringType, "workflow": types.StringType,
		"ref": types.StringType, "inputs": types.MapType{ElemType: types.StringType},
	}
	stageSemaphoreAttrTypes = map[string]attr.Type{
		"integration": types.StringType, "project": types.StringType, "pipeline_file": types.StringType,
		"ref": types.StringType, "parameters": types.MapType{ElemType: types.StringType},
	}
	stageNoopAttrTypes          = map[string]attr.Type{"outputs": types.MapType{ElemType: types.StringType}}
	stageLastExecutionAttrTypes = map[string]attr.Type{
		"id":          types.StringType,
		"state":       types.StringType,
		"result":      types.StringType,
		"finished_at": types.StringType,
		"outputs":     types.MapType{ElemType: types.StringType},
	}
)

// NewStageResource returns the superplane_stage resource.
func NewStageResource() resource.Resource {
	return &StageResource{}
}

// StageResource manages one stage of a canvas: what it listens to, the
// inputs it takes from those events, the conditions it waits for and the
// executor it runs.
type StageResource struct {
	client *client.Client
}

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

// stageFilterModel is a connect block's filter block.
type stageFilterModel struct {
	Data   types.String `tfsdk:"data"`
	Header types.String `tfsdk:"header"`
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
	Ref          types.String `tfsdk:"ref"`
	Parameters   types.Map    `tfsdk:"parameters"`
}

// stageNoopModel is the noop executor block.
type stageNoopModel struct {
	Outputs types.Map `tfsdk:"outputs"`
}

// stageLastExecutionModel is the last_execution attribute.
type stageLastExecutionModel struct {
	ID         types.String `tfsdk:"id"`
	State      types.String `tfsdk:"state"`
	Result     types.String `tfsdk:"result"`
	FinishedAt types.String `tfsdk:"finished_at"`
	Outputs    types.Map    `tfsdk:"outputs"`
}

// Metadata names the resource superplane_stage.
func (r *StageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stage"
}

// templateNote is appended to the description of every executor field
// that may hold templates.
const templateNote = " May use `${{ inputs.NAME }}` (a declared `input`) and `${{ secrets.NAME }}` (the `name` " +
	"of a `secret` block), written with `$${{` in HCL; Terraform checks both when it plans."

// Schema describes superplane_stage.
func (r *StageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane stage: a step of a canvas that runs an executor (an HTTP call, a GitHub " +
			"Actions workflow, a Semaphore pipeline, or nothing) for each event from its connections (event " +
			"sources or other stages) that passes their filters. Events queue up and wait for the stage's " +
			"conditions (approvals, time windows). Each run takes inputs mapped from the event and may use " +
			"secrets by an alias; SuperPlane injects the secret values when it runs and never returns them. " +
			"Mistakes such as a template naming an undeclared input, a mapping for a connection the stage does " +
			"not have or a missing executor field fail `terraform plan`, naming the attribute.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The stage id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the stage belongs to. Changing it replaces the stage.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the stage, unique in its canvas: 1 to 128 letters, digits, `.`, `_` or " +
					"`-`, and not a UUID. Other stages connect to it by this name. A rename is made in place and keeps the id, " +
					"the queue and the executions; stages that connect to it must change too, which Terraform " +
					"orders when they reference `superplane_stage.<name>.name`.",
				Required:   true,
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description, at most 4096 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(4096)},
			},
			"dry_run": schema.BoolAttribute{
				MarkdownDescription: "When `true`, executions pass at once without contacting anything (a `noop` " +
					"stage still produces its `outputs`), so a canvas can be tried out. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"last_execution": schema.SingleNestedAttribute{
				MarkdownDescription: "The stage's newest execution, null before the first. It is refreshed on " +
					"every read and is never a reason for a plan to change anything.",
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						MarkdownDescription: "The execution id.",
						Computed:            true,
					},
					"state": schema.StringAttribute{
						MarkdownDescription: "`pending`, `started` or `finished`.",
						Computed:            true,
					},
					"result": schema.StringAttribute{
						MarkdownDescription: "`passed`, `failed` or `cancelled`; null until it finishes.",
						Computed:            true,
					},
					"finished_at": schema.StringAttribute{
						MarkdownDescription: "When it finished (RFC 3339), null until then.",
						Computed:            true,
					},
					"outputs": schema.MapAttribute{
						MarkdownDescription: "The declared outputs it produced (secret values redacted).",
						Computed:            true,
						ElementType:         types.StringType,
					},
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the stage was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: stageBlocks(),
	}
}

// stageBlocks are the blocks of superplane_stage.
func stageBlocks() map[string]schema.Block {
	optionalString := func(desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: validators}
	}
	stringMap := func(desc string) schema.MapAttribute {
		return schema.MapAttribute{MarkdownDescription: desc, Optional: true, ElementType: types.StringType}
	}
	identValidator := stringvalidator.RegexMatches(stageIdentPattern, "must be a letter or '_' followed by up to 127 letters, digits or '_'")
	return map[string]schema.Block{
		"connect": schema.ListNestedBlock{
			MarkdownDescription: "A connection: an event source or stage whose events the stage runs on, with " +
				"optional filters. At least one. (The block is not called `connection` because Terraform " +
				"reserves that name.) An event from a stage is the end of one of its executions: `$.result` " +
				"(`RESULT_PASSED`...), `$.outputs.NAME`, `$.executionId`, `$.stageName`.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`event_source` or `stage`.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf("event_source", "stage")},
					},
					"name": schema.StringAttribute{
						MarkdownDescription: "Name of the event source or stage, in the same canvas. Reference " +
							"`superplane_event_source.<name>.name` or `superplane_stage.<name>.name` so Terraform " +
							"creates it first and deletes it last.",
						Required:   true,
						Validators: nameValidators(),
					},
					"filter_operator": schema.StringAttribute{
						MarkdownDescription: "How the `filter` blocks combine: `and` (every filter matches, the " +
							"default) or `or` (any filter matches).",
						Optional:   true,
						Computed:   true,
						Default:    stringdefault.StaticString("and"),
						Validators: []validator.String{stringvalidator.OneOf("and", "or")},
					},
				},
				Blocks: map[string]schema.Block{
					"filter": schema.ListNestedBlock{
						MarkdownDescription: "A condition on the event. Set exactly one of `data` and `header`.",
						NestedObject: schema.NestedBlockObject{
							Attributes: map[string]schema.Attribute{
								"data": optionalString("An [expr-lang](https://expr-lang.org) expression on the "+
									"event's JSON body, which is `$`: `$.ref == 'refs/heads/main'`.", stringvalidator.LengthAtLeast(1)),
								"header": optionalString("An expr-lang expression on the lower-cased request "+
									"headers: `headers['x-github-event'] == 'push'`.", stringvalidator.LengthAtLeast(1)),
							},
						},
					},
				},
			},
		},
		"input": schema.ListNestedBlock{
			MarkdownDescription: "A named value each execution takes, set by the `input_mapping` blocks and used " +
				"in executor fields as `${{ inputs.NAME }}`.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "The input's name: a letter or `_` followed by letters, digits or `_`.",
						Required:            true,
						Validators:          []validator.String{identValidator},
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "Free-form description. Defaults to `\"\"`.",
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(""),
					},
				},
			},
		},
		"input_mapping": schema.ListNestedBlock{
			MarkdownDescription: "Where the inputs' values come from. A mapping with `triggered_by` applies to " +
				"events from that connection; one without applies to the others. Each mapping must give every " +
				"input a value.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"triggered_by": optionalString("The `name` of the `connect` block this mapping is for. Leave it "+
						"out for the mapping that applies to every other connection.", stringvalidator.LengthAtLeast(1)),
				},
				Blocks: map[string]schema.Block{
					"value": schema.ListNestedBlock{
						MarkdownDescription: "The value of one input. Set exactly one of `value`, `from_event` and " +
							"`from_last_execution`.",
						NestedObject: schema.NestedBlockObject{
							Attributes: map[string]schema.Attribute{
								"name": schema.StringAttribute{
									MarkdownDescription: "The input's name.",
									Required:            true,
								},
								"value": optionalString("A fixed value."),
							},
							Blocks: map[string]schema.Block{
								"from_event": schema.SingleNestedBlock{
									MarkdownDescription: "Take the value from the triggering event.",
									Attributes: map[string]schema.Attribute{
										"connection": optionalString("Only for events from this connection (the `name` of a `connect` block). "+
											"Optional.", stringvalidator.LengthAtLeast(1)),
										// Optional only because Terraform checks a required
										// attribute of a block even when the block is absent;
										// ValidateConfig requires it in a present block.
										"expression": optionalString("An expr-lang expression on the event's "+
											"JSON body (`$`) and its `headers`: `$.head_commit.id`. Required.", stringvalidator.LengthAtLeast(1)),
									},
								},
								"from_last_execution": schema.SingleNestedBlock{
									MarkdownDescription: "Take the value this input had in the stage's newest " +
										"finished execution with one of `results`.",
									Attributes: map[string]schema.Attribute{
										"results": schema.ListAttribute{
											MarkdownDescription: "`passed`, `failed` and/or `cancelled`; any result " +
												"when left out.",
											Optional:    true,
											ElementType: types.StringType,
											Validators: []validator.List{listvalidator.ValueStringsAre(
												stringvalidator.OneOf("passed", "failed", "cancelled"))},
										},
									},
								},
							},
						},
					},
				},
			},
		},
		"output": schema.ListNestedBlock{
			MarkdownDescription: "A named value an execution produces: from the HTTP response's `outputs` object " +
				"or from `noop.outputs` (GitHub and Semaphore executions produce none). Connected stages read " +
				"them as `$.outputs.NAME`.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "The output's name: a letter or `_` followed by letters, digits or `_`.",
						Required:            true,
						Validators:          []validator.String{identValidator},
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "Free-form description. Defaults to `\"\"`.",
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(""),
					},
					"required": schema.BoolAttribute{
						MarkdownDescription: "When `true`, an execution that does not produce it fails. Defaults " +
							"to `false`.",
						Optional: true,
						Computed: true,
						Default:  booldefault.StaticBool(false),
					},
				},
			},
		},
		"approval": schema.ListNestedBlock{
			MarkdownDescription: "A condition: each event waits for approvals by this many distinct users " +
				"before it runs. At most one.",
			Validators: []validator.List{listvalidator.SizeAtMost(1)},
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"count": schema.Int64Attribute{
						MarkdownDescription: "How many approvals, 1 to 100.",
						Required:            true,
						Validators:          []validator.Int64{int64validator.Between(1, 100)},
					},
				},
			},
		},
		"time_window": schema.ListNestedBlock{
			MarkdownDescription: "A condition: events run only inside this window (UTC). With several windows, an " +
				"event waits until it is inside all of them.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"start": schema.StringAttribute{
						MarkdownDescription: "Start of the window, `HH:MM` (24-hour, UTC).",
						Required:            true,
						Validators:          []validator.String{stringvalidator.RegexMatches(hhmmPattern, "must be HH:MM (24-hour)")},
					},
					"end": schema.StringAttribute{
						MarkdownDescription: "End of the window, `HH:MM`; before `start`, the window spans midnight.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.RegexMatches(hhmmPattern, "must be HH:MM (24-hour)")},
					},
					"week_days": schema.ListAttribute{
						MarkdownDescription: "The days the window is open: `monday` ... `sunday`; every day when left out.",
						Optional:            true,
						ElementType:         types.StringType,
						Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(weekDayNames...))},
					},
				},
			},
		},
		"secret": schema.ListNestedBlock{
			MarkdownDescription: "A key of a `superplane_secret` the executor may use, under an alias: " +
				"`${{ secrets.ALIAS }}`. SuperPlane reads the value when it runs, and redacts it from everything " +
				"it records.",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "The alias templates use: a letter or `_` followed by letters, digits or `_`.",
						Required:            true,
						Validators:          []validator.String{identValidator},
					},
					"secret": schema.StringAttribute{
						MarkdownDescription: "Name of the secret. Reference `superplane_secret.<name>.name` so " +
							"Terraform creates it first and deletes it last.",
						Required:   true,
						Validators: nameValidators(),
					},
					"key": schema.StringAttribute{
						MarkdownDescription: "The key of the secret whose value is used.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"scope": optionalString("Where the secret is: `canvas` (the stage's canvas) or `organization`. "+
						"When left out, the canvas is searched first, then the organization.",
						stringvalidator.OneOf(scopeCanvas, scopeOrganization)),
				},
			},
		},
		"http": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: POST `payload` as JSON (with `stageId` and `executionId` added) to " +
				"`url`. The execution passes on an accepted status; the response's `outputs` object gives the " +
				"outputs. Set exactly one executor block: `http`, `github`, `semaphore` or `noop`.",
			Attributes: map[string]schema.Attribute{
				"url": optionalString("The http or https URL to call. Required." + templateNote),
				"headers": stringMap("Request headers." + templateNote +
					" Put credentials here through a secret: `Authorization = \"Bearer $${{ secrets.TOKEN }}\"`."),
				"payload": stringMap("The JSON object sent, with string values." + templateNote),
				"status_codes": schema.ListAttribute{
					MarkdownDescription: "The statuses that count as passed; any 2xx when left out.",
					Optional:            true,
					ElementType:         types.Int64Type,
					Validators:          []validator.List{listvalidator.ValueInt64sAre(int64validator.Between(100, 599))},
				},
				"timeout_seconds": schema.Int64Attribute{
					MarkdownDescription: "How long to wait for the response, 1 to 3600 seconds; 30 when left out.",
					Optional:            true,
					Validators:          []validator.Int64{int64validator.Between(1, 3600)},
				},
			},
		},
		"github": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: dispatch a GitHub Actions workflow through a `github` integration " +
				"and wait for its run. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"integration": optionalString("Name of the `github` integration (the canvas's own first, then "+
					"the organization's). Required.", nameValidators()...),
				"repository": optionalString("The repository of the integration's owner. Required.",
					stringvalidator.RegexMatches(repoNamePattern, "must be 1 to 100 letters, digits, '.', '_' or '-'")),
				"workflow": optionalString("The workflow file name (`deploy.yml`) or id. Required." + templateNote),
				"ref":      optionalString("The branch or tag to run on. Required." + templateNote),
				"inputs":   stringMap("The workflow's inputs." + templateNote),
			},
		},
		"semaphore": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: run a Semaphore pipeline through a `semaphore` integration and wait " +
				"for it. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"integration": optionalString("Name of the `semaphore` integration (the canvas's own first, then "+
					"the organization's). Required.", nameValidators()...),
				"project": optionalString("The Semaphore project. Required.",
					stringvalidator.RegexMatches(repoNamePattern, "must be 1 to 100 letters, digits, '.', '_' or '-'")),
				"pipeline_file": optionalString("The pipeline file, such as `.semaphore/deploy.yml`. Required." + templateNote),
				"ref":           optionalString("The branch to run on. Required." + templateNote),
				"parameters":    stringMap("The pipeline's parameters." + templateNote),
			},
		},
		"noop": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: nothing; the execution passes at once with `outputs`. Useful to " +
				"gather approvals or to pass values along a chain. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"outputs": stringMap("The outputs every execution produces." + templateNote),
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *StageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig checks, before anything is sent, what the server would
// refuse, with the path of the attribute at fault: templates naming an
// undeclared input or secret alias (or malformed), input mappings for
// connections the stage does not have, inputs without a value, not exactly
// one executor block, missing executor fields, a URL that is not http(s),
// and repeated names. Unknown values are checked when they become known.
func (r *StageResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config StageResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
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
}

// stageList decodes a list of blocks; ok is false when the list itself is
// unknown (a dynamic block over values not known yet).
func stageList[T any](ctx context.Context, l types.List, diags *diag.Diagnostics) (items []T, ok bool) {
	if l.IsUnknown() {
		return nil, false
	}
	if l.IsNull() {
		return nil, true
	}
	d := l.ElementsAs(ctx, &items, false)
	diags.Append(d...)
	return items, !d.HasError()
}

// stageObject decodes a block, or returns nil when it is null or unknown.
func stageObject[T any](ctx context.Context, o types.Object, diags *diag.Diagnostics) *T {
	if o.IsNull() || o.IsUnknown() {
		return nil
	}
	var out T
	d := o.As(ctx, &out, basetypes.ObjectAsOptions{})
	diags.Append(d...)
	if d.HasError() {
		return nil
	}
	return &out
}

// stageDeclared reports repeated names in a list of blocks and returns the
// names declared.
func stageDeclared[T any](v *stageValidator, l types.List, block string, name func(T) types.String) stageNames {
	items, ok := stageList[T](v.ctx, l, v.diags)
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
	conns, ok := stageList[stageConnectionModel](v.ctx, config.Connections, v.diags)
	v.connections = stageNames{set: map[string]bool{}, known: ok}
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
		filters, _ := stageList[stageFilterModel](v.ctx, c.Filters, v.diags)
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
	secrets, ok := stageList[stageSecretModel](v.ctx, config.Secrets, v.diags)
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
	mappings, ok := stageList[stageInputMappingModel](v.ctx, config.InputMappings, v.diags)
	if !ok {
		return
	}
	if len(mappings) == 0 && v.inputs.known {
		inputs, _ := stageList[stageInputModel](v.ctx, config.Inputs, v.diags)
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
		values, ok := stageList[stageValueModel](v.ctx, m.Values, v.diags)
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
			v.validateValue(vp, label, val)
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
func (v *stageValidator) validateValue(p path.Path, label string, val stageValueModel) {
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
	ev := stageObject[stageFromEventModel](v.ctx, val.FromEvent, v.diags)
	if ev == nil {
		return
	}
	if ev.Expression.IsNull() {
		v.diags.AddAttributeError(p.AtName("from_event").AtName("expression"), "Missing expression",
			fmt.Sprintf("%s.from_event.expression is required: the expression that reads the value from the event.", label))
	}
	if isKnown(ev.Connection) && v.connections.lacks(ev.Connection.ValueString()) {
		v.diags.AddAttributeError(p.AtName("from_event").AtName("connection"), "Unknown connection",
			fmt.Sprintf("%s.from_event.connection %q is not a connection of the stage (%s).", label, ev.Connection.ValueString(), v.connections.sorted()))
	}
}

func (v *stageValidator) validateExecutor(config *StageResourceModel) {
	blocks := map[string]types.Object{
		api.ExecutorHTTP: config.HTTP, api.ExecutorGitHub: config.GitHub, api.ExecutorSemaphore: config.Semaphore, api.ExecutorNoop: config.Noop,
	}
	var set []string
	for _, name := range stageExecutorBlocks {
		if !blocks[name].IsNull() {
			set = append(set, name)
		}
	}
	switch {
	case len(set) == 0:
		v.diags.AddError("Missing executor",
			"A stage needs exactly one executor block: http, github, semaphore or noop.")
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
		h := stageObject[stageHTTPModel](v.ctx, config.HTTP, v.diags)
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
				if !stageHeaderPattern.MatchString(k) {
					v.diags.AddAttributeError(p.AtName("headers").AtMapKey(k), "Invalid header name",
						fmt.Sprintf("http.headers: %q is not a valid HTTP header name.", k))
				}
			}
		}
		v.checkTemplateMap(p.AtName("payload"), "http.payload", h.Payload)
	case api.ExecutorGitHub:
		g := stageObject[stageGitHubModel](v.ctx, config.GitHub, v.diags)
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
		s := stageObject[stageSemaphoreModel](v.ctx, config.Semaphore, v.diags)
		if s == nil {
			return
		}
		p := path.Root("semaphore")
		v.require(p.AtName("integration"), "semaphore.integration", s.Integration, "the semaphore integration to run the pipeline through")
		v.require(p.AtName("project"), "semaphore.project", s.Project, "the Semaphore project")
		v.require(p.AtName("pipeline_file"), "semaphore.pipeline_file", s.PipelineFile, "the pipeline file to run")
		v.require(p.AtName("ref"), "semaphore.ref", s.Ref, "the branch to run on")
		v.checkTemplates(p.AtName("pipeline_file"), "semaphore.pipeline_file", s.PipelineFile)
		v.checkTemplates(p.AtName("ref"), "semaphore.ref", s.Ref)
		v.checkTemplateMap(p.AtName("parameters"), "semaphore.parameters", s.Parameters)
	case api.ExecutorNoop:
		n := stageObject[stageNoopModel](v.ctx, config.Noop, v.diags)
		if n == nil {
			return
		}
		v.checkTemplateMap(path.Root("noop").AtName("outputs"), "noop.outputs", n.Outputs)
	}
	v.warnUnproducibleOutputs(config, set[0])
}

// warnUnproducibleOutputs warns about required outputs the executor can
// never produce, so every execution would fail: any for github and
// semaphore, which produce no outputs, and those missing from noop.outputs.
// Only a warning: SuperPlane accepts the stage.
func (v *stageValidator) warnUnproducibleOutputs(config *StageResourceModel, executor string) {
	if executor == api.ExecutorHTTP || config.DryRun.IsUnknown() {
		return
	}
	produced := map[string]bool{}
	if executor == api.ExecutorNoop {
		n := stageObject[stageNoopModel](v.ctx, config.Noop, v.diags)
		if n == nil || n.Outputs.IsUnknown() {
			return
		}
		for k := range n.Outputs.Elements() {
			produced[k] = true
		}
	}
	outputs, _ := stageList[stageOutputModel](v.ctx, config.Outputs, v.diags)
	for i, o := range outputs {
		if !isKnown(o.Name) || !o.Required.ValueBool() || produced[o.Name.ValueString()] {
			continue
		}
		why := fmt.Sprintf("a %s executor produces no outputs", executor)
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
	refs, err := parseStageTemplates(s.ValueString())
	if err != nil {
		v.diags.AddAttributeError(p, "Invalid template", fmt.Sprintf("%s: %v.", label, err))
		return
	}
	for _, ref := range refs {
		switch {
		case ref.namespace == "inputs" && v.inputs.lacks(ref.name):
			v.diags.AddAttributeError(p, "Undeclared input",
				fmt.Sprintf("%s uses ${{ inputs.%s }}, but the stage has no input %q (%s): add an input block "+
					"and a value for it in the input mappings.", label, ref.name, ref.name, v.inputs.sorted()))
		case ref.namespace == "secrets" && v.secrets.lacks(ref.name):
			v.diags.AddAttributeError(p, "Undeclared secret",
				fmt.Sprintf("%s uses ${{ secrets.%s }}, but the stage has no secret block named %q (%s). "+
					"Templates name a secret by the alias in its secret block, not by the name of the "+
					"superplane_secret.", label, ref.name, ref.name, v.secrets.sorted()))
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

// stageTemplateRef is one ${{ namespace.name }} in an executor field.
type stageTemplateRef struct {
	namespace, name string
}

// parseStageTemplates returns the templates of s in order, as SuperPlane
// reads them: every "${{" must open a well-formed ${{ inputs.NAME }} or
// ${{ secrets.NAME }} (spaces inside the braces optional, NAME of letters,
// digits, '_' and '-'); anything else is an error, since SuperPlane
// refuses it.
func parseStageTemplates(s string) ([]stageTemplateRef, error) {
	var refs []stageTemplateRef
	for pos := 0; ; {
		i := strings.Index(s[pos:], "${{")
		if i < 0 {
			return refs, nil
		}
		start := pos + i
		j := strings.Index(s[start+3:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unterminated template %q: expected ${{ inputs.NAME }} or ${{ secrets.NAME }}", clipTemplate(s[start:]))
		}
		end := start + 3 + j + 2
		ns, name, ok := strings.Cut(strings.TrimSpace(s[start+3:end-2]), ".")
		if !ok || (ns != "inputs" && ns != "secrets") || !templateName(name) {
			return nil, fmt.Errorf("invalid template %q: expected ${{ inputs.NAME }} or ${{ secrets.NAME }}", clipTemplate(s[start:end]))
		}
		refs = append(refs, stageTemplateRef{namespace: ns, name: name})
		pos = end
	}
}

// templateName reports whether name can follow "inputs." or "secrets.".
func templateName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r != '_' && r != '-' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// clipTemplate shortens a template quoted in an error.
func clipTemplate(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}

// ModifyPlan keeps last_execution as it is in the plan of an update: it
// changes whenever the stage runs, which is not a change Terraform makes,
// so it must never show as one. Update keeps it too; the next refresh
// brings the newest.
func (r *StageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// Destroy, or create: Terraform plans the new object of a replacement
	// (a canvas change) as a create too, so it never inherits the old
	// stage's execution.
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var prior types.Object
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("last_execution"), &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_execution"), prior)...)
}

// Create creates the stage. SuperPlane checks the whole spec again (the
// connections and secrets exist, the integration has the executor's type)
// and the apply fails with its message naming the field.
func (r *StageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan StageResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := stageParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	st, err := r.client.CreateStage(ctx, plan.Canvas.ValueString(), params)
	if client.IsConflict(err) {
		if own, aerr := r.client.AdoptStage(ctx, plan.Canvas.ValueString(), params); aerr == nil {
			st, err = own, nil
			adoptedWarning(&resp.Diagnostics, "stage", params.Name)
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating stage", err.Error())
		return
	}
	m, diags := stageModelFrom(ctx, st, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Read refreshes the stage, its last execution included. A stage deleted
// outside Terraform (or whose canvas is gone) is removed from state so the
// next plan creates it again.
func (r *StageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state StageResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	st, err := r.client.GetStage(ctx, state.Canvas.ValueString(), state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "stage not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading stage", err.Error())
		return
	}
	m, diags := stageModelFrom(ctx, st, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update sends the whole stage again: the contract's update replaces the
// description and the spec. The queue and past executions stay.
func (r *StageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state StageResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := stageParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	st, err := r.client.UpdateStage(ctx, plan.Canvas.ValueString(), state.ID.ValueString(), params)
	if err != nil {
		resp.Diagnostics.AddError("Error updating stage", err.Error())
		return
	}
	m, diags := stageModelFrom(ctx, st, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// As planned (see ModifyPlan): an execution that ended meanwhile shows
	// at the next refresh.
	m.LastExecution = plan.LastExecution
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete deletes the stage with its queue and executions; one already gone
// counts as deleted. SuperPlane refuses while another stage connects to it.
func (r *StageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state StageResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	err := r.client.DeleteStage(ctx, state.Canvas.ValueString(), state.ID.ValueString())
	switch {
	case err == nil || client.IsNotFound(err):
	case client.IsConflict(err):
		resp.Diagnostics.AddError("Stage is in use",
			fmt.Sprintf("Stage %q cannot be deleted while other stages connect to it: remove their connect "+
				"blocks first, or reference superplane_stage.<name>.name in them so Terraform orders the "+
				"changes. (%v)", state.Name.ValueString(), err))
	default:
		resp.Diagnostics.AddError("Error deleting stage", err.Error())
	}
}

// ImportState accepts "<canvas id or name>/<stage name or id>". Read fills
// in the rest.
func (r *StageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	canvas, name, err := parseCanvasImportID("stage", req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas"), canvas)...)
	// Read looks the stage up by id or name and stores the real id.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

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

	conns, _ := stageList[stageConnectionModel](ctx, plan.Connections, &diags)
	for _, c := range conns {
		conn := api.Connection{
			Type: stageConnectionTypes[c.Type.ValueString()], Name: c.Name.ValueString(),
			FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{},
		}
		if op, ok := filterOperators[c.FilterOperator.ValueString()]; ok {
			conn.FilterOperator = op
		}
		filters, _ := stageList[stageFilterModel](ctx, c.Filters, &diags)
		for _, f := range filters {
			if !f.Header.IsNull() {
				conn.Filters = append(conn.Filters, api.Filter{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: f.Header.ValueString()}})
			} else {
				conn.Filters = append(conn.Filters, api.Filter{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: f.Data.ValueString()}})
			}
		}
		spec.Connections = append(spec.Connections, conn)
	}

	inputs, _ := stageList[stageInputModel](ctx, plan.Inputs, &diags)
	for _, in := range inputs {
		spec.Inputs = append(spec.Inputs, api.InputDefinition{Name: in.Name.ValueString(), Description: in.Description.ValueString()})
	}

	mappings, _ := stageList[stageInputMappingModel](ctx, plan.InputMappings, &diags)
	for _, m := range mappings {
		im := api.InputMapping{Values: []api.ValueDefinition{}}
		if !m.TriggeredBy.IsNull() {
			im.When = &api.InputMappingWhen{TriggeredBy: &struct {
				Connection string `json:"connection"`
			}{Connection: m.TriggeredBy.ValueString()}}
		}
		values, _ := stageList[stageValueModel](ctx, m.Values, &diags)
		for _, val := range values {
			im.Values = append(im.Values, stageValueDefinition(ctx, val, &diags))
		}
		spec.InputMappings = append(spec.InputMappings, im)
	}

	outputs, _ := stageList[stageOutputModel](ctx, plan.Outputs, &diags)
	for _, o := range outputs {
		spec.Outputs = append(spec.Outputs, api.OutputDefinition{
			Name: o.Name.ValueString(), Description: o.Description.ValueString(), Required: o.Required.ValueBool(),
		})
	}

	approvals, _ := stageList[stageApprovalModel](ctx, plan.Approval, &diags)
	for _, a := range approvals {
		spec.Conditions = append(spec.Conditions, api.Condition{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: a.Count.ValueInt64()}})
	}
	windows, _ := stageList[stageTimeWindowModel](ctx, plan.TimeWindows, &diags)
	for _, w := range windows {
		tw := &api.ConditionTimeWindow{Start: w.Start.ValueString(), End: w.End.ValueString(), WeekDays: stageStrings(ctx, w.WeekDays, &diags)}
		spec.Conditions = append(spec.Conditions, api.Condition{Type: api.ConditionTypeTimeWindow, TimeWindow: tw})
	}

	secrets, _ := stageList[stageSecretModel](ctx, plan.Secrets, &diags)
	for _, s := range secrets {
		spec.Secrets = append(spec.Secrets, api.ValueDefinition{Name: s.Name.ValueString(), ValueFrom: &api.StageValueFrom{
			Secret: &api.ValueFromSecret{Name: s.Secret.ValueString(), Key: s.Key.ValueString(), DomainType: stageSecretScopes[s.Scope.ValueString()]},
		}})
	}

	ex, d := stageExecutor(ctx, plan)
	diags.Append(d...)
	spec.Executor = ex
	return client.StageParams{Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Spec: spec}, diags
}

// stageValueDefinition maps a value block.
func stageValueDefinition(ctx context.Context, val stageValueModel, diags *diag.Diagnostics) api.ValueDefinition {
	def := api.ValueDefinition{Name: val.Name.ValueString()}
	if ev := stageObject[stageFromEventModel](ctx, val.FromEvent, diags); ev != nil {
		def.ValueFrom = &api.StageValueFrom{EventData: &api.ValueFromEventData{
			Connection: ev.Connection.ValueString(), Expression: ev.Expression.ValueString(),
		}}
		return def
	}
	if last := stageObject[stageFromLastExecutionModel](ctx, val.FromLastExecution, diags); last != nil {
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
	if h := stageObject[stageHTTPModel](ctx, plan.HTTP, &diags); h != nil {
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
		return &api.Executor{Type: api.ExecutorHTTP, Spec: spec}, diags
	}
	if g := stageObject[stageGitHubModel](ctx, plan.GitHub, &diags); g != nil {
		spec := map[string]any{"workflow": g.Workflow.ValueString(), "ref": g.Ref.ValueString()}
		setMap(spec, "inputs", g.Inputs)
		return &api.Executor{
			Type:        api.ExecutorGitHub,
			Integration: &api.IntegrationRef{Name: g.Integration.ValueString()},
			Resource:    &api.ResourceRef{Type: "repository", Name: g.Repository.ValueString()},
			Spec:        spec,
		}, diags
	}
	if s := stageObject[stageSemaphoreModel](ctx, plan.Semaphore, &diags); s != nil {
		spec := map[string]any{"pipelineFile": s.PipelineFile.ValueString(), "ref": s.Ref.ValueString()}
		setMap(spec, "parameters", s.Parameters)
		return &api.Executor{
			Type:        api.ExecutorSemaphore,
			Integration: &api.IntegrationRef{Name: s.Integration.ValueString()},
			Resource:    &api.ResourceRef{Type: "project", Name: s.Project.ValueString()},
			Spec:        spec,
		}, diags
	}
	if n := stageObject[stageNoopModel](ctx, plan.Noop, &diags); n != nil {
		spec := map[string]any{}
		setMap(spec, "outputs", n.Outputs)
		return &api.Executor{Type: api.ExecutorNoop, Spec: spec}, diags
	}
	diags.AddError("Missing executor", "A stage needs exactly one executor block: http, github, semaphore or noop.")
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
		filters := make([]stageFilterModel, 0, len(c.Filters))
		for _, f := range c.Filters {
			fm := stageFilterModel{Data: types.StringNull(), Header: types.StringNull()}
			switch {
			case f.Type == api.FilterTypeHeader && f.Header != nil:
				fm.Header = types.StringValue(f.Header.Expression)
			case f.Data != nil:
				fm.Data = types.StringValue(f.Data.Expression)
			}
			filters = append(filters, fm)
		}
		conns = append(conns, stageConnectionModel{
			Type:           types.StringValue(reverseLookup(stageConnectionTypes, c.Type)),
			Name:           types.StringValue(c.Name),
			FilterOperator: types.StringValue(orDefault(reverseLookup(filterOperators, c.FilterOperator), "and")),
			Filters:        stageListValue(ctx, stageFilterAttrTypes, filters, &diags),
		})
	}
	out.Connections = stageListValue(ctx, stageConnectionAttrTypes, conns, &diags)

	inputs := make([]stageInputModel, 0, len(spec.Inputs))
	for _, in := range spec.Inputs {
		inputs = append(inputs, stageInputModel{Name: types.StringValue(in.Name), Description: types.StringValue(in.Description)})
	}
	out.Inputs = stageListValue(ctx, stageInputAttrTypes, inputs, &diags)

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
		mm.Values = stageListValue(ctx, stageValueAttrTypes, values, &diags)
		mappings = append(mappings, mm)
	}
	out.InputMappings = stageListValue(ctx, stageInputMappingAttrTypes, mappings, &diags)

	outputs := make([]stageOutputModel, 0, len(spec.Outputs))
	for _, o := range spec.Outputs {
		outputs = append(outputs, stageOutputModel{Name: types.StringValue(o.Name), Description: types.StringValue(o.Description), Required: types.BoolValue(o.Required)})
	}
	out.Outputs = stageListValue(ctx, stageOutputAttrTypes, outputs, &diags)

	approvals, windows := []stageApprovalModel{}, []stageTimeWindowModel{}
	for _, c := range spec.Conditions {
		switch {
		case c.Type == api.ConditionTypeApproval && c.Approval != nil:
			approvals = append(approvals, stageApprovalModel{Count: types.Int64Value(c.Approval.Count)})
		case c.Type == api.ConditionTypeTimeWindow && c.TimeWindow != nil:
			windows = append(windows, stageTimeWindowModel{
				Start: types.StringValue(c.TimeWindow.Start), End: types.StringValue(c.TimeWindow.End),
				WeekDays: stageStringList(c.TimeWindow.WeekDays, &diags),
			})
		}
	}
	out.Approval = stageListValue(ctx, stageApprovalAttrTypes, approvals, &diags)
	out.TimeWindows = stageListValue(ctx, stageTimeWindowAttrTypes, windows, &diags)

	secrets := make([]stageSecretModel, 0, len(spec.Secrets))
	for _, s := range spec.Secrets {
		sm := stageSecretModel{Name: types.StringValue(s.Name), Secret: types.StringNull(), Key: types.StringNull(), Scope: types.StringNull()}
		if s.ValueFrom != nil && s.ValueFrom.Secret != nil {
			ref := s.ValueFrom.Secret
			sm.Secret, sm.Key = types.StringValue(ref.Name), types.StringValue(ref.Key)
			if scope := reverseLookup(stageSecretScopes, ref.DomainType); scope != ref.DomainType {
				sm.Scope = types.StringValue(scope)
			}
		}
		secrets = append(secrets, sm)
	}
	out.Secrets = stageListValue(ctx, stageSecretAttrTypes, secrets, &diags)

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
		obj, d := types.ObjectValueFrom(ctx, stageFromEventAttrTypes, ev)
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
		obj, d := types.ObjectValueFrom(ctx, stageFromLastAttrTypes, stageFromLastExecutionModel{Results: stageStringList(results, diags)})
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
		obj, d = types.ObjectValueFrom(ctx, stageHTTPAttrTypes, h)
		out.HTTP = obj
	case api.ExecutorGitHub:
		obj, d = types.ObjectValueFrom(ctx, stageGitHubAttrTypes, stageGitHubModel{
			Integration: integration, Repository: resource,
			Workflow: specStringValue(spec, "workflow"), Ref: specStringValue(spec, "ref"),
			Inputs: specMapValue(spec, "inputs", diags),
		})
		out.GitHub = obj
	case api.ExecutorSemaphore:
		obj, d = types.ObjectValueFrom(ctx, stageSemaphoreAttrTypes, stageSemaphoreModel{
			Integration: integration, Project: resource,
			PipelineFile: specStringValue(spec, "pipelineFile"), Ref: specStringValue(spec, "ref"),
			Parameters: specMapValue(spec, "parameters", diags),
		})
		out.Semaphore = obj
	case api.ExecutorNoop:
		obj, d = types.ObjectValueFrom(ctx, stageNoopAttrTypes, stageNoopModel{Outputs: specMapValue(spec, "outputs", diags)})
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

// stageListValue builds a list of blocks; an empty list when there are
// none, as Terraform reads absent blocks.
func stageListValue[T any](ctx context.Context, attrTypes map[string]attr.Type, items []T, diags *diag.Diagnostics) types.List {
	if items == nil {
		items = []T{}
	}
	l, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: attrTypes}, items)
	diags.Append(d...)
	return l
}

// stageStringList is a list of strings, null when nil.
func stageStringList(items []string, diags *diag.Diagnostics) types.List {
	if items == nil {
		return types.ListNull(types.StringType)
	}
	elems := make([]attr.Value, 0, len(items))
	for _, s := range items {
		elems = append(elems, types.StringValue(s))
	}
	l, d := types.ListValue(types.StringType, elems)
	diags.Append(d...)
	return l
}

// stageLastExecutionValue maps the API's last execution; null when there
// is none. States and results lose their prefix: STATE_FINISHED is
// "finished", RESULT_PASSED "passed".
func stageLastExecutionValue(ctx context.Context, ex *api.Execution, diags *diag.Diagnostics) types.Object {
	if ex == nil || ex.ID == "" {
		return types.ObjectNull(stageLastExecutionAttrTypes)
	}
	m := stageLastExecutionModel{
		ID:         types.StringValue(ex.ID),
		State:      types.StringValue(strings.ToLower(strings.TrimPrefix(ex.State, "STATE_"))),
		Result:     types.StringNull(),
		FinishedAt: timeValue(ex.FinishedAt),
	}
	if ex.Result != "" && ex.Result != "RESULT_UNKNOWN" {
		m.Result = types.StringValue(strings.ToLower(strings.TrimPrefix(ex.Result, "RESULT_")))
	}
	outputs := make(map[string]string, len(ex.Outputs))
	for _, o := range ex.Outputs {
		outputs[o.Name] = o.Value
	}
	om, d := types.MapValueFrom(ctx, types.StringType, outputs)
	diags.Append(d...)
	m.Outputs = om
	obj, d := types.ObjectValueFrom(ctx, stageLastExecutionAttrTypes, m)
	diags.Append(d...)
	return obj
}

// reverseLookup returns the key of m whose value is wire, or wire itself
// when there is none (a value this provider does not know shows as is).
func reverseLookup(m map[string]string, wire string) string {
	for k, v := range m {
		if v == wire {
			return k
		}
	}
	return wire
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
