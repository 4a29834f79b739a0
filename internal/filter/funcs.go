package filter

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm/runtime"
)

// checkedFunc is a function whose cost depends on its arguments: it receives
// the evaluation's budget first (added by patcher, invisible to the author)
// and charges what it will allocate before allocating it.
type checkedFunc struct {
	fn    func(b *budget, args []any) (any, error)
	types []any // signatures without the budget, for the type checker
}

// checkedFuncs are the functions an expression may call. The builtins of the
// same name are replaced: theirs allocate without asking.
var checkedFuncs map[string]*checkedFunc

func init() {
	checkedFuncs = map[string]*checkedFunc{
		// Internal: the targets of patcher's rewrites.
		"__add":     {fn: add},
		"__eq":      {fn: eq, types: []any{new(func(any, any) bool)}},
		"__step":    {fn: step},
		"__matches": {fn: matches, types: []any{new(func(any, string) bool)}},
		// Case changes can grow a string up to three times (invalid bytes
		// become U+FFFD).
		"upper": {fn: strFunc(3, strings.ToUpper), types: []any{new(func(string) string)}},
		"lower": {fn: strFunc(3, strings.ToLower), types: []any{new(func(string) string)}},
		"split": {fn: split(strings.SplitN), types: []any{
			new(func(string, string) []string), new(func(string, string, int) []string),
		}},
		"splitAfter": {fn: split(strings.SplitAfterN), types: []any{
			new(func(string, string) []string), new(func(string, string, int) []string),
		}},
		"replace": {fn: replace, types: []any{new(func(string, string, string) string)}},
		"repeat":  {fn: repeat, types: []any{new(func(string, int) string)}},
		"join": {fn: join, types: []any{
			new(func([]any) string), new(func([]any, string) string),
			new(func([]string) string), new(func([]string, string) string),
		}},
		"string": {fn: toString, types: []any{new(func(any) string)}},
	}
}

// functionOptions declares checkedFuncs to expr-lang, each with the budget as
// an extra first parameter.
func functionOptions() []expr.Option {
	budgetType := reflect.TypeFor[*budget]()
	var opts []expr.Option
	for name, f := range checkedFuncs {
		var types []any
		for _, t := range f.types {
			ft := reflect.TypeOf(t).Elem()
			in := []reflect.Type{budgetType}
			for i := range ft.NumIn() {
				in = append(in, ft.In(i))
			}
			out := make([]reflect.Type, ft.NumOut())
			for i := range out {
				out[i] = ft.Out(i)
			}
			types = append(types, reflect.New(reflect.FuncOf(in, out, false)).Interface())
		}
		opts = append(opts, expr.Function(name, func(params ...any) (out any, err error) {
			if len(params) == 0 {
				return nil, errors.New(name + ": missing arguments")
			}
			b, ok := params[0].(*budget)
			if !ok {
				return nil, errors.New(name + ": called without a budget")
			}
			if err := b.step(); err != nil {
				return nil, err
			}
			// runtime helpers and type assertions panic on wrong types;
			// the virtual machine would recover, but an error names the
			// function.
			defer func() {
				if r := recover(); r != nil {
					out, err = nil, fmt.Errorf("%s: %v", name, r)
				}
			}()
			return f.fn(b, params[1:])
		}, types...))
	}
	return opts
}

func str(args []any, i int) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("argument %d is missing", i+1)
	}
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d is %T, not a string", i+1, args[i])
	}
	return s, nil
}

// add is `+`: strings are concatenated after charging their combined length;
// numbers, times and durations are added as expr-lang does.
func add(b *budget, args []any) (any, error) {
	if len(args) != 2 {
		return nil, errors.New("+ takes two operands")
	}
	if x, ok := args[0].(string); ok {
		if y, ok := args[1].(string); ok {
			if err := b.charge(len(x) + len(y)); err != nil {
				return nil, err
			}
			return x + y, nil
		}
	}
	return runtime.Add(args[0], args[1]), nil
}

func eq(_ *budget, args []any) (any, error) {
	if len(args) != 2 {
		return nil, errors.New("== takes two operands")
	}
	return runtime.Equal(args[0], args[1]), nil
}

// step is wrapped around every loop predicate: the wrapper has already
// taken the step, so it only passes the predicate's value on.
func step(_ *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, errors.New("step takes one value")
	}
	return args[0], nil
}

// patterns caches compiled patterns: they are literals (validate), so the
// set is small, but it is bounded anyway.
var patterns sync.Map

const maxPatterns = 1024

var patternCount atomic.Int64

// matches is `matches` with its work charged first.
func matches(b *budget, args []any) (any, error) {
	s, err := str(args, 0)
	if err != nil {
		return nil, err
	}
	pattern, err := str(args, 1)
	if err != nil {
		return nil, err
	}
	work := len(s) * (len(pattern) + 1)
	if work > b.work {
		return nil, fmt.Errorf("%w: matching would take more than %d units of work", ErrLimit, maxMatchWork)
	}
	b.work -= work
	var re *regexp.Regexp
	if v, ok := patterns.Load(pattern); ok {
		re, _ = v.(*regexp.Regexp)
	}
	if re == nil {
		if re, err = regexp.Compile(pattern); err != nil {
			return nil, err
		}
		if patternCount.Add(1) > maxPatterns {
			patterns.Clear()
			patternCount.Store(0)
		}
		patterns.Store(pattern, re)
	}
	return re.MatchString(s), nil
}

func strFunc(growth int, f func(string) string) func(*budget, []any) (any, error) {
	return func(b *budget, args []any) (any, error) {
		s, err := str(args, 0)
		if err != nil {
			return nil, err
		}
		if err := b.charge(growth * len(s)); err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

// split charges the parts (a string header each, in an array of interfaces
// once expr-lang boxes them) before splitting.
func split(f func(s, sep string, n int) []string) func(*budget, []any) (any, error) {
	return func(b *budget, args []any) (any, error) {
		s, err := str(args, 0)
		if err != nil {
			return nil, err
		}
		sep, err := str(args, 1)
		if err != nil {
			return nil, err
		}
		n := -1
		if len(args) > 2 {
			if n, err = toInt(args[2]); err != nil {
				return nil, err
			}
		}
		parts := strings.Count(s, sep) + 1
		if n >= 0 && n < parts {
			parts = n
		}
		if err := b.charge(32 * parts); err != nil {
			return nil, err
		}
		return f(s, sep, n), nil
	}
}

func replace(b *budget, args []any) (any, error) {
	s, err := str(args, 0)
	if err != nil {
		return nil, err
	}
	old, err := str(args, 1)
	if err != nil {
		return nil, err
	}
	repl, err := str(args, 2)
	if err != nil {
		return nil, err
	}
	// An empty old matches between every rune: strings.Count says how many.
	size := len(s) + strings.Count(s, old)*(len(repl)-len(old))
	if err := b.charge(max(size, 0)); err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s, old, repl), nil
}

func repeat(b *budget, args []any) (any, error) {
	s, err := str(args, 0)
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, errors.New("repeat takes a string and a count")
	}
	n, err := toInt(args[1])
	if err != nil || n < 0 || n > maxRepeat {
		return nil, fmt.Errorf("the count of repeat must be 0 to %d", maxRepeat)
	}
	if err := b.charge(len(s) * n); err != nil {
		return nil, err
	}
	return strings.Repeat(s, n), nil
}

func join(b *budget, args []any) (any, error) {
	if len(args) == 0 || len(args) > 2 {
		return nil, errors.New("join takes an array and an optional separator")
	}
	var parts []string
	switch a := args[0].(type) {
	case []string:
		parts = a
	case []any:
		parts = make([]string, 0, len(a))
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("join: element is %T, not a string", e)
			}
			parts = append(parts, s)
		}
	default:
		return nil, fmt.Errorf("join: argument is %T, not an array", args[0])
	}
	sep := ""
	if len(args) == 2 {
		var err error
		if sep, err = str(args, 1); err != nil {
			return nil, err
		}
	}
	size := len(sep) * max(len(parts)-1, 0)
	for _, p := range parts {
		size += len(p)
	}
	if err := b.charge(size); err != nil {
		return nil, err
	}
	return strings.Join(parts, sep), nil
}

// toString renders a scalar as expr-lang's string() does; a map or array is
// measured first (bounded by what is left of the budget) and rendered as
// JSON.
func toString(b *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, errors.New("string takes one value")
	}
	switch v := args[0].(type) {
	case string:
		return v, nil
	case nil, bool, int, int64, float64, float32, int32, uint, uint64:
		return fmt.Sprintf("%v", v), nil
	}
	size, ok := sizeOf(args[0], b.bytes)
	if !ok {
		return nil, fmt.Errorf("%w: would allocate more than %d bytes", ErrLimit, memoryBudget)
	}
	if err := b.charge(size); err != nil {
		return nil, err
	}
	return render(args[0])
}

func toInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > maxConstant {
			return 0, fmt.Errorf("%v is not an integer", n)
		}
		return int(n), nil
	}
	return 0, fmt.Errorf("%T is not an integer", v)
}

// sizeOf is an upper bound of the length of v rendered as JSON, found
// without allocating; ok is false as soon as it passes limit, so measuring a
// huge value stops early.
func sizeOf(v any, limit int) (size int, ok bool) {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case nil:
			size += 4
		case bool:
			size += 5
		case string:
			// \u00XX escapes are the worst case.
			size += 2 + 6*len(v)
		case []any:
			size += 2 + len(v)
			for _, e := range v {
				if !walk(e) {
					return false
				}
			}
		case []string:
			size += 2 + len(v)
			for _, e := range v {
				size += 2 + 6*len(e)
			}
		case map[string]any:
			size += 2 + len(v)
			for k, e := range v {
				size += 3 + 6*len(k)
				if !walk(e) {
					return false
				}
			}
		case map[string]string:
			size += 2 + len(v)
			for k, e := range v {
				size += 7 + 6*(len(k)+len(e))
			}
		default:
			// Numbers, times and durations render in a few dozen bytes.
			size += 40
		}
		return size <= limit
	}
	ok = walk(v)
	return size, ok
}
