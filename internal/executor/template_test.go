package executor_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

func TestRender(t *testing.T) {
	inputs := map[string]string{"VERSION": "1.2.3", "ENV": "prod", "TRICK": "${{ secrets.TOKEN }}"}
	secrets := map[string]string{"TOKEN": "s3cr3t", "api-key": "k"}

	tests := []struct {
		name string
		spec map[string]any
		want map[string]any
	}{
		{
			name: "spaces optional",
			spec: map[string]any{"a": "${{ inputs.VERSION }}", "b": "${{inputs.VERSION}}", "c": "${{   secrets.TOKEN}}", "d": "${{secrets.api-key}}"},
			want: map[string]any{"a": "1.2.3", "b": "1.2.3", "c": "s3cr3t", "d": "k"},
		},
		{
			name: "several in one string",
			spec: map[string]any{"url": "https://${{ inputs.ENV }}.example.com/deploy?v=${{ inputs.VERSION }}&t=${{ secrets.TOKEN }}"},
			want: map[string]any{"url": "https://prod.example.com/deploy?v=1.2.3&t=s3cr3t"},
		},
		{
			name: "nested maps and lists, other types untouched",
			spec: map[string]any{
				"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
				"payload": map[string]any{
					"items":  []any{"${{ inputs.ENV }}", 3.0, true, nil, map[string]any{"v": "${{ inputs.VERSION }}"}},
					"labels": map[string]string{"env": "${{ inputs.ENV }}"},
					"tags":   []string{"v${{ inputs.VERSION }}"},
				},
				"timeoutSeconds": 10.0,
			},
			want: map[string]any{
				"headers": map[string]any{"Authorization": "Bearer s3cr3t"},
				"payload": map[string]any{
					"items":  []any{"prod", 3.0, true, nil, map[string]any{"v": "1.2.3"}},
					"labels": map[string]string{"env": "prod"},
					"tags":   []string{"v1.2.3"},
				},
				"timeoutSeconds": 10.0,
			},
		},
		{
			// An input's value is data: a template inside it must not be
			// rendered, or whoever sends events could read any secret.
			name: "values are not rendered again",
			spec: map[string]any{"x": "${{ inputs.TRICK }}"},
			want: map[string]any{"x": "${{ secrets.TOKEN }}"},
		},
		{
			name: "keys are not templates",
			spec: map[string]any{"${{ inputs.ENV }}": "plain"},
			want: map[string]any{"${{ inputs.ENV }}": "plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deepCopy(tt.spec)
			got, err := executor.Render(tt.spec, inputs, secrets)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Render =\n%#v\nwant\n%#v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.spec, before) {
				t.Errorf("Render changed its input: %#v", tt.spec)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	inputs := map[string]string{"VERSION": "1.2.3"}
	secrets := map[string]string{"TOKEN": "s3cr3t"}
	tests := []struct {
		name string
		spec map[string]any
		want []string
	}{
		{"unknown input", map[string]any{"payload": map[string]any{"v": "${{ inputs.NOPE }}"}}, []string{`spec.payload.v: unknown input "NOPE"`}},
		{"unknown secret", map[string]any{"headers": map[string]any{"Authorization": "Bearer ${{ secrets.DB_PASSWORD }}"}}, []string{`spec.headers.Authorization: unknown secret "DB_PASSWORD"`}},
		{"secret referenced as input", map[string]any{"x": "${{ inputs.TOKEN }}"}, []string{`unknown input "TOKEN"`}},
		{"all unknowns named", map[string]any{"a": "${{ inputs.A }}", "b": []any{"${{ secrets.B }}"}}, []string{`spec.a: unknown input "A"`, `spec.b[0]: unknown secret "B"`}},
		{"unterminated", map[string]any{"x": "v=${{ inputs.VERSION"}, []string{"spec.x", "unterminated template"}},
		{"unknown namespace", map[string]any{"x": "${{ env.HOME }}"}, []string{"spec.x", `invalid template "${{ env.HOME }}"`}},
		{"no name", map[string]any{"x": "${{ inputs. }}"}, []string{"invalid template"}},
		{"bad name", map[string]any{"x": "${{ inputs.a b }}"}, []string{"invalid template"}},
		{"empty", map[string]any{"x": "${{}}"}, []string{"invalid template"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := executor.Render(tt.spec, inputs, secrets)
			if err == nil {
				t.Fatalf("Render = %v, want an error", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q contains a secret value", err)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	spec := map[string]any{
		"url":     "https://${{ inputs.HOST }}/x?v=${{inputs.VERSION}}",
		"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}", "X-Other": "${{ secrets.TOKEN }}"},
		"payload": map[string]any{"list": []any{"${{ inputs.VERSION }}", map[string]any{"deep": "${{ secrets.API_KEY }}"}}},
		"plain":   "no templates here, not even $ { { this",
	}
	inputs, secrets, err := executor.References(spec)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"HOST", "VERSION"}; !slices.Equal(inputs, want) {
		t.Errorf("inputs = %q, want %q", inputs, want)
	}
	if want := []string{"API_KEY", "TOKEN"}; !slices.Equal(secrets, want) {
		t.Errorf("secrets = %q, want %q", secrets, want)
	}

	if _, _, err := executor.References(map[string]any{"p": map[string]any{"q": []any{"${{ inputs.X"}}}); err == nil ||
		!strings.Contains(err.Error(), "spec.p.q[0]") {
		t.Errorf("malformed template: err = %v, want one naming spec.p.q[0]", err)
	}
	if in, sec, err := executor.References(nil); err != nil || len(in) != 0 || len(sec) != 0 {
		t.Errorf("References(nil) = %q, %q, %v; want nothing", in, sec, err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		s       string
		secrets []string
		want    string
	}{
		{"plain", "token=abc123 and again abc123", []string{"abc123"}, "token=*** and again ***"},
		{"longest first", "pass=hunter2hunter2", []string{"hunter2", "hunter2hunter2"}, "pass=***"},
		{"empty ignored", "nothing to hide", []string{"", ""}, "nothing to hide"},
		{"no secrets", "text", nil, "text"},
		{"json escaped", `{"error":"bad value \"quo\"te\""}`, []string{`"quo"te"`}, `{"error":"bad value ***"}`},
		{"url encoded", "GET /x?key=a+b%26c", []string{"a b&c"}, "GET /x?key=***"},
		{"several", "u=alice p=wonder", []string{"alice", "wonder"}, "u=*** p=***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := executor.Redact(tt.s, tt.secrets); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestValidateSpec(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		spec    map[string]any
		wantErr string // "" for valid
	}{
		{"http minimal", "http", map[string]any{"url": "https://example.com/hook"}, ""},
		{"http full", "http", map[string]any{
			"url":            "http://example.com",
			"headers":        map[string]any{"X-Token": "${{ secrets.T }}"},
			"payload":        map[string]any{"a": []any{1.0}},
			"responsePolicy": map[string]any{"statusCodes": []any{200.0, 202.0}},
			"timeoutSeconds": 10.0,
			"outputs":        map[string]any{"x": "y"},
		}, ""},
		{"http templated url", "http", map[string]any{"url": "${{ inputs.URL }}"}, ""},
		{"http templated host", "http", map[string]any{"url": "https://${{ inputs.HOST }}/x"}, ""},
		{"http templated bad scheme", "http", map[string]any{"url": "ftp://${{ inputs.HOST }}/x"}, "spec.url must be an http or https URL"},
		{"http no url", "http", map[string]any{}, "spec.url is required"},
		{"http nil spec", "http", nil, "spec.url is required"},
		{"http blank url", "http", map[string]any{"url": "  "}, "spec.url is required"},
		{"http url not a string", "http", map[string]any{"url": 3.0}, "spec.url must be a string"},
		{"http bad scheme", "http", map[string]any{"url": "file:///etc/passwd"}, "spec.url must be an http or https URL"},
		{"http relative url", "http", map[string]any{"url": "/hook"}, "spec.url must be an http or https URL"},
		{"http headers not strings", "http", map[string]any{"url": "https://e.com", "headers": map[string]any{"X": map[string]any{}}}, "spec.headers.X must be a string"},
		{"http bad header name", "http", map[string]any{"url": "https://e.com", "headers": map[string]any{"X Token": "v"}}, `spec.headers: "X Token" is not a valid header name`},
		{"http payload not an object", "http", map[string]any{"url": "https://e.com", "payload": "x"}, "spec.payload must be an object"},
		{"http bad status code", "http", map[string]any{"url": "https://e.com", "responsePolicy": map[string]any{"statusCodes": []any{200.0, 700.0}}}, "spec.responsePolicy.statusCodes[1]"},
		{"http status codes not a list", "http", map[string]any{"url": "https://e.com", "responsePolicy": map[string]any{"statusCodes": 200.0}}, "spec.responsePolicy.statusCodes must be a list"},
		{"http zero timeout", "http", map[string]any{"url": "https://e.com", "timeoutSeconds": 0.0}, "spec.timeoutSeconds"},
		{"http huge timeout", "http", map[string]any{"url": "https://e.com", "timeoutSeconds": 99999.0}, "spec.timeoutSeconds"},
		{"http malformed template", "http", map[string]any{"url": "https://e.com", "payload": map[string]any{"v": "${{ inputs.V"}}, "spec.payload.v: unterminated template"},
		{"github ok", "github", map[string]any{"workflow": "deploy.yml", "ref": "main", "inputs": map[string]any{"a": "b"}}, ""},
		{"github workflow id", "github", map[string]any{"workflow": 12345.0, "ref": "main"}, ""},
		{"github no workflow", "github", map[string]any{"ref": "main"}, "spec.workflow is required"},
		{"github workflow path", "github", map[string]any{"workflow": ".github/workflows/deploy.yml", "ref": "main"}, "spec.workflow must be a workflow file name"},
		{"github no ref", "github", map[string]any{"workflow": "deploy.yml"}, "spec.ref is required"},
		{"github inputs not strings", "github", map[string]any{"workflow": "d.yml", "ref": "main", "inputs": map[string]any{"a": []any{}}}, "spec.inputs.a must be a string"},
		{"semaphore ok", "semaphore", map[string]any{"pipelineFile": ".semaphore/deploy.yml", "ref": "main", "parameters": map[string]any{"X": "y"}}, ""},
		{"semaphore no pipeline file", "semaphore", map[string]any{"ref": "main"}, "spec.pipelineFile is required"},
		{"semaphore no ref", "semaphore", map[string]any{"pipelineFile": "x.yml"}, "spec.ref is required"},
		{"noop", "noop", nil, ""},
		{"noop outputs not strings", "noop", map[string]any{"outputs": map[string]any{"a": map[string]any{}}}, "spec.outputs.a must be a string"},
		{"unknown type", "jenkins", map[string]any{}, `type: unsupported executor type "jenkins"`},
		{"no type", "", map[string]any{}, "type is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := executor.ValidateSpec(tt.typ, tt.spec)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateSpec = %v, want no error", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateSpec = nil, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateSpec = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// deepCopy copies the maps and lists of a spec.
func deepCopy(v map[string]any) map[string]any {
	var cp func(x any) any
	cp = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			m := map[string]any{}
			for k, v := range t {
				m[k] = cp(v)
			}
			return m
		case map[string]string:
			m := map[string]string{}
			for k, v := range t {
				m[k] = v
			}
			return m
		case []any:
			l := make([]any, len(t))
			for i, v := range t {
				l[i] = cp(v)
			}
			return l
		case []string:
			return slices.Clone(t)
		}
		return x
	}
	m, _ := cp(v).(map[string]any)
	return m
}
