package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
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
	_ resource.Resource                   = &EventSourceResource{}
	_ resource.ResourceWithConfigure      = &EventSourceResource{}
	_ resource.ResourceWithValidateConfig = &EventSourceResource{}
	_ resource.ResourceWithModifyPlan     = &EventSourceResource{}
	_ resource.ResourceWithImportState    = &EventSourceResource{}
)

// privateKeyVersion is the private-state key holding the server's key
// version right after Terraform created or reset the signing key. When a
// refresh finds another version, the key was reset outside Terraform and
// the key in state is stale. It holds only the number.
const privateKeyVersion = "written_key_version"

// Values of filter_operator, and of schedule.type and schedule.week_day,
// with their wire names.
var (
	filterOperators = map[string]string{"and": api.FilterOperatorAnd, "or": api.FilterOperatorOr}
	scheduleTypes   = map[string]string{"hourly": api.ScheduleTypeHourly, "daily": api.ScheduleTypeDaily, "weekly": api.ScheduleTypeWeekly}
	// signatureSchemes maps signature_scheme to the API's values.
	signatureSchemes = map[string]string{"hmac_sha256": api.SignatureSchemeHMAC, "standard_webhooks": api.SignatureSchemeStandardWebhooks}
	weekDayNames     = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	// eventTypePattern is what the server accepts.
	eventTypePattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// resourceTypeFor is the resource kind a source type watches: the only
// value resource.type may take for it.
var resourceTypeFor = map[string]string{
	api.EventSourceTypeGitHub:    "repository",
	api.EventSourceTypeSemaphore: "project",
}

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	eventSourceResourceAttrTypes = map[string]attr.Type{
		"type": types.StringType,
		"name": types.StringType,
	}
	eventSourceFilterAttrTypes = map[string]attr.Type{
		"data":   types.StringType,
		"header": types.StringType,
	}
	eventSourceEventAttrTypes = map[string]attr.Type{
		"type":            types.StringType,
		"filter_operator": types.StringType,
		"filter":          types.ListType{ElemType: types.ObjectType{AttrTypes: eventSourceFilterAttrTypes}},
	}
	eventSourceScheduleAttrTypes = map[string]attr.Type{
		"type":     types.StringType,
		"minute":   types.Int64Type,
		"time":     types.StringType,
		"week_day": types.StringType,
	}
	eventSourceStatusAttrTypes = map[string]attr.Type{
		"webhook_state":           types.StringType,
		"webhook_reason":          types.StringType,
		"webhook_observed":        types.StringType,
		"webhook_observed_reason": types.StringType,
		"checked_at":              types.StringType,
		"last_event_id":           types.StringType,
		"last_event_at":           types.StringType,
	}
	eventSourceEventObjectType = types.ObjectType{AttrTypes: eventSourceEventAttrTypes}
	eventSourceFilterObjType   = types.ObjectType{AttrTypes: eventSourceFilterAttrTypes}
)

// NewEventSourceResource returns the superplane_event_source resource.
func NewEventSourceResource() resource.Resource {
	return &EventSourceResource{}
}

// EventSourceResource manages one event source of a canvas: where events
// come from (a custom webhook, a GitHub repository, a Semaphore project, a
// person, or a schedule) and which of them the canvas accepts.
type EventSourceResource struct {
	client *client.Client
}

// EventSourceResourceModel is the state of a superplane_event_source.
// Resource holds an eventSourceResourceModel, Events eventSourceEventModels,
// Schedule an eventSourceScheduleModel and Status an eventSourceStatusModel.
type EventSourceResourceModel struct {
	ID           types.String `tfsdk:"id"`
	Canvas       types.String `tfsdk:"canvas"`
	Name         types.String `tfsdk:"name"`
	Description  types.String `tfsdk:"description"`
	Type         types.String `tfsdk:"type"`
	Integration  types.String `tfsdk:"integration"`
	Resource     types.Object `tfsdk:"resource"`
	Events       types.List   `tfsdk:"events"`
	Schedule     types.Object `tfsdk:"schedule"`
	ForceDestroy types.Bool   `tfsdk:"force_destroy"`
	WebhookURL   types.String `tfsdk:"webhook_url"`
	Key          types.String `tfsdk:"key"`
	KeyVersion   types.Int64  `tfsdk:"key_version"`
	// SignatureScheme is how a webhook source's deliveries are signed.
	SignatureScheme types.String `tfsdk:"signature_scheme"`
	Status          types.Object `tfsdk:"status"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

// eventSourceResourceModel is the resource block: what the source watches.
type eventSourceResourceModel struct {
	Type types.String `tfsdk:"type"`
	Name types.String `tfsdk:"name"`
}

// eventSourceEventModel is one events block.
type eventSourceEventModel struct {
	Type           types.String `tfsdk:"type"`
	FilterOperator types.String `tfsdk:"filter_operator"`
	Filter         types.List   `tfsdk:"filter"`
}

// eventSourceFilterModel is one filter block: exactly one of the two is set.
type eventSourceFilterModel struct {
	Data   types.String `tfsdk:"data"`
	Header types.String `tfsdk:"header"`
}

// eventSourceScheduleModel is the schedule block.
type eventSourceScheduleModel struct {
	Type    types.String `tfsdk:"type"`
	Minute  types.Int64  `tfsdk:"minute"`
	Time    types.String `tfsdk:"time"`
	WeekDay types.String `tfsdk:"week_day"`
}

// Metadata names the resource superplane_event_source.
func (r *EventSourceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_event_source"
}

// Schema describes superplane_event_source.
func (r *EventSourceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane event source: where a canvas's events come from. A `webhook` source " +
			"receives deliveries signed with its own key at `webhook_url`; a `github` or `semaphore` source has " +
			"SuperPlane create and maintain a webhook on the repository or project through an integration; a " +
			"`manual` source takes events posted by hand; a `scheduled` source emits events on a schedule. " +
			"`events` blocks narrow what is accepted. The `key` of a `webhook` source is kept in the Terraform " +
			"state (marked sensitive): treat the state as sensitive.",
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
					"`key`), `github`, `semaphore` (through `integration`), `manual` or `scheduled`. Changing it " +
					"replaces the source.",
				Required: true,
				Validators: []validator.String{stringvalidator.OneOf(api.EventSourceTypeWebhook, api.EventSourceTypeGitHub,
					api.EventSourceTypeSemaphore, api.EventSourceTypeManual, api.EventSourceTypeScheduled)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"integration": schema.StringAttribute{
				MarkdownDescription: "Name of the integration SuperPlane uses to create the webhook: required for " +
					"`github` and `semaphore` sources, refused for the others. An integration of the source's " +
					"canvas is found first, then one of the organization; its type must match `type`. Reference " +
					"`superplane_integration.<name>.name` so the integration outlives the source. Changing it " +
					"moves the webhook in place.",
				Optional:   true,
				Validators: nameValidators(),
			},
			"force_destroy": schema.BoolAttribute{
				MarkdownDescription: "When `true`, destroying a `github` or `semaphore` source does not remove its " +
					"webhook from the tool (use it when the tool cannot be reached or the token no longer works; " +
					"remove the hook by hand). By default (`false`) SuperPlane removes the hook first and the " +
					"destroy fails, keeping the source, when it cannot. Set it, and apply, before destroying.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"webhook_url": schema.StringAttribute{
				MarkdownDescription: "Where deliveries go: for a `webhook` source, the URL your sender posts to; " +
					"for `github` and `semaphore`, the URL of the hook SuperPlane maintains. Null for `manual` " +
					"and `scheduled` sources.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"key": schema.StringAttribute{
				MarkdownDescription: "The signing key of a `webhook` source (hex): senders sign each body with " +
					"HMAC-SHA256 under it and send `X-Signature-256: sha256=<hex digest>` (with `signature_scheme " +
					"= \"standard_webhooks\"`, a `whsec_<base64>` secret for a Standard Webhooks library). SuperPlane returns it " +
					"only when it is created or reset, so Terraform keeps it in the state (sensitive). Null for " +
					"the other types (the key of a `github` or `semaphore` source goes straight to the tool's " +
					"hook) and after an import, since the key cannot be read back: bump `key_version` to get one.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"key_version": schema.Int64Attribute{
				MarkdownDescription: "Change it (for example increment it) to reset the signing key: the apply " +
					"asks SuperPlane for a new key, stores it in `key` (for `github` and `semaphore` sources " +
					"SuperPlane updates the hook's secret), and the previous key keeps verifying deliveries for " +
					"the server's grace period (one hour by default), so senders can switch without losing any. " +
					"Left out, it is the server's key version when the source was created or imported.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
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
				MarkdownDescription: "What SuperPlane last saw. For `github` and `semaphore` sources every refresh " +
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
				MarkdownDescription: "What a `github` or `semaphore` source watches: required for those types, " +
					"refused for the others. Changing it moves the webhook in place.",
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "`repository` for `github`, `project` for `semaphore`; defaults to the " +
							"one the source type watches.",
						Optional:      true,
						Computed:      true,
						Validators:    []validator.String{stringvalidator.OneOf("repository", "project")},
						PlanModifiers: []planmodifier.String{defaultResourceType{}},
					},
					// Optional only because Terraform checks a required
					// attribute of a block even when the block is absent;
					// ValidateConfig requires it in a present block.
					"name": schema.StringAttribute{
						MarkdownDescription: "The repository (of the integration's owner) or the Semaphore project. " +
							"Required.",
						Optional: true,
						Validators: []validator.String{stringvalidator.RegexMatches(repoNamePattern,
							"must be 1 to 100 letters, digits, '.', '_' or '-'")},
					},
				},
			},
			"events": schema.ListNestedBlock{
				MarkdownDescription: "The event types the source accepts, each with optional filters. Without any " +
					"`events` block every delivery is accepted (a `github` source then subscribes to `push`). " +
					"Deliveries to a `webhook` source have the event type `webhook`; a `github` source uses " +
					"GitHub's event names (`push`, `pull_request`) and subscribes the hook to exactly these.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"type": schema.StringAttribute{
							MarkdownDescription: "The event type: 1 to 128 letters, digits, `.`, `_`, `:` or `-`, " +
								"each type at most once.",
							Required: true,
							Validators: []validator.String{stringvalidator.RegexMatches(eventTypePattern,
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
							"`week_day` and `time`). Required.",
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
						Validators:          []validator.String{stringvalidator.RegexMatches(hhmmPattern, "must be HH:MM (24-hour)")},
					},
					"week_day": schema.StringAttribute{
						MarkdownDescription: "For `weekly`: `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, " +
							"`saturday` or `sunday`.",
						Optional:   true,
						Validators: []validator.String{stringvalidator.OneOf(weekDayNames...)},
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
			MarkdownDescription: "For `github` and `semaphore` sources, the state of the hook on the tool: " +
				"`pending`, `ready`, `failed` (see `webhook_reason`; SuperPlane retries with backoff) or " +
				"`repaired` (it was missing or altered and SuperPlane put it back). Null for the other types.",
			Computed: true,
		},
		"webhook_reason": schema.StringAttribute{
			MarkdownDescription: "`ok`, why provisioning failed in the tool's words, or when the hook was repaired.",
			Computed:            true,
		},
		"webhook_observed": schema.StringAttribute{
			MarkdownDescription: "For `github` and `semaphore` sources, what the last refresh found on the tool: " +
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

// Configure takes the API client from the provider.
func (r *EventSourceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig checks, before anything is sent, what the server would
// refuse: the arguments and blocks each type needs or does not use, filters
// with both or neither expression, repeated event types, and schedule
// fields that do not fit the schedule type. Unknown values are checked when
// they become known.
func (r *EventSourceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config EventSourceResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateEventSource(ctx, &config, &resp.Diagnostics)
}

// validateEventSource adds a diagnostic for each problem of config.
func validateEventSource(ctx context.Context, config *EventSourceResourceModel, diags *diag.Diagnostics) {
	res, d := objectAs[eventSourceResourceModel](ctx, config.Resource)
	diags.Append(d...)
	if res != nil && res.Name.IsNull() {
		diags.AddAttributeError(path.Root("resource").AtName("name"), "Missing resource name",
			"The resource block needs name: the repository or project to watch.")
	}
	if isKnown(config.Type) {
		typ := config.Type.ValueString()
		_, hooked := resourceTypeFor[typ]
		switch {
		case hooked && config.Integration.IsNull():
			diags.AddAttributeError(path.Root("integration"), "Missing integration",
				fmt.Sprintf("A %s event source needs integration: the name of the %s integration SuperPlane uses "+
					"to create its webhook.", typ, typ))
		case !hooked && !config.Integration.IsNull():
			diags.AddAttributeError(path.Root("integration"), "Integration not used",
				fmt.Sprintf("A %s event source has no integration: remove integration, or use type github or semaphore.", typ))
		}
		switch {
		case hooked && config.Resource.IsNull():
			diags.AddAttributeError(path.Root("resource"), "Missing resource block",
				fmt.Sprintf("A %s event source needs a resource block naming the %s to watch.", typ, resourceTypeFor[typ]))
		case !hooked && !config.Resource.IsNull() && !config.Resource.IsUnknown():
			diags.AddAttributeError(path.Root("resource"), "Resource block not used",
				fmt.Sprintf("A %s event source watches no repository or project: remove the resource block.", typ))
		}
		if typ != api.EventSourceTypeWebhook && !config.SignatureScheme.IsNull() && !config.SignatureScheme.IsUnknown() {
			diags.AddAttributeError(path.Root("signature_scheme"), "Signature scheme not used",
				fmt.Sprintf("A %s event source is not signed by a sender of yours: remove signature_scheme, or use type webhook.", typ))
		}
		if hooked && res != nil && isKnown(res.Type) && res.Type.ValueString() != resourceTypeFor[typ] {
			diags.AddAttributeError(path.Root("resource").AtName("type"), "Wrong resource type",
				fmt.Sprintf("A %s event source watches a %s, not a %s: set type = %q or leave it out.",
					typ, resourceTypeFor[typ], res.Type.ValueString(), resourceTypeFor[typ]))
		}
		switch {
		case typ == api.EventSourceTypeScheduled && config.Schedule.IsNull():
			diags.AddAttributeError(path.Root("schedule"), "Missing schedule block",
				"A scheduled event source needs a schedule block saying when it emits events.")
		case typ != api.EventSourceTypeScheduled && !config.Schedule.IsNull() && !config.Schedule.IsUnknown():
			diags.AddAttributeError(path.Root("schedule"), "Schedule block not used",
				fmt.Sprintf("Only scheduled event sources have a schedule; this one is a %s source.", typ))
		}
	}

	validateSchedule(ctx, config.Schedule, diags)

	events, d := listAs[eventSourceEventModel](ctx, config.Events)
	diags.Append(d...)
	seen := map[string]bool{}
	for i, ev := range events {
		p := path.Root("events").AtListIndex(i)
		if isKnown(ev.Type) {
			t := ev.Type.ValueString()
			if seen[t] {
				diags.AddAttributeError(p.AtName("type"), "Repeated event type",
					fmt.Sprintf("Event type %q has more than one events block: put all of its filters in one.", t))
			}
			seen[t] = true
			if config.Type.ValueString() == api.EventSourceTypeWebhook && t != "webhook" {
				diags.AddAttributeWarning(p.AtName("type"), "Event type never delivered",
					fmt.Sprintf("Deliveries to a webhook event source have the event type \"webhook\", so an events "+
						"block for %q accepts nothing and every delivery is rejected. Use type = \"webhook\".", t))
			}
		}
		filters, d := listAs[eventSourceFilterModel](ctx, ev.Filter)
		diags.Append(d...)
		for j, f := range filters {
			if f.Data.IsUnknown() || f.Header.IsUnknown() {
				continue
			}
			if f.Data.IsNull() == f.Header.IsNull() {
				diags.AddAttributeError(p.AtName("filter").AtListIndex(j), "Invalid filter",
					"Each filter block sets exactly one of data (an expression on the body) and header (an "+
						"expression on the headers); write two filter blocks to test both.")
			}
		}
	}
}

// validateSchedule checks that the schedule sets exactly the fields its
// type uses.
func validateSchedule(ctx context.Context, schedule types.Object, diags *diag.Diagnostics) {
	sc, d := objectAs[eventSourceScheduleModel](ctx, schedule)
	diags.Append(d...)
	if sc != nil && sc.Type.IsNull() {
		diags.AddAttributeError(path.Root("schedule").AtName("type"), "Missing schedule type",
			"The schedule block needs type: hourly, daily or weekly.")
	}
	if sc == nil || !isKnown(sc.Type) {
		return
	}
	p := path.Root("schedule")
	typ := sc.Type.ValueString()
	want := map[string]bool{
		"minute":   typ == "hourly",
		"time":     typ == "daily" || typ == "weekly",
		"week_day": typ == "weekly",
	}
	set := map[string]bool{"minute": !sc.Minute.IsNull(), "time": !sc.Time.IsNull(), "week_day": !sc.WeekDay.IsNull()}
	for _, field := range []string{"minute", "time", "week_day"} {
		switch {
		case want[field] && !set[field]:
			diags.AddAttributeError(p.AtName(field), "Missing schedule field",
				fmt.Sprintf("A %s schedule needs %s.", typ, field))
		case !want[field] && set[field]:
			diags.AddAttributeError(p.AtName(field), "Schedule field not used",
				fmt.Sprintf("A %s schedule has no %s: remove it.", typ, field))
		}
	}
}

// ModifyPlan decides what an apply does; Update acts on the decision. A
// changed key_version resets the key, so the key is unknown in the plan.
// When neither the settings nor the key change (for example only
// force_destroy does), status keeps its state value, so the plan shows no
// noise. On create, the key and webhook_url of types that have none are
// planned as null.
func (r *EventSourceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan EventSourceResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	typ := plan.Type.ValueString()
	if req.State.Raw.IsNull() {
		if isKnown(plan.Type) && typ != api.EventSourceTypeWebhook {
			plan.Key = types.StringNull()
		}
		if typ == api.EventSourceTypeManual || typ == api.EventSourceTypeScheduled {
			plan.WebhookURL = types.StringNull()
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	var state EventSourceResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	rotate := keyResetPlanned(&plan, &state)
	if rotate && typ == api.EventSourceTypeWebhook {
		plan.Key = types.StringUnknown()
	}
	switch {
	case hookDrifted(ctx, state.Status):
		// Nothing else may differ, so say it: the apply repairs the hook
		// and the status it answers is not known before.
		plan.Status = types.ObjectUnknown(eventSourceStatusAttrTypes)
	case !rotate && !eventSourceSettingsChanged(&plan, &state):
		plan.Status = state.Status
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// hookDrifted reports whether the last refresh found the hook missing or
// altered on the tool: then the plan shows status changing (an update) and
// Update repairs the hook.
func hookDrifted(_ context.Context, status types.Object) bool {
	if status.IsNull() || status.IsUnknown() {
		return false
	}
	observed, ok := status.Attributes()["webhook_observed"].(types.String)
	if !ok {
		return false
	}
	o := observed.ValueString()
	return o == api.HookObservedMissing || o == api.HookObservedDrifted
}

// keyResetPlanned reports whether applying plan resets the signing key:
// key_version changed, or is not known yet.
func keyResetPlanned(plan, state *EventSourceResourceModel) bool {
	return plan.KeyVersion.IsUnknown() || !plan.KeyVersion.Equal(state.KeyVersion)
}

// Create creates the source; SuperPlane provisions the hook of a github or
// semaphore source at once and reports the outcome in status (a failure
// there is not an error: SuperPlane retries, and status says why).
func (r *EventSourceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan EventSourceResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := eventSourceParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	canvas := plan.Canvas.ValueString()
	es, key, err := r.client.CreateEventSource(ctx, canvas, params)
	if client.IsConflict(err) {
		if own, ownKey, aerr := r.client.AdoptEventSource(ctx, canvas, params); aerr == nil {
			es, key, err = own, ownKey, nil
			adoptedWarning(&resp.Diagnostics, "event source", params.Name)
		}
	}
	if err != nil {
		detail := err.Error()
		if client.IsConflict(err) {
			detail += fmt.Sprintf("\n\nAn event source called %q already exists in canvas %q. To manage it with "+
				"Terraform, import it: terraform import <address> %s/%s (its key cannot be imported: bump "+
				"key_version afterwards to get one).", params.Name, canvas, canvas, params.Name)
		}
		resp.Diagnostics.AddError("Error creating event source", detail)
		return
	}
	prior := plan
	prior.Key = types.StringNull()
	if key != "" {
		prior.Key = types.StringValue(key)
	}
	m, diags := eventSourceModelFrom(es, &prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	resp.Diagnostics.Append(setPrivateKeyVersion(ctx, resp.Private.SetKey, es)...)
}

// Read refreshes the source. For github and semaphore sources SuperPlane
// checks the hook on the tool, read-only, and status.webhook_observed says
// what it found; a refresh never repairs (a hook found missing or drifted
// plans an update, and Update repairs it). A viewer token may not check:
// the source is then read as recorded, with a warning. The key cannot be read
// and stays as it is in state; when the server's key version moved since
// Terraform last set the key, a warning says the key in state is stale. A
// source deleted outside Terraform is removed from state so the next plan
// creates it again.
func (r *EventSourceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state EventSourceResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	canvas, id := state.Canvas.ValueString(), state.ID.ValueString()
	var es *api.EventSource
	var err error
	_, hooked := resourceTypeFor[state.Type.ValueString()]
	if hooked {
		es, err = r.client.CheckEventSource(ctx, canvas, id)
		if client.IsPermissionDenied(err) {
			resp.Diagnostics.AddWarning("Event source webhook not checked",
				fmt.Sprintf("The provider's token may not check the webhook of event source %q on the tool (only "+
					"owner and admin tokens may), so a hook deleted or altered there does not show in this plan. "+
					"The source was read as SuperPlane last recorded it.", state.Name.ValueString()))
			es, err = r.client.GetEventSource(ctx, canvas, id)
		}
	} else {
		es, err = r.client.GetEventSource(ctx, canvas, id)
	}
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "event source not found, removing from state", map[string]any{"canvas": canvas, "id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading event source", err.Error())
		return
	}

	m, diags := eventSourceModelFrom(es, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	written, diags := privateInt(ctx, req.Private.GetKey, privateKeyVersion)
	resp.Diagnostics.Append(diags...)
	if msg := keyResetOutside(es, written); msg != "" {
		resp.Diagnostics.AddAttributeWarning(path.Root("key"), "Event source key reset outside Terraform", msg)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update sends the settings when they changed, then resets the key when
// key_version changed; either provisions the hook, repairing it. When only
// the last refresh found the hook missing or drifted, it asks SuperPlane to
// repair it (POST .../refresh). A change of force_destroy alone touches
// nothing on the server.
func (r *EventSourceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state EventSourceResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := eventSourceParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	canvas, id := plan.Canvas.ValueString(), state.ID.ValueString()
	changed, rotate := eventSourceSettingsChanged(&plan, &state), keyResetPlanned(&plan, &state)
	if !changed && !rotate {
		if !hookDrifted(ctx, state.Status) {
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		es, err := r.client.RefreshEventSource(ctx, canvas, id)
		if err != nil {
			resp.Diagnostics.AddError("Error repairing the event source's webhook", err.Error())
			return
		}
		prior := plan
		prior.Key = state.Key
		m, diags := eventSourceModelFrom(es, &prior)
		resp.Diagnostics.Append(diags...)
		if !resp.Diagnostics.HasError() {
			resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
		}
		return
	}
	prior := plan
	prior.Key = state.Key
	var es *api.EventSource
	var err error
	if changed {
		if es, err = r.client.UpdateEventSource(ctx, canvas, id, params); err != nil {
			resp.Diagnostics.AddError("Error updating event source", err.Error())
			return
		}
	}
	if rotate {
		var key string
		if es, key, err = r.client.ResetEventSourceKey(ctx, canvas, id); err != nil {
			detail := err.Error()
			if changed {
				detail += "\n\nThe other changes were applied; the next apply tries the key reset again."
			}
			resp.Diagnostics.AddError("Error resetting the event source key", detail)
			return
		}
		prior.Key = types.StringNull()
		if key != "" {
			prior.Key = types.StringValue(key)
		}
		resp.Diagnostics.Append(setPrivateKeyVersion(ctx, resp.Private.SetKey, es)...)
	}
	m, diags := eventSourceModelFrom(es, &prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete deletes the source; one already gone counts as deleted.
// SuperPlane removes the hook of a github or semaphore source from the tool
// first, unless force_destroy is set, and refuses (keeping the source) when
// it cannot.
func (r *EventSourceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state EventSourceResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	err := r.client.DeleteEventSource(ctx, state.Canvas.ValueString(), state.ID.ValueString(), state.ForceDestroy.ValueBool())
	if err == nil || client.IsNotFound(err) {
		return
	}
	detail := err.Error()
	if _, hooked := resourceTypeFor[state.Type.ValueString()]; hooked && !state.ForceDestroy.ValueBool() {
		detail += "\n\nSuperPlane keeps the event source while it cannot remove its webhook from the tool, so no " +
			"hook is left behind. Fix the integration and destroy again, or set force_destroy = true, apply, and " +
			"destroy: the hook then stays on the tool and must be removed by hand."
	}
	resp.Diagnostics.AddError("Error deleting event source", detail)
}

// ImportState accepts "<canvas id or name>/<source name>". Read fills in
// the rest; the key cannot be read back, so it stays null until key_version
// changes.
func (r *EventSourceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	canvas, name, err := parseCanvasImportID("event source", req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("canvas"), canvas)...)
	// Read looks the source up by id or name and stores the real id.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force_destroy"), false)...)
}

// parseCanvasImportID splits the import ID of an object that belongs to a
// canvas: "<canvas id or name>/<name>". kind names the object in the error.
// Neither names nor UUIDs contain '/' (see namePattern), so '/' separates
// unambiguously.
func parseCanvasImportID(kind, id string) (canvas, name string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) == 2 && parts[0] != "" && parts[1] != "" {
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("expected %q, got %q", "<canvas id or name>/<"+kind+" name>", id)
}

// defaultResourceType plans resource.type, when the configuration leaves it
// out, as the kind the source type watches, so the plan never shows it
// unknown.
type defaultResourceType struct{}

// Description says what the modifier does.
func (m defaultResourceType) Description(context.Context) string {
	return "Defaults to the resource kind the source type watches."
}

// MarkdownDescription says what the modifier does.
func (m defaultResourceType) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString sets the default when the configuration has no value.
func (m defaultResourceType) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var typ types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("type"), &typ)...)
	if want, ok := resourceTypeFor[typ.ValueString()]; ok {
		resp.PlanValue = types.StringValue(want)
	}
}

// eventSourceSettingsChanged reports whether plan changes anything the
// server holds (canvas and type changes replace the source instead; the key
// is reset separately).
func eventSourceSettingsChanged(plan, state *EventSourceResourceModel) bool {
	return !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) ||
		!plan.Integration.Equal(state.Integration) || !plan.Resource.Equal(state.Resource) ||
		!plan.Events.Equal(state.Events) || !plan.Schedule.Equal(state.Schedule)
}

// objectAs converts a block's object; nil when it is null or unknown.
func objectAs[T any](ctx context.Context, o types.Object) (*T, diag.Diagnostics) {
	if o.IsNull() || o.IsUnknown() {
		return nil, nil
	}
	var out T
	diags := o.As(ctx, &out, basetypes.ObjectAsOptions{})
	if diags.HasError() {
		return nil, diags
	}
	return &out, diags
}

// listAs converts a list of blocks; nil when it is null or unknown.
func listAs[T any](ctx context.Context, l types.List) ([]T, diag.Diagnostics) {
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	var out []T
	diags := l.ElementsAs(ctx, &out, false)
	if diags.HasError() {
		return nil, diags
	}
	return out, diags
}

// eventSourceParams builds the API settings from a plan.
func eventSourceParams(ctx context.Context, plan *EventSourceResourceModel) (client.EventSourceParams, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := client.EventSourceParams{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Spec:        api.EventSourceSpec{Type: plan.Type.ValueString(), Events: []api.EventSourceEventType{}},
	}
	if isKnown(plan.Integration) {
		p.Spec.Integration = &api.IntegrationRef{Name: plan.Integration.ValueString()}
	}
	if isKnown(plan.SignatureScheme) {
		p.Spec.SignatureScheme = signatureSchemes[plan.SignatureScheme.ValueString()]
	}
	res, d := objectAs[eventSourceResourceModel](ctx, plan.Resource)
	diags.Append(d...)
	if res != nil {
		p.Spec.Resource = &api.ResourceRef{Type: res.Type.ValueString(), Name: res.Name.ValueString()}
	}

	events, d := listAs[eventSourceEventModel](ctx, plan.Events)
	diags.Append(d...)
	for _, ev := range events {
		out := api.EventSourceEventType{Type: ev.Type.ValueString(), FilterOperator: api.FilterOperatorAnd, Filters: []api.Filter{}}
		if op, ok := filterOperators[ev.FilterOperator.ValueString()]; ok {
			out.FilterOperator = op
		}
		filters, d := listAs[eventSourceFilterModel](ctx, ev.Filter)
		diags.Append(d...)
		for _, f := range filters {
			if !f.Data.IsNull() {
				out.Filters = append(out.Filters, api.Filter{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: f.Data.ValueString()}})
			} else {
				out.Filters = append(out.Filters, api.Filter{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: f.Header.ValueString()}})
			}
		}
		p.Spec.Events = append(p.Spec.Events, out)
	}

	sc, d := objectAs[eventSourceScheduleModel](ctx, plan.Schedule)
	diags.Append(d...)
	if sc != nil {
		out := &api.EventSourceSchedule{Type: scheduleTypes[sc.Type.ValueString()]}
		switch sc.Type.ValueString() {
		case "hourly":
			out.Hourly = &api.HourlySchedule{Minute: int(sc.Minute.ValueInt64())}
		case "daily":
			out.Daily = &api.DailySchedule{Time: sc.Time.ValueString()}
		case "weekly":
			out.Weekly = &api.WeeklySchedule{WeekDay: "WEEK_DAY_" + strings.ToUpper(sc.WeekDay.ValueString()), Time: sc.Time.ValueString()}
		}
		p.Spec.Schedule = out
	}
	return p, diags
}

// eventSourceModelFrom builds state from an API event source. What the
// server does not return (the canvas argument as written, the key,
// force_destroy, a configured key_version) comes from prior: the plan, or
// the previous state.
func eventSourceModelFrom(es *api.EventSource, prior *EventSourceResourceModel) (*EventSourceResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m, spec := es.Metadata, es.Spec
	out := &EventSourceResourceModel{
		ID:           types.StringValue(m.ID),
		Canvas:       prior.Canvas,
		Name:         types.StringValue(m.Name),
		Description:  types.StringValue(m.Description),
		Type:         types.StringValue(spec.Type),
		Integration:  types.StringNull(),
		Resource:     types.ObjectNull(eventSourceResourceAttrTypes),
		ForceDestroy: prior.ForceDestroy,
		WebhookURL:   types.StringNull(),
		Key:          prior.Key,
		KeyVersion:   prior.KeyVersion,
		Status:       eventSourceStatusValue(es),
		CreatedAt:    timeValue(m.CreatedAt),
	}
	if out.ForceDestroy.IsNull() || out.ForceDestroy.IsUnknown() {
		out.ForceDestroy = types.BoolValue(false)
	}
	if out.Key.IsUnknown() {
		out.Key = types.StringNull()
	}
	if out.KeyVersion.IsNull() || out.KeyVersion.IsUnknown() {
		// Not configured: the server's version (a v1 server reports none,
		// and starts every key at 1).
		out.KeyVersion = types.Int64Value(max(serverKeyVersion(es), 1))
	}
	out.SignatureScheme = types.StringNull()
	for name, wire := range signatureSchemes {
		if spec.SignatureScheme == wire {
			out.SignatureScheme = types.StringValue(name)
		}
	}
	if spec.Integration != nil && spec.Integration.Name != "" {
		out.Integration = types.StringValue(spec.Integration.Name)
	}
	if spec.Resource != nil && spec.Resource.Name != "" {
		res, d := types.ObjectValue(eventSourceResourceAttrTypes, map[string]attr.Value{
			"type": types.StringValue(spec.Resource.Type),
			"name": types.StringValue(spec.Resource.Name),
		})
		diags.Append(d...)
		out.Resource = res
	}
	if spec.Type != api.EventSourceTypeManual && spec.Type != api.EventSourceTypeScheduled &&
		es.Status != nil && es.Status.Webhook != nil && es.Status.Webhook.URL != "" {
		out.WebhookURL = types.StringValue(es.Status.Webhook.URL)
	}

	events, d := eventSourceEventsValue(spec.Events)
	diags.Append(d...)
	out.Events = events
	sched, d := eventSourceScheduleValue(spec.Schedule)
	diags.Append(d...)
	out.Schedule = sched
	return out, diags
}

// eventSourceEventsValue maps the API's event types to the events blocks;
// an empty list when there are none, as Terraform reads absent blocks.
func eventSourceEventsValue(events []api.EventSourceEventType) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(events))
	for _, ev := range events {
		filters := make([]attr.Value, 0, len(ev.Filters))
		for _, f := range ev.Filters {
			data, header := types.StringNull(), types.StringNull()
			switch {
			case f.Type == api.FilterTypeData && f.Data != nil:
				data = types.StringValue(f.Data.Expression)
			case f.Type == api.FilterTypeHeader && f.Header != nil:
				header = types.StringValue(f.Header.Expression)
			}
			fv, d := types.ObjectValue(eventSourceFilterAttrTypes, map[string]attr.Value{"data": data, "header": header})
			diags.Append(d...)
			filters = append(filters, fv)
		}
		fl, d := types.ListValue(eventSourceFilterObjType, filters)
		diags.Append(d...)
		op := "and"
		if ev.FilterOperator == api.FilterOperatorOr {
			op = "or"
		}
		ov, d := types.ObjectValue(eventSourceEventAttrTypes, map[string]attr.Value{
			"type":            types.StringValue(ev.Type),
			"filter_operator": types.StringValue(op),
			"filter":          fl,
		})
		diags.Append(d...)
		elems = append(elems, ov)
	}
	l, d := types.ListValue(eventSourceEventObjectType, elems)
	diags.Append(d...)
	return l, diags
}

// eventSourceScheduleValue maps the API schedule to the schedule block;
// null when there is none.
func eventSourceScheduleValue(sc *api.EventSourceSchedule) (types.Object, diag.Diagnostics) {
	if sc == nil || sc.Type == "" {
		return types.ObjectNull(eventSourceScheduleAttrTypes), nil
	}
	vals := map[string]attr.Value{
		"type":     types.StringValue(sc.Type),
		"minute":   types.Int64Null(),
		"time":     types.StringNull(),
		"week_day": types.StringNull(),
	}
	for name, wire := range scheduleTypes {
		if wire == sc.Type {
			vals["type"] = types.StringValue(name)
		}
	}
	switch {
	case sc.Type == api.ScheduleTypeHourly && sc.Hourly != nil:
		vals["minute"] = types.Int64Value(int64(sc.Hourly.Minute))
	case sc.Type == api.ScheduleTypeDaily && sc.Daily != nil:
		vals["time"] = types.StringValue(sc.Daily.Time)
	case sc.Type == api.ScheduleTypeWeekly && sc.Weekly != nil:
		vals["time"] = types.StringValue(sc.Weekly.Time)
		vals["week_day"] = types.StringValue(strings.ToLower(strings.TrimPrefix(sc.Weekly.WeekDay, "WEEK_DAY_")))
	}
	return types.ObjectValue(eventSourceScheduleAttrTypes, vals)
}

// eventSourceStatusValue maps the API status; the webhook fields are null
// for sources without a hook, and the whole status when the server gave
// none.
func eventSourceStatusValue(es *api.EventSource) types.Object {
	st := es.Status
	if st == nil {
		return types.ObjectNull(eventSourceStatusAttrTypes)
	}
	vals := map[string]attr.Value{
		"webhook_state":           types.StringNull(),
		"webhook_reason":          types.StringNull(),
		"webhook_observed":        types.StringNull(),
		"webhook_observed_reason": types.StringNull(),
		"checked_at":              types.StringNull(),
		"last_event_id":           types.StringNull(),
		"last_event_at":           types.StringNull(),
	}
	if wh := st.Webhook; wh != nil && wh.State != "" {
		vals["webhook_state"] = types.StringValue(wh.State)
		vals["webhook_reason"] = types.StringValue(wh.Reason)
		vals["checked_at"] = timeValue(wh.CheckedAt)
		if wh.Observed != "" {
			vals["webhook_observed"] = types.StringValue(wh.Observed)
		}
		if wh.ObservedReason != "" {
			vals["webhook_observed_reason"] = types.StringValue(wh.ObservedReason)
		}
	}
	if ev := st.LastEvent; ev != nil && ev.ID != "" {
		vals["last_event_id"] = types.StringValue(ev.ID)
		vals["last_event_at"] = timeValue(ev.ReceivedAt)
	}
	return types.ObjectValueMust(eventSourceStatusAttrTypes, vals)
}

// keyResetOutside says, when the server's key version of a webhook source
// is not the one Terraform last stored the key of (written; nil when
// unknown, as after an import), that the key in state is stale. Otherwise
// "".
func keyResetOutside(es *api.EventSource, written *int64) string {
	current := serverKeyVersion(es)
	if written == nil || current <= 0 || current == *written || es.Spec.Type != api.EventSourceTypeWebhook {
		return ""
	}
	return fmt.Sprintf("The signing key of event source %q is at version %d on the server, but the key in the "+
		"Terraform state is version %d: it was reset outside Terraform, and the key in the state stops verifying "+
		"deliveries when the grace period ends. Change key_version to reset it again and store the new key.",
		es.Metadata.Name, current, *written)
}

// serverKeyVersion is the server's key version, 0 when it reports none.
func serverKeyVersion(es *api.EventSource) int64 {
	if es.Status == nil {
		return 0
	}
	return es.Status.KeyVersion
}

// privateInt reads a number from private state; nil when absent.
func privateInt(ctx context.Context, get func(context.Context, string) ([]byte, diag.Diagnostics), key string) (*int64, diag.Diagnostics) {
	raw, diags := get(ctx, key)
	if diags.HasError() || len(raw) == 0 {
		return nil, diags
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, diags
	}
	return &v, diags
}

// setPrivateKeyVersion records the server's key version after Terraform
// created or reset the key.
func setPrivateKeyVersion(ctx context.Context, set func(context.Context, string, []byte) diag.Diagnostics, es *api.EventSource) diag.Diagnostics {
	v := serverKeyVersion(es)
	if v <= 0 {
		return set(ctx, privateKeyVersion, nil)
	}
	raw, _ := json.Marshal(v)
	return set(ctx, privateKeyVersion, raw)
}
