package provider

import (
	"strings"
	"testing"
)

// FuzzParseScopedImportID: no import ID crashes the parser, and whatever it
// accepts names exactly what the ID says.
func FuzzParseScopedImportID(f *testing.F) {
	for _, id := range []string{"organization/db", "canvas/prod/db", "canvas//db", "organization/", "a/b/c/d", "", "/", "canvas/prod/", "organization/a/b"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		canvas, name, err := parseScopedImportID("secret", id)
		if err != nil {
			if !strings.Contains(err.Error(), "organization/<secret name>") {
				t.Fatalf("error does not show the expected formats: %v", err)
			}
			return
		}
		if name == "" || strings.Contains(name, "/") || strings.Contains(canvas, "/") {
			t.Fatalf("%q parsed to canvas %q name %q", id, canvas, name)
		}
		want := "organization/" + name
		if canvas != "" {
			want = "canvas/" + canvas + "/" + name
		}
		if want != id {
			t.Fatalf("%q parsed to canvas %q name %q, which is %q", id, canvas, name, want)
		}
	})
}

// FuzzParseCanvasImportID does the same for "<canvas>/<name>".
func FuzzParseCanvasImportID(f *testing.F) {
	for _, id := range []string{"prod/hook", "prod/", "/hook", "a/b/c", "", "00000000-0000-0000-0000-000000000000/x"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		canvas, name, err := parseCanvasImportID("event source", id)
		if err != nil {
			return
		}
		if canvas == "" || name == "" || canvas+"/"+name != id {
			t.Fatalf("%q parsed to canvas %q name %q", id, canvas, name)
		}
	})
}
