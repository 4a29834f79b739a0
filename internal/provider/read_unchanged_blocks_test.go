package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func blocksFor[T any](t *testing.T, r resource.Resource) blockTree {
	t.Helper()
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	b := schemaBlocks(reflect.TypeFor[T](), sr.Schema)
	if b == nil {
		t.Fatal("no block tree for the schema")
	}
	return b
}

// TestRefreshSeesBlocksAsTerraformDoes: a stage read back with no inputs,
// outputs... (empty lists of blocks, and an empty filter list inside its
// connect block) is the prior state Terraform sent (those blocks null), so
// the refresh stores nothing; a block added or removed, or any attribute
// changed, is stored; and for attributes an empty list is not null.
func TestRefreshSeesBlocksAsTerraformDoes(t *testing.T) {
	ctx := context.Background()
	fx := stageFixture(t, &api.Executor{Type: api.ExecutorNoop})
	fx.Status, fx.Spec.Secrets, fx.Spec.Conditions, fx.Spec.Inputs, fx.Spec.InputMappings, fx.Spec.Outputs = nil, nil, nil, nil, nil, nil
	fx.Spec.Connections = fx.Spec.Connections[1:] // one connect block, no filters
	refreshed, d := stageModelFrom(ctx, fx, &StageResourceModel{Canvas: types.StringValue("c")})
	if d.HasError() {
		t.Fatal(d)
	}
	blocks := blocksFor[StageResourceModel](t, &StageResource{})

	// The prior state as the framework hands it over: empty blocks null.
	prior := *refreshed
	for _, l := range []*types.List{&prior.Inputs, &prior.InputMappings, &prior.Outputs, &prior.Approval, &prior.TimeWindows, &prior.Secrets} {
		*l = types.ListNull(l.ElementType(ctx))
	}
	conn := prior.Connections.Elements()[0].(types.Object) //nolint:forcetypeassert // A connect block.
	attrs := conn.Attributes()
	attrs["filter"] = types.ListNull(attrs["filter"].(types.List).ElementType(ctx)) //nolint:forcetypeassert // The filter blocks.
	prior.Connections = types.ListValueMust(prior.Connections.ElementType(ctx),
		[]attr.Value{types.ObjectValueMust(conn.AttributeTypes(ctx), attrs)})

	if sameModel(refreshed, &prior) {
		t.Fatal("the fixture has no empty blocks: the test proves nothing")
	}
	if !sameRefreshed(refreshed, &prior, blocks) {
		t.Error("empty blocks against null ones count as a change: every refresh stores the stage again")
	}

	renamed := prior
	renamed.Name = types.StringValue("other")
	if sameRefreshed(refreshed, &renamed, blocks) {
		t.Error("a rename outside Terraform is not stored")
	}
	noConnect := prior
	noConnect.Connections = types.ListNull(prior.Connections.ElementType(ctx))
	if sameRefreshed(refreshed, &noConnect, blocks) {
		t.Error("a connection added outside Terraform is not stored")
	}
	otherConnect := prior
	attrs["name"] = types.StringValue("elsewhere")
	otherConnect.Connections = types.ListValueMust(prior.Connections.ElementType(ctx),
		[]attr.Value{types.ObjectValueMust(conn.AttributeTypes(ctx), attrs)})
	if sameRefreshed(refreshed, &otherConnect, blocks) {
		t.Error("a connection changed outside Terraform is not stored")
	}

	// keys is an attribute: an empty set is not a null one.
	secretBlocks := blocksFor[SecretResourceModel](t, &SecretResource{})
	s1 := SecretResourceModel{ID: types.StringValue("s"), Canvas: types.StringNull(), Name: types.StringValue("n"),
		Data: types.MapNull(types.StringType), DataWO: types.MapNull(types.StringType), DataWOVersion: types.Int64Value(1),
		Keys: types.SetValueMust(types.StringType, []attr.Value{}), Version: types.Int64Value(1), CreatedAt: types.StringNull()}
	s2 := s1
	s2.Keys = types.SetNull(types.StringType)
	if sameRefreshed(&s1, &s2, secretBlocks) {
		t.Error("an attribute's empty set counts as null")
	}
}
