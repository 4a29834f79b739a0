package main

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestKnownNullsOnlyUnknowns: what the floor stores after an apply keeps
// every configured value and turns only the unknown (computed) ones into
// null, which Terraform accepts.
func TestKnownNullsOnlyUnknowns(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"name": tftypes.String, "id": tftypes.String, "keys": tftypes.Set{ElementType: tftypes.String}}}
	in := tftypes.NewValue(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "s1"),
		"id":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"keys": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, tftypes.UnknownValue),
	})
	out, err := known(in)
	if err != nil {
		t.Fatal(err)
	}
	if !out.IsFullyKnown() {
		t.Fatalf("known(%v) = %v, still unknown", in, out)
	}
	var attrs map[string]tftypes.Value
	if err := out.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := attrs["name"].As(&name); err != nil || name != "s1" {
		t.Errorf("name = %q, %v; want s1 kept", name, err)
	}
	if !attrs["id"].IsNull() || !attrs["keys"].IsNull() {
		t.Errorf("id and keys = %v, %v; want null", attrs["id"], attrs["keys"])
	}
}

// TestSameResourcesAsTheProvider: the floor serves every resource type of
// the real provider under the same names, so the bench's configuration
// resolves against it unchanged.
func TestSameResourcesAsTheProvider(t *testing.T) {
	ctx := context.Background()
	f := newFloor()
	var meta provider.MetadataResponse
	f.Metadata(ctx, provider.MetadataRequest{}, &meta)
	if meta.TypeName != "superplane" {
		t.Fatalf("type name %q, want superplane", meta.TypeName)
	}
	names := map[string]bool{}
	for _, newResource := range f.Resources(ctx) {
		var m resource.MetadataResponse
		newResource().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		names[m.TypeName] = true
	}
	for _, want := range []string{"superplane_canvas", "superplane_secret", "superplane_event_source", "superplane_stage"} {
		if !names[want] {
			t.Errorf("the floor has no %s (has %v)", want, names)
		}
	}
}

// TestKnownFillsComputedValues: with FLOOR_COMPUTED=values an unknown
// string gets a value of an id's size, and an unknown collection stays
// null; configured values are kept.
func TestKnownFillsComputedValues(t *testing.T) {
	t.Setenv("FLOOR_COMPUTED", "values")
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"name": tftypes.String, "id": tftypes.String, "keys": tftypes.Set{ElementType: tftypes.String}}}
	out, err := known(tftypes.NewValue(typ, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "s1"),
		"id":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"keys": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, tftypes.UnknownValue),
	}))
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := out.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var name, id string
	if err := attrs["name"].As(&name); err != nil || name != "s1" {
		t.Errorf("name = %q, %v; want s1 kept", name, err)
	}
	if err := attrs["id"].As(&id); err != nil || len(id) != 36 {
		t.Errorf("id = %q, %v; want 36 characters", id, err)
	}
	if !attrs["keys"].IsNull() {
		t.Errorf("keys = %v, want null", attrs["keys"])
	}
}
