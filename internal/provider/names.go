package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// namePattern is what canvas and secret names may contain. A '/' is never
// allowed, which is what lets import IDs use it as a separator.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// nameValidators check a canvas or secret name at plan time, so a bad name
// fails `terraform plan` with the attribute path instead of failing apply.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, 128),
		stringvalidator.RegexMatches(namePattern, "may contain only letters, digits, '.', '_' and '-'"),
	}
}
