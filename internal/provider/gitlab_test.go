package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestValidateStageGitLab: the gitlab block needs its project and ref, and
// a project is an id or a path without dot segments, as the server says.
func TestValidateStageGitLab(t *testing.T) {
	for _, tc := range []struct {
		name, project string
		spec          map[string]any
		path          path.Path // of the one error; empty: valid
		detail        string
	}{
		{"path", "acme/platform/api", map[string]any{"ref": "main"}, path.Empty(), ""},
		{"id", "42", map[string]any{"ref": "main", "variables": map[string]any{"A": "b"}}, path.Empty(), ""},
		{"no ref", "acme/api", map[string]any{}, path.Root("gitlab").AtName("ref"), "gitlab.ref is required"},
		{"dot segment", "acme/../api", map[string]any{"ref": "main"}, path.Root("gitlab").AtName("project"), "GitLab project id or path"},
		{"bad template", "acme/api", map[string]any{"ref": "${{ input.X }}"}, path.Root("gitlab").AtName("ref"), "gitlab.ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stageFixture(t, &api.Executor{Type: api.ExecutorGitLab, Integration: &api.IntegrationRef{Name: "gl"},
				Resource: &api.ResourceRef{Type: "project", Name: tc.project}, Spec: tc.spec})
			m, diags := stageModelFrom(context.Background(), st, &StageResourceModel{Canvas: types.StringValue("prod")})
			if diags.HasError() {
				t.Fatal(diags)
			}
			var vd diag.Diagnostics
			validateStage(context.Background(), m, &vd)
			errs := vd.Errors()
			if tc.detail == "" {
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			if withPath, ok := errs[0].(diag.DiagnosticWithPath); !ok || !withPath.Path().Equal(tc.path) {
				t.Errorf("error at %v, want %v", errs[0], tc.path)
			}
			if !strings.Contains(errs[0].Detail(), tc.detail) {
				t.Errorf("detail %q does not mention %q", errs[0].Detail(), tc.detail)
			}
		})
	}
}

// TestValidateEventSourceResourceName: only a gitlab source may name its
// project by a path; each type's rule is the server's.
func TestValidateEventSourceResourceName(t *testing.T) {
	for _, tc := range []struct {
		typ, name string
		ok        bool
	}{
		{"gitlab", "acme/platform/api", true},
		{"gitlab", "42", true},
		{"gitlab", "acme/../api", false},
		{"github", "app", true},
		{"github", "acme/app", false},
		{"semaphore", "acme/app", false},
	} {
		m := sampleModel()
		m.Type, m.Integration, m.Key = types.StringValue(tc.typ), types.StringValue("int"), types.StringNull()
		res, d := types.ObjectValue(eventSourceResourceAttrTypes, map[string]attr.Value{
			"type": types.StringNull(), "name": types.StringValue(tc.name),
		})
		if d.HasError() {
			t.Fatal(d)
		}
		m.Resource = res
		var diags diag.Diagnostics
		validateEventSource(context.Background(), &m, &diags)
		var nameErrs int
		for _, e := range diags.Errors() {
			if p, ok := e.(diag.DiagnosticWithPath); ok && p.Path().Equal(path.Root("resource").AtName("name")) {
				nameErrs++
			}
		}
		if (nameErrs == 0) != tc.ok {
			t.Errorf("%s %q: %v, want ok=%v", tc.typ, tc.name, diags.Errors(), tc.ok)
		}
	}
}
