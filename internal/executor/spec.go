package executor

import (
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxHTTPTimeoutSeconds bounds spec.timeoutSeconds of the http executor.
const maxHTTPTimeoutSeconds = 3600

// ValidateSpec checks an executor's spec when a stage is created or
// updated, before any template is rendered, so a bad spec is a 400 when the
// stage is saved rather than a failed execution later. Errors name
// the field ("spec.url is required"):
//
//   - http: url (an http or https URL) is required; headers (an object of
//     strings), payload (an object), responsePolicy.statusCodes (a list of
//     HTTP statuses), timeoutSeconds (above 0, at most 3600) and method
//     (GET, POST, PUT, PATCH or DELETE) are optional;
//   - noop: nothing is required;
//   - an integration type with a Runner (github, semaphore): what its
//     CheckSpec requires (github: workflow and ref; semaphore: pipelineFile
//     and ref, or a task and optionally ref).
//
// Every type may have outputs (an object of strings), which noop and dry
// runs produce. A malformed template anywhere is an error, and so is an
// unknown type. A value that holds a template is checked only as far as it
// can be before rendering (the scheme of a URL).
func ValidateSpec(typ string, spec map[string]any) error {
	if _, _, err := References(spec); err != nil {
		return err
	}
	return validateSpec(typ, spec, true)
}

// CheckRendered checks a spec after its templates were rendered, as Run
// does before it starts: the engine calls it first so that a spec that
// renders into something invalid is an alert about the stage, not only a
// failed execution.
func CheckRendered(typ string, spec map[string]any) error {
	return validateSpec(typ, spec, false)
}

// validateSpec checks spec; templated says templates may still be in it
// (false at run time, where a "${{" in a value is literal text that came
// from an input or a secret).
func validateSpec(typ string, spec map[string]any, templated bool) error {
	c := &integration.SpecCheck{Spec: spec, Templated: templated}
	switch typ {
	case api.ExecutorHTTP:
		checkURL(c, "url")
		c.StringMap("headers")
		checkHeaderNames(c)
		c.Object("payload")
		checkStatusCodes(c)
		checkPositiveNumber(c, "timeoutSeconds", maxHTTPTimeoutSeconds)
		checkAWSSigning(c)
		checkAzureSigning(c)
		checkGCPSigning(c)
		checkHTTPMethod(c)
	case api.ExecutorNoop:
	case "":
		return fmt.Errorf("type is required: expected one of %s", executorTypes)
	default:
		runner, ok := types.Runner(typ)
		if !ok {
			return fmt.Errorf("type: unsupported executor type %q: expected one of %s", integration.Printable(typ), executorTypes)
		}
		runner.CheckSpec(c)
	}
	c.StringMap("outputs")
	return c.Err()
}

// executorTypes lists the supported types for messages.
var executorTypes = strings.Join(api.ExecutorTypes(), ", ")

// checkURL checks the required http or https URL at key.
func checkURL(c *integration.SpecCheck, key string) {
	s, ok := c.RequiredString(key)
	if !ok {
		return
	}
	if c.Templated && integration.HasTemplate(s) {
		// Only the scheme can be known before rendering, and only when
		// the template comes after it.
		prefix := s[:strings.Index(s, "${{")]
		if scheme, _, found := strings.Cut(prefix, "://"); found && !isHTTPScheme(scheme) {
			c.Fail("spec.%s must be an http or https URL", key)
		}
		return
	}
	if err := checkHTTPURL(s); err != nil {
		c.Fail("spec.%s %s", key, err)
	}
}

// checkHTTPURL returns why s is not an absolute http or https URL, as the
// predicate of a sentence about the field.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || !isHTTPScheme(u.Scheme) || u.Host == "" {
		return fmt.Errorf("must be an http or https URL")
	}
	return nil
}

func isHTTPScheme(s string) bool {
	return strings.EqualFold(s, "http") || strings.EqualFold(s, "https")
}

// checkHeaderNames checks that the header names are HTTP tokens (RFC 9110).
func checkHeaderNames(c *integration.SpecCheck) {
	m, _ := integration.AsObject(c.Spec["headers"])
	for _, k := range sortedKeys(m) {
		if !api.IsHeaderName(k) {
			c.Fail("spec.headers: %q is not a valid header name", integration.Printable(k))
			return
		}
	}
}

// checkStatusCodes checks spec.responsePolicy.statusCodes.
func checkStatusCodes(c *integration.SpecCheck) {
	policy, ok := c.Object("responsePolicy")
	if !ok {
		return
	}
	raw, ok := policy["statusCodes"]
	if !ok || raw == nil {
		return
	}
	list, ok := raw.([]any)
	if !ok {
		c.Fail("spec.responsePolicy.statusCodes must be a list of HTTP status codes")
		return
	}
	for i, x := range list {
		if s, isString := x.(string); isString && c.Templated && integration.HasTemplate(s) {
			continue
		}
		if _, err := statusCode(x); err != nil {
			c.Fail("spec.responsePolicy.statusCodes[%d] %s", i, err)
			return
		}
	}
}

// statusCode reads an HTTP status from a JSON number or numeric string.
func statusCode(x any) (int, error) {
	n, ok := integration.Number(x)
	if !ok || n != math.Trunc(n) || n < 100 || n > 599 {
		return 0, fmt.Errorf("must be an HTTP status code (100 to 599)")
	}
	return int(n), nil
}

// checkPositiveNumber checks the optional number of seconds at key.
func checkPositiveNumber(c *integration.SpecCheck, key string, maxValue float64) {
	raw, ok := c.Spec[key]
	if !ok || raw == nil {
		return
	}
	if s, isString := raw.(string); isString && c.Templated && integration.HasTemplate(s) {
		return
	}
	n, ok := integration.Number(raw)
	if !ok || n <= 0 || n > maxValue {
		c.Fail("spec.%s must be a number of seconds above 0 and at most %g", key, maxValue)
	}
}
