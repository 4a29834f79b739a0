package provider

import (
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Absent blocks: empty in the model, null in the prior state.
//
// A Read builds an absent list of blocks as an empty list (blockListValue),
// but the framework hands the prior state over with every empty list of
// blocks turned null (fromproto6 NullifyCollectionBlocks), and Terraform
// treats the two alike. Compared as values they differ, so every stage and
// event source was stored again on every refresh (BENCHMARKS.md, issue 17
// round four). sameRefreshed compares like Terraform does: for blocks
// (named by the schema, nested ones too), empty and null are the same;
// for attributes, nothing changes.

// blockTree names the blocks of a schema or of a block, each with its own
// nested blocks.
type blockTree map[string]blockTree

func blocksOf(blocks map[string]schema.Block) blockTree {
	t := blockTree{}
	for name, b := range blocks {
		switch b := b.(type) {
		case schema.ListNestedBlock:
			t[name] = blocksOf(b.NestedObject.Blocks)
		case schema.SetNestedBlock:
			t[name] = blocksOf(b.NestedObject.Blocks)
		case schema.SingleNestedBlock:
			t[name] = blocksOf(b.Blocks)
		default:
			t[name] = blockTree{}
		}
	}
	return t
}

var schemaBlocksCache sync.Map // reflect.Type of the model -> blockTree

// schemaBlocks is the block tree of sch, kept per model type (a resource's
// schema never changes in a process); nil when sch is not a resource schema.
func schemaBlocks(model reflect.Type, sch any) blockTree {
	if t, ok := schemaBlocksCache.Load(model); ok {
		return t.(blockTree) //nolint:forcetypeassert // Only blockTrees are stored.
	}
	s, ok := sch.(schema.Schema)
	if !ok {
		return nil
	}
	t := blocksOf(s.Blocks)
	schemaBlocksCache.Store(model, t)
	return t
}

// sameRefreshed is sameModel, with the blocks of blocks compared as
// Terraform does.
func sameRefreshed[T any](a, b *T, blocks blockTree) bool {
	f := fieldsOf(reflect.TypeFor[T]())
	if blocks == nil || !f.ok || a == nil || b == nil {
		return sameModel(a, b)
	}
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for name, i := range f.index {
		x, okx := va.Field(i).Interface().(attr.Value)
		y, oky := vb.Field(i).Interface().(attr.Value)
		if !okx || !oky {
			return false
		}
		sub, isBlock := blocks[name]
		if !sameValue(x, y, sub, isBlock) {
			return false
		}
	}
	return true
}

// sameValue compares two values of one attribute or block.
func sameValue(x, y attr.Value, blocks blockTree, isBlock bool) bool {
	if x.Equal(y) {
		return true
	}
	if !isBlock || x.IsUnknown() || y.IsUnknown() {
		return false
	}
	switch xv := x.(type) {
	case types.List:
		yv, ok := y.(types.List)
		if !ok {
			return false
		}
		return sameElements(xv.Elements(), yv.Elements(), blocks)
	case types.Set:
		// Sets of blocks: only empty against null; elements have no order
		// to compare them by.
		yv, ok := y.(types.Set)
		return ok && len(xv.Elements()) == 0 && len(yv.Elements()) == 0
	case types.Object:
		return sameObject(x, y, blocks)
	}
	return false
}

// sameElements compares the blocks of two lists of blocks in order; no
// elements (an empty or null list) on both sides is the same.
func sameElements(xs, ys []attr.Value, blocks blockTree) bool {
	if len(xs) != len(ys) {
		return false
	}
	for i := range xs {
		if !sameObject(xs[i], ys[i], blocks) {
			return false
		}
	}
	return true
}

// sameObject compares two block objects attribute by attribute.
func sameObject(x, y attr.Value, blocks blockTree) bool {
	xo, okx := x.(types.Object)
	yo, oky := y.(types.Object)
	if !okx || !oky || xo.IsNull() || yo.IsNull() || xo.IsUnknown() || yo.IsUnknown() {
		return x.Equal(y)
	}
	xa, ya := xo.Attributes(), yo.Attributes()
	if len(xa) != len(ya) {
		return false
	}
	for name, xv := range xa {
		yv, ok := ya[name]
		if !ok || xv == nil || yv == nil {
			return false
		}
		sub, isBlock := blocks[name]
		if !sameValue(xv, yv, sub, isBlock) {
			return false
		}
	}
	return true
}
