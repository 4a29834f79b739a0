package provider

import (
	"context"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Models without the framework's struct reflection.
//
// tfsdk's Get and Set of a model struct walk its fields by reflection and,
// for every field of every call, compile a regular expression to check the
// field's tfsdk tag (terraform-plugin-framework v1.19,
// internal/reflect.isValidFieldName): 7% of the provider's CPU in an apply
// of 1,000 resources, and the same again in ValidateConfig, ModifyPlan,
// Read (BENCHMARKS.md, issue 17 round four). getModel and setStateModel do
// the same for a model whose fields are all attr.Values with a tfsdk tag,
// reading each type's tags once. Anything else (a field that is not an
// attr.Value, a type that does not match the schema's) falls back to the
// framework, which also reports the errors.

// modelFields maps a model type's tfsdk tags to its field indexes; ok is
// false when the type is not a struct of tagged attr.Value fields.
type modelFields struct {
	ok    bool
	index map[string]int
}

var modelFieldsCache sync.Map // reflect.Type -> *modelFields

var attrValueType = reflect.TypeFor[attr.Value]()

func fieldsOf(t reflect.Type) *modelFields {
	if f, ok := modelFieldsCache.Load(t); ok {
		return f.(*modelFields) //nolint:forcetypeassert // Only *modelFields are stored.
	}
	f := &modelFields{ok: t.Kind() == reflect.Struct, index: map[string]int{}}
	for i := 0; f.ok && i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("tfsdk")
		if !sf.IsExported() || tag == "" || tag == "-" || !sf.Type.Implements(attrValueType) {
			f.ok = false
			break
		}
		f.index[tag] = i
	}
	modelFieldsCache.Store(t, f)
	return f
}

// modelSource is a tfsdk.Plan, State or Config.
type modelSource interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// getModel is src.Get(ctx, out) for a model of attr.Value fields: the
// framework builds the object's value, and the fields are copied from its
// attributes by name.
func getModel[T any](ctx context.Context, src modelSource, out *T) diag.Diagnostics {
	f := fieldsOf(reflect.TypeFor[T]())
	if !f.ok {
		return src.Get(ctx, out)
	}
	var obj types.Object
	converted := false
	if raw, typ, ok := rawObject(ctx, reflect.TypeFor[T](), src); ok {
		if ot, isObject := typ.(basetypes.ObjectType); isObject && rawInto(ctx, f, ot, raw, out) {
			return nil
		}
		// Without the framework's type checks at every level (raw_values.go).
		v, err := valueFromRaw(ctx, typ, raw)
		obj, converted = v.(types.Object)
		converted = converted && err == nil
	}
	if !converted {
		if d := src.Get(ctx, &obj); d.HasError() {
			return src.Get(ctx, out)
		}
	}
	if obj.IsNull() || obj.IsUnknown() {
		return src.Get(ctx, out)
	}
	if !objectInto(f, obj, out) {
		return src.Get(ctx, out)
	}
	return nil
}

// rawInto converts each root attribute of raw, a value of typ's Terraform
// type (rawObject), straight into its field of out: the root object value
// is never built, so neither is the type of every value in it, which the
// framework's ObjectValue derives to check it against typ (a quarter of a
// stage's ValidateConfig; BENCHMARKS.md, issue 17 round fourteen). False,
// with out untouched, when an attribute does not fit its field.
func rawInto[T any](ctx context.Context, f *modelFields, typ basetypes.ObjectType, raw tftypes.Value, out *T) bool {
	attrs, ok := rootAttrs(raw)
	if !ok || len(attrs) != len(f.index) || len(typ.AttrTypes) != len(f.index) {
		return false
	}
	var m T
	v := reflect.ValueOf(&m).Elem()
	for name, e := range attrs {
		i, okField := f.index[name]
		at, okType := typ.AttrTypes[name]
		if !okField || !okType {
			return false
		}
		a, err := valueFromRaw(ctx, at, e)
		if err != nil || !setField(v.Field(i), a) {
			return false
		}
	}
	*out = m
	return true
}

// setField sets fv to a when a is of fv's type; false otherwise.
func setField(fv reflect.Value, a attr.Value) bool {
	if a == nil {
		return false
	}
	av := reflect.ValueOf(a)
	if av.Type() != fv.Type() {
		return false
	}
	fv.Set(av)
	return true
}

// objectInto copies the attributes of a known, non-null object into the
// fields of out by tfsdk tag; false (out untouched) when they do not fit.
func objectInto[T any](f *modelFields, obj types.Object, out *T) bool {
	if !f.ok || obj.IsNull() || obj.IsUnknown() {
		return false
	}
	attrs := obj.Attributes()
	if len(attrs) != len(f.index) {
		return false
	}
	var m T
	v := reflect.ValueOf(&m).Elem()
	for name, a := range attrs {
		i, ok := f.index[name]
		if !ok || !setField(v.Field(i), a) {
			return false
		}
	}
	*out = m
	return true
}

// objectsInto is objectInto for every element of a list of objects; nil
// and false when one does not fit.
func objectsInto[T any](elems []attr.Value) ([]T, bool) {
	f := fieldsOf(reflect.TypeFor[T]())
	if !f.ok {
		return nil, false
	}
	items := make([]T, len(elems))
	for i, e := range elems {
		obj, ok := e.(types.Object)
		if !ok || !objectInto(f, obj, &items[i]) {
			return nil, false
		}
	}
	return items, true
}

// setStateModel is st.Set(ctx, m) for a model of attr.Value fields: each
// field becomes its Terraform value and the object is checked against the
// state's type, as the framework's Set does.
func setStateModel[T any](ctx context.Context, st *tfsdk.State, m *T) diag.Diagnostics {
	f := fieldsOf(reflect.TypeFor[T]())
	typ, isObject := st.Raw.Type().(tftypes.Object)
	if !f.ok || !isObject || len(typ.AttributeTypes) != len(f.index) {
		return st.Set(ctx, m)
	}
	v := reflect.ValueOf(m).Elem()
	vals := make(map[string]tftypes.Value, len(f.index))
	for name, i := range f.index {
		a, ok := v.Field(i).Interface().(attr.Value)
		if !ok {
			return st.Set(ctx, m)
		}
		tv, err := a.ToTerraformValue(ctx)
		if err != nil {
			return st.Set(ctx, m)
		}
		vals[name] = tv
	}
	if err := tftypes.ValidateValue(typ, vals); err != nil {
		return st.Set(ctx, m)
	}
	st.Raw = tftypes.NewValue(typ, vals)
	return nil
}

// blockListFast is types.ListValueFrom for blocks whose model is made of
// attr.Value fields: each item's fields by tfsdk tag, checked against
// attrTypes as the framework checks them; false when they do not fit.
func blockListFast[T any](attrTypes map[string]attr.Type, items []T) (types.List, bool) {
	f := fieldsOf(reflect.TypeFor[T]())
	if !f.ok || len(f.index) != len(attrTypes) {
		return types.List{}, false
	}
	elems := make([]attr.Value, len(items))
	for i := range items {
		obj, ok := objectFast(f, attrTypes, reflect.ValueOf(&items[i]).Elem())
		if !ok {
			return types.List{}, false
		}
		elems[i] = obj
	}
	l, d := types.ListValue(types.ObjectType{AttrTypes: attrTypes}, elems)
	return l, !d.HasError()
}

// objectValueOf is types.ObjectValueFrom without the framework's
// reflection when v's fields are attr.Values (blockListFast's rules).
func objectValueOf[T any](ctx context.Context, attrTypes map[string]attr.Type, v T) (types.Object, diag.Diagnostics) {
	if obj, ok := objectFast(fieldsOf(reflect.TypeFor[T]()), attrTypes, reflect.ValueOf(&v).Elem()); ok {
		return obj, nil
	}
	return types.ObjectValueFrom(ctx, attrTypes, v)
}

// objectFast builds the object of a model value v (a struct of f's shape).
func objectFast(f *modelFields, attrTypes map[string]attr.Type, v reflect.Value) (types.Object, bool) {
	if !f.ok || len(f.index) != len(attrTypes) {
		return types.Object{}, false
	}
	vals := make(map[string]attr.Value, len(f.index))
	for name, fi := range f.index {
		a, ok := v.Field(fi).Interface().(attr.Value)
		if !ok || a == nil {
			return types.Object{}, false
		}
		vals[name] = a
	}
	obj, d := types.ObjectValue(attrTypes, vals)
	return obj, !d.HasError()
}
