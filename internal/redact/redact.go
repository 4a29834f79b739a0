// Package redact masks secret values in text the server writes down or
// shows: execution messages and outputs, integration and hook status
// reasons, logs. A tool that echoes a secret back rarely echoes it verbatim,
// so the forms a value takes once encoded are masked too, and text is
// clipped only after it is redacted, never inside a mask.
//
// It imports none of the project's packages, so every package that writes
// text can use the same Redactor.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Marker is what a secret value, in any of its forms, is replaced with.
const Marker = "***"

// MinEncoded is the length (in bytes) from which a value's encoded forms
// are masked as well as the value itself. The encodings of a shorter value
// are short strings of common characters ("61" is the hex of "a"): masking
// them would mangle ordinary text and protect next to nothing.
const MinEncoded = 6

// Redactor masks a fixed set of secret values. The zero value and nil mask
// nothing. It is safe for concurrent use.
type Redactor struct {
	replacer *strings.Replacer
	// forms are the masked strings, longest first, for finding one cut
	// short by an earlier clip (see Redact).
	forms []string
}

// New returns a Redactor for values; empty values are ignored.
//
// A value is masked as written, JSON-escaped and URL-encoded, and, when it
// is MinEncoded bytes or longer, also as it reads: JSON-escaped (with and without HTML escaping, and with
// every non-ASCII rune as \uXXXX), URL-encoded (query and path escaping),
// in hex (lower and upper case), in base64 (standard and URL alphabets,
// padded or not), and on one line (runs of white space as one space,
// unprintable runes dropped, as messages are written). For base64 the value
// may also sit inside a longer encoded string, where its encoding depends
// on its offset modulo 3: the characters that depend on the value alone are
// masked at each of the three offsets.
func New(values ...string) *Redactor {
	var forms []string
	for _, v := range values {
		if v == "" {
			continue
		}
		forms = append(forms, v)
		if len(v) >= MinEncoded {
			forms = append(forms, Forms(v)...)
			continue
		}
		// The escaped forms of a short value differ from it only by its
		// special characters, which keeps them distinctive enough to mask.
		for _, f := range []string{jsonEscaped(v, true), jsonEscaped(v, false), url.QueryEscape(v), url.PathEscape(v)} {
			if f != "" && f != v {
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	// Longest first: at each position the Replacer takes the first pattern
	// listed that matches, so a value containing another is masked whole.
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Marker)
	}
	return &Redactor{replacer: strings.NewReplacer(pairs...), forms: forms}
}

// Ellipsis ends text that was clipped.
const Ellipsis = "..."

// Redact returns s with every form of every value replaced by Marker. One
// pass: a Marker already written is never matched again.
//
// Text clipped before it reached the Redactor (a name quoted in a message,
// cut at a few dozen characters) may end in the start of a value followed
// by Ellipsis: a start of MinEncoded bytes or more is masked too.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	s = r.replacer.Replace(s)
	if !strings.Contains(s, Ellipsis) {
		return s
	}
	var sb strings.Builder
	rest := s
	for {
		i := strings.Index(rest, Ellipsis)
		if i < 0 {
			sb.WriteString(rest)
			return sb.String()
		}
		head := rest[:i]
		if n := r.cutValueAtEnd(head); n > 0 {
			head = head[:len(head)-n] + Marker
		}
		sb.WriteString(head)
		sb.WriteString(Ellipsis)
		rest = rest[i+len(Ellipsis):]
	}
}

// maxCut bounds the start of a value looked for before an Ellipsis: the
// clips made before redaction quote at most 60 runes, and the bound keeps
// the search cheap for large values.
const maxCut = 256

// cutValueAtEnd returns the length of the longest start (of MinEncoded to
// maxCut bytes, short of the whole) of a form that s ends with, or 0.
func (r *Redactor) cutValueAtEnd(s string) int {
	best := 0
	for _, f := range r.forms {
		for n := min(len(f)-1, len(s), maxCut); n >= MinEncoded && n > best; n-- {
			if strings.HasSuffix(s, f[:n]) {
				best = n
				break
			}
		}
	}
	return best
}

// Clip redacts s, then shortens it to at most n runes followed by "...".
// The cut never falls inside a Marker: when it would, it moves before it,
// so what is left of a secret is never a partial mask next to a partial
// value.
func (r *Redactor) Clip(s string, n int) string {
	return ClipRedacted(r.Redact(s), n)
}

// ClipRedacted shortens already redacted text s to at most n runes followed
// by "...", never cutting inside a Marker.
func ClipRedacted(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := 0; i < n; i++ {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	// A Marker is ASCII: it overlaps the cut when it starts one or two bytes
	// before it. Check the earlier start first, so "****" cut after its
	// third star keeps none of a mask that may be the second.
	for back := len(Marker) - 1; back >= 1; back-- {
		if start := cut - back; start >= 0 && strings.HasPrefix(s[start:], Marker) {
			cut = start
			break
		}
	}
	return s[:cut] + "..."
}

// Forms returns the encoded forms of v that New masks (not v itself).
func Forms(v string) []string {
	var forms []string
	add := func(f string) {
		// A form much shorter than v (one line of mostly unprintable runes)
		// would mask common text; MinEncoded bounds it like a value.
		if len(f) >= MinEncoded && f != v {
			forms = append(forms, f)
		}
	}
	b := []byte(v)
	add(jsonEscaped(v, true))
	add(jsonEscaped(v, false))
	add(asciiJSON(v))
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	add(hex.EncodeToString(b))
	add(strings.ToUpper(hex.EncodeToString(b)))
	add(OneLine(v))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		add(enc.EncodeToString(b))
		raw := enc.WithPadding(base64.NoPadding)
		for offset := range 3 {
			add(embeddedBase64(raw, b, offset))
		}
	}
	return forms
}

// embeddedBase64 returns the characters of the base64 of any byte string
// holding b at an offset ≡ offset (mod 3) that depend on b alone: a
// character encodes 6 bits, so the first ones also carry bits of the bytes
// before b, and the last one bits of the bytes after it.
func embeddedBase64(enc *base64.Encoding, b []byte, offset int) string {
	padded := append(make([]byte, offset), b...)
	s := enc.EncodeToString(padded)
	first := (8*offset + 5) / 6 // characters touching the bytes before b
	last := 8 * len(padded) / 6 // characters made of whole bits of padded
	if first >= last {
		return ""
	}
	return s[first:last]
}

// jsonEscaped is v as it reads inside a JSON string.
func jsonEscaped(v string, escapeHTML bool) string {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(escapeHTML)
	if err := e.Encode(v); err != nil {
		return ""
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	return out[1 : len(out)-1]
}

// asciiJSON is v inside a JSON string written by an encoder that escapes
// every non-ASCII rune (as Python's json.dumps does by default).
func asciiJSON(v string) string {
	esc := jsonEscaped(v, true)
	var sb strings.Builder
	for _, r := range esc {
		switch {
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
	}
	return sb.String()
}

// OneLine makes s fit for a one-line message: white space becomes single
// spaces, unprintable runes are dropped, and leading and trailing space is
// trimmed. Messages quoting a tool's answer are written this way, so a value
// is masked in this form too.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
