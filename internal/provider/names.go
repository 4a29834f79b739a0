package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// nameValidators check a name (of an object, or of the object a reference
// names) at plan time, so a bad name fails `terraform plan` with the
// attribute path instead of failing apply. They refuse what the server
// refuses, by the same rules (api.NamePattern, api.MaxNameLength,
// api.IsUUID); only "." and "..", which the server also refuses, pass
// here.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, api.MaxNameLength),
		stringvalidator.RegexMatches(api.NamePattern, "may contain only letters, digits, '.', '_' and '-'"),
		notUUIDValidator{},
	}
}

// notUUIDValidator refuses a value that parses as a UUID in any form
// (api.IsUUID): the server refuses such names, since ids and names are
// accepted in the same places.
type notUUIDValidator struct{}

func (notUUIDValidator) Description(context.Context) string {
	return "must not be a UUID (in any form): ids and names are accepted in the same places"
}

func (v notUUIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v notUUIDValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if name := req.ConfigValue.ValueString(); api.IsUUID(name) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid name",
			fmt.Sprintf("%q %s.", name, v.Description(ctx)))
	}
}
