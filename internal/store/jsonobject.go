package store

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeObject decodes a JSON object as json.Unmarshal into a
// map[string]any would, or says it cannot (ok false): the caller then asks
// json.Unmarshal, which gives the answer or the error. Routing decodes every
// event's payload and headers, and encoding/json's reflective decoder was
// ~20 µs of a busy canvas's delivery (BENCHMARKS.md, round twelve).
//
// It answers only for input that is valid JSON, and then with what
// json.Unmarshal gives: numbers float64 (strconv.ParseFloat, a number it
// refuses is left to json.Unmarshal's error), a repeated key's last value,
// strings as they are when they hold no escape and are valid UTF-8; any
// other string is unquoted by json.Unmarshal itself. Anything else it
// leaves: a top level that is not an object, nesting past maxObjectDepth
// (json.Unmarshal's own limit is 10,000 levels), any byte out of grammar.
func decodeObject(b []byte) (m map[string]any, ok bool) {
	// One string for the whole input: keys and string values are its
	// substrings, not an allocation each.
	d := objectDecoder{b: b, s: string(b)}
	d.space()
	if d.i >= len(b) || b[d.i] != '{' {
		return nil, false
	}
	v, ok := d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	if d.i != len(b) {
		return nil, false
	}
	m, ok = v.(map[string]any)
	return m, ok
}

// decodeStringObject is decodeObject for map[string]string: an object
// whose values are all strings. Any other value is left to json.Unmarshal.
func decodeStringObject(b []byte) (map[string]string, bool) {
	m, ok := decodeObject(b)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// maxObjectDepth is where decodeObject stops and leaves the input to
// json.Unmarshal; no webhook payload nests this deep.
const maxObjectDepth = 512

type objectDecoder struct {
	b []byte
	s string // b, which plain strings are cut from
	i int
}

func (d *objectDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *objectDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) || depth > maxObjectDepth {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *objectDecoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *objectDecoder) object(depth int) (any, bool) {
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		switch end, ok := d.separator('}'); {
		case !ok:
			return nil, false
		case end:
			return m, true
		}
	}
}

func (d *objectDecoder) array(depth int) (any, bool) {
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		switch end, ok := d.separator(']'); {
		case !ok:
			return nil, false
		case end:
			return a, true
		}
	}
}

// separator reads what follows a member or an element: a comma (end false)
// or the closing byte (end true); anything else is not ok.
func (d *objectDecoder) separator(closing byte) (end, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// str reads a string token. One with an escape or bytes that are not
// UTF-8 is unquoted by json.Unmarshal, which replaces invalid bytes as it
// does inside a document.
func (d *objectDecoder) str() (string, bool) {
	start := d.i
	d.i++ // "
	plain, ascii := true, true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			tok := d.b[start:d.i]
			if plain && (ascii || utf8.Valid(tok)) {
				return d.s[start+1 : d.i-1], true
			}
			var s string
			if json.Unmarshal(tok, &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			d.i += 2
		case c < 0x20:
			return "", false
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			d.i++
		}
	}
	return "", false
}

// number reads a JSON number (grammar checked here: strconv.ParseFloat
// accepts more) as float64.
func (d *objectDecoder) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !d.digits() {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

// digits reads one or more digits.
func (d *objectDecoder) digits() bool {
	n := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > n
}
