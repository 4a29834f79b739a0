// Package filter compiles and evaluates the expr-lang expressions of event
// filters. In an expression `$` is the event payload (`$.ref ==
// 'refs/heads/main'`) and `headers` the lower-cased request headers
// (`headers['x-github-event'] == 'push'`). Expressions are compiled when an
// object is created or updated, so a bad one is a 400 then, never a failure
// when an event arrives.
//
// Every expression is bounded (limits.go): only an allow-list of builtins,
// no nested loops, literal and small ranges, and per-evaluation budgets of
// bytes, steps, regular-expression work and time, charged before the work
// is done. An expression that exceeds one at run time returns an error
// wrapping ErrLimit; it never takes the server down.
package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// payloadVar is what `$` becomes: expr-lang reserves `$` for `$env`.
const payloadVar = "__payload"

// compileEnv is the shape of every evaluation's environment.
var compileEnv = map[string]any{payloadVar: map[string]any{}, "headers": map[string]string{}, budgetVar: (*budget)(nil)}

// options are the compile options of every expression: the environment,
// only the allowed builtins, the checked functions, the node bound and the
// rewrites of patcher. See limits.go for why each exists.
func options() []expr.Option {
	opts := []expr.Option{expr.Env(compileEnv), expr.DisableAllBuiltins(), expr.MaxNodes(maxNodes)}
	for _, name := range allowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	for _, name := range loopBuiltins {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	opts = append(opts, functionOptions()...)
	return append(opts, expr.Patch(patcher{}))
}

// compile checks an expression against the limits, then compiles it with
// extra options (the expected result).
func compile(expression string, extra ...expr.Option) (*vm.Program, error) {
	if strings.TrimSpace(expression) == "" {
		return nil, errors.New("expression is empty")
	}
	if len(expression) > maxExpressionLen {
		return nil, fmt.Errorf("expression is longer than %d characters", maxExpressionLen)
	}
	src := rewriteDollar(expression)
	opts := append(options(), extra...)
	// validate parses with the same configuration as expr.Compile, so it
	// sees the tree that will run; it must run first because expr.Compile
	// optimizes, and the optimizer evaluates constant parts (a range) at
	// compile time.
	cfg := conf.CreateNew()
	for _, op := range opts {
		op(cfg)
	}
	if err := validate(src, cfg); err != nil {
		return nil, cleanError(err)
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, cleanError(err)
	}
	return prog, nil
}

// cleanError makes an error one line, in the author's terms.
func cleanError(err error) error {
	return errors.New(strings.ReplaceAll(strings.ReplaceAll(oneLine(err.Error()), payloadVar, "$"), budgetVar+", ", ""))
}

// evaluation is what one run needs besides the program: its environment,
// budget and virtual machine, kept in evaluations between runs. A busy
// canvas runs 100 filters an event; making a map, a budget and a machine for
// each was most of a filter's cost (BENCHMARKS.md, the busy canvas, round
// four). The virtual machine resets its state at the start of every Run.
type evaluation struct {
	env     map[string]any
	budget  budget
	machine vm.VM
}

var evaluations = sync.Pool{New: func() any { return &evaluation{env: make(map[string]any, 3)} }}

// run evaluates prog with a fresh budget. A bound exceeded is an error
// wrapping ErrLimit; so is the virtual machine's own budget.
func run(prog *vm.Program, payload map[string]any, headers map[string]string) (any, error) {
	ev, _ := evaluations.Get().(*evaluation)
	if ev == nil {
		ev = &evaluation{env: make(map[string]any, 3)}
	}
	ev.env[payloadVar], ev.env["headers"], ev.env[budgetVar] = payload, headers, &ev.budget
	out, err := runIn(ev, prog)
	// The environment lets go of the event (the machine may hold some of
	// its values until its next run, or until a collection empties the
	// pool).
	ev.env[payloadVar], ev.env["headers"] = nil, nil
	evaluations.Put(ev)
	return out, err
}

// runIn evaluates prog in ev, whose environment is set, with a fresh
// budget.
func runIn(ev *evaluation, prog *vm.Program) (any, error) {
	ev.budget = freshBudget()
	ev.machine.MemoryBudget = vmBudget
	out, err := ev.machine.Run(prog, ev.env)
	if err != nil {
		if errors.Is(err, ErrLimit) || strings.Contains(err.Error(), "memory budget exceeded") {
			return nil, fmt.Errorf("%w: %s", ErrLimit, cleanError(err))
		}
		return nil, cleanError(err)
	}
	return out, nil
}

// Compile compiles one expression to a program that yields a bool.
func Compile(expression string) (*vm.Program, error) {
	return compile(expression, expr.AsBool())
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
	progs  []*vm.Program
	fields []string // each program's field, for errors
	// eqs holds each program's equality (equality.go), nil for a program
	// of any other shape.
	eqs []*equality
	or  bool
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
		set.fields = append(set.fields, at)
		set.eqs = append(set.eqs, equalityOf(prog))
	}
	return set, nil
}

// Match reports whether an event passes the set. No filters pass
// everything; an expression that fails at run time (a missing field used as
// a number, say) does not match. An expression that exceeded its limits is
// an error wrapping ErrLimit, naming the filter: the event must be rejected
// with it, not silently dropped.
func (s *Set) Match(payload map[string]any, headers map[string]string) (bool, error) {
	if len(s.progs) == 0 {
		return true, nil
	}
	e := NewEvaluator(payload, headers)
	defer e.Close()
	return e.Match(s)
}

// CompileValue compiles an expression that yields any value (input
// mappings), with the same `$` and `headers` as filters.
func CompileValue(expression string) (*vm.Program, error) {
	return compile(expression)
}

// Value runs a program from CompileValue and renders the result as the
// string an input holds: strings as they are, nil as "", anything else as
// JSON. A result larger than maxValueBytes is an error wrapping ErrLimit,
// found before it is rendered.
func Value(prog *vm.Program, payload map[string]any, headers map[string]string) (string, error) {
	out, err := run(prog, payload, headers)
	if err != nil {
		return "", err
	}
	tooLarge := fmt.Errorf("%w: the value is larger than %d bytes", ErrLimit, maxValueBytes)
	switch v := out.(type) {
	case nil:
		return "", nil
	case string:
		if len(v) > maxValueBytes {
			return "", tooLarge
		}
		return v, nil
	default:
		// sizeOf is an upper bound: a value near the limit with many
		// characters to escape is refused, which beats rendering first.
		if _, ok := sizeOf(v, maxValueBytes); !ok {
			return "", tooLarge
		}
		return render(v)
	}
}

// render writes v as JSON, or with fmt when JSON cannot represent it.
func render(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), nil
	}
	return string(b), nil
}

// Program is a compiled expression (from Compile or CompileValue), for
// callers that keep programs between evaluations.
type Program = vm.Program
