package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The filter blocks of superplane_event_source's events and of
// superplane_stage's connect blocks are the same block: one expression on
// the body (data) or on the headers (header), combined by filter_operator.

// filterOperators maps filter_operator to its wire name.
var filterOperators = map[string]string{"and": api.FilterOperatorAnd, "or": api.FilterOperatorOr}

// filterAttrTypes is the object type of a filter block.
var filterAttrTypes = map[string]attr.Type{
	"data":   types.StringType,
	"header": types.StringType,
}

// filterModel is one filter block: exactly one of the two is set
// (ValidateConfig says so before a plan).
type filterModel struct {
	Data   types.String `tfsdk:"data"`
	Header types.String `tfsdk:"header"`
}

// apiFilters builds the API filters from a list of filter blocks; an empty
// list, never nil, since the server takes the list as written.
func apiFilters(ctx context.Context, l types.List, diags *diag.Diagnostics) []api.Filter {
	out := []api.Filter{}
	filters, _ := listAs[filterModel](ctx, l, diags)
	for _, f := range filters {
		if !f.Data.IsNull() {
			out = append(out, api.Filter{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: f.Data.ValueString()}})
		} else {
			out = append(out, api.Filter{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: f.Header.ValueString()}})
		}
	}
	return out
}

// filterListValue maps the API's filters to filter blocks; an empty list
// when there are none, as Terraform reads absent blocks.
func filterListValue(filters []api.Filter, diags *diag.Diagnostics) types.List {
	elems := make([]attr.Value, 0, len(filters))
	for _, f := range filters {
		data, header := types.StringNull(), types.StringNull()
		switch {
		case f.Type == api.FilterTypeHeader && f.Header != nil:
			header = types.StringValue(f.Header.Expression)
		case f.Data != nil:
			data = types.StringValue(f.Data.Expression)
		}
		v, d := types.ObjectValue(filterAttrTypes, map[string]attr.Value{"data": data, "header": header})
		diags.Append(d...)
		elems = append(elems, v)
	}
	l, d := types.ListValue(types.ObjectType{AttrTypes: filterAttrTypes}, elems)
	diags.Append(d...)
	return l
}
