package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                = &CanvasResource{}
	_ resource.ResourceWithConfigure   = &CanvasResource{}
	_ resource.ResourceWithImportState = &CanvasResource{}
)

// NewCanvasResource returns the superplane_canvas resource.
func NewCanvasResource() resource.Resource {
	return &CanvasResource{}
}

// CanvasResource manages one canvas.
type CanvasResource struct {
	client *client.Client
}

// CanvasResourceModel is the state of a superplane_canvas.
type CanvasResourceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

// Metadata names the resource superplane_canvas.
func (r *CanvasResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_canvas"
}

// Schema describes superplane_canvas.
func (r *CanvasResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane canvas: the container of stages, event sources and canvas secrets.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The canvas id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name of the canvas in the organization: 1 to 128 letters, digits, " +
					"`.`, `_` or `-`, and not a UUID. The API cannot rename a canvas, so changing it replaces the canvas.",
				Required:      true,
				Validators:    nameValidators(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-form description. Changes are made in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the canvas was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *CanvasResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// Create creates the canvas.
func (r *CanvasResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan CanvasResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cv, err := r.client.CreateCanvas(ctx, plan.Name.ValueString(), plan.Description.ValueString())
	if client.IsConflict(err) {
		if own, aerr := r.client.AdoptCanvas(ctx, plan.Name.ValueString(), plan.Description.ValueString()); aerr == nil {
			cv, err = own, nil
			adoptedWarning(&resp.Diagnostics, "canvas", plan.Name.ValueString())
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating canvas", err.Error())
		return
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, canvasModelFrom(cv))...)
}

// Read refreshes the canvas; a canvas deleted outside Terraform is removed
// from state so the next plan creates it again.
func (r *CanvasResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state CanvasResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cv, err := r.client.ReadCanvas(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "canvas not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading canvas", err.Error())
		return
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, canvasModelFrom(cv))...)
}

// Update changes the description, the only attribute that can change in
// place.
func (r *CanvasResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state CanvasResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cv, err := r.client.UpdateCanvas(ctx, state.ID.ValueString(), plan.Description.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error updating canvas", err.Error())
		return
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, canvasModelFrom(cv))...)
}

// Delete deletes the canvas; one already gone counts as deleted.
func (r *CanvasResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state CanvasResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	err := r.client.DeleteCanvas(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting canvas", err.Error())
	}
}

// ImportState accepts a canvas id or name; Read resolves a name to the id.
func (r *CanvasResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	forgetLists(r.client)
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// canvasModelFrom maps an API canvas to resource state.
func canvasModelFrom(cv *api.Canvas) CanvasResourceModel {
	m := cv.Metadata
	return CanvasResourceModel{
		ID:          types.StringValue(m.ID),
		Name:        types.StringValue(m.Name),
		Description: types.StringValue(m.Description),
		CreatedAt:   timeValue(m.CreatedAt),
	}
}
