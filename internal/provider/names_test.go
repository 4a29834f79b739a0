package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestNameValidatorsRefuseUUIDs: every form of a UUID the server refuses as
// a name fails at plan time too, naming the attribute; ordinary names pass.
func TestNameValidatorsRefuseUUIDs(t *testing.T) {
	const id = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	check := func(name string) (refused bool, detail string) {
		for _, v := range nameValidators() {
			resp := &validator.StringResponse{}
			v.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("name"), ConfigValue: types.StringValue(name),
			}, resp)
			if resp.Diagnostics.HasError() {
				return true, resp.Diagnostics.Errors()[0].Detail()
			}
		}
		return false, ""
	}
	for _, name := range []string{
		id, strings.ToUpper(id), strings.ReplaceAll(id, "-", ""), strings.ToUpper(strings.ReplaceAll(id, "-", "")),
		"{" + id + "}", "urn:uuid:" + id,
	} {
		if refused, _ := check(name); !refused {
			t.Errorf("name %q passed the plan-time validators; the server refuses it", name)
		}
	}
	// The hex forms pass the character pattern: the UUID rule is what
	// refuses them, and says so.
	if _, detail := check(strings.ReplaceAll(id, "-", "")); !strings.Contains(detail, "UUID") {
		t.Errorf("32 hex digits refused with %q; want the reason to name UUIDs", detail)
	}
	for _, name := range []string{"deploy", "prod.db", "6ba7b8109dad11d180b400c04fd430c", "a-b_c"} {
		if refused, detail := check(name); refused {
			t.Errorf("name %q refused: %s", name, detail)
		}
	}
}
