package executor

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
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
//     HTTP statuses) and timeoutSeconds (above 0, at most 3600) are optional;
//   - github: workflow (a file name such as deploy.yml, or an id) and ref
//     are required; inputs (an object of strings) is optional;
//   - semaphore: pipelineFile and ref (a branch) are required; parameters
//     (an object of strings) is optional;
//   - noop: nothing is required.
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

// validateSpec checks spec; templated says templates may still be in it
// (false at run time, where a "${{" in a value is literal text that came
// from an input or a secret).
func validateSpec(typ string, spec map[string]any, templated bool) error {
	v := specValidator{spec: spec, templated: templated}
	switch typ {
	case api.ExecutorHTTP:
		v.url("url")
		v.stringMap("headers")
		v.headerNames()
		v.object("payload")
		v.statusCodes()
		v.positiveNumber("timeoutSeconds", maxHTTPTimeoutSeconds)
	case api.ExecutorGitHub:
		v.workflow()
		v.requiredString("ref")
		v.stringMap("inputs")
	case api.ExecutorSemaphore:
		v.requiredString("pipelineFile")
		v.requiredString("ref")
		v.stringMap("parameters")
	case api.ExecutorNoop:
	case "":
		return fmt.Errorf("type is required: expected one of %s", executorTypes)
	default:
		return fmt.Errorf("type: unsupported executor type %q: expected one of %s", printable(typ), executorTypes)
	}
	v.stringMap("outputs")
	return v.err
}

// executorTypes lists the supported types for messages.
var executorTypes = strings.Join([]string{api.ExecutorHTTP, api.ExecutorGitHub, api.ExecutorSemaphore, api.ExecutorNoop}, ", ")

// specValidator collects the first error of a spec's checks.
type specValidator struct {
	spec      map[string]any
	templated bool
	err       error
}

func (v *specValidator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf(format, args...)
	}
}

func (v *specValidator) requiredString(key string) (string, bool) {
	raw, ok := v.spec[key]
	if !ok || raw == nil {
		v.fail("spec.%s is required", key)
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		v.fail("spec.%s must be a string", key)
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		v.fail("spec.%s is required", key)
		return "", false
	}
	return s, true
}

func (v *specValidator) url(key string) {
	s, ok := v.requiredString(key)
	if !ok {
		return
	}
	if v.templated && hasTemplate(s) {
		// Only the scheme can be known before rendering, and only when
		// the template comes after it.
		prefix := s[:strings.Index(s, "${{")]
		if scheme, _, found := strings.Cut(prefix, "://"); found && !isHTTPScheme(scheme) {
			v.fail("spec.%s must be an http or https URL", key)
		}
		return
	}
	if err := checkHTTPURL(s); err != nil {
		v.fail("spec.%s %s", key, err)
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

func (v *specValidator) object(key string) (map[string]any, bool) {
	raw, ok := v.spec[key]
	if !ok || raw == nil {
		return nil, false
	}
	m, ok := asObject(raw)
	if !ok {
		v.fail("spec.%s must be an object", key)
		return nil, false
	}
	return m, true
}

// stringMap checks an optional object whose values are strings (or other
// scalars, which are sent as text).
func (v *specValidator) stringMap(key string) {
	m, ok := v.object(key)
	if !ok {
		return
	}
	for _, k := range sortedKeys(m) {
		if strings.TrimSpace(k) == "" {
			v.fail("spec.%s has an empty name", key)
			return
		}
		if _, ok := scalarString(m[k]); !ok {
			v.fail("spec.%s.%s must be a string", key, k)
			return
		}
	}
}

// headerNames checks that the header names are HTTP tokens (RFC 9110).
func (v *specValidator) headerNames() {
	m, _ := asObject(v.spec["headers"])
	for _, k := range sortedKeys(m) {
		if !api.IsHeaderName(k) {
			v.fail("spec.headers: %q is not a valid header name", printable(k))
			return
		}
	}
}

func (v *specValidator) statusCodes() {
	policy, ok := v.object("responsePolicy")
	if !ok {
		return
	}
	raw, ok := policy["statusCodes"]
	if !ok || raw == nil {
		return
	}
	list, ok := raw.([]any)
	if !ok {
		v.fail("spec.responsePolicy.statusCodes must be a list of HTTP status codes")
		return
	}
	for i, x := range list {
		if s, isString := x.(string); isString && v.templated && hasTemplate(s) {
			continue
		}
		if _, err := statusCode(x); err != nil {
			v.fail("spec.responsePolicy.statusCodes[%d] %s", i, err)
			return
		}
	}
}

// statusCode reads an HTTP status from a JSON number or numeric string.
func statusCode(x any) (int, error) {
	n, ok := number(x)
	if !ok || n != math.Trunc(n) || n < 100 || n > 599 {
		return 0, fmt.Errorf("must be an HTTP status code (100 to 599)")
	}
	return int(n), nil
}

func (v *specValidator) positiveNumber(key string, maxValue float64) {
	raw, ok := v.spec[key]
	if !ok || raw == nil {
		return
	}
	if s, isString := raw.(string); isString && v.templated && hasTemplate(s) {
		return
	}
	n, ok := number(raw)
	if !ok || n <= 0 || n > maxValue {
		v.fail("spec.%s must be a number of seconds above 0 and at most %g", key, maxValue)
	}
}

func (v *specValidator) workflow() {
	// A workflow id may come as a JSON number.
	if raw, ok := v.spec["workflow"]; ok {
		if _, isString := raw.(string); !isString {
			if n, ok := number(raw); ok && n > 0 && n == math.Trunc(n) {
				return
			}
		}
	}
	s, ok := v.requiredString("workflow")
	if !ok || (v.templated && hasTemplate(s)) {
		return
	}
	if strings.ContainsAny(s, "/\\") {
		v.fail("spec.workflow must be a workflow file name (deploy.yml) or id, not a path")
	}
}

// asObject returns a JSON object held as map[string]any or
// map[string]string.
func asObject(x any) (map[string]any, bool) {
	switch t := x.(type) {
	case map[string]any:
		return t, true
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, s := range t {
			m[k] = s
		}
		return m, true
	}
	return nil, false
}

// number reads a JSON number (or a number rendered into a string).
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	return 0, false
}

// scalarString returns a string, number or boolean as text (numbers without
// exponent or trailing zeros); other values are not scalars.
func scalarString(x any) (string, bool) {
	switch t := x.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case json.Number:
		return t.String(), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32), true
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case int32:
		return strconv.FormatInt(int64(t), 10), true
	}
	return "", false
}

// stringValues returns the scalar values of an object as text, skipping
// anything else; nil when there are none.
func stringValues(x any) map[string]string {
	m, ok := asObject(x)
	if !ok {
		return nil
	}
	var out map[string]string
	for k, raw := range m {
		if s, ok := scalarString(raw); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = s
		}
	}
	return out
}

// specOutputs returns spec.outputs, the outputs of noop and dry runs.
func specOutputs(spec map[string]any) map[string]string {
	return stringValues(spec["outputs"])
}

// specString returns a string field of a validated spec; numbers (a
// workflow id) are returned as text.
func specString(spec map[string]any, key string) string {
	s, _ := scalarString(spec[key])
	return s
}
