package api

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseTemplates: the template grammar the server and the provider
// share. Spaces inside the braces are optional, names may hold '-', and
// anything else that opens with "${{" is refused rather than passed on as
// literal text.
func TestParseTemplates(t *testing.T) {
	s := "Bearer ${{ secrets.TOKEN }} for ${{inputs.COMMIT}}-${{ inputs.my-env }}"
	refs, err := ParseTemplates(s)
	if err != nil {
		t.Fatal(err)
	}
	type nsName struct{ ns, name string }
	var got []nsName
	for _, r := range refs {
		got = append(got, nsName{r.Namespace, r.Name})
	}
	want := []nsName{{"secrets", "TOKEN"}, {"inputs", "COMMIT"}, {"inputs", "my-env"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("refs = %v, want %v", got, want)
	}
	// Start and End frame each template's text, which Render replaces.
	for i, text := range []string{"${{ secrets.TOKEN }}", "${{inputs.COMMIT}}", "${{ inputs.my-env }}"} {
		if s[refs[i].Start:refs[i].End] != text {
			t.Errorf("refs[%d] frames %q, want %q", i, s[refs[i].Start:refs[i].End], text)
		}
	}
	for _, bad := range []string{"${{ inputs.X }", "${{ env.X }}", "${{ inputs. }}", "${{ inputs.a b }}", "${{ secrets }}", "x ${{"} {
		if _, err := ParseTemplates(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if refs, err := ParseTemplates("$ {{ plain }} and $5"); err != nil || len(refs) != 0 {
		t.Errorf("text without templates: %v, %v", refs, err)
	}
	// A long malformed template is quoted clipped, so an error stays short.
	_, err = ParseTemplates("${{ " + strings.Repeat("x", 200))
	if err == nil || !strings.Contains(err.Error(), "...") || len(err.Error()) > 200 {
		t.Errorf("long template: %v", err)
	}
}

// TestIsHeaderName: RFC 9110 tokens only; what a client cannot send as a
// header name is refused.
func TestIsHeaderName(t *testing.T) {
	for _, ok := range []string{"Authorization", "X-Request-Id", "a!#$%&'*+-.^_`|~9"} {
		if !IsHeaderName(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "X Header", "X:Y", "Ünicode", "a\x00b", "(x)"} {
		if IsHeaderName(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
