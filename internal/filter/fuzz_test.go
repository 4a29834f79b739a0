package filter_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/filter"
)

// FuzzExpression compiles and evaluates arbitrary expressions, as filters and
// as input mappings, on a payload with a large string and a long array, and
// fails when one evaluation allocates more than fuzzMaxAlloc or runs longer
// than fuzzMaxTime: the limits of limits.go must hold for any text that
// compiles. The seeds are the known killers; each must stay fast, since
// `make test` runs them.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"repeat(repeat('a', 1000), 1000) == ''",
		"repeat(repeat(repeat('aaaaaaaaaa', 100), 100), 100)",
		"len(1..1000000000) > 0",
		"len(1..1e9)",
		"map(1..1000, map(1..1000, #))",
		"map(1..1000, 1..1000)",
		"reduce(1..1000, #acc + #acc, 'a')",
		"let a = $.s + $.s; let b = a + a; let c = b + b; c + c + c",
		"map($.arr, $.s + $.s)",
		"join(map($.arr, $.s), $.s)",
		"replace($.s, 'a', $.s)",
		"split($.s, '')",
		"upper(upper($.s + $.s) + upper($.s + $.s))",
		"string($) + string($) + string($)",
		"all($.arr, indexOf($.s, 'b') < 0)",
		"$ == $ && $ != $",
		"toJSON($)",
		"$.ref == 'refs/heads/main'",
		"headers['x-github-event'] == 'push' && len($.arr) > 0",
		"$.s matches '(a+)+$'",
	} {
		f.Add(s)
	}
	payload := hostilePayload()
	headers := map[string]string{"x-github-event": "push"}
	const fuzzMaxAlloc = 96 << 20
	const fuzzMaxTime = 5 * time.Second
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 || strings.Contains(s, "now()") {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		if prog, err := filter.Compile(s); err == nil {
			_, _ = filter.Value(prog, payload, headers)
		}
		if prog, err := filter.CompileValue(s); err == nil {
			_, _ = filter.Value(prog, payload, headers)
		}
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > fuzzMaxAlloc {
			t.Fatalf("%q allocated %d MiB (bound %d MiB)", s, alloc>>20, fuzzMaxAlloc>>20)
		}
		if elapsed > fuzzMaxTime {
			t.Fatalf("%q took %s (bound %s)", s, elapsed, fuzzMaxTime)
		}
	})
}
