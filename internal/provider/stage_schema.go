package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// templateNote is appended to the description of every executor field
// that may hold templates.
const templateNote = " May use `${{ inputs.NAME }}` (a declared `input`) and `${{ secrets.NAME }}` (the `name` " +
	"of a `secret` block), written with `$${{` in HCL; Terraform checks both when it plans."

// requiredInBlock ends the description of an attribute that a present block
// must set. Terraform checks a required attribute even when its block is
// absent, so such attributes are optional in the schema (and in the
// generated docs) and ValidateConfig requires them; the docs say which.
const requiredInBlock = "Required when the block is present (listed as optional because the block is)."

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
					"result_reason": schema.StringAttribute{
						MarkdownDescription: "Why it ended so: `ok`, `error`, `missing_outputs`, `timeout` or `user` " +
							"(cancelled by someone); null until it finishes.",
						Computed: true,
					},
					"result_message": schema.StringAttribute{
						MarkdownDescription: "What went wrong, or what the tool answered (for an `http` stage " +
							"refused by its status, the start of the response body), secret values masked " +
							"as `***`; null until it finishes or when there is nothing to say.",
						Computed: true,
					},
					"created_at": schema.StringAttribute{
						MarkdownDescription: "When it was queued (RFC 3339).",
						Computed:            true,
					},
					"started_at": schema.StringAttribute{
						MarkdownDescription: "When it started (RFC 3339), null until then.",
						Computed:            true,
					},
					"finished_at": schema.StringAttribute{
						MarkdownDescription: "When it finished (RFC 3339), null until then.",
						Computed:            true,
					},
					"duration_seconds": schema.Float64Attribute{
						MarkdownDescription: "How long it ran, from start to finish, in seconds (to the " +
							"millisecond); null until it finishes, or when it never started.",
						Computed: true,
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
	identValidator := stringvalidator.RegexMatches(api.IdentifierPattern, "must be a letter or '_' followed by up to 127 letters, digits or '_'")
	return map[string]schema.Block{
		"connect": schema.ListNestedBlock{
			MarkdownDescription: "A connection: an event source, stage or connection group whose events the stage " +
				"runs on, with optional filters. At least one. (The block is not called `connection` because Terraform " +
				"reserves that name.) An event from a stage is the end of one of its executions: `$.result` " +
				"(`RESULT_PASSED`...), `$.outputs.NAME`, `$.executionId`, `$.stageName`. An event from a connection " +
				"group joins its connections' events: `$.fields.NAME` (the group_by values) and `$.events.CONNECTION` " +
				"(the latest payload from each connection).",
			NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`event_source`, `stage` or `connection_group`.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf("event_source", "stage", "connection_group")},
					},
					"name": schema.StringAttribute{
						MarkdownDescription: "Name of the event source, stage or connection group, in the same canvas. " +
							"Reference `superplane_event_source.<name>.name`, `superplane_stage.<name>.name` or " +
							"`superplane_connection_group.<name>.name` so Terraform creates it first and deletes it last.",
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
										"connection": schema.StringAttribute{
											MarkdownDescription: "Read the event of this connection (the `name` of a `connect` " +
												"block). When left out, the mapping's `triggered_by`, or the stage's only " +
												"connection, is sent (SuperPlane v1 servers require one); with several " +
												"connections and no `triggered_by`, the plan warns and this server reads " +
												"whichever connection triggered the run.",
											Optional:      true,
											Computed:      true,
											Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
											PlanModifiers: []planmodifier.String{fromEventConnectionDefault{}},
										},
										// Optional only because Terraform checks a required
										// attribute of a block even when the block is absent;
										// ValidateConfig requires it in a present block.
										"expression": optionalString("An expr-lang expression on the event's "+
											"JSON body (`$`) and its `headers`: `$.head_commit.id`. "+requiredInBlock, stringvalidator.LengthAtLeast(1)),
									},
								},
								"from_last_execution": schema.SingleNestedBlock{
									MarkdownDescription: "Take the value this input had in the stage's newest " +
										"finished execution with one of `results`.",
									Attributes: map[string]schema.Attribute{
										"results": schema.ListAttribute{
											MarkdownDescription: "`passed`, `failed` and/or `cancelled`; any result " +
												"when left out or `[]`.",
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
			MarkdownDescription: "A named value an execution produces: from the HTTP response's `outputs` object, " +
				"from `noop.outputs`, or pushed by the GitHub Actions run or Semaphore pipeline of a `github` or " +
				"`semaphore` execution to `POST /api/v1/outputs` while it runs (see the \"Outputs from CI runs\" " +
				"guide; GitLab and Bitbucket executions produce none yet). Connected stages read them as `$.outputs.NAME`.",
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
						MarkdownDescription: "When `true`, an execution that does not produce it fails (result " +
							"`failed`, reason `missing_outputs`, the message naming it), also when its run on GitHub " +
							"or Semaphore passed without pushing it. Defaults to `false`.",
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
						Validators:          []validator.String{stringvalidator.RegexMatches(api.TimeOfDayPattern, "must be HH:MM (24-hour)")},
					},
					"end": schema.StringAttribute{
						MarkdownDescription: "End of the window, `HH:MM`, or `24:00` for the end of the day (`start = \"00:00\"`, " +
							"`end = \"24:00\"` with `week_days` holds those days whole); before `start`, the window spans midnight. " +
							"It may not be `start`: that window would never open.",
						Required:   true,
						Validators: []validator.String{stringvalidator.RegexMatches(api.TimeWindowEndPattern, "must be HH:MM (24-hour), or 24:00 for the end of the day")},
					},
					"week_days": schema.ListAttribute{
						MarkdownDescription: "The days the window is open: `monday` ... `sunday`; every day when left out or `[]`.",
						Optional:            true,
						ElementType:         types.StringType,
						Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(api.WeekDays...))},
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
					"scope": schema.StringAttribute{
						MarkdownDescription: "Where the secret is: `canvas` (the stage's canvas) or `organization`. " +
							"When left out, the server decides (this one searches the canvas first, then the " +
							"organization; others answer the scope they chose, which is then kept while the " +
							"block names the same secret).",
						Optional:      true,
						Computed:      true,
						Validators:    []validator.String{stringvalidator.OneOf(scopeCanvas, scopeOrganization)},
						PlanModifiers: []planmodifier.String{scopeFromStateForSameSecret{}},
					},
				},
			},
		},
		"http": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: POST `payload` as JSON (with `stageId` and `executionId` added) to " +
				"`url`. The execution passes on an accepted status; the response's `outputs` object gives the " +
				"outputs. Set exactly one executor block: `http`, `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `noop`. " +
				"With `method`, the request is sent as written instead: that method, `payload_json` as its body.",
			Attributes: withAttributes(stageHTTPMethodAttributes(), map[string]schema.Attribute{
				"url": optionalString("The http or https URL to call. " + requiredInBlock + templateNote),
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
				"integration": optionalString("Name of an `aws`, `azure`, `gcp`, `datadog` or `mongodb_atlas` integration (the canvas's own first, then the "+
					"organization's) whose credentials sign the request with AWS SigV4 (`aws`) or give it a bearer token "+
					"(`azure`; for `gcp` a Google access token; for `mongodb_atlas` HTTP Digest with an API key, or a service "+
					"account's bearer token, sent only to `https://cloud.mongodb.com`; for `datadog` the `DD-API-KEY` and "+
					"`DD-APPLICATION-KEY` headers, sent only to the site's own hosts); with web identity or a federated credential the ID "+
					"token's subject is `org:<org>:canvas:<canvas>:stage:<stage>`. Deleting the integration is "+
					"refused while the stage names it.", nameValidators()...),
				"aws_service": optionalString("The AWS service the request is signed for (`lambda`), when the " +
					"URL's host does not say (`lambda.eu-west-1.amazonaws.com` does)."),
				"aws_region": optionalString("The AWS region the request is signed for; by default the host's, " +
					"else the integration's."),
				"azure_scope": optionalString("With an `azure` integration, the scope of the bearer token the request " +
					"carries (`<resource>/.default`, such as `api://<function app id>/.default`); by default Azure Resource " +
					"Manager's, `https://management.azure.com/.default`. With a federated credential the ID token's subject " +
					"is `org:<org>:canvas:<canvas>:stage:<stage>`."),
				"gcp_scopes": schema.ListAttribute{
					MarkdownDescription: "With a `gcp` integration: the OAuth scopes of the access token sent as " +
						"`Authorization: Bearer` (`https://www.googleapis.com/auth/cloud-platform` when left out). The " +
						"token goes only to `https://*.googleapis.com`.",
					Optional:    true,
					ElementType: types.StringType,
					Validators: []validator.List{listvalidator.SizeBetween(1, 20),
						listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^https://www\.googleapis\.com/auth/\S+$`),
							"must be an OAuth scope such as https://www.googleapis.com/auth/cloud-platform"))},
				},
			}),
		},
		"github": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: dispatch a GitHub Actions workflow through a `github` integration " +
				"and wait for its run. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"integration": optionalString("Name of the `github` integration (the canvas's own first, then "+
					"the organization's). "+requiredInBlock, nameValidators()...),
				"repository": optionalString("The repository of the integration's owner. "+requiredInBlock,
					stringvalidator.RegexMatches(api.RepositoryPattern, "must be 1 to 100 letters, digits, '.', '_' or '-'")),
				"workflow": optionalString("The workflow file name (`deploy.yml`) or id. " + requiredInBlock + templateNote),
				"ref":      optionalString("The branch or tag to run on. " + requiredInBlock + templateNote),
				"inputs":   stringMap("The workflow's inputs." + templateNote),
			},
		},
		"semaphore": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: run a Semaphore pipeline through a `semaphore` integration and wait " +
				"for it. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"integration": optionalString("Name of the `semaphore` integration (the canvas's own first, then "+
					"the organization's). "+requiredInBlock, nameValidators()...),
				"project": optionalString("The Semaphore project. "+requiredInBlock,
					stringvalidator.RegexMatches(api.RepositoryPattern, "must be 1 to 100 letters, digits, '.', '_' or '-'")),
				"pipeline_file": optionalString("The pipeline file, such as `.semaphore/deploy.yml`. Set exactly one of " +
					"`pipeline_file` and `task`." + templateNote),
				"task": optionalString("A task of the project (its id or its name) to run instead of a pipeline file: " +
					"the task runs its own pipeline file, on `ref` when set and on the task's branch otherwise. Set " +
					"exactly one of `pipeline_file` and `task`." + templateNote),
				"ref":        optionalString("The branch to run on; required with `pipeline_file`, optional with `task`." + templateNote),
				"parameters": stringMap("The pipeline's parameters." + templateNote),
			},
		},
		"gitlab": stageGitLabBlock(nameValidators()),
		"bitbucket": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: run a Bitbucket Pipelines pipeline through a `bitbucket` integration " +
				"and wait for its result (SUCCESSFUL passes; FAILED, ERROR, STOPPED or EXPIRED fail). Cancelling " +
				"the execution, or its timeout, stops the pipeline. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"integration": optionalString("Name of the `bitbucket` integration (the canvas's own first, then "+
					"the organization's). "+requiredInBlock, nameValidators()...),
				"repository": optionalString("The repository (its slug) in the integration's workspace. "+requiredInBlock,
					stringvalidator.RegexMatches(api.RepositoryPattern, "must be 1 to 100 letters, digits, '.', '_' or '-'")),
				"ref": optionalString("The branch to run on. " + requiredInBlock + templateNote),
				"pipeline": optionalString("A custom pipeline of `bitbucket-pipelines.yml` (`custom: <name>`) to run; " +
					"when left out, the branch's own pipeline runs." + templateNote),
				"variables": stringMap("The pipeline's variables, passed to its steps as environment variables; one whose value holds " +
					"a secret is sent secured, so Bitbucket masks it in the logs." + templateNote),
			},
		},
		"azure_devops": stageAzureDevOpsBlock(nameValidators()),
		"noop": schema.SingleNestedBlock{
			MarkdownDescription: "Executor: nothing; the execution passes at once with `outputs`. Useful to " +
				"gather approvals or to pass values along a chain. Set exactly one executor block.",
			Attributes: map[string]schema.Attribute{
				"outputs": stringMap("The outputs every execution produces." + templateNote),
			},
		},
	}
}
