package provider

import (
	"context"
	"math/big"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Raw values into framework values without re-checking their types.
//
// The framework's ValueFromTerraform of an object or a list checks the raw
// value's type against the attr.Type's Terraform type, which it builds
// afresh, at every level of nesting: a stage's configuration (blocks in
// blocks) cost 623 allocations in ValidateConfig, most of them these types
// (BenchmarkValidateConfig; BENCHMARKS.md, issue 17 round six). The values
// getModel converts come from a request the framework has already decoded
// against the same schema, so valueFromRaw converts them by the attr.Type
// alone for the framework's own types (strings, bools, int64s, lists,
// sets, maps, objects) and hands any other type to its ValueFromTerraform.
// The result is the framework's (TestValueFromRawMatchesTheFramework).

// valueFromRaw is typ.ValueFromTerraform(ctx, v) for a v of typ's
// Terraform type.
func valueFromRaw(ctx context.Context, typ attr.Type, v tftypes.Value) (attr.Value, error) {
	switch t := typ.(type) {
	case basetypes.StringType:
		if !v.IsKnown() {
			return types.StringUnknown(), nil
		}
		if v.IsNull() {
			return types.StringNull(), nil
		}
		var s string
		if err := v.As(&s); err != nil {
			return nil, err
		}
		return types.StringValue(s), nil
	case basetypes.BoolType:
		if !v.IsKnown() {
			return types.BoolUnknown(), nil
		}
		if v.IsNull() {
			return types.BoolNull(), nil
		}
		var b bool
		if err := v.As(&b); err != nil {
			return nil, err
		}
		return types.BoolValue(b), nil
	case basetypes.Int64Type:
		if !v.IsKnown() || v.IsNull() {
			return t.ValueFromTerraform(ctx, v)
		}
		f := new(big.Float)
		if err := v.As(&f); err != nil || f == nil || !f.IsInt() {
			return t.ValueFromTerraform(ctx, v)
		}
		i, acc := f.Int64()
		if acc != big.Exact {
			return t.ValueFromTerraform(ctx, v)
		}
		return types.Int64Value(i), nil
	case basetypes.ListType:
		if !v.IsKnown() {
			return types.ListUnknown(t.ElemType), nil
		}
		if v.IsNull() {
			return types.ListNull(t.ElemType), nil
		}
		elems, err := elementsFromRaw(ctx, t.ElemType, v)
		if err != nil {
			return nil, err
		}
		l, d := types.ListValue(t.ElemType, elems)
		if d.HasError() {
			return t.ValueFromTerraform(ctx, v)
		}
		return l, nil
	case basetypes.SetType:
		if !v.IsKnown() {
			return types.SetUnknown(t.ElemType), nil
		}
		if v.IsNull() {
			return types.SetNull(t.ElemType), nil
		}
		elems, err := elementsFromRaw(ctx, t.ElemType, v)
		if err != nil {
			return nil, err
		}
		s, d := types.SetValue(t.ElemType, elems)
		if d.HasError() {
			return t.ValueFromTerraform(ctx, v)
		}
		return s, nil
	case basetypes.MapType:
		if !v.IsKnown() {
			return types.MapUnknown(t.ElemType), nil
		}
		if v.IsNull() {
			return types.MapNull(t.ElemType), nil
		}
		var raw map[string]tftypes.Value
		if err := v.As(&raw); err != nil {
			return nil, err
		}
		elems := make(map[string]attr.Value, len(raw))
		for k, e := range raw {
			av, err := valueFromRaw(ctx, t.ElemType, e)
			if err != nil {
				return nil, err
			}
			elems[k] = av
		}
		m, d := types.MapValue(t.ElemType, elems)
		if d.HasError() {
			return t.ValueFromTerraform(ctx, v)
		}
		return m, nil
	case basetypes.ObjectType:
		if !v.IsKnown() {
			return types.ObjectUnknown(t.AttrTypes), nil
		}
		if v.IsNull() {
			return types.ObjectNull(t.AttrTypes), nil
		}
		var raw map[string]tftypes.Value
		if err := v.As(&raw); err != nil {
			return nil, err
		}
		attrs := make(map[string]attr.Value, len(raw))
		for k, e := range raw {
			at, ok := t.AttrTypes[k]
			if !ok {
				return t.ValueFromTerraform(ctx, v) // reports the mismatch
			}
			av, err := valueFromRaw(ctx, at, e)
			if err != nil {
				return nil, err
			}
			attrs[k] = av
		}
		o, d := types.ObjectValue(t.AttrTypes, attrs)
		if d.HasError() {
			return t.ValueFromTerraform(ctx, v)
		}
		return o, nil
	}
	return typ.ValueFromTerraform(ctx, v)
}

// elementsFromRaw converts the elements of a raw list or set.
func elementsFromRaw(ctx context.Context, elem attr.Type, v tftypes.Value) ([]attr.Value, error) {
	var raw []tftypes.Value
	if err := v.As(&raw); err != nil {
		return nil, err
	}
	out := make([]attr.Value, len(raw))
	for i, e := range raw {
		av, err := valueFromRaw(ctx, elem, e)
		if err != nil {
			return nil, err
		}
		out[i] = av
	}
	return out, nil
}

// schemaType is a schema's object type and its Terraform type.
type schemaType struct {
	typ attr.Type
	tf  tftypes.Type
}

// schemaTypes keeps each schema's object type per model and schema type: a
// resource's schema never changes in a process, and Schema.Type() builds
// the type anew on every call.
var schemaTypes sync.Map // schemaKey -> schemaType

type schemaKey struct{ model, schema reflect.Type }

// rawObject returns the raw value and the schema's object type of a
// tfsdk.State, Plan or Config; ok is false for anything else, and when the
// raw value is not of the schema's type.
func rawObject(ctx context.Context, model reflect.Type, src modelSource) (tftypes.Value, attr.Type, bool) {
	var raw tftypes.Value
	var sch interface{ Type() attr.Type }
	switch s := src.(type) {
	case tfsdk.State:
		raw, sch = s.Raw, s.Schema
	case tfsdk.Plan:
		raw, sch = s.Raw, s.Schema
	case tfsdk.Config:
		raw, sch = s.Raw, s.Schema
	default:
		return tftypes.Value{}, nil, false
	}
	if sch == nil || raw.Type() == nil {
		return tftypes.Value{}, nil, false
	}
	key := schemaKey{model, reflect.TypeOf(sch)}
	st, ok := schemaTypes.Load(key)
	if !ok {
		t := sch.Type()
		st = schemaType{typ: t, tf: t.TerraformType(ctx)}
		schemaTypes.Store(key, st)
	}
	t := st.(schemaType) //nolint:forcetypeassert // Only schemaTypes are stored.
	if !raw.Type().Equal(t.tf) {
		return tftypes.Value{}, nil, false
	}
	return raw, t.typ, true
}

// Root attributes of a plan or configuration read and set on the raw
// value. The framework's GetAttribute and SetAttribute walk the schema by
// path, and every step converts the schema's whole attribute map anew
// (resource/schema.Schema.GetAttributes); SetAttribute then rebuilds the
// value through tftypes.Transform. A new secret's or event source's plan
// reads two root attributes and sets up to two, in the plan process and
// again in the apply process (BENCHMARKS.md, issue 17 round fourteen).
// Both helpers refuse (ok false) anything that is not a known object of
// the expected attributes and types, and the callers then fall back to the
// framework, which also reports the errors.

// rootAttrs returns the attributes of a known, non-null object. The map
// is the value's own: copy it before changing it.
func rootAttrs(v tftypes.Value) (map[string]tftypes.Value, bool) {
	if v.Type() == nil || !v.IsKnown() || v.IsNull() {
		return nil, false
	}
	if _, ok := v.Type().(tftypes.Object); !ok {
		return nil, false
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return nil, false
	}
	return m, true
}

// rootAttr is one root attribute's new value for setRootAttrs.
type rootAttr struct {
	name  string
	value tftypes.Value
}

// setRootAttrs sets root attributes of p, each of which must exist with
// the same type; false, with p untouched, otherwise.
func setRootAttrs(p *tfsdk.Plan, set ...rootAttr) bool {
	attrs, ok := rootAttrs(p.Raw)
	if !ok {
		return false
	}
	next := make(map[string]tftypes.Value, len(attrs))
	for k, v := range attrs {
		next[k] = v
	}
	for _, a := range set {
		old, ok := attrs[a.name]
		if !ok || a.value.Type() == nil || !old.Type().Equal(a.value.Type()) {
			return false
		}
		next[a.name] = a.value
	}
	if tftypes.ValidateValue(p.Raw.Type(), next) != nil {
		return false
	}
	p.Raw = tftypes.NewValue(p.Raw.Type(), next)
	return true
}

// rawKeySet is keySet of a raw map of strings: its keys as a set of
// strings, unknown when the map is, empty when it is null.
func rawKeySet(m tftypes.Value) (tftypes.Value, bool) {
	setType := tftypes.Set{ElementType: tftypes.String}
	if _, ok := m.Type().(tftypes.Map); !ok {
		return tftypes.Value{}, false
	}
	if !m.IsKnown() {
		return tftypes.NewValue(setType, tftypes.UnknownValue), true
	}
	var elems map[string]tftypes.Value
	if err := m.As(&elems); err != nil {
		return tftypes.Value{}, false
	}
	keys := make([]tftypes.Value, 0, len(elems))
	for k := range elems {
		keys = append(keys, tftypes.NewValue(tftypes.String, k))
	}
	return tftypes.NewValue(setType, keys), true
}

// configRoot is config.GetAttribute of a root attribute without the
// attribute path walk: the framework value of typ, converted from the raw
// value; ok false when the raw value is not of that shape.
func configRoot[T attr.Value](ctx context.Context, config tfsdk.Config, name string, typ attr.Type) (T, bool) {
	var zero T
	attrs, ok := rootAttrs(config.Raw)
	if !ok {
		return zero, false
	}
	v, ok := attrs[name]
	if !ok || v.Type() == nil || !v.Type().Equal(typ.TerraformType(ctx)) {
		return zero, false
	}
	av, err := valueFromRaw(ctx, typ, v)
	if err != nil {
		return zero, false
	}
	out, ok := av.(T)
	return out, ok
}
