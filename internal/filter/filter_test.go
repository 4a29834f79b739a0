package filter_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
)

func data(e string) api.Filter {
	return api.Filter{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: e}}
}
func header(e string) api.Filter {
	return api.Filter{Type: api.FilterTypeHeader, Header: &api.HeaderFilter{Expression: e}}
}

func TestMatch(t *testing.T) {
	push := map[string]any{"ref": "refs/heads/main", "commits": []any{map[string]any{"id": "a"}}, "note": "costs $5"}
	headers := map[string]string{"x-github-event": "push"}
	cases := []struct {
		name    string
		filters []api.Filter
		op      string
		want    bool
	}{
		{"NoFilters", nil, "", true},
		{"DataTrue", []api.Filter{data("$.ref == 'refs/heads/main'")}, "", true},
		{"DataFalse", []api.Filter{data("$.ref == 'refs/heads/dev'")}, "", false},
		{"DollarInStringIsText", []api.Filter{data(`$.note == "costs $5"`)}, "", true},
		{"Header", []api.Filter{header("headers['x-github-event'] == 'push'")}, "", true},
		{"AndOneFalse", []api.Filter{data("$.ref == 'refs/heads/main'"), header("headers['x-github-event'] == 'pr'")}, "", false},
		{"OrOneTrue", []api.Filter{data("$.ref == 'refs/heads/dev'"), header("headers['x-github-event'] == 'push'")}, api.FilterOperatorOr, true},
		{"LenOfList", []api.Filter{data("len($.commits) > 0")}, "", true},
		{"MissingFieldIsNoMatch", []api.Filter{data("$.missing.deeper == 1")}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := filter.CompileSet("spec.events[0]", tc.filters, tc.op)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := set.Match(push, headers); got != tc.want || err != nil {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestCompileErrorsNameTheField(t *testing.T) {
	cases := []struct {
		filters []api.Filter
		op      string
		want    string
	}{
		{[]api.Filter{data("$.ref ==")}, "", "spec.events[0].filters[0].data.expression"},
		{[]api.Filter{data("")}, "", "spec.events[0].filters[0].data.expression"},
		{[]api.Filter{data("$.a"), header("headers[")}, "", "spec.events[0].filters[1].header.expression"},
		{[]api.Filter{data("1 + 1")}, "", "spec.events[0].filters[0].data.expression"},
		{[]api.Filter{{Type: "FILTER_TYPE_MAGIC"}}, "", "spec.events[0].filters[0].type"},
		{[]api.Filter{{Type: api.FilterTypeData}}, "", "spec.events[0].filters[0].data"},
		{nil, "FILTER_OPERATOR_XOR", "spec.events[0].filterOperator"},
		{[]api.Filter{data(strings.Repeat("a", 5000))}, "", "longer"},
	}
	for _, tc := range cases {
		_, err := filter.CompileSet("spec.events[0]", tc.filters, tc.op)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error naming %q", tc.filters, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "__payload") {
			t.Errorf("error leaks the internal variable: %v", err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	set, err := filter.CompileSet("f", []api.Filter{data("$.ref == 'refs/heads/main'"), header("headers['x-github-event'] == 'push'")}, "")
	if err != nil {
		b.Fatal(err)
	}
	payload := map[string]any{"ref": "refs/heads/main"}
	headers := map[string]string{"x-github-event": "push"}
	for b.Loop() {
		if ok, err := set.Match(payload, headers); !ok || err != nil {
			b.Fatal("no match")
		}
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"$.ref == 'x'", "headers['a'] == 'b'", "len($.c) > 0 && $.d", "'$'", "$env", "(((", "$.a[0].b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prog, err := filter.Compile(s)
		if err != nil || prog == nil {
			return
		}
		set, err := filter.CompileSet("f", []api.Filter{data(s)}, "")
		if err == nil {
			_, _ = set.Match(map[string]any{"ref": "x", "c": []any{1}}, map[string]string{"a": "b"})
		}
	})
}

func TestValue(t *testing.T) {
	payload := map[string]any{"ref": "refs/heads/main", "head_commit": map[string]any{"id": "abc"}, "n": 3}
	for expression, want := range map[string]string{
		"$.head_commit.id":          "abc",
		"$.n + 1":                   "4",
		"$.missing":                 "",
		"split($.ref, '/')[2]":      "main",
		"headers['x-github-event']": "push",
	} {
		prog, err := filter.CompileValue(expression)
		if err != nil {
			t.Fatalf("%s: %v", expression, err)
		}
		got, err := filter.Value(prog, payload, map[string]string{"x-github-event": "push"})
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", expression, got, err, want)
		}
	}
	if _, err := filter.CompileValue("$.a +"); err == nil {
		t.Error("a broken expression compiled")
	}
}
