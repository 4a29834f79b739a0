package executor

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Redacted is what a secret value is replaced with.
const Redacted = "***"

// Redact returns s with every occurrence of every non-empty secret value
// replaced by "***". Longer values are replaced first, so a secret that
// contains another is masked whole. The forms a value takes when a tool
// echoes it back (JSON-escaped inside a string, URL-encoded) are masked
// too.
func Redact(s string, secrets []string) string {
	var forms []string
	for _, v := range secrets {
		if v == "" {
			continue
		}
		forms = append(forms, v)
		if b, err := json.Marshal(v); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != v {
				forms = append(forms, esc)
			}
		}
		if esc := url.QueryEscape(v); esc != v {
			forms = append(forms, esc)
		}
		if esc := url.PathEscape(v); esc != v {
			forms = append(forms, esc)
		}
	}
	if len(forms) == 0 {
		return s
	}
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range slices.Compact(forms) {
		pairs = append(pairs, f, Redacted)
	}
	// One Replacer pass: a "***" already written is never matched again, and
	// at each position the first (longest) value listed wins.
	return strings.NewReplacer(pairs...).Replace(s)
}
