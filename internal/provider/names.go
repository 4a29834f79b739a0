package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// namePattern is what canvas and secret names may contain. A '/' is never
// allowed, which is what lets import IDs use it as a separator.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Patterns shared by several resources, mirroring the server's checks.
var (
	// hhmmPattern is a time of day, "HH:MM" in 24-hour form.
	hhmmPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	// repoNamePattern is a GitHub repository or Semaphore project name.
	repoNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// nameValidators check a name (of an object, or of the object a reference
// names) at plan time, so a bad name fails `terraform plan` with the
// attribute path instead of failing apply. They refuse what the server
// refuses, with the same predicate for UUIDs.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, 128),
		stringvalidator.RegexMatches(namePattern, "may contain only letters, digits, '.', '_' and '-'"),
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
