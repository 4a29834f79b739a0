package executor

import (
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// An http executor whose stage names a gcp integration gets a Google
// access token (Authorization: Bearer) for the scopes its spec.gcp names:
// {"scopes": ["https://www.googleapis.com/auth/cloud-platform"]}, the
// default when it names none.

// maxGCPScopes bounds spec.gcp.scopes.
const maxGCPScopes = 20

// checkGCPSigning checks the optional spec.gcp object of an http executor.
func checkGCPSigning(c *integration.SpecCheck) {
	m, ok := c.Object("gcp")
	if !ok {
		return
	}
	for k, v := range m {
		if k != "scopes" {
			c.Fail("spec.gcp.%s is not a setting: expected scopes", integration.Printable(k))
			return
		}
		list, ok := v.([]any)
		if !ok || len(list) == 0 || len(list) > maxGCPScopes {
			c.Fail("spec.gcp.scopes must be a list of 1 to %d OAuth scopes (https://www.googleapis.com/auth/...)", maxGCPScopes)
			return
		}
		for i, s := range list {
			str, ok := s.(string)
			if !ok || !strings.HasPrefix(str, "https://www.googleapis.com/auth/") || strings.ContainsAny(str, " \t\r\n") {
				c.Fail("spec.gcp.scopes[%d] must be an OAuth scope such as https://www.googleapis.com/auth/cloud-platform", i)
				return
			}
		}
	}
}

// gcpScopes reads an http executor spec's gcp.scopes (nil: the default).
func gcpScopes(spec map[string]any) []string {
	m, _ := integration.AsObject(spec["gcp"])
	list, _ := m["scopes"].([]any)
	var out []string
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
