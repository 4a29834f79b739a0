package server

import (
	"html/template"
	"net/url"
	"strings"
	"time"
)

// consoleFuncs are the templates' helpers. None returns template.HTML: every
// value a page shows goes through html/template's escaping.
func consoleFuncs() template.FuncMap {
	return template.FuncMap{
		"when":   when,
		"words":  words,
		"result": resultLabel,
		"role":   roleLabel,
		"isURL": func(s string) bool {
			return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
		},
		"join": strings.Join,
		"path": url.PathEscape,
		// auditLink is the audit page narrowed to one field's value.
		"auditLink": auditQueryLink,
	}
}

// when formats a time (a time.Time or a *time.Time) in UTC; "—" when unset.
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// words turns a wire enum (STATE_WAITING, STATE_REASON_APPROVAL,
// REJECTION_REASON_FILTERED) into lower-case words.
func words(s string) string {
	for _, p := range []string{"STATE_REASON_", "REJECTION_REASON_", "RESULT_REASON_", "STATE_", "RESULT_", "ALERT_TYPE_", "TYPE_"} {
		if strings.HasPrefix(s, p) {
			s = strings.TrimPrefix(s, p)
			break
		}
	}
	return strings.ReplaceAll(strings.ToLower(s), "_", " ")
}
