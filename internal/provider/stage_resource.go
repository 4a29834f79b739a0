package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &StageResource{}
	_ resource.ResourceWithConfigure      = &StageResource{}
	_ resource.ResourceWithValidateConfig = &StageResource{}
	_ resource.ResourceWithModifyPlan     = &StageResource{}
	_ resource.ResourceWithImportState    = &StageResource{}
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

// Metadata names the resource superplane_stage.
func (r *StageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stage"
}

// Configure takes the API client from the provider.
func (r *StageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
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
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
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
		addStageAPIError(&resp.Diagnostics, "Error creating stage", err, &params.Spec)
		return
	}
	m, diags := stageModelFrom(ctx, st, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	stageEmptyListsLike(ctx, m, rawAttributes(req.Plan.Raw))
	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, m)...)
}

// Read refreshes the stage, its last execution included. A stage deleted
// outside Terraform (or whose canvas is gone) is removed from state so the
// next plan creates it again.
func (r *StageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// The prior state's attributes only; the refreshed model is compared
	// with the raw state and stored when it differs (read_raw.go).
	prior, raw, fast := readPrior[StageResourceModel](ctx, req.State)
	if !fast {
		prior = &StageResourceModel{}
		resp.Diagnostics.Append(getModel(ctx, req.State, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	state := *prior

	st, err := r.client.ReadStage(ctx, state.Canvas.ValueString(), state.ID.ValueString())
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
	if raw != nil {
		stageEmptyListsLike(ctx, m, raw)
	} else {
		stageEmptyListsLike(ctx, m, rawAttributes(req.State.Raw))
	}
	resp.Diagnostics.Append(storeRefreshed(ctx, &resp.State, m, &state, raw)...)
}

// Update sends the whole stage again: the contract's update replaces the
// description and the spec. The queue and past executions stay.
func (r *StageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state StageResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
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
		addStageAPIError(&resp.Diagnostics, "Error updating stage", err, &params.Spec)
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
	stageEmptyListsLike(ctx, m, rawAttributes(req.Plan.Raw))
	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, m)...)
}

// Delete deletes the stage with its queue and executions; one already gone
// counts as deleted. SuperPlane refuses while another stage connects to it.
func (r *StageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state StageResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
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
	forgetLists(r.client)
	importInCanvas(ctx, "stage", req, resp)
}
