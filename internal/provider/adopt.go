package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// adoptedWarning tells the user that a create took over an object of the
// same name that this token's user had created and no state recorded
// (client.Adopt*): most likely an apply that was killed before Terraform
// wrote the state. The warning names it so a real clash can be noticed.
func adoptedWarning(diags *diag.Diagnostics, kind, name string) {
	diags.AddWarning(fmt.Sprintf("Adopted existing %s %q", kind, name),
		fmt.Sprintf("A %s called %q already existed, created by the user of this provider's token, and no "+
			"Terraform state recorded it: most likely an earlier apply was interrupted after SuperPlane "+
			"created it. Terraform now manages it, updated to this configuration. If another "+
			"configuration manages an object of this name, rename one of them.", kind, name))
}
