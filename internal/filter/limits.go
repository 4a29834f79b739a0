package filter

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/parser"
)

// Expressions are written by canvas editors and evaluated on payloads sent
// by anyone who can reach a receiver, inside the server process. expr-lang
// has no way to interrupt its virtual machine, and its memory budget counts
// an allocation only after it is made, so one expression such as
// repeat(repeat('a', 1e4), 1e5) killed the whole server with an
// out-of-memory that recover() cannot catch. The rules below make the cost of
// every evaluation bounded before it starts, in layers:
//
//   - At compile time (validate): only the builtins of allowedBuiltins and
//     the checked functions of checkedFuncs exist; no loop inside a loop; a
//     range needs constant, small bounds; no huge constant; few nodes. What
//     is left costs at most (number of nodes) × (size of the payload), plus
//     one step per loop iteration.
//   - At run time (budget): every function that can make a value larger than
//     its arguments (string concatenation included) computes the size of its
//     result first and charges it to a per-run byte budget, failing before
//     the allocation; every loop iteration and every checked call takes a
//     step from a per-run step budget and checks a deadline, so CPU is bounded
//     too. The virtual machine's own element budget stays as a last layer.
//   - Results: a value is rendered only when its size, computed first, is
//     under maxValueBytes.
//
// Exceeding any of them is an error wrapping ErrLimit, never a crash.
const (
	// maxExpressionLen bounds the text: filters are one-liners.
	maxExpressionLen = 4096
	// maxNodes bounds the syntax tree, and with it the straight-line work of
	// one evaluation (each node costs at most one pass over the payload).
	maxNodes = 256
	// maxRangeLen bounds a constant range a..b: a range is an allocated
	// array, and a non-constant one would let the payload size it.
	maxRangeLen = 1000
	// maxConstant bounds numeric literals: no event field needs larger ones,
	// and they only serve to size something (a range, a repeat).
	maxConstant = 1e15
	// maxStringConstant bounds string literals, the seed of any repetition.
	maxStringConstant = 1024
	// maxRepeat bounds repeat's count, which must be a literal.
	maxRepeat = 100
	// memoryBudget is how many bytes one evaluation may allocate through
	// the functions that make values larger than their arguments.
	memoryBudget = 16 << 20
	// maxSteps bounds loop iterations and checked calls per evaluation.
	maxSteps = 1_000_000
	// vmBudget is expr-lang's own budget (array and map elements, range
	// sizes), counted by its virtual machine.
	vmBudget = 1_000_000
	// maxMatchWork bounds the regular-expression work of one evaluation, in
	// text bytes times pattern bytes (Go's matcher is linear in each).
	maxMatchWork = 2_000_000
	// maxValueBytes bounds what an input mapping yields: inputs are stored
	// with every stage event and rendered into executor specs.
	maxValueBytes = 64 << 10
)

// Timeout bounds the wall time of one evaluation. A variable so that tests
// can shorten it.
var Timeout = 250 * time.Millisecond

// ErrLimit is wrapped by the error of an expression that exceeded a bound at
// run time (memory, steps, time, result size). Routing rejects the event
// with this error as its reason, instead of treating it as "no match".
var ErrLimit = errors.New("expression exceeded its limits")

// allowedBuiltins are the expr-lang builtins kept as they are: each costs at
// most one pass over its arguments and returns a value no larger than them
// (a scalar, a substring, an element). Loop builtins are in loopBuiltins.
// Everything else (repeat, join, replace, sort, toJSON, fromJSON, keys,
// flatten, reduce, ...) is either a checked function or refused: each can
// return something much larger than its input, or sorts, or accumulates.
var allowedBuiltins = []string{
	"len", "type", "abs", "ceil", "floor", "round", "int", "float",
	"trim", "trimPrefix", "trimSuffix", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix",
	"max", "min", "first", "last", "get", "now", "duration", "date",
}

// loopBuiltins iterate over a collection with a predicate. Each iteration
// takes a step; none may be nested in another's predicate, which would make
// the work the product of two payload sizes. reduce, groupBy and sortBy are
// not here: reduce accumulates (doubling a string at each step), the others
// allocate maps or sort.
var loopBuiltins = []string{
	"all", "none", "any", "one", "filter", "map", "count", "sum",
	"find", "findIndex", "findLast", "findLastIndex",
}

// budget is the allowance of one evaluation, passed to the checked
// functions as their hidden first argument.
type budget struct {
	bytes int
	steps int
	work  int // what is left of maxMatchWork
	// deadline is on the monotonic clock, since clockBase: time.Since
	// reads that clock alone, time.Now the wall clock too, and a budget
	// is made for every filter run (100 an event on the busy canvas,
	// where the two reads were ~7 µs an event; BENCHMARKS.md, round
	// eleven). time.Time's After compared the monotonic readings anyway.
	deadline time.Duration
}

// clockBase is the origin of the budgets' deadlines.
var clockBase = time.Now()

// freshBudget is one run's budget, a value: a pointer escaped to the heap,
// one allocation a filter.
func freshBudget() budget {
	return budget{bytes: memoryBudget, steps: maxSteps, work: maxMatchWork, deadline: time.Since(clockBase) + Timeout}
}

// step takes one step and checks the deadline.
func (b *budget) step() error {
	b.steps--
	if b.steps < 0 {
		return fmt.Errorf("%w: more than %d steps", ErrLimit, maxSteps)
	}
	if time.Since(clockBase) > b.deadline {
		return fmt.Errorf("%w: ran longer than %s", ErrLimit, Timeout)
	}
	return nil
}

// charge takes n bytes before they are allocated.
func (b *budget) charge(n int) error {
	if n < 0 || n > b.bytes {
		return fmt.Errorf("%w: would allocate more than %d bytes", ErrLimit, memoryBudget)
	}
	b.bytes -= n
	return b.step()
}

// validate parses an expression as Compile will and refuses what could
// make its evaluation unbounded; see the rules at the top of this file.
func validate(src string, cfg *conf.Config) error {
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return err
	}
	v := validator{}
	v.walk(tree.Node, 0)
	return v.err
}

type validator struct {
	nodes int
	err   error
}

func (v *validator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf(format, args...)
	}
}

// walk checks n; loops is how many loop predicates enclose it.
func (v *validator) walk(n ast.Node, loops int) {
	if n == nil || v.err != nil {
		return
	}
	v.nodes++
	if v.nodes > maxNodes {
		v.fail("expression has more than %d nodes", maxNodes)
		return
	}
	switch n := n.(type) {
	case *ast.NilNode, *ast.BoolNode, *ast.PointerNode, *ast.BytesNode:
	case *ast.IntegerNode:
		if math.Abs(float64(n.Value)) > maxConstant {
			v.fail("number %d is too large (at most %g)", n.Value, float64(maxConstant))
		}
	case *ast.FloatNode:
		if math.Abs(n.Value) > maxConstant {
			v.fail("number %g is too large (at most %g)", n.Value, float64(maxConstant))
		}
	case *ast.StringNode:
		if len(n.Value) > maxStringConstant {
			v.fail("string literal is longer than %d bytes", maxStringConstant)
		}
	case *ast.IdentifierNode:
		// $env would hand the expression the evaluation's budget, and the
		// double-underscore names are this package's own.
		if n.Value == "$env" || (strings.HasPrefix(n.Value, "__") && n.Value != payloadVar) {
			v.fail("unknown name %s", n.Value)
		}
	case *ast.UnaryNode:
		v.walk(n.Node, loops)
	case *ast.BinaryNode:
		v.binary(n, loops)
	case *ast.ChainNode:
		v.walk(n.Node, loops)
	case *ast.MemberNode:
		if n.Method {
			v.fail("method calls are not supported")
		}
		v.walk(n.Node, loops)
		v.walk(n.Property, loops)
	case *ast.SliceNode:
		v.walk(n.Node, loops)
		v.walk(n.From, loops)
		v.walk(n.To, loops)
	case *ast.CallNode:
		v.call(n, loops)
	case *ast.BuiltinNode:
		v.builtin(n, loops)
	case *ast.PredicateNode:
		v.walk(n.Node, loops+1)
	case *ast.VariableDeclaratorNode:
		if strings.HasPrefix(n.Name, "__") {
			v.fail("unknown name %s", n.Name)
		}
		v.walk(n.Value, loops)
		v.walk(n.Expr, loops)
	case *ast.SequenceNode:
		for _, c := range n.Nodes {
			v.walk(c, loops)
		}
	case *ast.ConditionalNode:
		v.walk(n.Cond, loops)
		v.walk(n.Exp1, loops)
		v.walk(n.Exp2, loops)
	case *ast.ArrayNode:
		for _, c := range n.Nodes {
			v.walk(c, loops)
		}
	case *ast.MapNode:
		for _, c := range n.Pairs {
			v.walk(c, loops)
		}
	case *ast.PairNode:
		v.walk(n.Key, loops)
		v.walk(n.Value, loops)
	default:
		// A node kind this version of the rules does not know is refused
		// rather than trusted.
		v.fail("unsupported syntax")
	}
}

func (v *validator) binary(n *ast.BinaryNode, loops int) {
	switch n.Operator {
	case "..":
		// A range is allocated in full; its size must be visible here.
		lo, okLo := constInt(n.Left)
		hi, okHi := constInt(n.Right)
		if !okLo || !okHi {
			v.fail("a range needs literal bounds")
			return
		}
		if hi-lo+1 > maxRangeLen {
			v.fail("range %d..%d has more than %d elements", lo, hi, maxRangeLen)
			return
		}
	case "matches":
		// A pattern taken from the payload would be compiled at every
		// evaluation, at the sender's choice of size.
		pattern, ok := n.Right.(*ast.StringNode)
		if !ok {
			v.fail("the pattern of matches must be a string literal")
			return
		}
		if _, err := regexp.Compile(pattern.Value); err != nil {
			v.fail("the pattern of matches: %v", err)
			return
		}
	}
	v.walk(n.Left, loops)
	v.walk(n.Right, loops)
}

func (v *validator) call(n *ast.CallNode, loops int) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || checkedFuncs[id.Value] == nil {
		name := "this function"
		if ok {
			name = id.Value
		}
		v.fail("%s is not available in expressions", name)
		return
	}
	if id.Value == "repeat" {
		// repeat multiplies a string: its count must be a small literal.
		if len(n.Arguments) != 2 {
			v.fail("repeat takes a string and a count")
			return
		}
		if c, ok := constInt(n.Arguments[1]); !ok || c < 0 || c > maxRepeat {
			v.fail("the count of repeat must be a literal from 0 to %d", maxRepeat)
			return
		}
	}
	for _, a := range n.Arguments {
		v.walk(a, loops)
	}
}

func (v *validator) builtin(n *ast.BuiltinNode, loops int) {
	switch {
	case slices.Contains(loopBuiltins, n.Name):
		if loops > 0 {
			v.fail("%s inside another loop is not allowed (the work would multiply)", n.Name)
			return
		}
	case slices.Contains(allowedBuiltins, n.Name):
	default:
		v.fail("%s is not available in expressions", n.Name)
		return
	}
	for _, a := range n.Arguments {
		v.walk(a, loops)
	}
}

// constInt reads an integer literal, negative ones included.
func constInt(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.UnaryNode:
		if i, ok := n.Node.(*ast.IntegerNode); ok && n.Operator == "-" {
			return -i.Value, true
		}
	}
	return 0, false
}

// patcher rewrites a validated, type-checked tree so that the run-time
// checks happen: it passes the budget to checked functions, routes `+` and
// deep comparisons through them unless both operands are known scalars, and
// makes every loop iteration take a step.
type patcher struct{}

const budgetVar = "__budget"

func (patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && checkedFuncs[id.Value] != nil && !hasBudget(n) {
			n.Arguments = append([]ast.Node{&ast.IdentifierNode{Value: budgetVar}}, n.Arguments...)
		}
	case *ast.BinaryNode:
		switch {
		case n.Operator == "+" && (!isNumber(n.Left) || !isNumber(n.Right)):
			ast.Patch(node, budgetCall("__add", n.Left, n.Right))
		case n.Operator == "matches":
			// One match costs up to (text length) × (pattern length):
			// seconds on a large payload, in one step. The checked version
			// charges that work before matching.
			ast.Patch(node, budgetCall("__matches", n.Left, n.Right))
		case (n.Operator == "==" || n.Operator == "!=") && !isScalar(n.Left) && !isScalar(n.Right):
			// Comparing two payload objects walks both; the checked
			// version takes a step first, so a long chain of them still
			// meets the deadline.
			var eq ast.Node = budgetCall("__eq", n.Left, n.Right)
			if n.Operator == "!=" {
				eq = &ast.UnaryNode{Operator: "!", Node: eq}
			}
			ast.Patch(node, eq)
		}
	case *ast.PredicateNode:
		n.Node = budgetCall("__step", n.Node)
	}
}

func hasBudget(n *ast.CallNode) bool {
	if len(n.Arguments) == 0 {
		return false
	}
	id, ok := n.Arguments[0].(*ast.IdentifierNode)
	return ok && id.Value == budgetVar
}

func budgetCall(name string, args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: name},
		Arguments: append([]ast.Node{&ast.IdentifierNode{Value: budgetVar}}, args...),
	}
}

func isNumber(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func isScalar(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	return isNumber(n) || t.Kind() == reflect.String || t.Kind() == reflect.Bool
}
