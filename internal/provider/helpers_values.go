package provider

import (
	"context"
	"reflect"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// listAs decodes a list of blocks (or of nested objects); ok is false when
// the list itself is unknown (a dynamic block over values not known yet) or
// does not decode, and items is then nil.
func listAs[T any](ctx context.Context, l types.List, diags *diag.Diagnostics) (items []T, ok bool) {
	if l.IsUnknown() {
		return nil, false
	}
	if l.IsNull() {
		return nil, true
	}
	// Without the framework's reflection when the blocks fit (model_fast.go).
	if items, ok := objectsInto[T](l.Elements()); ok {
		return items, true
	}
	d := l.ElementsAs(ctx, &items, false)
	diags.Append(d...)
	if d.HasError() {
		return nil, false
	}
	return items, true
}

// objectAs decodes a block (or a nested object), or returns nil when it is
// null, unknown or does not decode.
func objectAs[T any](ctx context.Context, o types.Object, diags *diag.Diagnostics) *T {
	if o.IsNull() || o.IsUnknown() {
		return nil
	}
	var out T
	if objectInto(fieldsOf(reflect.TypeFor[T]()), o, &out) {
		return &out
	}
	d := o.As(ctx, &out, basetypes.ObjectAsOptions{})
	diags.Append(d...)
	if d.HasError() {
		return nil
	}
	return &out
}

// blockListValue builds a list of blocks; an empty list when there are
// none, as Terraform reads absent blocks.
func blockListValue[T any](ctx context.Context, attrTypes map[string]attr.Type, items []T, diags *diag.Diagnostics) types.List {
	if items == nil {
		items = []T{}
	}
	// Without the framework's reflection when the blocks fit (model_fast.go).
	if l, ok := blockListFast(attrTypes, items); ok {
		return l
	}
	l, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: attrTypes}, items)
	diags.Append(d...)
	return l
}

// stringListValue is a list of strings, null when nil.
func stringListValue(items []string, diags *diag.Diagnostics) types.List {
	if items == nil {
		return types.ListNull(types.StringType)
	}
	elems := make([]attr.Value, 0, len(items))
	for _, s := range items {
		elems = append(elems, types.StringValue(s))
	}
	l, d := types.ListValue(types.StringType, elems)
	diags.Append(d...)
	return l
}

// reverseLookup returns the key of m whose value is wire, or wire itself
// when there is none (a value this provider does not know shows as is).
func reverseLookup(m map[string]string, wire string) string {
	for k, v := range m {
		if v == wire {
			return k
		}
	}
	return wire
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isKnown reports whether v has a value.
func isKnown(v types.String) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// timeValue renders an API timestamp as RFC 3339, null when absent.
func timeValue(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}
