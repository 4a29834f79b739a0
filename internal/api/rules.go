package api

import (
	"fmt"
	"regexp"
	"strings"
)

// The rules of the API: what the server accepts in names, identifiers,
// times, repositories, event types, header names and templates. The server
// enforces them; the provider checks them when Terraform plans, the
// executor when it renders, and superplane-server's commands when they take
// a name. They live here, once, so that no two of them can disagree: a
// value the provider passes at plan time and the server refuses at apply
// (or the reverse) is the bug this file exists to prevent. Each caller
// keeps its own message, since users see those and tests assert them.
// The rules for names and ids are in names.go.

// IdentifierPattern is the name of a stage's input, output or secret
// alias: an identifier, so that a template (${{ inputs.NAME }}) and an
// expression can name it.
var IdentifierPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// TimeOfDayPattern is a time of day, "HH:MM" in 24-hour form (UTC), as
// schedules and time windows take it.
var TimeOfDayPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// TimeWindowEndPattern is a time window's end: a time of day, or "24:00",
// the end of the day (as ISO 8601 writes it), so that a window can hold a
// chosen day up to its last second ("00:00" to "24:00" on monday).
var TimeWindowEndPattern = regexp.MustCompile(`^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$`)

// RepositoryPattern is a GitHub repository or a Semaphore project name, as
// event sources watch them and executors run in them: it goes into the
// tool's URL paths, so nothing there may be a separator.
var RepositoryPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// EventTypePattern is an event type an event source accepts: GitHub's
// event names (push, pull_request), "webhook", and the like.
var EventTypePattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// IsHeaderName reports whether s is an HTTP header name: a token of RFC
// 9110 (ASCII letters, digits and !#$%&'*+-.^_`|~). An HTTP executor's
// headers are checked with it when the stage is saved, so a name no client
// can send fails then and not at each run.
func IsHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
		if !ok {
			return false
		}
	}
	return true
}

// Template namespaces: ${{ inputs.NAME }} is a stage's input,
// ${{ secrets.NAME }} the value of one of its secret aliases.
const (
	TemplateInputs  = "inputs"
	TemplateSecrets = "secrets"
)

// TemplateRef is one ${{ namespace.name }} in a string: s[Start:End] is its
// text.
type TemplateRef struct {
	Namespace, Name string
	Start, End      int
}

// maxQuotedTemplate bounds the template text an error quotes.
const maxQuotedTemplate = 60

// ParseTemplates returns the templates of s in order. Every "${{" must open
// a well-formed ${{ inputs.NAME }} or ${{ secrets.NAME }} (spaces inside the
// braces optional, NAME of letters, digits, '_' and '-'): anything else is
// an error, so that a typo is refused when the stage is planned or saved
// instead of reaching a tool as literal text. The server (through the
// executor, which renders with it) and the provider read templates with
// this one function.
func ParseTemplates(s string) ([]TemplateRef, error) {
	var refs []TemplateRef
	for pos := 0; ; {
		i := strings.Index(s[pos:], "${{")
		if i < 0 {
			return refs, nil
		}
		start := pos + i
		j := strings.Index(s[start+3:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unterminated template %q: expected ${{ inputs.NAME }} or ${{ secrets.NAME }}",
				clipTemplate(s[start:]))
		}
		end := start + 3 + j + 2
		ns, name, ok := strings.Cut(strings.TrimSpace(s[start+3:end-2]), ".")
		if !ok || (ns != TemplateInputs && ns != TemplateSecrets) || !isTemplateName(name) {
			return nil, fmt.Errorf("invalid template %q: expected ${{ inputs.NAME }} or ${{ secrets.NAME }}",
				clipTemplate(s[start:end]))
		}
		refs = append(refs, TemplateRef{Namespace: ns, Name: name, Start: start, End: end})
		pos = end
	}
}

// isTemplateName reports whether name can follow "inputs." or "secrets.":
// letters, digits, '_' and '-'.
func isTemplateName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		ok := r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// clipTemplate shortens a template quoted in an error to
// maxQuotedTemplate runes.
func clipTemplate(s string) string {
	if r := []rune(s); len(r) > maxQuotedTemplate {
		return string(r[:maxQuotedTemplate]) + "..."
	}
	return s
}

// WeekDays are the days a time window or a weekly schedule names, in
// order; the wire form of a schedule's day is "WEEK_DAY_" and the day in
// upper case. Callers must not change the slice.
var WeekDays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
