package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Schema describes superplane_connection_group.
func (r *ConnectionGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	identValidator := stringvalidator.RegexMatches(api.IdentifierPattern, "must be a letter or '_' followed by up to 127 letters, digits or '_'")
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane connection group: it joins the events of two or more connections (event " +
			"sources or stages of the canvas) that share the values of its `group_by` fields, and when every " +
			"connection has sent one, emits one event to the stages that connect to it " +
			"(`connect { type = \"connection_group\" }`). That event's payload is `$.fields.NAME` (the " +
			"`group_by` values) and `$.events.CONNECTION` (the latest payload from each connection). A key " +
			"that misses a connection for `timeout_seconds` is dropped or emitted with what arrived, as " +
			"`timeout_behavior` says. The server keeps the waiting keys (field sets) in its database, so " +
			"a restart loses none, and emits each once.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The connection group id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the group belongs to. Changing it replaces the group.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the group, unique among the canvas's groups: 1 to 128 letters, digits, " +
					"`.`, `_` or `-`, and not a UUID. Stages connect to it by this name; it cannot be renamed while " +
					"they do.",
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
			"timeout_seconds": schema.Int64Attribute{
				MarkdownDescription: "How long a key waits for its missing connections, in seconds: 1 to 604800 " +
					"(7 days). Defaults to 86400 (a day). A change applies to keys that start waiting afterwards.",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(api.DefaultGroupTimeout),
				Validators: []validator.Int64{int64validator.Between(api.MinGroupTimeout, api.MaxGroupTimeout)},
			},
			"timeout_behavior": schema.StringAttribute{
				MarkdownDescription: "What a key that timed out does: `drop` (the default: nothing is emitted) or " +
					"`emit` (the group's event is emitted with the connections that did arrive).",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("drop"),
				Validators: []validator.String{stringvalidator.OneOf("drop", "emit")},
			},
		},
		Blocks: map[string]schema.Block{
			"connect": schema.ListNestedBlock{
				MarkdownDescription: "A connection whose events the group joins: an event source or a stage (the end " +
					"of one of its executions, as a stage's `connect` block sees it), with optional filters. Two " +
					"to 20.",
				Validators: []validator.List{listvalidator.SizeBetween(2, api.MaxGroupConnections)},
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
							MarkdownDescription: "How the `filter` blocks combine: `and` (the default) or `or`.",
							Optional:            true,
							Computed:            true,
							Default:             stringdefault.StaticString("and"),
							Validators:          []validator.String{stringvalidator.OneOf("and", "or")},
						},
					},
					Blocks: map[string]schema.Block{
						"filter": schema.ListNestedBlock{
							MarkdownDescription: "A condition on the event. Set exactly one of `data` and `header`.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"data": schema.StringAttribute{
										MarkdownDescription: "An [expr-lang](https://expr-lang.org) expression on the event's JSON body, `$`.",
										Optional:            true,
										Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
									},
									"header": schema.StringAttribute{
										MarkdownDescription: "An expr-lang expression on the lower-cased request headers: `headers['x-github-event'] == 'push'`.",
										Optional:            true,
										Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
									},
								},
							},
						},
					},
				},
			},
			"group_by": schema.ListNestedBlock{
				MarkdownDescription: "A field of the key events are joined by, read from every connection's events with " +
					"one expression. One to 10. An event in which a field has no value is not joined (the group " +
					"records a rejection saying so).",
				Validators: []validator.List{listvalidator.SizeBetween(1, api.MaxGroupByFields)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "The field's name in the group's event (`$.fields.NAME`): a letter or `_` " +
								"followed by letters, digits or `_`.",
							Required:   true,
							Validators: []validator.String{identValidator},
						},
						"expression": schema.StringAttribute{
							MarkdownDescription: "An expr-lang expression on the event's JSON body (`$`) and headers, " +
								"as in a stage's `from_event`: `$.version`, `$.outputs.VERSION` for a stage.",
							Required:   true,
							Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
						},
					},
				},
			},
		},
	}
}
