package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// defaultFrom plans an optional, computed string attribute that the
// configuration leaves out from another top-level attribute of the
// configuration, so the plan never shows it unknown and a server answer
// that differs shows as drift.
type defaultFrom struct {
	description string
	// from is the top-level attribute the default depends on.
	from string
	// value is the default for from's configured value; ok false leaves
	// the plan as it is.
	value func(from types.String) (value string, ok bool)
}

// defaultResourceType plans resource.type of an event source as the kind
// the source type watches.
func defaultResourceType() planmodifier.String {
	return defaultFrom{
		description: "Defaults to the resource kind the source type watches.",
		from:        "type",
		value: func(typ types.String) (string, bool) {
			want, ok := resourceTypeFor[typ.ValueString()]
			return want, ok
		},
	}
}

// defaultScope plans auth.token.scope of an integration as the
// integration's own scope: "canvas" when canvas is set (even if not yet
// known), "organization" otherwise.
func defaultScope() planmodifier.String {
	return defaultFrom{
		description: "Defaults to the integration's own scope.",
		from:        "canvas",
		value: func(canvas types.String) (string, bool) {
			if canvas.IsNull() {
				return scopeOrganization, true
			}
			return scopeCanvas, true
		},
	}
}

// Description says what the modifier does.
func (m defaultFrom) Description(context.Context) string {
	return m.description
}

// MarkdownDescription says what the modifier does.
func (m defaultFrom) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString sets the default when the configuration has no value.
func (m defaultFrom) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var from types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(m.from), &from)...)
	if v, ok := m.value(from); ok {
		resp.PlanValue = types.StringValue(v)
	}
}

// scopeFromStateForSameSecret plans a stage secret block's scope left out
// of the configuration as the state has it, when the block at the same
// index in the state names the same alias, secret and key. Some v1 servers
// answer the scope they chose for a block sent without one; without this
// every later plan would show it unknown. A block that now names another
// secret (one inserted before it, say) stays unknown, so it never inherits
// a scope chosen for a different secret.
type scopeFromStateForSameSecret struct{}

// Description says what the modifier does.
func (scopeFromStateForSameSecret) Description(context.Context) string {
	return "Keeps the scope the server chose while the block names the same secret."
}

// MarkdownDescription says what the modifier does.
func (m scopeFromStateForSameSecret) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString copies the state's scope when the block is unchanged.
func (scopeFromStateForSameSecret) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() || req.StateValue.IsNull() || req.StateValue.IsUnknown() || !req.PlanValue.IsUnknown() {
		return
	}
	block := req.Path.ParentPath()
	for _, name := range []string{"name", "secret", "key"} {
		var planned, prior types.String
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, block.AtName(name), &planned)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, block.AtName(name), &prior)...)
		if resp.Diagnostics.HasError() || planned.IsUnknown() || !planned.Equal(prior) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}

// fromEventConnectionDefault plans a from_event connection left out of the
// configuration as the request will send it (see fromEventConnection), so
// the plan shows it known; otherwise the plan keeps what Terraform chose
// (the state's value, or unknown while the stage changes).
type fromEventConnectionDefault struct{}

// Description says what the modifier does.
func (fromEventConnectionDefault) Description(context.Context) string {
	return "Defaults to the mapping's triggered_by, or the stage's only connection."
}

// MarkdownDescription says what the modifier does.
func (m fromEventConnectionDefault) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString sets the default when the configuration has no value.
func (fromEventConnectionDefault) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() || req.Config.Raw.IsNull() {
		return
	}
	// input_mapping[i].value[j].from_event.connection: four steps up is the
	// mapping.
	mapping := req.Path.ParentPath().ParentPath().ParentPath().ParentPath()
	var triggeredBy types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, mapping.AtName("triggered_by"), &triggeredBy)...)
	var conns []stageConnectionModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("connect"), &conns)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if name, ok := fromEventConnection(triggeredBy, conns); ok {
		resp.PlanValue = types.StringValue(name)
	}
}
