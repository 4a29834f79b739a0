package filter_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
)

// TestEvaluatorMatchesAsSetMatch: the filters of many sets run on one
// event through one Evaluator (as routing does for a canvas's stages) give
// what each set's Match gives, and each run has a budget of its own: a
// filter that uses half the memory budget passes every time, where a
// budget shared by the event's filters would refuse the third.
func TestEvaluatorMatchesAsSetMatch(t *testing.T) {
	payload := hostilePayload()
	headers := map[string]string{"x-github-event": "push"}
	half := "len($.s + $.s + $.s + $.s) > 0" // 2 + 3 + 4 of the 16 MiB
	compile := func(op string, filters ...api.Filter) *filter.Set {
		t.Helper()
		s, err := filter.CompileSet("f", filters, op)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	type tc struct {
		set  *filter.Set
		want bool
	}
	cases := []tc{
		{compile("", data("$.ref == 'refs/heads/main'"), header("headers['x-github-event'] == 'push'")), true},
		{compile("", data("$.ref == 'refs/heads/dev'")), false},
		{compile(api.FilterOperatorOr, data("$.ref == 'x'"), data("$.n == 3")), true},
		{compile(""), true},
		{compile("", data("$.missing > 1")), false},
	}
	for range 4 {
		cases = append(cases, tc{compile("", data(half)), true})
	}
	e := filter.NewEvaluator(payload, headers)
	defer e.Close()
	for i, c := range cases {
		got, err := e.Match(c.set)
		alone, aloneErr := c.set.Match(payload, headers)
		if got != c.want || err != nil || got != alone || aloneErr != nil {
			t.Errorf("set %d: Evaluator %v, %v; Match %v, %v; want %v", i, got, err, alone, aloneErr, c.want)
		}
	}
	// A limit is still an error naming the filter.
	over := compile("", data("let a = $.s + $.s; let b = a + a; let c = b + b; let d = c + c; let e = d + d; len(e) > 0"))
	if ok, err := e.Match(over); ok || !errors.Is(err, filter.ErrLimit) || !strings.Contains(err.Error(), "f.filters[0].data.expression") {
		t.Errorf("over the limit: %v, %v; want an ErrLimit naming the filter", ok, err)
	}
	// And the next filter has its budget again.
	if ok, err := e.Match(cases[len(cases)-1].set); !ok || err != nil {
		t.Errorf("after a limit: %v, %v; want a match", ok, err)
	}
}

// BenchmarkBusyCanvasMatch is routing's matching of one event against the
// busy canvas's 100 stages ($.environment == 'env-i', none matching): each
// set's Match, which sets the environment up for every filter, against one
// Evaluator for the event (BENCHMARKS.md, round eight).
func BenchmarkBusyCanvasMatch(b *testing.B) {
	sets := make([]*filter.Set, 100)
	for i := range sets {
		s, err := filter.CompileSet("f", []api.Filter{data(fmt.Sprintf("$.environment == 'env-%d'", i))}, "")
		if err != nil {
			b.Fatal(err)
		}
		sets[i] = s
	}
	payload := map[string]any{"environment": "production", "ref": "refs/heads/main", "repository": map[string]any{"name": "app"}}
	headers := map[string]string{"x-github-event": "push"}
	b.Run("each-set", func(b *testing.B) {
		for b.Loop() {
			for _, s := range sets {
				if ok, err := s.Match(payload, headers); ok || err != nil {
					b.Fatal("matched")
				}
			}
		}
	})
	b.Run("one-evaluator", func(b *testing.B) {
		for b.Loop() {
			e := filter.NewEvaluator(payload, headers)
			for _, s := range sets {
				if ok, err := e.Match(s); ok || err != nil {
					b.Fatal("matched")
				}
			}
			e.Close()
		}
	})
}
