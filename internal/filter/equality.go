package filter

import (
	"github.com/expr-lang/expr/vm"
)

// equality is a filter whose program is one comparison of an event field
// with a string literal: `$.a.b == 'x'` or `headers['h'] == 'x'`, the
// commonest filters, and all 100 of the busy canvas's. Routing runs every
// filter of a canvas on every event, and the virtual machine's set-up and
// reflective fetch were ~0.3 µs a run, 100 an event (BENCHMARKS.md, round
// twelve); a map lookup gives the same answer.
//
// It is recognised from the compiled bytecode, not the source, so it
// answers for exactly the program the virtual machine would run (after
// rewriting and patching), and only for the two shapes below:
//
//	OpLoadFast $; (OpPush key; OpFetch)+; OpDeref; OpPush lit; OpEqual; OpCast bool
//	OpLoadFast headers; OpPush key; OpFetch; OpPush lit; OpEqualString; OpCast bool
//
// Neither shape can exceed a limit (no call, no loop, no allocation), so
// the budget has nothing to say about them.
type equality struct {
	path    []string // the payload's keys, or the one header name
	literal string
	header  bool
}

// equalityOf returns prog's equality, or nil when prog is anything else.
func equalityOf(prog *vm.Program) *equality {
	code, args, consts := prog.Bytecode, prog.Arguments, prog.Constants
	if len(code) != len(args) || len(code) < 5 || code[0] != vm.OpLoadFast {
		return nil
	}
	str := func(i int) (string, bool) {
		if args[i] < 0 || args[i] >= len(consts) {
			return "", false
		}
		s, ok := consts[args[i]].(string)
		return s, ok
	}
	root, ok := str(0)
	if !ok {
		return nil
	}
	n := len(code)
	// The program ends casting its answer to bool: OpCast's argument 3
	// (expr's vm.go: 0 int, 1 int64, 2 float64, 3 bool).
	if code[n-1] != vm.OpCast || args[n-1] != 3 || code[n-3] != vm.OpPush {
		return nil
	}
	lit, ok := str(n - 3)
	if !ok {
		return nil
	}
	var fetches []vm.Opcode
	switch {
	case root == payloadVar && code[n-2] == vm.OpEqual && code[n-4] == vm.OpDeref:
		fetches = code[1 : n-4]
	case root == "headers" && code[n-2] == vm.OpEqualString:
		fetches = code[1 : n-3]
		if len(fetches) != 2 {
			return nil
		}
	default:
		return nil
	}
	if len(fetches) == 0 || len(fetches)%2 != 0 {
		return nil
	}
	e := &equality{literal: lit, header: root == "headers"}
	for i := 0; i < len(fetches); i += 2 {
		key, ok := str(1 + i)
		if fetches[i] != vm.OpPush || fetches[i+1] != vm.OpFetch || !ok {
			return nil
		}
		e.path = append(e.path, key)
	}
	return e
}

// match answers as the virtual machine would, with done false when it
// cannot say (a payload value of a type JSON does not decode to): the
// caller then runs the program. The machine's answers, for the record:
// a missing key fetches nil (a missing header ""); fetching from nil, a
// string, a number, a bool or a list by a string key is a run-time error,
// which a filter takes as no match; runtime.Equal of a string with
// anything but an equal string is false.
func (e *equality) match(payload map[string]any, headers map[string]string) (ok, done bool) {
	if e.header {
		return headers[e.path[0]] == e.literal, true
	}
	var v any = payload
	for _, key := range e.path {
		switch m := v.(type) {
		case map[string]any:
			v = m[key]
		case nil, string, float64, bool, []any:
			return false, true
		default:
			return false, false
		}
	}
	switch x := v.(type) {
	case string:
		return x == e.literal, true
	case nil, float64, bool, []any, map[string]any:
		return false, true
	}
	return false, false
}
