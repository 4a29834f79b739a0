package provider

import (
	"context"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// setRefreshed stores the model a Read built from the server's answer,
// unless it equals the prior state it was read from: the framework has
// already copied the prior state into the response, and State.Set turns
// the whole model back into Terraform's value by reflection: about 5% of
// the CPU of a refresh of 1,000 unchanged objects (BENCHMARKS.md, issue 17
// round three).
func setRefreshed[T any](ctx context.Context, st *tfsdk.State, refreshed, prior *T) diag.Diagnostics {
	if sameRefreshed(refreshed, prior, schemaBlocks(reflect.TypeFor[T](), st.Schema)) {
		return nil
	}
	return setStateModel(ctx, st, refreshed)
}

// sameModel reports whether two models hold equal values in every field.
// A field that is not an attr.Value counts as a difference, so a model
// with other fields is always stored.
func sameModel[T any](a, b *T) bool {
	if a == nil || b == nil {
		return false
	}
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	if va.Kind() != reflect.Struct {
		return false
	}
	for i := range va.NumField() {
		if !va.Field(i).CanInterface() {
			return false
		}
		x, ok := va.Field(i).Interface().(attr.Value)
		if !ok {
			return false
		}
		y, ok := vb.Field(i).Interface().(attr.Value)
		if !ok || !x.Equal(y) {
			return false
		}
	}
	return true
}
