package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDocsDoNotContradictThemselves: the generated docs list every block, and
// every attribute inside an optional block, as optional. A description that
// then just says "Required." reads as a contradiction (a new user's report);
// those descriptions say when the field is required and why it is listed so.
func TestDocsDoNotContradictThemselves(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join("..", "..", "docs", "*", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs pages found (%v)", err)
	}
	contradiction := regexp.MustCompile("(?m)^- `[a-z_]+` \\([^)]*Optional[^)]*\\).*\\bRequired\\.")
	for _, page := range pages {
		body, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range contradiction.FindAll(body, -1) {
			t.Errorf("%s: %s", page, line)
		}
	}
}
