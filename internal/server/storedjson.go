package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The wire encoding of what the store keeps as JSON. A column that does not
// decode is logged with its record, id and field, and the answer carries
// the field's empty value: a reader never fails because of one damaged row,
// which would turn every listing of its canvas into a 500.

// corrupt logs a stored column that does not decode (a *store.CorruptError
// names the record, its id and the field, never the stored bytes).
func (s *Server) corrupt(err error) {
	s.log.Error("stored data does not decode; answering with the field empty", slog.String("error", err.Error()))
}

// listToAPI is the JSON list column raw, decoded by decode, on the wire:
// [] for an empty column or one that does not decode (logged), null for a
// column holding JSON null (as the answer always was), each element
// converted otherwise.
func listToAPI[S, A any](s *Server, raw []byte, decode func() ([]S, error), conv func(S) A) []A {
	list, err := decode()
	if err != nil {
		s.corrupt(err)
	}
	if len(raw) == 0 || err != nil {
		return []A{}
	}
	if list == nil {
		return nil
	}
	out := make([]A, 0, len(list))
	for _, v := range list {
		out = append(out, conv(v))
	}
	return out
}

// rawObjectToAPI is the JSON object column raw (an event's payload or
// headers) on the wire as it is stored, without decoding it: a list of
// executions spent half its time decoding each trigger payload and its
// headers into maps and encoding the maps again. The answer is the same
// JSON value as that round trip gave (encoding/json compacts the bytes and
// escapes <, > and & as it did): {} for an empty column, null for JSON
// null, the stored object otherwise; only its keys keep the stored order
// and its numbers their digits. valid says the stored bytes have decode's
// shape; what is not valid UTF-8 or not of that shape takes the old path
// through decode, so the answer stays what it was: a column that does not
// decode is {} (and logged), invalid UTF-8 is replaced by U+FFFD.
func rawObjectToAPI[V any](s *Server, raw []byte, valid func([]byte) bool, decode func() (map[string]V, error)) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(`{}`)
	}
	if utf8.Valid(raw) && (valid(raw) || isNull(raw)) {
		return raw
	}
	m, err := decode()
	if err != nil {
		s.corrupt(err)
		return json.RawMessage(`{}`)
	}
	if m == nil {
		return json.RawMessage(`null`)
	}
	b, err := json.Marshal(m)
	if err != nil {
		// Unreachable: a map decoded from JSON encodes.
		s.corrupt(err)
		return json.RawMessage(`{}`)
	}
	return b
}

// isObject reports whether b is one JSON object: the shape a payload
// (map[string]any) decodes from.
func isObject(b []byte) bool {
	i := skipSpace(b, 0)
	return i < len(b) && b[i] == '{' && json.Valid(b)
}

// wireObject says whether raw is what the answer carries exactly as
// stored: one JSON object, valid UTF-8, with no whitespace outside its
// strings and no character encoding/json escapes in a json.RawMessage (<,
// >, &, U+2028, U+2029), nested at most wireDepth deep; with stringValues,
// every value a string (headers' shape). Then rawObjectToAPI returns raw
// and appendRaw copies it: the answer is raw (TestWireObjectIsTheLongWay).
// It decides in one pass what json.Valid, utf8.Valid and compactJSON took
// three for; false is also its answer for what it does not check exactly
// (deeper nesting), which then takes that long way.
func wireObject(raw []byte, stringValues bool) bool {
	const (
		wantValue = iota
		wantKey
		wantColon
		wantNext // a comma or the closing bracket
	)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var closing [wireDepth]byte // of the open objects and arrays
	depth, state := 0, wantValue
	for i := 0; i < len(raw); {
		c := raw[i]
		switch state {
		case wantValue:
			switch {
			case c == '{' || c == '[':
				if depth == len(closing) || stringValues && depth > 0 {
					return false
				}
				closing[depth] = c + 2 // } and ] follow { and [ two apart
				depth++
				i++
				switch {
				case i < len(raw) && raw[i] == c+2: // empty
					depth--
					i++
					state = wantNext
				case c == '{':
					state = wantKey
				}
				continue
			case c == '"':
				var ok bool
				if i, ok = wireString(raw, i); !ok {
					return false
				}
			case stringValues:
				return false
			case c == '-' || '0' <= c && c <= '9':
				var ok bool
				if i, ok = wireNumber(raw, i); !ok {
					return false
				}
			case bytes.HasPrefix(raw[i:], []byte("true")), bytes.HasPrefix(raw[i:], []byte("null")):
				i += 4
			case bytes.HasPrefix(raw[i:], []byte("false")):
				i += 5
			default:
				return false
			}
			state = wantNext
		case wantKey:
			var ok bool
			if c != '"' {
				return false
			}
			if i, ok = wireString(raw, i); !ok {
				return false
			}
			state = wantColon
		case wantColon:
			if c != ':' {
				return false
			}
			i++
			state = wantValue
		case wantNext:
			switch {
			case depth == 0: // bytes after the object
				return false
			case c == ',':
				i++
				state = wantValue
				if closing[depth-1] == '}' {
					state = wantKey
				}
			case c == closing[depth-1]:
				depth--
				i++
			default:
				return false
			}
		}
	}
	return depth == 0 && state == wantNext
}

// wireDepth bounds wireObject's nesting; payloads nested deeper take the
// long way.
const wireDepth = 32

// wireString is the index after the JSON string that starts at raw[i], and
// whether it is one that a json.RawMessage's encoding leaves as it is:
// valid UTF-8, JSON's escapes only, no control character, no <, >, &,
// U+2028 or U+2029.
func wireString(raw []byte, i int) (int, bool) {
	for i++; i < len(raw); {
		switch c := raw[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20, c == '<', c == '>', c == '&':
			return i, false
		case c == '\\':
			j, ok := skipEscape(raw, i)
			if !ok {
				return i, false
			}
			i = j
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				return i, false
			}
			i += size
		}
	}
	return i, false
}

// skipEscape is the index after the escape that starts at raw[i] (a
// backslash), and whether it is one of JSON's.
func skipEscape(raw []byte, i int) (int, bool) {
	if i+1 >= len(raw) {
		return i, false
	}
	switch raw[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, true
	case 'u':
		if i+6 > len(raw) {
			return i, false
		}
		for _, h := range raw[i+2 : i+6] {
			if !isHex(h) {
				return i, false
			}
		}
		return i + 6, true
	}
	return i, false
}

// wireNumber is the index after the JSON number that starts at raw[i], and
// whether one does: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func wireNumber(raw []byte, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		start := i
		for i < len(raw) && '0' <= raw[i] && raw[i] <= '9' {
			i++
		}
		return i, i > start
	}
	if raw[i] == '-' {
		i++
	}
	switch {
	case i < len(raw) && raw[i] == '0':
		i++
	default:
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	if i < len(raw) && raw[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return i, false
		}
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	return i, true
}

// isNull reports whether b is JSON null.
func isNull(b []byte) bool {
	return string(bytes.TrimSpace(b)) == "null"
}

// isStringObject reports whether b is one JSON object whose values are all
// strings, the shape headers (map[string]string) decode from. It checks
// the JSON grammar of that shape itself, in one pass: json.Valid and a
// second look at the values would take two.
func isStringObject(b []byte) bool {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for range len(b) { // each round consumes at least one byte
		var ok bool
		if i, ok = skipString(b, i); !ok { // the key
			return false
		}
		if i = skipSpace(b, i); i == len(b) || b[i] != ':' {
			return false
		}
		if i, ok = skipString(b, skipSpace(b, i+1)); !ok { // the value
			return false
		}
		if i = skipSpace(b, i); i == len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
	return false
}

// skipSpace is the index of the first byte from i on that is not JSON
// whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString is the index after the JSON string that starts at b[i], and
// whether one does: no control characters, only JSON's escapes.
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i++; i == len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return i, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func keyValueToAPI(kv store.KeyValue) api.KeyValuePair {
	return api.KeyValuePair{Name: kv.Name, Value: kv.Value}
}

func outputToAPI(kv store.KeyValue) api.OutputValue {
	return api.OutputValue{Name: kv.Name, Value: kv.Value}
}

func approvalToAPI(a store.Approval) api.StageEventApproval {
	return api.StageEventApproval{ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt}
}

func resourceToAPI(r store.Resource) api.ExecutionResource {
	return api.ExecutionResource{ID: r.ID, Type: r.Type, State: r.State, Result: r.Result}
}

// stageSpec is the one place the server decodes a stage's spec.
func (s *Server) stageSpec(st store.Stage) *api.StageSpec {
	spec, _ := s.decodeStageSpec(st)
	return spec
}

// decodeStageSpec is st's spec decoded, and whether it decoded: a spec that
// does not is logged and answered empty.
func (s *Server) decodeStageSpec(st store.Stage) (*api.StageSpec, bool) {
	spec, err := store.DecodeJSON[api.StageSpec]("stage", st.ID, "spec", st.Spec)
	if err != nil {
		s.corrupt(err)
		return &spec, false
	}
	return &spec, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
