package executor

import (
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// An http executor whose stage names an azure integration gets a bearer
// token of the integration's application; spec.azure.scope says for
// which resource ({"scope": "api://my-function/.default"}), default Azure
// Resource Manager's.

// checkAzureSigning checks the optional spec.azure object of an http
// executor.
func checkAzureSigning(c *integration.SpecCheck) {
	m, ok := c.Object("azure")
	if !ok {
		return
	}
	for k, v := range m {
		if k != "scope" {
			c.Fail("spec.azure.%s is not a setting: expected scope", integration.Printable(k))
			return
		}
		s, ok := v.(string)
		if !ok {
			c.Fail("spec.azure.scope must be a string")
			return
		}
		// The client credentials grant takes only <resource>/.default.
		if !strings.HasSuffix(s, "/.default") && !strings.Contains(s, "{{") {
			c.Fail("spec.azure.scope %q must end in /.default (a resource's application ID URI, such as https://management.azure.com/.default)", integration.Printable(s))
			return
		}
	}
}
