package integration

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SpecCheck collects the first error of the checks of an executor spec.
// The executor makes one for every spec it checks and hands it to the
// type's Runner.CheckSpec, so that every type's errors name the field in
// the same words ("spec.ref is required").
type SpecCheck struct {
	// Spec is the executor spec checked.
	Spec map[string]any
	// Templated says templates may still be in Spec: true when a stage is
	// saved, false at run time, where a "${{" in a value is literal text
	// that came from an input or a secret.
	Templated bool
	err       error
}

// Err is the first failure, or nil.
func (c *SpecCheck) Err() error { return c.err }

// Fail records a failure unless one was recorded already.
func (c *SpecCheck) Fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// RequiredString returns the non-blank string at key, or fails.
func (c *SpecCheck) RequiredString(key string) (string, bool) {
	raw, ok := c.Spec[key]
	if !ok || raw == nil {
		c.Fail("spec.%s is required", key)
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		c.Fail("spec.%s must be a string", key)
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		c.Fail("spec.%s is required", key)
		return "", false
	}
	return s, true
}

// Object returns the optional object at key; it fails when the value is
// there but not an object.
func (c *SpecCheck) Object(key string) (map[string]any, bool) {
	raw, ok := c.Spec[key]
	if !ok || raw == nil {
		return nil, false
	}
	m, ok := AsObject(raw)
	if !ok {
		c.Fail("spec.%s must be an object", key)
		return nil, false
	}
	return m, true
}

// StringMap checks an optional object whose values are strings (or other
// scalars, which are sent as text).
func (c *SpecCheck) StringMap(key string) {
	m, ok := c.Object(key)
	if !ok {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.TrimSpace(k) == "" {
			c.Fail("spec.%s has an empty name", key)
			return
		}
		if _, ok := ScalarString(m[k]); !ok {
			c.Fail("spec.%s.%s must be a string", key, k)
			return
		}
	}
}

// HasTemplate reports whether s holds a template to be rendered later.
func HasTemplate(s string) bool { return strings.Contains(s, "${{") }

// AsObject returns a JSON object held as map[string]any or
// map[string]string.
func AsObject(x any) (map[string]any, bool) {
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

// Number reads a JSON number (or a number rendered into a string).
func Number(x any) (float64, bool) {
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

// ScalarString returns a string, number or boolean as text (numbers without
// exponent or trailing zeros); other values are not scalars.
func ScalarString(x any) (string, bool) {
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

// StringValues returns the scalar values of an object as text, skipping
// anything else; nil when there are none.
func StringValues(x any) map[string]string {
	m, ok := AsObject(x)
	if !ok {
		return nil
	}
	var out map[string]string
	for k, raw := range m {
		if s, ok := ScalarString(raw); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = s
		}
	}
	return out
}

// SpecString returns a string field of a checked spec; numbers (a
// workflow id) are returned as text.
func SpecString(spec map[string]any, key string) string {
	s, _ := ScalarString(spec[key])
	return s
}

// maxQuoted bounds the text quoted in a message: a name or template the
// user wrote.
const maxQuoted = 60

// Printable makes s fit for a message: one line of printable runes,
// clipped.
func Printable(s string) string {
	s = RemoteText(s)
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "..."
	}
	return s
}
