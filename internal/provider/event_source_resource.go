package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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

// Metadata names the resource superplane_event_source.
func (r *EventSourceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_event_source"
}

// Configure takes the API client from the provider.
func (r *EventSourceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ModifyPlan decides what an apply does; Update acts on the decision. A
// changed key_version resets the key, so the key is unknown in the plan.
// Status keeps its state value, so the plan shows no noise, when neither
// the settings nor the key change (for example only force_destroy does);
// on every update of a source without a hook (webhook, manual,
// scheduled), whose status holds only the last event, which no update
// changes; and on an update of a github or semaphore source that leaves
// its hook alone (see hookUntouched). Otherwise SuperPlane provisions the
// hook again, which sets webhook_state and checked_at anew, so status is
// unknown. On create, the key and webhook_url of types that have none are
// planned as null.
func (r *EventSourceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	if req.State.Raw.IsNull() {
		planEventSourceCreate(ctx, req, resp)
		return
	}
	var plan EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	typ := plan.Type.ValueString()
	var state EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	rotate := keyResetPlanned(&plan, &state)
	switch {
	case !plan.KeyWOVersion.IsNull():
		// The key is the user's, sent write-only: never in plan or state.
		plan.Key = types.StringNull()
	case rotate && typ == api.EventSourceTypeWebhook:
		plan.Key = types.StringUnknown()
	}
	switch {
	case hookDrifted(ctx, state.Status):
		// Nothing else may differ, so say it: the apply repairs the hook
		// and the status it answers is not known before.
		plan.Status = types.ObjectUnknown(eventSourceStatusAttrTypes)
	case !rotate && !eventSourceSettingsChanged(&plan, &state), withoutHook(state.Type.ValueString()),
		!rotate && hookUntouched(ctx, &plan, &state):
		plan.Status = state.Status
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planEventSourceCreate is ModifyPlan for a new event source: the key and
// webhook_url of types that have none are null. It reads and sets those
// attributes alone rather than the whole model, which the framework
// converts by reflection (BENCHMARKS.md, issue 17 round four), and on the
// raw values rather than through attribute paths (round fourteen).
func planEventSourceCreate(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !planEventSourceCreateRaw(req, resp) {
		planEventSourceCreateFramework(ctx, req, resp)
	}
}

// planEventSourceCreateFramework is planEventSourceCreate through the
// framework's attribute paths.
func planEventSourceCreateFramework(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var typ types.String
	var keyWOVersion types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("type"), &typ)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("key_wo_version"), &keyWOVersion)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if isKnown(typ) && typ.ValueString() != api.EventSourceTypeWebhook || !keyWOVersion.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("key"), types.StringNull())...)
	}
	if t := typ.ValueString(); t == api.EventSourceTypeManual || t == api.EventSourceTypeScheduled {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("webhook_url"), types.StringNull())...)
	}
}

// planEventSourceCreateRaw is planEventSourceCreate on the raw values
// (raw_values.go); false, with the plan untouched, when they are not of the
// expected shape.
func planEventSourceCreateRaw(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	plan, ok := rootAttrs(req.Plan.Raw)
	if !ok {
		return false
	}
	typV, okType := plan["type"]
	keyWOVersion, okWO := plan["key_wo_version"]
	if !okType || !okWO {
		return false
	}
	typ, known := "", typV.IsKnown() && !typV.IsNull()
	if known && typV.As(&typ) != nil {
		return false
	}
	null := tftypes.NewValue(tftypes.String, nil)
	var set []rootAttr
	if known && typ != api.EventSourceTypeWebhook || !keyWOVersion.IsNull() {
		set = append(set, rootAttr{"key", null})
	}
	if typ == api.EventSourceTypeManual || typ == api.EventSourceTypeScheduled {
		set = append(set, rootAttr{"webhook_url", null})
	}
	if len(set) == 0 {
		return true
	}
	return setRootAttrs(&resp.Plan, set...)
}

// hookUntouched reports whether applying plan leaves the hook of a github
// or semaphore source, and so its status, as it is: the hook is in place
// (ready or repaired) and neither the integration, the resource nor the
// event types change. SuperPlane provisions the hook again on an update
// only then (a rename, a new description or new filters change nothing on
// the tool). A key reset is checked by the caller.
func hookUntouched(ctx context.Context, plan, state *EventSourceResourceModel) bool {
	if state.Status.IsNull() || state.Status.IsUnknown() {
		return false
	}
	hookState, ok := state.Status.Attributes()["webhook_state"].(types.String)
	if !ok || (hookState.ValueString() != "ready" && hookState.ValueString() != "repaired") {
		return false
	}
	if !plan.Integration.Equal(state.Integration) || !plan.Resource.Equal(state.Resource) {
		return false
	}
	planned, ok1 := eventTypes(ctx, plan.Events)
	current, ok2 := eventTypes(ctx, state.Events)
	return ok1 && ok2 && slices.Equal(planned, current)
}

// eventTypes lists the type of each events block; ok is false when one is
// not known yet.
func eventTypes(ctx context.Context, events types.List) (typs []string, ok bool) {
	var diags diag.Diagnostics
	items, ok := listAs[eventSourceEventModel](ctx, events, &diags)
	if !ok {
		return nil, false
	}
	for _, e := range items {
		if e.Type.IsUnknown() {
			return nil, false
		}
		typs = append(typs, e.Type.ValueString())
	}
	return typs, true
}

// withoutHook reports whether a source of type typ has no hook on a tool,
// so that no update changes its status. A type this provider does not know
// counts as having one: its status stays unknown in the plan, as before.
func withoutHook(typ string) bool {
	return typ == api.EventSourceTypeWebhook || typ == api.EventSourceTypeManual || typ == api.EventSourceTypeScheduled
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
// key_version changed, or is not known yet, or key_wo_version was set or
// changed (removing it leaves the key as it is on the server).
func keyResetPlanned(plan, state *EventSourceResourceModel) bool {
	woSent := !plan.KeyWOVersion.IsNull() && !plan.KeyWOVersion.Equal(state.KeyWOVersion)
	return plan.KeyVersion.IsUnknown() || !plan.KeyVersion.Equal(state.KeyVersion) || woSent
}

// writeOnlyKey returns the key_wo of the configuration, "" when it is not
// set: write-only values are only in the configuration, never in the plan.
func writeOnlyKey(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) string {
	if key, ok := configRoot[types.String](ctx, config, "key_wo", types.StringType); ok {
		return key.ValueString()
	}
	var key types.String
	diags.Append(config.GetAttribute(ctx, path.Root("key_wo"), &key)...)
	return key.ValueString()
}

// Create creates the source; SuperPlane provisions the hook of a github or
// semaphore source at once and reports the outcome in status (a failure
// there is not an error: SuperPlane retries, and status says why).
func (r *EventSourceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := eventSourceParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	params.Key = writeOnlyKey(ctx, req.Config, &resp.Diagnostics)
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
	if params.Key != "" && key != "" {
		keyWOIgnored(&resp.Diagnostics, params.Name)
	}
	m, diags := eventSourceModelFrom(es, &prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, m)...)
	resp.Diagnostics.Append(setPrivateInt(ctx, resp.Private.SetKey, privateKeyVersion, serverKeyVersion(es))...)
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
	// The prior state's attributes only; the refreshed model is compared
	// with the raw state and stored when it differs (read_raw.go).
	prior, raw, fast := readPrior[EventSourceResourceModel](ctx, req.State)
	if !fast {
		prior = &EventSourceResourceModel{}
		resp.Diagnostics.Append(getModel(ctx, req.State, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	state := *prior

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
		es, err = r.client.ReadEventSource(ctx, canvas, id)
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
	if msg := keyResetOutside(es, written, !state.KeyWOVersion.IsNull()); msg != "" {
		resp.Diagnostics.AddAttributeWarning(path.Root("key"), "Event source key reset outside Terraform", msg)
	}
	resp.Diagnostics.Append(storeRefreshed(ctx, &resp.State, m, &state, raw)...)
}

// Update sends the settings when they changed, then resets the key when
// key_version changed; either provisions the hook, repairing it. When only
// the last refresh found the hook missing or drifted, it asks SuperPlane to
// repair it (POST .../refresh). A change of force_destroy alone touches
// nothing on the server.
func (r *EventSourceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
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
			resp.Diagnostics.Append(setStateModel(ctx, &resp.State, &plan)...)
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
			resp.Diagnostics.Append(setStateModel(ctx, &resp.State, m)...)
		}
		return
	}
	prior := plan
	prior.Key = state.Key
	var es *api.EventSource
	var err error
	if changed {
		// force_destroy covers the old hook of a move too (another
		// repository, project or integration): as planned, so that it can
		// be set in the same apply as the move.
		update := r.client.UpdateEventSource
		if plan.ForceDestroy.ValueBool() {
			update = r.client.UpdateEventSourceForced
		}
		if es, err = update(ctx, canvas, id, params); err != nil {
			detail := err.Error()
			if _, hooked := resourceTypeFor[state.Type.ValueString()]; hooked && !plan.ForceDestroy.ValueBool() && hookMoves(&plan, &state) {
				detail += "\n\nSuperPlane keeps the event source where it was while it cannot remove the old webhook " +
					"from the tool, so no hook is left behind. Fix the integration and apply again, or set " +
					"force_destroy = true with the change: the old hook then stays on the tool and must be removed by hand."
			}
			resp.Diagnostics.AddError("Error updating event source", detail)
			return
		}
	}
	if rotate {
		var key string
		supplied := ""
		if !plan.KeyWOVersion.IsNull() {
			if supplied = writeOnlyKey(ctx, req.Config, &resp.Diagnostics); resp.Diagnostics.HasError() {
				return
			}
		}
		if es, key, err = r.client.ResetEventSourceKeyTo(ctx, canvas, id, supplied); err != nil {
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
		if supplied != "" && key != "" {
			keyWOIgnored(&resp.Diagnostics, params.Name)
		}
		resp.Diagnostics.Append(setPrivateInt(ctx, resp.Private.SetKey, privateKeyVersion, serverKeyVersion(es))...)
	}
	m, diags := eventSourceModelFrom(es, &prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// As planned when the plan knew it (see ModifyPlan): an event that
	// arrived meanwhile shows at the next refresh rather than failing the
	// apply as an inconsistent result.
	if !plan.Status.IsUnknown() {
		m.Status = plan.Status
	}
	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, m)...)
}

// Delete deletes the source; one already gone counts as deleted.
// SuperPlane removes the hook of a github or semaphore source from the tool
// first, unless force_destroy is set, and refuses (keeping the source) when
// it cannot.
func (r *EventSourceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state EventSourceResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
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
	forgetLists(r.client)
	if importInCanvas(ctx, "event source", req, resp) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force_destroy"), false)...)
	}
}

// hookMoves reports whether plan moves the source's hook: another
// integration or resource.
func hookMoves(plan, state *EventSourceResourceModel) bool {
	return !plan.Integration.Equal(state.Integration) || !plan.Resource.Equal(state.Resource)
}

// eventSourceSettingsChanged reports whether plan changes anything the
// server holds (canvas and type changes replace the source instead; the key
// is reset separately).
func eventSourceSettingsChanged(plan, state *EventSourceResourceModel) bool {
	return !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) ||
		!plan.Integration.Equal(state.Integration) || !plan.Resource.Equal(state.Resource) ||
		!plan.Events.Equal(state.Events) || !plan.Schedule.Equal(state.Schedule)
}

// keyResetOutside says, when the server's key version of a webhook source
// is not the one Terraform last stored the key of (written; nil when
// unknown, as after an import), that the key in state (or the key_wo sent,
// when writeOnly) is stale. Otherwise "".
func keyResetOutside(es *api.EventSource, written *int64, writeOnly bool) string {
	current := serverKeyVersion(es)
	if written == nil || current <= 0 || current == *written || es.Spec.Type != api.EventSourceTypeWebhook {
		return ""
	}
	if writeOnly {
		return fmt.Sprintf("The signing key of event source %q is at version %d on the server, but Terraform last "+
			"sent key_wo as version %d: it was reset outside Terraform, and your key stops verifying deliveries "+
			"when the grace period ends. Bump key_wo_version to send key_wo again.", es.Metadata.Name, current, *written)
	}
	return fmt.Sprintf("The signing key of event source %q is at version %d on the server, but the key in the "+
		"Terraform state is version %d: it was reset outside Terraform, and the key in the state stops verifying "+
		"deliveries when the grace period ends. Change key_version to reset it again and store the new key.",
		es.Metadata.Name, current, *written)
}

// keyWOIgnored warns that the server answered a generated key to a request
// that supplied key_wo: a server without the extension (SuperPlane v1)
// ignores the supplied key. The generated key is not stored (key_wo keeps
// keys out of the state), so senders signing with key_wo are refused.
func keyWOIgnored(diags *diag.Diagnostics, name string) {
	diags.AddAttributeWarning(path.Root("key_wo"), "Server ignored key_wo",
		fmt.Sprintf("The server generated a signing key for event source %q instead of taking key_wo: it does not "+
			"support supplied keys (a SuperPlane v1 server does not). Deliveries signed with key_wo will be refused. "+
			"Remove key_wo and key_wo_version and bump key_version to store a generated key in key instead.", name))
}

// serverKeyVersion is the server's key version, 0 when it reports none.
func serverKeyVersion(es *api.EventSource) int64 {
	if es.Status == nil {
		return 0
	}
	return es.Status.KeyVersion
}
