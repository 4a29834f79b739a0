// Package filter compiles and evaluates the expr-lang expressions of event
// filters. In an expression `$` is the event payload (`$.ref ==
// 'refs/heads/main'`) and `headers` the lower-cased request headers
// (`headers['x-github-event'] == 'push'`). Expressions are compiled when an
// object is created or updated, so a bad one is a 400 then, never a failure
// when an event arrives (contract fault 12).
package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// maxExpressionLen bounds an expression; filters are one-liners.
const maxExpressionLen = 4096

// payloadVar is what `$` becomes: expr-lang reserves `$` for `$env`.
const payloadVar = "__payload"

// Compile compiles one expression to a program that yields a bool.
func Compile(expression string) (*vm.Program, error) {
	if strings.TrimSpace(expression) == "" {
		return nil, errors.New("expression is empty")
	}
	if len(expression) > maxExpressionLen {
		return nil, fmt.Errorf("expression is longer than %d characters", maxExpressionLen)
	}
	env := map[string]any{payloadVar: map[string]any{}, "headers": map[string]string{}}
	prog, err := expr.Compile(rewriteDollar(expression), expr.Env(env), expr.AsBool())
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(oneLine(err.Error()), payloadVar, "$"))
	}
	return prog, nil
}

// rewriteDollar replaces `$` outside string literals with payloadVar, except
// in `$env`.
func rewriteDollar(s string) string {
	var b strings.Builder
	var quote rune
	escaped := false
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case quote != 0:
			b.WriteRune(r)
			if escaped {
				escaped = false
			} else if r == '\\' && quote != '`' {
				escaped = true
			} else if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
			b.WriteRune(r)
		case r == '$' && !strings.HasPrefix(string(rs[i:]), "$env"):
			b.WriteString(payloadVar)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Set is the compiled filters of one event type, joined by their operator.
type Set struct {
	progs []*vm.Program
	or    bool
}

// CompileSet compiles filters joined by operator (FILTER_OPERATOR_AND when
// empty). Errors name the field under field (e.g. "spec.events[0]").
func CompileSet(field string, filters []api.Filter, operator string) (*Set, error) {
	set := &Set{}
	switch operator {
	case "", api.FilterOperatorAnd:
	case api.FilterOperatorOr:
		set.or = true
	default:
		return nil, fmt.Errorf("%s.filterOperator %q is not one of FILTER_OPERATOR_AND, FILTER_OPERATOR_OR", field, operator)
	}
	for i, f := range filters {
		var expression, at string
		switch f.Type {
		case api.FilterTypeData:
			if f.Data == nil {
				return nil, fmt.Errorf("%s.filters[%d].data is required with FILTER_TYPE_DATA", field, i)
			}
			expression, at = f.Data.Expression, fmt.Sprintf("%s.filters[%d].data.expression", field, i)
		case api.FilterTypeHeader:
			if f.Header == nil {
				return nil, fmt.Errorf("%s.filters[%d].header is required with FILTER_TYPE_HEADER", field, i)
			}
			expression, at = f.Header.Expression, fmt.Sprintf("%s.filters[%d].header.expression", field, i)
		default:
			return nil, fmt.Errorf("%s.filters[%d].type %q is not one of FILTER_TYPE_DATA, FILTER_TYPE_HEADER", field, i, f.Type)
		}
		prog, err := Compile(expression)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		set.progs = append(set.progs, prog)
	}
	return set, nil
}

// Match reports whether an event passes the set. No filters pass
// everything; an expression that fails at run time (a missing field used as
// a number, say) does not match.
func (s *Set) Match(payload map[string]any, headers map[string]string) bool {
	if len(s.progs) == 0 {
		return true
	}
	env := map[string]any{payloadVar: payload, "headers": headers}
	for _, p := range s.progs {
		out, err := expr.Run(p, env)
		ok := err == nil && out == true
		if s.or && ok {
			return true
		}
		if !s.or && !ok {
			return false
		}
	}
	return !s.or
}

// CompileValue compiles an expression that yields any value (input
// mappings), with the same `$` and `headers` as filters.
func CompileValue(expression string) (*vm.Program, error) {
	if strings.TrimSpace(expression) == "" {
		return nil, errors.New("expression is empty")
	}
	if len(expression) > maxExpressionLen {
		return nil, fmt.Errorf("expression is longer than %d characters", maxExpressionLen)
	}
	env := map[string]any{payloadVar: map[string]any{}, "headers": map[string]string{}}
	prog, err := expr.Compile(rewriteDollar(expression), expr.Env(env))
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(oneLine(err.Error()), payloadVar, "$"))
	}
	return prog, nil
}

// Value runs a program from CompileValue and renders the result as the
// string an input holds: strings as they are, nil as "", anything else as
// JSON.
func Value(prog *vm.Program, payload map[string]any, headers map[string]string) (string, error) {
	out, err := expr.Run(prog, map[string]any{payloadVar: payload, "headers": headers})
	if err != nil {
		return "", errors.New(strings.ReplaceAll(oneLine(err.Error()), payloadVar, "$"))
	}
	switch v := out.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v), nil
		}
		return string(b), nil
	}
}
