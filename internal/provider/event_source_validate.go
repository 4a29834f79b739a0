package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// ValidateConfig checks, before anything is sent, what the server would
// refuse: the arguments and blocks each type needs or does not use, filters
// with both or neither expression, repeated event types, and schedule
// fields that do not fit the schedule type. Unknown values are checked when
// they become known.
func (r *EventSourceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateEventSource(ctx, &config, &resp.Diagnostics)
}

// validateEventSource adds a diagnostic for each problem of config.
func validateEventSource(ctx context.Context, config *EventSourceResourceModel, diags *diag.Diagnostics) {
	res := objectAs[eventSourceResourceModel](ctx, config.Resource, diags)
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
				fmt.Sprintf("A %s event source has no integration: remove integration, or use type github, semaphore, gitlab, bitbucket, azure_devops or datadog.", typ))
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
		if typ != api.EventSourceTypeWebhook && !config.KeyWO.IsNull() {
			diags.AddAttributeError(path.Root("key_wo"), "Key not used",
				fmt.Sprintf("Only a webhook event source takes a key of yours; SuperPlane generates the key of a %s "+
					"source and gives it to the source's hook. Remove key_wo and key_wo_version.", typ))
		}
		validateKeyWO(config, diags)
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

	validateResourceName(config, res, diags)
	validateSchedule(ctx, config.Schedule, diags)

	events, _ := listAs[eventSourceEventModel](ctx, config.Events, diags)
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
		filters, _ := listAs[filterModel](ctx, ev.Filter, diags)
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

// validateKeyWO checks key_wo of a webhook source against the server's
// rules for its signature scheme, so a bad key fails the plan, not the
// apply. The message never quotes the key.
func validateKeyWO(config *EventSourceResourceModel, diags *diag.Diagnostics) {
	if !isKnown(config.KeyWO) || config.Type.ValueString() != api.EventSourceTypeWebhook || config.SignatureScheme.IsUnknown() {
		return
	}
	scheme := signatureSchemes["hmac_sha256"]
	if wire, ok := signatureSchemes[config.SignatureScheme.ValueString()]; ok {
		scheme = wire
	}
	if _, err := api.SourceKeyBytes(scheme, config.KeyWO.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("key_wo"), "Invalid key",
			fmt.Sprintf("key_wo %s.", err.Error()))
	}
}

// validateSchedule checks that the schedule sets exactly the fields its
// type uses.
func validateSchedule(ctx context.Context, schedule types.Object, diags *diag.Diagnostics) {
	sc := objectAs[eventSourceScheduleModel](ctx, schedule, diags)
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
