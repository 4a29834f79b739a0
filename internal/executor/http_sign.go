package executor

import (
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// An http executor whose stage names a cloud integration (executor.
// integration, an aws integration) has its request signed with the
// integration's credentials (integration.RunRequest.Sign, set by the
// engine). spec.aws says what to sign for when the URL's host does not:
// {"service": "lambda", "region": "eu-west-1"}.

// checkAWSSigning checks the optional spec.aws object of an http executor.
func checkAWSSigning(c *integration.SpecCheck) {
	m, ok := c.Object("aws")
	if !ok {
		return
	}
	for k, v := range m {
		switch k {
		case "service", "region":
			if _, ok := v.(string); !ok {
				c.Fail("spec.aws.%s must be a string", k)
				return
			}
		default:
			c.Fail("spec.aws.%s is not a setting: expected service or region", integration.Printable(k))
			return
		}
	}
}

// SignOptions reads an http executor spec's aws, azure and gcp objects.
func SignOptions(spec map[string]any) integration.SignOptions {
	m, _ := integration.AsObject(spec["aws"])
	az, _ := integration.AsObject(spec["azure"])
	return integration.SignOptions{Service: integration.SpecString(m, "service"), Region: integration.SpecString(m, "region"),
		Scope: integration.SpecString(az, "scope"), Scopes: gcpScopes(spec)}
}

// signError is a request that could not be signed: the execution fails
// with its reason, which holds no credential.
type signError struct{ err error }

func (e *signError) Error() string { return "signing the request: " + e.err.Error() }
func (e *signError) Unwrap() error { return e.err }
