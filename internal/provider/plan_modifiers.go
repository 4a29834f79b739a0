package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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

// defaultScope plans auth.token.scope, when the configuration leaves it
// out, as the integration's own scope: "canvas" when canvas is set (even if
// not yet known), "organization" otherwise. The plan then never shows an
// unknown scope, and a server answer naming another scope shows as drift.
type defaultScope struct{}

// Description says what the modifier does.
func (m defaultScope) Description(context.Context) string {
	return "Defaults to the integration's own scope."
}

// MarkdownDescription says what the modifier does.
func (m defaultScope) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString sets the default when the configuration has no value.
func (m defaultScope) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var canvas types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("canvas"), &canvas)...)
	if canvas.IsNull() {
		resp.PlanValue = types.StringValue(scopeOrganization)
	} else {
		resp.PlanValue = types.StringValue(scopeCanvas)
	}
}
