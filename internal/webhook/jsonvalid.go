package webhook

import "unicode/utf8"

// maxJSONDepth is encoding/json's nesting limit (its scanner's
// maxNestingDepth): a body nested deeper is not valid there, so not here.
const maxJSONDepth = 10000

// validJSON reports what utf8.Valid(b) && json.Valid(b) does, in one pass
// that goes through a string's plain bytes in a tight loop: json.Valid
// steps its state machine through a function call a byte, and was 40% of
// a 5 KiB delivery's CPU in BenchmarkReceive (BENCHMARKS.md, round
// eleven). FuzzValidJSON holds it to the two.
func validJSON(b []byte) bool {
	v := jsonValidator{b: b}
	v.space()
	if !v.value(0) {
		return false
	}
	v.space()
	return v.i == len(b)
}

type jsonValidator struct {
	b []byte
	i int
}

func (v *jsonValidator) space() {
	for v.i < len(v.b) {
		switch v.b[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

// value checks one value at v.i, depth being the arrays and objects open
// around it.
func (v *jsonValidator) value(depth int) bool {
	if v.i >= len(v.b) {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '{':
		return v.object(depth + 1)
	case c == '[':
		return v.array(depth + 1)
	case c == '"':
		return v.str()
	case c == '-' || ('0' <= c && c <= '9'):
		return v.number()
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	}
	return false
}

func (v *jsonValidator) literal(word string) bool {
	if len(v.b)-v.i < len(word) || string(v.b[v.i:v.i+len(word)]) != word {
		return false
	}
	v.i += len(word)
	return true
}

func (v *jsonValidator) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // {
	v.space()
	if v.i < len(v.b) && v.b[v.i] == '}' {
		v.i++
		return true
	}
	for {
		if v.i >= len(v.b) || v.b[v.i] != '"' || !v.str() {
			return false
		}
		v.space()
		if v.i >= len(v.b) || v.b[v.i] != ':' {
			return false
		}
		v.i++
		v.space()
		if !v.value(depth) {
			return false
		}
		if more, ok := v.afterMember('}'); !more {
			return ok
		}
	}
}

func (v *jsonValidator) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	v.i++ // [
	v.space()
	if v.i < len(v.b) && v.b[v.i] == ']' {
		v.i++
		return true
	}
	for {
		if !v.value(depth) {
			return false
		}
		if more, ok := v.afterMember(']'); !more {
			return ok
		}
	}
}

// str checks a string at v.i (its opening quote): control characters are
// refused, escapes must be JSON's, and the bytes must be UTF-8. Outside
// strings a byte of 0x80 or more is a syntax error already.
func (v *jsonValidator) str() bool {
	v.i++ // "
	b := v.b
	for v.i < len(b) {
		c := b[v.i]
		switch {
		case c == '"':
			v.i++
			return true
		case c == '\\':
			if v.i+1 >= len(b) {
				return false
			}
			switch b[v.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				v.i += 2
			case 'u':
				if len(b)-v.i < 6 || !isHex(b[v.i+2]) || !isHex(b[v.i+3]) || !isHex(b[v.i+4]) || !isHex(b[v.i+5]) {
					return false
				}
				v.i += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			v.i++
		default:
			r, size := utf8.DecodeRune(b[v.i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
			v.i += size
		}
	}
	return false
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// number checks -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?.
func (v *jsonValidator) number() bool {
	b := v.b
	if b[v.i] == '-' {
		v.i++
	}
	switch {
	case v.i >= len(b):
		return false
	case b[v.i] == '0':
		v.i++
	case '1' <= b[v.i] && b[v.i] <= '9':
		v.digits()
	default:
		return false
	}
	if v.i < len(b) && b[v.i] == '.' {
		v.i++
		if v.digits() == 0 {
			return false
		}
	}
	if v.i < len(b) && (b[v.i] == 'e' || b[v.i] == 'E') {
		v.i++
		if v.i < len(b) && (b[v.i] == '+' || b[v.i] == '-') {
			v.i++
		}
		if v.digits() == 0 {
			return false
		}
	}
	return true
}

func (v *jsonValidator) digits() int {
	start := v.i
	for v.i < len(v.b) && '0' <= v.b[v.i] && v.b[v.i] <= '9' {
		v.i++
	}
	return v.i - start
}

// afterMember reads what follows an object's member or an array's element:
// a comma, with the space after it (more follow), or end (the last one).
// ok is false for anything else.
func (v *jsonValidator) afterMember(end byte) (more, ok bool) {
	v.space()
	if v.i >= len(v.b) {
		return false, false
	}
	switch v.b[v.i] {
	case ',':
		v.i++
		v.space()
		return true, true
	case end:
		v.i++
		return false, true
	}
	return false, false
}
