package filter_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
)

// hostilePayload is what an attacker who can reach a receiver can send:
// large strings and long arrays, within the body limit's order of magnitude.
func hostilePayload() map[string]any {
	arr := make([]any, 20000)
	for i := range arr {
		arr[i] = strings.Repeat("x", 10)
	}
	return map[string]any{"s": strings.Repeat("a", 1<<20), "arr": arr, "ref": "refs/heads/main", "n": 3.0}
}

// TestRiskyExpressionsRefusedAtCompile: what could make an evaluation
// unbounded is refused when the object is saved, with a message saying why.
func TestRiskyExpressionsRefusedAtCompile(t *testing.T) {
	for expression, want := range map[string]string{
		"repeat(repeat('a', 1000), 1000) == ''":      "count of repeat",
		"repeat('a', $.n) == ''":                     "count of repeat",
		"len(1..1000000000) > 0":                     "more than 1000 elements",
		"len(1..$.n) > 0":                            "literal bounds",
		"len(map(1..100, map(1..100, #))) > 0":       "inside another loop",
		"any($.arr, any($.arr, # == 'a'))":           "inside another loop",
		"reduce($.arr, #acc + #acc, 'a') != ''":      "reduce is not available",
		"toJSON($) != ''":                            "toJSON is not available",
		"sort($.arr) != nil":                         "sort is not available",
		"$.ref matches $.ref":                        "pattern of matches",
		"$.n > 1e300":                                "too large",
		"$env != nil":                                "unknown name",
		"__budget != nil":                            "unknown name",
		"$.s == '" + strings.Repeat("a", 2000) + "'": "string literal",
		strings.Repeat("1 + ", 300) + "1 > 0":        "nodes",
	} {
		_, err := filter.Compile(expression)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: got %v, want an error saying %q", expression, err, want)
		}
	}
}

// TestFieldNamedForRiskyExpression: CompileSet names the filter's field, so
// the API's 400 does too.
func TestFieldNamedForRiskyExpression(t *testing.T) {
	_, err := filter.CompileSet("spec.connections[0]", []api.Filter{data("$.a == 1"), data("repeat(repeat('a', 1000), 1000) == ''")}, "")
	if err == nil || !strings.Contains(err.Error(), "spec.connections[0].filters[1].data.expression") {
		t.Fatalf("got %v, want the field named", err)
	}
}

// TestRunTimeLimits: what is only visible with the payload fails with an
// error wrapping ErrLimit, quickly and without the memory it asked for.
func TestRunTimeLimits(t *testing.T) {
	payload := hostilePayload()
	cases := []string{
		// Doubling a 1 MiB string: 2^5 MiB after five steps.
		"let a = $.s + $.s; let b = a + a; let c = b + b; let d = c + c; let e = d + d; len(e) > 0",
		// Every element becomes the whole big string, kept by map.
		"len(map($.arr, $.s + 'x')) > 0",
		"replace($.s, 'a', $.s) != ''",
		"len(join(map($.arr, $.s), ',')) > 0",
		"len(split($.s, '')) > 0",
		"len(repeat(repeat(repeat(repeat('aaaaaaaaaa', 100), 100), 100), 100)) > 0",
		"upper($.s + $.s + $.s + $.s + $.s + $.s) != ''",
	}
	for _, expression := range cases {
		prog, err := filter.CompileSet("f", []api.Filter{data(expression)}, "")
		if err != nil {
			t.Fatalf("%s: %v", expression, err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		ok, err := prog.Match(payload, nil)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if ok || !errors.Is(err, filter.ErrLimit) || !strings.Contains(err.Error(), "f.filters[0].data.expression") {
			t.Errorf("%s: got %v, %v; want an ErrLimit naming the filter", expression, ok, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: allocated %d MiB", expression, alloc>>20)
		}
		if elapsed > 5*time.Second {
			t.Errorf("%s: took %s", expression, elapsed)
		}
	}
}

// TestDeadline: a loop that makes no allocation stops at the deadline.
func TestDeadline(t *testing.T) {
	old := filter.Timeout
	filter.Timeout = 5 * time.Millisecond
	t.Cleanup(func() { filter.Timeout = old })
	payload := hostilePayload()
	// 20,000 scans of 1 MiB: seconds without the deadline.
	set, err := filter.CompileSet("f", []api.Filter{data("all($.arr, indexOf($.s, 'b') < 0 && indexOf($.s, 'c') < 0)")}, "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = set.Match(payload, nil)
	if !errors.Is(err, filter.ErrLimit) {
		t.Fatalf("got %v, want ErrLimit", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %s past a 5ms deadline", elapsed)
	}
}

// TestValueTooLarge: an input mapping cannot yield more than 64 KiB.
func TestValueTooLarge(t *testing.T) {
	payload := hostilePayload()
	for _, expression := range []string{"$.s", "$.arr", "$"} {
		prog, err := filter.CompileValue(expression)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := filter.Value(prog, payload, nil); !errors.Is(err, filter.ErrLimit) || v != "" {
			t.Errorf("%s: got %d bytes, %v; want ErrLimit", expression, len(v), err)
		}
	}
	prog, err := filter.CompileValue("$.ref")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := filter.Value(prog, payload, nil); err != nil || v != "refs/heads/main" {
		t.Errorf("a small value: got %q, %v", v, err)
	}
}

// TestOrdinaryExpressionsStillWork: the checked functions behave as the
// builtins they replace.
func TestOrdinaryExpressionsStillWork(t *testing.T) {
	payload := map[string]any{"ref": "refs/heads/main", "n": 3.0, "tags": []any{"a", "b"}, "m": map[string]any{"x": 1.0}}
	for _, expression := range []string{
		"upper($.ref) == 'REFS/HEADS/MAIN'", "lower('AB') == 'ab'", "split($.ref, '/')[2] == 'main'",
		"splitAfter($.ref, '/', 2)[0] == 'refs/'", "join($.tags, ',') == 'a,b'", "join(['x', 'y']) == 'xy'",
		"replace($.ref, 'main', 'dev') == 'refs/heads/dev'", "repeat('ab', 3) == 'ababab'",
		"string($.n) == '3'", "string($.m) == '{\"x\":1}'", "$.ref + '!' == 'refs/heads/main!'",
		"$.n + 1 == 4", "$.m == {'x': 1.0}", "$.m != {'x': 2.0}", "any($.tags, # == 'b')",
		"len(filter($.tags, # != 'a')) == 1", "sum(1..10) == 55", "count(map($.tags, # + '!'), # == 'a!') == 1",
		"$.ref matches '^refs/'", "hasPrefix($.ref, 'refs/') && trimPrefix($.ref, 'refs/') == 'heads/main'",
		"let x = $.ref; x + x == 'refs/heads/mainrefs/heads/main'", "now() > date('2020-01-01')",
	} {
		set, err := filter.CompileSet("f", []api.Filter{data(expression)}, "")
		if err != nil {
			t.Errorf("%s: %v", expression, err)
			continue
		}
		if ok, err := set.Match(payload, nil); !ok || err != nil {
			t.Errorf("%s = %v, %v; want true", expression, ok, err)
		}
	}
}

// TestMatchesWorkBounded: a regular expression over a large payload string
// is refused before matching when its work (text × pattern) is too much.
func TestMatchesWorkBounded(t *testing.T) {
	payload := hostilePayload()
	set, err := filter.CompileSet("f", []api.Filter{data("$.s + $.s + $.s matches '(a+)+(b+)+(c+)+(d+)+$'")}, "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := set.Match(payload, nil); !errors.Is(err, filter.ErrLimit) {
		t.Fatalf("got %v, want ErrLimit", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("refusing took %s", elapsed)
	}
	if _, err := filter.Compile("$.ref matches '(('"); err == nil || !strings.Contains(err.Error(), "pattern of matches") {
		t.Fatalf("a bad pattern: %v", err)
	}
}
