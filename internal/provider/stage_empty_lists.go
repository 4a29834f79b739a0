package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Lists where [] and null say the same.
//
// A time window's week_days left out means every day, and a
// from_last_execution's results left out any result; an empty list means
// the same to SuperPlane. The contract's server answers both as [] (it
// emits unpopulated repeated fields), and a server may as well answer null
// for a list sent as []. Taken as they come, either answer would make the
// apply "inconsistent" (the configuration's null read back as [] or the
// other way round) or show a change in every plan. So an answer holding
// no elements takes the form the prior value holds at the same place: []
// where the plan (on create and update) or the state (on refresh) holds
// [], null everywhere else, an import included (the common case: the
// list left out). An answer with elements is taken as it is.
//
// Places are matched by index, as Terraform matches the elements of a list
// block: the second time_window of the answer takes the form of the second
// of the prior value.

// stageEmptyLists names the attributes the rule covers. Both are lists of
// strings inside blocks: time_window.week_days and
// input_mapping.value.from_last_execution.results.
var stageEmptyLists = map[string]bool{"week_days": true, "results": true}

// stageEmptyListsLike applies the rule to the blocks of m that hold the
// lists of stageEmptyLists, prior being the raw attributes of the plan or
// state (nil when there is none).
func stageEmptyListsLike(ctx context.Context, m *StageResourceModel, prior map[string]tftypes.Value) {
	if v, changed := emptyListsLike(ctx, m.TimeWindows, prior["time_window"], stageEmptyLists); changed {
		m.TimeWindows = listOf(v, m.TimeWindows)
	}
	if v, changed := emptyListsLike(ctx, m.InputMappings, prior["input_mapping"], stageEmptyLists); changed {
		m.InputMappings = listOf(v, m.InputMappings)
	}
}

// rawAttributes returns the attributes of a raw object, nil when it is
// null, unknown or not an object.
func rawAttributes(v tftypes.Value) map[string]tftypes.Value {
	if v.Type() == nil || !v.IsKnown() || v.IsNull() {
		return nil
	}
	var raw map[string]tftypes.Value
	if v.As(&raw) != nil {
		return nil
	}
	return raw
}

// listOf is v as a list, or fallback when it is not one.
func listOf(v attr.Value, fallback types.List) types.List {
	if l, ok := v.(types.List); ok {
		return l
	}
	return fallback
}

// emptyListsLike walks v (lists and objects, as blocks nest them) beside
// prior, the raw value at the same place (the zero tftypes.Value when there
// is none), and gives every attribute named in names whose list holds no
// elements the form prior holds there. changed is false when nothing
// changed (v is then returned as it is).
func emptyListsLike(ctx context.Context, v attr.Value, prior tftypes.Value, names map[string]bool) (_ attr.Value, changed bool) {
	if v == nil || v.IsNull() || v.IsUnknown() {
		return v, false
	}
	switch x := v.(type) {
	case types.List:
		elems := x.Elements()
		if len(elems) == 0 {
			return v, false
		}
		var raw []tftypes.Value
		if prior.Type() != nil && prior.IsKnown() && !prior.IsNull() && prior.As(&raw) != nil {
			raw = nil
		}
		var out []attr.Value
		for i, e := range elems {
			var p tftypes.Value
			if i < len(raw) {
				p = raw[i]
			}
			ne, changed := emptyListsLike(ctx, e, p, names)
			if !changed {
				continue
			}
			if out == nil {
				out = append(make([]attr.Value, 0, len(elems)), elems...)
			}
			out[i] = ne
		}
		if out == nil {
			return v, false
		}
		l, d := types.ListValue(x.ElementType(ctx), out)
		if d.HasError() {
			return v, false
		}
		return l, true
	case types.Object:
		rawAttrs := rawAttributes(prior)
		attrs := x.Attributes()
		var out map[string]attr.Value
		for k, a := range attrs {
			var na attr.Value
			var changed bool
			if l, isList := a.(types.List); isList && names[k] {
				na = emptyLike(ctx, l, rawAttrs[k])
				changed = !na.Equal(a)
			} else {
				na, changed = emptyListsLike(ctx, a, rawAttrs[k], names)
			}
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]attr.Value, len(attrs))
				for ak, av := range attrs {
					out[ak] = av
				}
			}
			out[k] = na
		}
		if out == nil {
			return v, false
		}
		o, d := types.ObjectValue(x.AttributeTypes(ctx), out)
		if d.HasError() {
			return v, false
		}
		return o, true
	}
	return v, false
}

// emptyLike is l, or, when l is known and holds no elements, [] if prior is
// a known empty list and null otherwise.
func emptyLike(ctx context.Context, l types.List, prior tftypes.Value) types.List {
	if l.IsUnknown() || len(l.Elements()) > 0 {
		return l
	}
	var raw []tftypes.Value
	if prior.Type() != nil && prior.IsKnown() && !prior.IsNull() && prior.As(&raw) == nil && len(raw) == 0 {
		return types.ListValueMust(l.ElementType(ctx), []attr.Value{})
	}
	return types.ListNull(l.ElementType(ctx))
}
