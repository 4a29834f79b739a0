package provider

import (
	"context"
	"math/big"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Reads compared with the state's raw value.
//
// A refresh of 1,000 unchanged resources used to turn each prior state into
// a model (getModel: the framework's conversion of every attribute and
// block), build the refreshed model from the server's answer and compare
// the two (BENCHMARKS.md, issue 17 round six: the stage's Read was 0.16 s of
// the plugin's 2.5 s, most of it the blocks' conversion). readPrior converts
// only the prior state's attributes, which is all the builders
// (secretModelFrom, eventSourceModelFrom, stageModelFrom) take from it,
// and sameAsRaw compares the refreshed model with the raw state value
// directly, blocks included, as sameRefreshed compares two models: absent
// blocks empty on one side and null on the other are the same, everything
// else must be equal. Only when something differs is the model stored.
//
// Exactness: sameAsRaw answers "same" only where sameRefreshed would, for
// the value types this provider's models use; any other type counts as a
// difference (the model is then stored, which is always correct).
// TestReadFromRawSeesEveryChange changes every field of a server answer,
// one at a time, and checks both verdicts agree.

// readAttrs is, per model type, the attributes (not blocks) of its schema
// with their types.
var readAttrsCache sync.Map // reflect.Type -> map[string]attr.Type

func readAttrTypes(model reflect.Type, sch any) map[string]attr.Type {
	if t, ok := readAttrsCache.Load(model); ok {
		return t.(map[string]attr.Type) //nolint:forcetypeassert // Only these maps are stored.
	}
	s, ok := sch.(schema.Schema)
	if !ok {
		return nil
	}
	t := make(map[string]attr.Type, len(s.Attributes))
	for name, a := range s.Attributes {
		t[name] = a.GetType()
	}
	readAttrsCache.Store(model, t)
	return t
}

// readPrior returns the prior state of a Read as a model whose attributes
// are set as the framework's Get sets them and whose blocks are left zero,
// and the state's raw attributes. ok is false when the state does not fit
// (the caller then uses getModel).
func readPrior[T any](ctx context.Context, st tfsdk.State) (*T, map[string]tftypes.Value, bool) {
	mt := reflect.TypeFor[T]()
	f := fieldsOf(mt)
	attrs := readAttrTypes(mt, st.Schema)
	if !f.ok || attrs == nil || st.Raw.IsNull() || !st.Raw.IsKnown() {
		return nil, nil, false
	}
	var raw map[string]tftypes.Value
	if err := st.Raw.As(&raw); err != nil || len(raw) != len(f.index) {
		return nil, nil, false
	}
	var m T
	v := reflect.ValueOf(&m).Elem()
	for name, typ := range attrs {
		i, ok := f.index[name]
		rv, present := raw[name]
		if !ok || !present {
			return nil, nil, false
		}
		av, err := typ.ValueFromTerraform(ctx, rv)
		if err != nil || av == nil {
			return nil, nil, false
		}
		val, fv := reflect.ValueOf(av), v.Field(i)
		if val.Type() != fv.Type() {
			return nil, nil, false
		}
		fv.Set(val)
	}
	return &m, raw, true
}

// sameAsRaw reports whether the refreshed model m holds what the raw state
// attributes hold, blocks compared as Terraform does (see sameRefreshed).
func sameAsRaw[T any](m *T, raw map[string]tftypes.Value, blocks blockTree) bool {
	f := fieldsOf(reflect.TypeFor[T]())
	if m == nil || blocks == nil || !f.ok || len(raw) != len(f.index) {
		return false
	}
	v := reflect.ValueOf(m).Elem()
	for name, i := range f.index {
		a, ok := v.Field(i).Interface().(attr.Value)
		r, present := raw[name]
		if !ok || !present {
			return false
		}
		sub, isBlock := blocks[name]
		if !equalRaw(a, r, sub, isBlock) {
			return false
		}
	}
	return true
}

// equalRaw compares a value of the model with the raw value of the same
// attribute or block; blocks names the nested blocks when isBlock.
func equalRaw(a attr.Value, r tftypes.Value, blocks blockTree, isBlock bool) bool {
	if a == nil || a.IsUnknown() || !r.IsKnown() {
		return false
	}
	if a.IsNull() || r.IsNull() {
		if a.IsNull() && r.IsNull() {
			return true
		}
		// A list or set of blocks: none is none, empty or null.
		return isBlock && noElements(a, r)
	}
	switch v := a.(type) {
	case types.String:
		var s string
		return r.As(&s) == nil && s == v.ValueString()
	case types.Bool:
		var b bool
		return r.As(&b) == nil && b == v.ValueBool()
	case types.Int64, types.Float64, types.Number:
		return equalNumber(a, r)
	case types.List:
		var rs []tftypes.Value
		if r.As(&rs) != nil || len(rs) != len(v.Elements()) {
			return false
		}
		for i, e := range v.Elements() {
			if !equalRaw(e, rs[i], blocks, isBlock) {
				return false
			}
		}
		return true
	case types.Set:
		// Elements of sets, blocks or not, compare strictly (sameValue).
		var rs []tftypes.Value
		if r.As(&rs) != nil || len(rs) != len(v.Elements()) {
			return false
		}
		for _, e := range v.Elements() {
			if !containsRaw(rs, e) {
				return false
			}
		}
		return true
	case types.Map:
		var rm map[string]tftypes.Value
		if r.As(&rm) != nil || len(rm) != len(v.Elements()) {
			return false
		}
		for k, e := range v.Elements() {
			re, ok := rm[k]
			if !ok || !equalRaw(e, re, nil, false) {
				return false
			}
		}
		return true
	case types.Object:
		var rm map[string]tftypes.Value
		if r.As(&rm) != nil || len(rm) != len(v.Attributes()) {
			return false
		}
		for k, e := range v.Attributes() {
			re, ok := rm[k]
			if !ok {
				return false
			}
			// Inside a block, nested blocks keep the block rules; inside
			// an attribute, everything compares strictly.
			sub, nested := blocks[k]
			if !equalRaw(e, re, sub, isBlock && nested) {
				return false
			}
		}
		return true
	}
	return false
}

// noElements: one side null, the other a known list or set of no elements.
func noElements(a attr.Value, r tftypes.Value) bool {
	switch v := a.(type) {
	case types.List:
		if !v.IsNull() {
			return len(v.Elements()) == 0
		}
	case types.Set:
		if !v.IsNull() {
			return len(v.Elements()) == 0
		}
	default:
		return false
	}
	if !r.Type().Is(tftypes.List{}) && !r.Type().Is(tftypes.Set{}) {
		return false
	}
	var rs []tftypes.Value
	return r.As(&rs) == nil && len(rs) == 0
}

// containsRaw reports whether a set's raw elements hold e.
func containsRaw(rs []tftypes.Value, e attr.Value) bool {
	for _, r := range rs {
		if equalRaw(e, r, nil, false) {
			return true
		}
	}
	return false
}

// equalNumber compares a known number of the model with a raw number.
func equalNumber(a attr.Value, r tftypes.Value) bool {
	tv, err := a.ToTerraformValue(context.Background())
	if err != nil {
		return false
	}
	x, y := new(big.Float), new(big.Float)
	if tv.As(&x) != nil || r.As(&y) != nil || x == nil || y == nil {
		return false
	}
	return x.Cmp(y) == 0
}

// storeRefreshed is setRefreshed for a Read whose prior came from
// readPrior (raw non-nil): the model is stored unless it holds what the raw
// state holds. With raw nil (the prior came from getModel), it is
// setRefreshed.
func storeRefreshed[T any](ctx context.Context, st *tfsdk.State, refreshed, prior *T, raw map[string]tftypes.Value) diag.Diagnostics {
	if raw == nil {
		return setRefreshed(ctx, st, refreshed, prior)
	}
	if sameAsRaw(refreshed, raw, schemaBlocks(reflect.TypeFor[T](), st.Schema)) {
		return nil
	}
	return setStateModel(ctx, st, refreshed)
}
