package executor_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// FuzzTemplates: no template text crashes References or Render, and a spec
// that References accepts renders without error when every name it reports
// is given, leaving no "${{" that came from the template itself.
func FuzzTemplates(f *testing.F) {
	for _, s := range []string{"${{ inputs.A }}", "${{secrets.B}}", "x ${{ inputs.A }} y ${{ secrets.B }}", "${{", "${{ inputs. }}", "}}", "${{ env.X }}", "$${{ inputs.A }}", "${{ inputs.A ${{ inputs.B }} }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec := map[string]any{"url": s, "nested": map[string]any{"list": []any{s, 1.5, true}}}
		inputs, secrets, err := executor.References(spec)
		if err != nil {
			return
		}
		in, sec := map[string]string{}, map[string]string{}
		for _, n := range inputs {
			in[n] = "v"
		}
		for _, n := range secrets {
			sec[n] = "s"
		}
		out, err := executor.Render(spec, in, sec)
		if err != nil {
			t.Fatalf("References accepted %q but Render failed: %v", s, err)
		}
		if url, _ := out["url"].(string); strings.Contains(url, "${{") {
			t.Fatalf("%q rendered to %q, still holding a template", s, url)
		}
	})
}
