package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Schema describes superplane_event_source.
func (r *EventSourceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane event source: where a canvas's events come from. A `webhook` source " +
			"receives deliveries signed with its own key at `webhook_url`; a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` " +
			"or `datadog` source has SuperPlane create and maintain a webhook on the repository or project (for `datadog`, in " +
			"Datadog's Webhooks integration) through an integration; a " +
			"`manual` source takes events posted by hand; a `scheduled` source emits events on a schedule. " +
			"`events` blocks narrow what is accepted. The `key` SuperPlane generates for a `webhook` source is " +
			"kept in the Terraform state (marked sensitive); to keep it out of the state, supply the key " +
			"yourself with the write-only `key_wo` (Terraform 1.11 or later).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The event source id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the source belongs to. Changing it replaces the source.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the source, unique in its canvas: 1 to 128 letters, digits, `.`, `_` " +
					"or `-`, and not a UUID. A rename is made in place and keeps the id, the key and the webhook URL.",
				Required:   true,
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Changes are made in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Where events come from: `webhook` (deliveries signed with the source's " +
					"`key`), `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops`, `datadog` (through `integration`), `manual` or `scheduled`. Changing it " +
					"replaces the source.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(api.EventSourceTypes()...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"integration": schema.StringAttribute{
				MarkdownDescription: "Name of the integration SuperPlane uses to create the webhook: required for " +
					"`github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog` sources, refused for the others. An integration of the source's " +
					"canvas is found first, then one of the organization; its type must match `type`. Reference " +
					"`superplane_integration.<name>.name` so the integration outlives the source. Changing it " +
					"moves the webhook in place.",
				Optional:   true,
				Validators: nameValidators(),
			},
			"force_destroy": schema.BoolAttribute{
				MarkdownDescription: "When `true`, destroying a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source does not remove its " +
					"webhook from the tool (use it when the tool cannot be reached or the token no longer works; " +
					"remove the hook by hand). By default (`false`) SuperPlane removes the hook first and the " +
					"destroy fails, keeping the source, when it cannot. Set it, and apply, before destroying. It " +
					"covers a move too: changing `resource` or `integration` removes the old hook first and, when " +
					"the tool cannot be told, fails and keeps the source where it was, unless `force_destroy` is " +
					"`true` (it may be set in the same apply as the move): the source then moves and the old " +
					"hook stays on the tool.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"webhook_url": schema.StringAttribute{
				MarkdownDescription: "Where deliveries go: for a `webhook` source, the URL your sender posts to; " +
					"for `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog`, the URL of the hook SuperPlane maintains. Null for `manual` " +
					"and `scheduled` sources.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"key": schema.StringAttribute{
				MarkdownDescription: "The signing key of a `webhook` source (hex): senders sign each body with " +
					"HMAC-SHA256 under it and send `X-Signature-256: sha256=<hex digest>` (with `signature_scheme " +
					"= \"standard_webhooks\"`, a `whsec_<base64>` secret for a Standard Webhooks library). SuperPlane returns it " +
					"only when it is created or reset, so Terraform keeps it in the state (sensitive). Null for " +
					"the other types (the key of a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source goes straight to the tool's " +
					"hook), after an import, since the key cannot be read back (bump `key_version` to get one), " +
					"and with `key_wo`, whose key never enters the state.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"key_version": schema.Int64Attribute{
				MarkdownDescription: "Change it (for example increment it) to reset the signing key: the apply " +
					"asks SuperPlane for a new key, stores it in `key` (for `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog` sources " +
					"SuperPlane updates the hook's secret), and the previous key keeps verifying deliveries for " +
					"the server's grace period (one hour by default), so senders can switch without losing any. " +
					"Left out, it is the server's key version when the source was created or imported.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"key_wo": schema.StringAttribute{
				MarkdownDescription: "The signing key of a `webhook` source, supplied by you and write-only: it " +
					"is sent to SuperPlane and never stored in the Terraform state or plan, and SuperPlane never " +
					"answers it back, so `key` stays null. With `signature_scheme = \"hmac_sha256\"` (the default) " +
					"32 to 256 printable ASCII characters without spaces; with `\"standard_webhooks\"` a " +
					"`whsec_<base64>` secret of 24 to 64 bytes. Terraform cannot see when it changes: bump " +
					"`key_wo_version` to send a new key (the previous one keeps verifying deliveries for the " +
					"server's grace period). Refused for the other types. Requires Terraform 1.11 or later. " +
					"Removing it leaves the key on SuperPlane as it is; bump `key_version` then to have " +
					"SuperPlane generate one into `key`.",
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("key_wo_version")),
				},
			},
			"key_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Required with `key_wo`. Set it, then change it (for example increment it) " +
					"to send the current `key_wo` to SuperPlane as the source's new key.",
				Optional: true,
				Validators: []validator.Int64{
					int64validator.AtLeast(1),
					int64validator.AlsoRequires(path.MatchRoot("key_wo")),
				},
			},
			"signature_scheme": schema.StringAttribute{
				MarkdownDescription: "How a `webhook` source's deliveries are signed: `hmac_sha256` (the default) " +
					"or `standard_webhooks`. With `hmac_sha256` the sender sends `X-Signature-256: sha256=<hex " +
					"HMAC-SHA256 of the body>` and, to be deduplicated, an `Idempotency-Key`; the signature does " +
					"not cover that id, so whoever captures a delivery can replay it as a new event. With " +
					"`standard_webhooks` (https://www.standardwebhooks.com/) the sender sends `webhook-id`, " +
					"`webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, " +
					"`key` is a `whsec_` secret, a replay with the same id answers the first event and one more " +
					"than 5 minutes from the server's clock is refused. Null for the other types. Changing it " +
					"replaces the source (the sender needs the new key anyway).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.OneOf("hmac_sha256", "standard_webhooks")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"status": schema.SingleNestedAttribute{
				MarkdownDescription: "What SuperPlane last saw. For `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog` sources every refresh " +
					"asks SuperPlane to check the hook on the tool, read-only, and reports what it found in " +
					"`webhook_observed`; a hook found `missing` or `drifted` makes the plan show an update, and " +
					"the apply repairs it. Checking needs an owner or admin token: with a viewer token the hook is " +
					"not checked (a warning says so).",
				Computed:   true,
				Attributes: eventSourceStatusSchema(),
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the source was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"resource": schema.SingleNestedBlock{
				MarkdownDescription: "What a `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` or `datadog` source watches: required for " +
					"those types, refused for the others. Changing it moves the webhook in place.",
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`repository` for `github` and `bitbucket`, `project` for `semaphore`, `gitlab` and `azure_devops`, " +
							"`webhook` for `datadog` (the name of the webhook in Datadog's Webhooks integration, which monitors " +
							"notify as `@webhook-<name>`); " +
							"defaults to the " +
							"one the source type watches.",
						Optional:      true,
						Computed:      true,
						Validators:    []validator.String{stringvalidator.OneOf(resourceKinds()...)},
						PlanModifiers: []planmodifier.String{defaultResourceType()},
					},
					// Optional only because Terraform checks a required
					// attribute of a block even when the block is absent;
					// ValidateConfig requires it in a present block.
					"name": schema.StringAttribute{
						MarkdownDescription: "The repository (of the integration's owner or workspace), the Semaphore " +
							"project, the GitLab project (its id or full path, `group/app`), or the Azure DevOps project (its " +
							"name, spaces allowed). " + requiredInBlock,
						Optional:   true,
						Validators: []validator.String{resourceNameValidator{}},
					},
				},
			},
			"events": schema.ListNestedBlock{
				MarkdownDescription: "The event types the source accepts, each with optional filters. Without any " +
					"`events` block every delivery is accepted (a `github` source then subscribes to `push`, a " +
					"`bitbucket` source to `repo:push`). Deliveries to a `webhook` source have the event type " +
					"`webhook`; a `github` source uses GitHub's event names (`push`, `pull_request`) and a " +
					"`bitbucket` source Bitbucket's event keys (`repo:push`, `pullrequest:created`), and the hook " +
					"is subscribed to exactly these; a `gitlab` source uses GitLab's (`push`, `tag_push`, " +
					"`merge_request`, `pipeline`, `job`, `deployment`, `release`...: the `X-Gitlab-Event` header " +
					"lower-cased without ` Hook`) and sets the hook's events to exactly these; an `azure_devops` " +
					"source uses Azure DevOps' event types (`git.push`, `git.pullrequest.created`, `build.complete`, " +
					"`ms.vss-pipelines.run-state-changed-event`), one service hook subscription each, and hears " +
					"`git.push` without `events`; a `datadog` source's deliveries have the event type `alert`.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"type": schema.StringAttribute{
							MarkdownDescription: "The event type: 1 to 128 letters, digits, `.`, `_`, `:` or `-`, " +
								"each type at most once.",
							Required: true,
							Validators: []validator.String{stringvalidator.RegexMatches(api.EventTypePattern,
								"must be 1 to 128 letters, digits, '.', '_', ':' or '-'")},
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
							MarkdownDescription: "A condition on the delivery. Set exactly one of `data` and `header`. " +
								"SuperPlane compiles the expression when the source is created or updated, so a " +
								"syntax error fails the apply naming the filter.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"data": schema.StringAttribute{
										MarkdownDescription: "An [expr-lang](https://expr-lang.org) expression on " +
											"the JSON body, which is `$`: `$.ref == 'refs/heads/main'`.",
										Optional:   true,
										Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
									},
									"header": schema.StringAttribute{
										MarkdownDescription: "An expr-lang expression on the lower-cased request " +
											"headers: `headers['x-github-event'] == 'push'`.",
										Optional:   true,
										Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
									},
								},
							},
						},
					},
				},
			},
			"schedule": schema.SingleNestedBlock{
				MarkdownDescription: "When a `scheduled` source emits events (UTC): required for that type, refused " +
					"for the others.",
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`hourly` (set `minute`), `daily` (set `time`) or `weekly` (set " +
							"`week_day` and `time`). " + requiredInBlock,
						Optional:   true, // required in a present block, see ValidateConfig
						Validators: []validator.String{stringvalidator.OneOf("hourly", "daily", "weekly")},
					},
					"minute": schema.Int64Attribute{
						MarkdownDescription: "For `hourly`: the minute past each hour, 0 to 59.",
						Optional:            true,
						Validators:          []validator.Int64{int64validator.Between(0, 59)},
					},
					"time": schema.StringAttribute{
						MarkdownDescription: "For `daily` and `weekly`: the time of day, `HH:MM` (24-hour, UTC).",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.RegexMatches(api.TimeOfDayPattern, "must be HH:MM (24-hour)")},
					},
					"week_day": schema.StringAttribute{
						MarkdownDescription: "For `weekly`: `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, " +
							"`saturday` or `sunday`.",
						Optional:   true,
						Validators: []validator.String{stringvalidator.OneOf(api.WeekDays...)},
					},
				},
			},
		},
	}
}

// eventSourceStatusSchema is the status attribute of the resource.
func eventSourceStatusSchema() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"webhook_state": schema.StringAttribute{
			MarkdownDescription: "For `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog` sources, the state of the hook on the tool: " +
				"`pending`, `ready`, `failed` (see `webhook_reason`; SuperPlane retries with backoff) or " +
				"`repaired` (it was missing or altered and SuperPlane put it back). Null for the other types.",
			Computed: true,
		},
		"webhook_reason": schema.StringAttribute{
			MarkdownDescription: "`ok`, why provisioning failed in the tool's words, or when the hook was repaired.",
			Computed:            true,
		},
		"webhook_observed": schema.StringAttribute{
			MarkdownDescription: "For `github`, `semaphore`, `gitlab`, `bitbucket`, `azure_devops` and `datadog` sources, what the last refresh found on the tool: " +
				"`ok`, `missing` (deleted on the tool), `drifted` (altered or duplicated on the tool) or `failed` " +
				"(the check could not be made, see `webhook_observed_reason`). `missing` and `drifted` plan an " +
				"update whose apply repairs the hook. Null when the hook was not checked: other types, a viewer " +
				"token, or provisioning in backoff. SuperPlane checks one source at most once per its check " +
				"interval (10 s by default) and answers the last check in between.",
			Computed: true,
		},
		"webhook_observed_reason": schema.StringAttribute{
			MarkdownDescription: "What differs on the tool, why the check failed, or why the hook was not checked.",
			Computed:            true,
		},
		"checked_at": schema.StringAttribute{
			MarkdownDescription: "When SuperPlane last checked the hook (RFC 3339).",
			Computed:            true,
		},
		"last_event_id": schema.StringAttribute{
			MarkdownDescription: "The id of the newest event received, null before the first.",
			Computed:            true,
		},
		"last_event_at": schema.StringAttribute{
			MarkdownDescription: "When the newest event was received (RFC 3339).",
			Computed:            true,
		},
	}
}
