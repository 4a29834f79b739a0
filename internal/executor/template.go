package executor

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// walkStrings calls fn for every string value in v (maps, lists, nested),
// with its path such as "spec.payload.items[1]". Map keys are visited in
// sorted order so that errors come out the same every time; keys themselves
// are not templates. fn returns the replacement for the string. walkStrings
// returns a deep copy of v with the replacements; v is never changed.
func walkStrings(path string, v any, fn func(path, s string) string) any {
	switch t := v.(type) {
	case string:
		return fn(path, t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			out[k] = walkStrings(path+"."+k, t[k], fn)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(t))
		for _, k := range sortedKeys(t) {
			out[k] = fn(path+"."+k, t[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = walkStrings(path+"["+strconv.Itoa(i)+"]", x, fn)
		}
		return out
	case []string:
		out := make([]string, len(t))
		for i, x := range t {
			out[i] = fn(path+"["+strconv.Itoa(i)+"]", x)
		}
		return out
	default:
		return v
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Render returns a copy of spec in which every ${{ inputs.NAME }} and
// ${{ secrets.NAME }} (spaces inside the braces optional) in every string
// value, at any depth of maps and lists, is replaced by the value of the
// input or secret NAME. Secrets are looked up by the stage's own alias for
// them (spec.secrets[].name), never by the name of the Secret they come from
// (the alias is what the stage declares; the Secret may be renamed). Map
// keys are not rendered. spec is not changed.
//
// An unknown input or secret, or a malformed template, is an error naming
// every such template with its path ("spec.headers.Authorization: unknown
// secret \"TOKEN\""); the error never contains a secret value.
func Render(spec map[string]any, inputs, secrets map[string]string) (map[string]any, error) {
	var errs []string
	out := walkStrings("spec", spec, func(path, s string) string {
		refs, err := api.ParseTemplates(s)
		if err != nil {
			errs = append(errs, path+": "+err.Error())
			return s
		}
		if len(refs) == 0 {
			return s
		}
		var b strings.Builder
		last := 0
		for _, rf := range refs {
			b.WriteString(s[last:rf.Start])
			last = rf.End
			values, kind := inputs, "input"
			if rf.Namespace == api.TemplateSecrets {
				values, kind = secrets, "secret"
			}
			v, ok := values[rf.Name]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s: unknown %s %q", path, kind, rf.Name))
				continue
			}
			b.WriteString(v)
		}
		b.WriteString(s[last:])
		return b.String()
	})
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	m, _ := out.(map[string]any)
	if m == nil && spec != nil {
		m = map[string]any{}
	}
	return m, nil
}

// References returns the names of the inputs and of the secrets (aliases)
// that spec's templates use, each sorted and without repeats, so that a
// stage can be validated when it is saved. A malformed template is an error
// naming its path.
func References(spec map[string]any) (inputs, secrets []string, err error) {
	var errs []string
	seen := map[string]map[string]bool{api.TemplateInputs: {}, api.TemplateSecrets: {}}
	walkStrings("spec", spec, func(path, s string) string {
		refs, err := api.ParseTemplates(s)
		if err != nil {
			errs = append(errs, path+": "+err.Error())
			return s
		}
		for _, rf := range refs {
			seen[rf.Namespace][rf.Name] = true
		}
		return s
	})
	if len(errs) > 0 {
		return nil, nil, errors.New(strings.Join(errs, "; "))
	}
	return sortedKeys(seen[api.TemplateInputs]), sortedKeys(seen[api.TemplateSecrets]), nil
}
