package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// maxBodyBytes bounds every API request body.
const maxBodyBytes = 1 << 20

// decodeOptionalBody is decodeBody for routes whose body may be left out
// (v1 clients send none): an empty body leaves v as it is.
func decodeOptionalBody(r *http.Request, v any) error {
	body, err := readRequestBody(r, maxBodyBytes)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// decodeBody reads a JSON object into v. The contract accepts snake_case
// field names as well as lowerCamelCase, and ignores unknown fields. Errors
// name the field that is wrong.
func decodeBody(r *http.Request, v any) error {
	return decodeBodyUpTo(r, maxBodyBytes, v)
}

// decodeBodyUpTo is decodeBody for a route whose own limit is limit.
func decodeBodyUpTo(r *http.Request, limit int64, v any) error {
	body, err := readRequestBody(r, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("request body is required")
	}
	return decodeJSON(body, v)
}

// decodeJSON is decodeBody's work on the body read. A body with no key
// that camelize could rename is decoded once, straight into v; any other
// body, and any body that fails that decode, takes the general path, whose
// answers (and error messages) are therefore the only ones a client sees.
func decodeJSON(body []byte, v any) error {
	if decodeDirect(body, v) {
		return nil
	}
	return decodeNormalized(body, v)
}

// decodeDirect decodes body into v in one pass and reports whether it did,
// when that gives what decodeNormalized would: a JSON object in valid UTF-8
// with no key that camelize could rename. On false, v may be partly written;
// decodeNormalized then fails as well (the same keys, values and syntax), so
// its error is the answer.
func decodeDirect(body []byte, v any) bool {
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return false
	}
	if mayRenameKey(body, camelFields(reflect.TypeOf(v))) || !utf8.Valid(body) {
		return false
	}
	return json.Unmarshal(body, v) == nil
}

// camelFieldsOf caches camelFields by type.
var camelFieldsOf sync.Map // reflect.Type -> map[string]bool

// camelFields is the JSON name of every field of t and of the struct types
// its fields hold (through pointers, slices, arrays and maps): every name
// camelize could rename a key to, wherever the key is.
func camelFields(t reflect.Type) map[string]bool {
	if f, ok := camelFieldsOf.Load(t); ok {
		if m, ok := f.(map[string]bool); ok {
			return m
		}
	}
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if name := strings.Split(f.Tag.Get("json"), ",")[0]; name != "" && name != "-" {
				names[name] = true
			}
			walk(f.Type)
		}
	}
	walk(t)
	camelFieldsOf.Store(t, names)
	return names
}

// mayRenameKey reports whether a key of the JSON text body, at any depth,
// is one camelize could rename: a key holding "_" whose lowerCamelCase
// form is in fields, or a key holding a backslash escape (which could
// spell anything). It reads strings only: a string followed by ":" is a
// key. So a secret's data keys (DB_URL) leave the one-pass decode open.
// On text that is not JSON it may answer either way; the decode that
// follows rejects such text.
func mayRenameKey(body []byte, fields map[string]bool) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		snake, escaped := false, false
		j := i + 1
		for ; j < len(body) && body[j] != '"'; j++ {
			switch body[j] {
			case '_':
				snake = true
			case '\\':
				escaped = true
				j++ // the escaped byte cannot end the string
			}
		}
		start := i + 1
		i = j // the closing quote
		if !snake && !escaped {
			continue
		}
		k := j + 1
		for k < len(body) && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r' || body[k] == '\n') {
			k++
		}
		if k >= len(body) || body[k] != ':' {
			continue
		}
		if escaped || fields[snakeToCamel(string(body[start:min(j, len(body))]))] {
			return true
		}
	}
	return false
}

// decodeNormalized decodes body generically, renames snake_case keys to the
// lowerCamelCase names of v's type (camelize), and decodes the result into
// v: three passes, for bodies decodeDirect does not take.
func decodeNormalized(body []byte, v any) error {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return invalid("request body is not valid JSON: %s", jsonErrorText(err))
	}
	if dec.More() {
		return invalid("request body must hold a single JSON object")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return invalid("request body must be a JSON object")
	}
	// JSON is UTF-8 (RFC 8259). encoding/json would silently turn invalid
	// bytes into U+FFFD, changing a secret value or a name without a word.
	if !utf8.Valid(body) {
		return invalid("field %s: not valid UTF-8", invalidUTF8Field(body))
	}
	camelize(obj, reflect.TypeOf(v))
	norm, err := json.Marshal(obj)
	if err != nil {
		return invalid("request body is not valid JSON")
	}
	if err := json.Unmarshal(norm, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			return invalid("field %s: expected %s, got %s", field, te.Type.String(), te.Value)
		}
		return invalid("request body: %s", jsonErrorText(err))
	}
	return nil
}

// invalidUTF8Field returns the path (a.b[2].c) of the key or string value
// that holds the first invalid UTF-8 byte of body, a valid JSON object.
func invalidUTF8Field(body []byte) string {
	bad := int64(len(body))
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n <= 1 {
			bad = int64(i)
			break
		}
		i += n
	}
	// One frame per open object or array: the key or index being read.
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	path := func(stack []frame) string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(strings.ToValidUTF8(f.key, "\uFFFD"))
			} else {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "body"
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			if top > 0 && stack[top-1].object {
				stack[top-1].wantKey = true
			}
			continue
		}
		isKey := top >= 0 && stack[top].object && stack[top].wantKey
		switch {
		case isKey:
			stack[top].key, _ = tok.(string)
			stack[top].wantKey = false
		case top >= 0 && !stack[top].object:
			stack[top].index++
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', index: -1})
			continue
		}
		if dec.InputOffset() > bad {
			return path(stack)
		}
		if !isKey && top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return err.Error()
}

// camelize renames snake_case keys of obj to the lowerCamelCase JSON names
// of the struct type t, recursing only into struct-typed fields so that the
// keys of free-form maps (a secret's data) are never touched.
func camelize(obj map[string]any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
	}
	for k, val := range obj {
		name := k
		if _, ok := fields[k]; !ok && strings.Contains(k, "_") {
			if c := snakeToCamel(k); fields[c] != nil {
				if _, taken := obj[c]; !taken {
					delete(obj, k)
					obj[c] = val
					name = c
				}
			}
		}
		ft, ok := fields[name]
		if !ok {
			continue
		}
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() != reflect.Struct {
			continue
		}
		switch child := val.(type) {
		case map[string]any:
			camelize(child, ft)
		case []any:
			for _, item := range child {
				if m, ok := item.(map[string]any); ok {
					camelize(m, ft)
				}
			}
		}
	}
}

func snakeToCamel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
