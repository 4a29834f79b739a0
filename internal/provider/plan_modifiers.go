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
