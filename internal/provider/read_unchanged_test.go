package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestSameModel: a refresh skips State.Set only when every field of the
// refreshed model equals the prior state's; a difference in any one field,
// nested values included, or a field that is not a Terraform value, means
// the state is written.
func TestSameModel(t *testing.T) {
	base := func() SecretResourceModel {
		return SecretResourceModel{
			ID: types.StringValue("id-1"), Canvas: types.StringValue("prod"), Name: types.StringValue("db"),
			Data:          types.MapValueMust(types.StringType, map[string]attr.Value{"k": types.StringValue("v")}),
			DataWO:        types.MapNull(types.StringType),
			DataWOVersion: types.Int64Null(),
			Keys:          types.SetValueMust(types.StringType, []attr.Value{types.StringValue("k")}),
			Version:       types.Int64Value(3),
			CreatedAt:     types.StringValue("2026-12-06T00:00:00Z"),
		}
	}
	a, b := base(), base()
	if !sameModel(&a, &b) {
		t.Fatal("equal models reported different")
	}
	changes := map[string]func(m *SecretResourceModel){
		"name":   func(m *SecretResourceModel) { m.Name = types.StringValue("db2") },
		"canvas": func(m *SecretResourceModel) { m.Canvas = types.StringNull() },
		"data value": func(m *SecretResourceModel) {
			m.Data = types.MapValueMust(types.StringType, map[string]attr.Value{"k": types.StringValue("w")})
		},
		"keys":       func(m *SecretResourceModel) { m.Keys = types.SetValueMust(types.StringType, []attr.Value{}) },
		"version":    func(m *SecretResourceModel) { m.Version = types.Int64Value(4) },
		"created_at": func(m *SecretResourceModel) { m.CreatedAt = types.StringValue("") },
	}
	for what, change := range changes {
		c := base()
		change(&c)
		if sameModel(&a, &c) || sameModel(&c, &a) {
			t.Errorf("models differing in %s reported equal", what)
		}
	}
	type other struct {
		Name  types.String
		Plain string
	}
	x, y := other{Name: types.StringValue("a"), Plain: "p"}, other{Name: types.StringValue("a"), Plain: "p"}
	if sameModel(&x, &y) {
		t.Error("a model with a field that is not a Terraform value reported equal")
	}
	if sameModel[SecretResourceModel](nil, &a) {
		t.Error("nil model reported equal")
	}
}
