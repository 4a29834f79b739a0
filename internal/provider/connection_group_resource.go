package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &ConnectionGroupResource{}
	_ resource.ResourceWithConfigure      = &ConnectionGroupResource{}
	_ resource.ResourceWithValidateConfig = &ConnectionGroupResource{}
	_ resource.ResourceWithImportState    = &ConnectionGroupResource{}
)

// NewConnectionGroupResource returns the superplane_connection_group
// resource.
func NewConnectionGroupResource() resource.Resource {
	return &ConnectionGroupResource{}
}

// ConnectionGroupResource manages one connection group of a canvas: the
// connections whose events it joins by key, and what happens to a key that
// does not hear from all of them in time.
type ConnectionGroupResource struct {
	client *client.Client
}

// ConnectionGroupResourceModel is superplane_connection_group; the data
// source has the same shape.
type ConnectionGroupResourceModel struct {
	ID              types.String `tfsdk:"id"`
	Canvas          types.String `tfsdk:"canvas"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Timeout         types.Int64  `tfsdk:"timeout_seconds"`
	TimeoutBehavior types.String `tfsdk:"timeout_behavior"`
	Connections     types.List   `tfsdk:"connect"`
	GroupBy         types.List   `tfsdk:"group_by"`
}

// groupByModel is a group_by block.
type groupByModel struct {
	Name       types.String `tfsdk:"name"`
	Expression types.String `tfsdk:"expression"`
}

var groupByAttrTypes = map[string]attr.Type{"name": types.StringType, "expression": types.StringType}

// groupTimeoutBehaviors maps timeout_behavior to its wire name.
var groupTimeoutBehaviors = map[string]string{"drop": api.TimeoutBehaviorDrop, "emit": api.TimeoutBehaviorEmit}

// groupConnectionTypes are the connection types a group takes: not
// another group.
var groupConnectionTypes = map[string]string{"event_source": api.ConnectionTypeEventSource, "stage": api.ConnectionTypeStage}

// Metadata names the resource superplane_connection_group.
func (r *ConnectionGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection_group"
}

// Configure takes the API client from the provider.
func (r *ConnectionGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig catches at plan time what the schema cannot say: a
// connection or group_by field listed twice, a filter with both or neither
// of data and header.
func (r *ConnectionGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config ConnectionGroupResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	conns, _ := listAs[stageConnectionModel](ctx, config.Connections, &resp.Diagnostics)
	seen := map[string]bool{}
	for i, c := range conns {
		p := path.Root("connect").AtListIndex(i)
		if isKnown(c.Name) && isKnown(c.Type) {
			key := c.Type.ValueString() + "/" + c.Name.ValueString()
			if seen[key] {
				resp.Diagnostics.AddAttributeError(p.AtName("name"), "Duplicate connection",
					fmt.Sprintf("connect[%d].name: %s %q is listed twice.", i, c.Type.ValueString(), c.Name.ValueString()))
			}
			seen[key] = true
		}
		filters, _ := listAs[filterModel](ctx, c.Filters, &resp.Diagnostics)
		for j, f := range filters {
			if f.Data.IsUnknown() || f.Header.IsUnknown() {
				continue
			}
			if f.Data.IsNull() == f.Header.IsNull() {
				resp.Diagnostics.AddAttributeError(p.AtName("filter").AtListIndex(j), "Invalid filter",
					fmt.Sprintf("connect[%d].filter[%d]: set exactly one of data and header.", i, j))
			}
		}
	}
	fields, _ := listAs[groupByModel](ctx, config.GroupBy, &resp.Diagnostics)
	names := map[string]bool{}
	for i, f := range fields {
		if !isKnown(f.Name) {
			continue
		}
		if names[f.Name.ValueString()] {
			resp.Diagnostics.AddAttributeError(path.Root("group_by").AtListIndex(i).AtName("name"), "Duplicate group_by field",
				fmt.Sprintf("group_by[%d].name: %q is declared twice.", i, f.Name.ValueString()))
		}
		names[f.Name.ValueString()] = true
	}
}

// Create creates the group. SuperPlane checks the connections exist and
// the expressions compile; the apply fails with its message naming the
// field.
func (r *ConnectionGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ConnectionGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params := connectionGroupParams(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.client.CreateConnectionGroup(ctx, plan.Canvas.ValueString(), params)
	if err != nil {
		resp.Diagnostics.AddError("Error creating connection group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, connectionGroupModelFrom(ctx, g, plan.Canvas, &resp.Diagnostics))...)
}

// Read refreshes the group. A group deleted outside Terraform (or whose
// canvas is gone) is removed from state so the next plan creates it again.
func (r *ConnectionGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ConnectionGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.client.ReadConnectionGroup(ctx, state.Canvas.ValueString(), state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "connection group not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading connection group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, connectionGroupModelFrom(ctx, g, state.Canvas, &resp.Diagnostics))...)
}

// Update sends the whole group again: the update replaces the description
// and the spec. Field sets already pending keep the timeout they started
// with.
func (r *ConnectionGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ConnectionGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params := connectionGroupParams(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.client.UpdateConnectionGroup(ctx, plan.Canvas.ValueString(), state.ID.ValueString(), params)
	if client.IsConflict(err) && plan.Name.ValueString() != state.Name.ValueString() {
		resp.Diagnostics.AddError("Connection group is in use",
			fmt.Sprintf("Connection group %q cannot be renamed while stages connect to it by name: change their "+
				"connect blocks in another apply first. (%v)", state.Name.ValueString(), err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error updating connection group", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, connectionGroupModelFrom(ctx, g, plan.Canvas, &resp.Diagnostics))...)
}

// Delete deletes the group with its field sets; one already gone counts as
// deleted. SuperPlane refuses while a stage connects to it.
func (r *ConnectionGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ConnectionGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteConnectionGroup(ctx, state.Canvas.ValueString(), state.ID.ValueString())
	switch {
	case err == nil || client.IsNotFound(err):
	case client.IsConflict(err):
		resp.Diagnostics.AddError("Connection group is in use",
			fmt.Sprintf("Connection group %q cannot be deleted while stages connect to it: remove their connect "+
				"blocks first, or reference superplane_connection_group.<name>.name in them so Terraform orders "+
				"the changes. (%v)", state.Name.ValueString(), err))
	default:
		resp.Diagnostics.AddError("Error deleting connection group", err.Error())
	}
}

// ImportState accepts "<canvas id or name>/<group name or id>". Read fills
// in the rest.
func (r *ConnectionGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	forgetLists(r.client)
	importInCanvas(ctx, "connection group", req, resp)
}

// connectionGroupParams builds the API group from a plan, whose values are
// all known.
func connectionGroupParams(ctx context.Context, plan *ConnectionGroupResourceModel, diags *diag.Diagnostics) client.ConnectionGroupParams {
	spec := api.ConnectionGroupSpec{
		Connections:     []api.Connection{},
		GroupBy:         &api.GroupBy{Fields: []api.GroupByField{}},
		Timeout:         plan.Timeout.ValueInt64(),
		TimeoutBehavior: groupTimeoutBehaviors[plan.TimeoutBehavior.ValueString()],
	}
	conns, _ := listAs[stageConnectionModel](ctx, plan.Connections, diags)
	for _, c := range conns {
		conn := api.Connection{Type: groupConnectionTypes[c.Type.ValueString()], Name: c.Name.ValueString(), FilterOperator: api.FilterOperatorAnd}
		if op, ok := filterOperators[c.FilterOperator.ValueString()]; ok {
			conn.FilterOperator = op
		}
		conn.Filters = apiFilters(ctx, c.Filters, diags)
		spec.Connections = append(spec.Connections, conn)
	}
	fields, _ := listAs[groupByModel](ctx, plan.GroupBy, diags)
	for _, f := range fields {
		spec.GroupBy.Fields = append(spec.GroupBy.Fields, api.GroupByField{Name: f.Name.ValueString(), Expression: f.Expression.ValueString()})
	}
	return client.ConnectionGroupParams{Name: plan.Name.ValueString(), Description: plan.Description.ValueString(), Spec: spec}
}

// connectionGroupModelFrom maps the API's group to state; canvas is kept as
// the configuration wrote it (an id or a name).
func connectionGroupModelFrom(ctx context.Context, g *api.ConnectionGroup, canvas types.String, diags *diag.Diagnostics) ConnectionGroupResourceModel {
	spec := g.Spec
	out := ConnectionGroupResourceModel{
		ID:              types.StringValue(g.Metadata.ID),
		Canvas:          canvas,
		Name:            types.StringValue(g.Metadata.Name),
		Description:     types.StringValue(g.Metadata.Description),
		Timeout:         types.Int64Value(spec.Timeout),
		TimeoutBehavior: types.StringValue(orDefault(reverseLookup(groupTimeoutBehaviors, spec.TimeoutBehavior), "drop")),
	}
	if spec.Timeout == 0 {
		out.Timeout = types.Int64Value(api.DefaultGroupTimeout)
	}
	if spec.TimeoutBehavior == api.TimeoutBehaviorNone {
		out.TimeoutBehavior = types.StringValue("drop")
	}
	if canvas.IsNull() || canvas.IsUnknown() {
		out.Canvas = types.StringValue(g.Metadata.CanvasID)
	}
	conns := make([]stageConnectionModel, 0, len(spec.Connections))
	for _, c := range spec.Connections {
		conns = append(conns, stageConnectionModel{
			Type:           types.StringValue(reverseLookup(groupConnectionTypes, c.Type)),
			Name:           types.StringValue(c.Name),
			FilterOperator: types.StringValue(orDefault(reverseLookup(filterOperators, c.FilterOperator), "and")),
			Filters:        filterListValue(c.Filters, diags),
		})
	}
	out.Connections = blockListValue(ctx, stageConnectionAttrTypes, conns, diags)
	fields := []groupByModel{}
	if spec.GroupBy != nil {
		for _, f := range spec.GroupBy.Fields {
			fields = append(fields, groupByModel{Name: types.StringValue(f.Name), Expression: types.StringValue(f.Expression)})
		}
	}
	out.GroupBy = blockListValue(ctx, groupByAttrTypes, fields, diags)
	return out
}
