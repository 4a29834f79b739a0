package filter

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// vmMatch is the virtual machine's answer for prog, the reference the
// equality's answers are held to.
func vmMatch(t testing.TB, expression string, payload map[string]any, headers map[string]string) bool {
	t.Helper()
	prog, err := Compile(expression)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(prog, payload, headers)
	return err == nil && out == true
}

// equalityShapes are expressions with and without the recognised shapes:
// each must be recognised exactly when the test says.
var equalityShapes = []struct {
	expression string
	recognised bool
}{
	{"$.environment == 'env-1'", true},
	{"$.a.b == 'x'", true},
	{"$.a.b.c == ''", true},
	{`$["we ird"] == "é"`, true},
	{"headers['x-github-event'] == 'push'", true},
	{"headers['x-missing'] == ''", true},
	{"$.n == 1", false},
	{"$.a == $.b", false},
	{"'x' == $.a", false},
	{"$.a != 'x'", false},
	{"$.a?.b == 'x'", false},
	{"$.a[0] == 'x'", false},
	{"$.a == 'x' && $.b == 'y'", false},
	{"lower($.a) == 'x'", false},
	{"headers.x == 'y'", true},
	{"$.a == nil", false},
	{"$.flag == true", false},
}

var equalityPayloads = []string{
	`{}`, `null`, `{"environment":"env-1"}`, `{"environment":"env-10"}`, `{"environment":"ENV-1"}`,
	`{"environment":1}`, `{"environment":true}`, `{"environment":null}`, `{"environment":["env-1"]}`,
	`{"environment":{"env-1":"env-1"}}`, `{"a":{"b":"x"}}`, `{"a":{"b":"y"}}`, `{"a":{"b":{"c":""}}}`,
	`{"a":{"b":{"c":"x"}}}`, `{"a":{"b":null}}`, `{"a":null}`, `{"a":"x"}`, `{"a":1.5}`, `{"a":false}`,
	`{"a":["b"]}`, `{"a":{"b":["x"]}}`, `{"a":{}}`, `{"we ird":"é"}`, `{"we ird":"e"}`, `{"n":1}`,
	`{"a":{"b":{"c":null}}}`, `{"a":{"b":{"c":0}}}`, `{"a":{"b":"x","b2":"x"}}`,
}

var equalityHeaders = []map[string]string{
	nil, {}, {"x-github-event": "push"}, {"x-github-event": "pull_request"}, {"x-missing": "a"}, {"x": "y"},
}

// TestEqualityAnswersAsTheVM holds every recognised shape to the virtual
// machine's answer over payloads and headers of every JSON type, and
// checks which shapes are recognised.
func TestEqualityAnswersAsTheVM(t *testing.T) {
	for _, sh := range equalityShapes {
		prog, err := Compile(sh.expression)
		if err != nil {
			t.Fatalf("%s: %v", sh.expression, err)
		}
		eq := equalityOf(prog)
		if (eq != nil) != sh.recognised {
			t.Errorf("%s: recognised %v, want %v\n%s", sh.expression, eq != nil, sh.recognised, prog.Disassemble())
		}
		if eq == nil {
			continue
		}
		for _, raw := range equalityPayloads {
			var payload map[string]any
			if err := json.Unmarshal([]byte(raw), &payload); err != nil {
				t.Fatal(err)
			}
			for _, headers := range equalityHeaders {
				got, done := eq.match(payload, headers)
				if !done {
					t.Errorf("%s on %s: not answered", sh.expression, raw)
					continue
				}
				if want := vmMatch(t, sh.expression, payload, headers); got != want {
					t.Errorf("%s on %s, headers %v: %v, the virtual machine %v", sh.expression, raw, headers, got, want)
				}
			}
		}
	}
}

// TestEqualityLeavesOtherTypesToTheVM: a payload built in Go (not decoded
// JSON) may hold types whose fetch and comparison the equality does not
// model; it must hand them to the virtual machine, which then answers.
func TestEqualityLeavesOtherTypesToTheVM(t *testing.T) {
	set, err := CompileSet("f", []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.a.b == 'x'"}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, payload := range []map[string]any{
		{"a": map[string]string{"b": "x"}},
		{"a": map[string]any{"b": []byte("x")}},
		{"a": struct{ B string }{"x"}},
	} {
		if _, done := set.eqs[0].match(payload, nil); done {
			t.Errorf("%v: answered, want it left to the virtual machine", payload)
		}
		got, err := NewEvaluator(payload, nil).Match(set)
		if want := vmMatch(t, "$.a.b == 'x'", payload, nil); got != want || err != nil {
			t.Errorf("%v: %v, %v; the virtual machine %v", payload, got, err, want)
		}
	}
}

// TestBusyCanvasMatchRunsNoVM: the busy canvas's 100 filters on one event
// allocate nothing (the virtual machine's fetch allocated one value a
// filter, 100 an event, before the equality).
func TestBusyCanvasMatchRunsNoVM(t *testing.T) {
	sets := make([]*Set, 100)
	for i := range sets {
		s, err := CompileSet("f", []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: fmt.Sprintf("$.environment == 'env-%d'", i)}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		sets[i] = s
	}
	payload := map[string]any{"environment": "production"}
	headers := map[string]string{}
	e := NewEvaluator(payload, headers)
	defer e.Close()
	allocs := testing.AllocsPerRun(50, func() {
		for _, s := range sets {
			if ok, err := e.Match(s); ok || err != nil {
				t.Fatal("matched")
			}
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations for 100 filters, want at most 1", allocs)
	}
}

// FuzzEquality holds the equality to the virtual machine on arbitrary
// decoded payloads, keys and literals.
func FuzzEquality(f *testing.F) {
	f.Add(`{"a":{"b":"x"}}`, "a", "b", "x")
	f.Add(`{"a":"x"}`, "a", "", "x")
	f.Add(`{"a":{"b":1}}`, "a", "b", "1")
	f.Fuzz(func(t *testing.T, raw, k1, k2, lit string) {
		var payload map[string]any
		if json.Unmarshal([]byte(raw), &payload) != nil {
			return
		}
		expression := fmt.Sprintf("$[%q] == %q", k1, lit)
		if k2 != "" {
			expression = fmt.Sprintf("$[%q][%q] == %q", k1, k2, lit)
		}
		prog, err := Compile(expression)
		if err != nil {
			return
		}
		eq := equalityOf(prog)
		if eq == nil {
			t.Fatalf("%s: not recognised", expression)
		}
		got, done := eq.match(payload, nil)
		if !done {
			t.Fatalf("%s on %s: not answered", expression, raw)
		}
		if want := vmMatch(t, expression, payload, nil); got != want {
			t.Fatalf("%s on %s: %v, the virtual machine %v", expression, raw, got, want)
		}
	})
}
