package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// oldObjectToAPI is how a JSON object column was answered before it was
// passed through as stored: decoded into a map, {} for an empty column or
// one that does not decode (logged), null for JSON null.
func oldObjectToAPI[V any](s *Server, raw []byte, decode func() (map[string]V, error)) map[string]any {
	m, err := decode()
	if err != nil {
		s.corrupt(err)
	}
	if len(raw) == 0 || err != nil {
		return map[string]any{}
	}
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sameValue: got, the payload as now answered, is the JSON value want (the
// map the answer was encoded from before) as a client decodes it.
func sameValue(t *testing.T, what string, got json.RawMessage, want map[string]any) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(wire(t, got)), &g); err != nil {
		t.Fatalf("%s: the answer %s is not JSON: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(wire(t, want)), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, wire(t, got), wire(t, want))
	}
}

// answer is a payload encoded as writeJSON encodes an answer.
func answer(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decodeAny(t *testing.T, what string, b []byte, useNumber bool) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	if useNumber {
		d.UseNumber()
	}
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %s does not decode: %v", what, b, err)
	}
	return v
}

// rawCase is a stored JSON object column and what the map round trip made
// of it.
type rawCase struct {
	name, stored string
	sameBytes    bool // the encoder's own form: byte for byte as before
	corrupt      bool // refused before, and logged
}

// checkRawAnswers: for each case, every pair (the answer from a map before,
// the answer now) that pairs gives is valid UTF-8 JSON; decoded as the
// provider, the CLI and a browser decode it (numbers as float64) it is the
// value the map round trip answered; in the encoder's own form it is the
// very same bytes; what the round trip accepted is answered with the
// stored value (every digit); and what it refused is logged as before,
// naming the record and field, never the stored bytes.
func checkRawAnswers(t *testing.T, cases []rawCase, field string, pairs func(before, now *Server, stored []byte) map[string][2]any) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var oldLog, newLog bytes.Buffer
			before := &Server{log: slog.New(slog.NewTextHandler(&oldLog, nil))}
			now := &Server{log: slog.New(slog.NewTextHandler(&newLog, nil))}
			stored := []byte(c.stored)
			for what, p := range pairs(before, now, stored) {
				oldAnswer := answer(t, struct {
					V any `json:"v"`
				}{p[0]})
				newAnswer := answer(t, struct {
					V any `json:"v"`
				}{p[1]})
				if !json.Valid(newAnswer) || !utf8.Valid(newAnswer) {
					t.Fatalf("%s: the answer is not valid UTF-8 JSON: %q", what, newAnswer)
				}
				if c.sameBytes && !bytes.Equal(newAnswer, oldAnswer) {
					t.Errorf("%s: answered\n%s\nwas\n%s", what, newAnswer, oldAnswer)
				}
				if got, want := decodeAny(t, what, newAnswer, false), decodeAny(t, what, oldAnswer, false); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: decoded, the answer is\n%#v\nwas\n%#v", what, got, want)
				}
				if !c.corrupt && utf8.Valid(stored) && len(stored) > 0 && !c.sameBytes {
					// Every digit as stored: json.Number keeps the spelling.
					top, _ := decodeAny(t, what, newAnswer, true).(map[string]any)
					if want := decodeAny(t, "stored", stored, true); !reflect.DeepEqual(top["v"], want) {
						t.Errorf("%s: the answer's value is\n%#v\nstored\n%#v", what, top["v"], want)
					}
				}
			}
			if logged := newLog.Len() > 0; logged != c.corrupt || (oldLog.Len() > 0) != c.corrupt {
				t.Errorf("logged %v (before: %v), want %v:\n%s", logged, oldLog.Len() > 0, c.corrupt, newLog.String())
			}
			if c.corrupt && !strings.Contains(newLog.String(), ": "+field+": corrupt column") {
				t.Errorf("the log does not name the field %s:\n%s", field, newLog.String())
			}
			if len(c.stored) > 6 && strings.Contains(newLog.String(), c.stored) {
				t.Errorf("the log carries the stored bytes:\n%s", newLog.String())
			}
		})
	}
}

var rawAt = time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)

// TestRawPayloadsAnswerTheSameValue: an event's payload (an event's raw,
// a stage event's trigger payload) is answered from the stored bytes
// instead of through a map, with the same JSON value for every form a
// stored payload can take (checkRawAnswers); digits the round trip lost
// (integers beyond 2^53) are now answered as stored, keys in the stored
// order.
func TestRawPayloadsAnswerTheSameValue(t *testing.T) {
	deep := strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300)
	cases := []rawCase{
		{name: "nothing", stored: ``, sameBytes: true},
		{name: "null", stored: `null`, sameBytes: true},
		{name: "empty", stored: `{}`, sameBytes: true},
		{name: "nested arrays", stored: `{"a":[1,[2,[3,[]]],{"b":null}],"b":true,"c":"x","d":` + deep + `}`, sameBytes: true},
		{name: "unicode and html", stored: `{"html":"<a href=\"x\">&amp;</a>","ls":"a` + "\u2028" + `b","uni":"café ☃ 😀 中文"}`, sameBytes: true},
		{name: "a GitHub push", stored: string(benchPushPayloadSorted), sameBytes: true},
		{name: "sender's key order", stored: `{"z":{"y":[{"b":1,"a":2}]},"a":[[[]]],"m":{}}`},
		{name: "whitespace", stored: "{ \"b\" : 1 ,\n\t\"a\" : [ 1 , 2 ] }\n"},
		{name: "big integers", stored: `{"big":12345678901234567890,"id":9007199254740993,"neg":-9007199254740993,"u64":18446744073709551615}`},
		{name: "numbers spelt otherwise", stored: `{"e":1e2,"f":1.50,"max":1.7976931348623157e308,"p":0.1,"tiny":5e-324,"z":-0,"E":2E-3}`},
		{name: "escaped unicode", stored: `{"ctl":"\u0000\t\n","e":"caf\u00e9","q":"\"\\\/","s":"\ud83d\ude00","lone":"\ud800x"}`},
		{name: "duplicate keys", stored: `{"a":1,"b":{"c":1,"c":[2]},"a":2}`},
		{name: "invalid UTF-8", stored: "{\"s\":\"caf\xc3\xa9 \xff\xfe\",\"a\":1}", sameBytes: true},
		{name: "a list", stored: `[1,2]`, sameBytes: true, corrupt: true},
		{name: "a string", stored: `"push"`, sameBytes: true, corrupt: true},
		{name: "a number", stored: `12`, sameBytes: true, corrupt: true},
		{name: "truncated", stored: `{"a":`, sameBytes: true, corrupt: true},
		{name: "two objects", stored: `{"a":1}{}`, sameBytes: true, corrupt: true},
		{name: "trailing NUL", stored: "{\"n\": 1.50 }\x00", sameBytes: true, corrupt: true},
	}
	t.Run("event raw", func(t *testing.T) {
		checkRawAnswers(t, cases, "raw", func(before, now *Server, stored []byte) map[string][2]any {
			ev := store.Event{ID: "ev-1", ReceivedAt: rawAt, Raw: stored}
			return map[string][2]any{"event raw": {oldObjectToAPI(before, ev.Raw, ev.DecodeRaw), now.eventToAPI(ev).Raw}}
		})
	})
	t.Run("trigger payload", func(t *testing.T) {
		checkRawAnswers(t, cases, "trigger payload", func(before, now *Server, stored []byte) map[string][2]any {
			se := store.StageEvent{ID: "se-1", CreatedAt: rawAt, TriggerPayload: stored}
			return map[string][2]any{"trigger payload": {oldObjectToAPI(before, se.TriggerPayload, se.DecodeTriggerPayload), now.stageEventToAPI(se).TriggerEvent.Raw}}
		})
	})

	// The digits the map round trip lost.
	s := &Server{log: slog.New(slog.DiscardHandler)}
	got := answer(t, s.eventToAPI(store.Event{ID: "ev-2", ReceivedAt: rawAt, Raw: []byte(`{"id":12345678901234567890}`)}))
	if !bytes.Contains(got, []byte(`"raw":{"id":12345678901234567890}`)) {
		t.Errorf("the answer lost the payload's digits: %s", got)
	}
	// A client reads the payload as it read the map: RawObject.
	var back api.Event
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if m, err := back.RawObject(); err != nil || m["id"] != float64(12345678901234567890) {
		t.Errorf("RawObject = %v, %v", m, err)
	}
	if m, err := (api.Event{Raw: json.RawMessage(`null`)}).RawObject(); m != nil || err != nil {
		t.Errorf("RawObject of null = %v, %v; want nil", m, err)
	}
}

// headerCases are the forms stored headers can take.
var headerCases = []rawCase{
	{name: "nothing", stored: ``, sameBytes: true},
	{name: "null", stored: `null`, sameBytes: true},
	{name: "empty", stored: `{}`, sameBytes: true},
	{name: "as the receiver stores them", stored: string(benchHeadersSorted), sameBytes: true},
	{name: "unicode and html", stored: `{"user-agent":"a<b>&c ` + "\u2028" + `","x-name":"café ☃"}`, sameBytes: true},
	{name: "unsorted", stored: `{"x-b":"1","x-a":"2"}`},
	{name: "whitespace", stored: " {\n \"a\" :\t\"1\" , \"b\":\"\" }\r\n"},
	{name: "escapes", stored: `{"e":"caf\u00e9\n\"q\" \\ \/ \b\f\r\t","s":"\uD83D\uDE00","lone":"\udc00"}`},
	{name: "duplicate keys", stored: `{"a":"1","a":"2"}`},
	{name: "a null value", stored: `{"b":"x","a":null}`, sameBytes: true},
	{name: "invalid UTF-8", stored: "{\"a\":\"caf\xc3\xa9 \xff\"}", sameBytes: true},
	{name: "a number value", stored: `{"a":1}`, sameBytes: true, corrupt: true},
	{name: "an object value", stored: `{"a":{"b":"c"}}`, sameBytes: true, corrupt: true},
	{name: "a list", stored: `["a"]`, sameBytes: true, corrupt: true},
	{name: "truncated", stored: `{"a":"b"`, sameBytes: true, corrupt: true},
	{name: "trailing bytes", stored: `{"a":"b"}x`, sameBytes: true, corrupt: true},
	{name: "a control character", stored: "{\"a\":\"b\x01\"}", sameBytes: true, corrupt: true},
	{name: "a bad escape", stored: `{"a":"\q"}`, sameBytes: true, corrupt: true},
	{name: "a short unicode escape", stored: `{"a":"\u12"}`, sameBytes: true, corrupt: true},
	{name: "a trailing comma", stored: `{"a":"b",}`, sameBytes: true, corrupt: true},
}

// TestRawHeadersAnswerTheSameValue: an event's headers (an event's, a
// stage event's trigger headers) are answered from the stored bytes, with
// the same JSON value for every form stored headers can take
// (checkRawAnswers); headers as the receiver stores them (encoded from a
// map, so sorted) are answered with the same bytes as before.
func TestRawHeadersAnswerTheSameValue(t *testing.T) {
	t.Run("event headers", func(t *testing.T) {
		checkRawAnswers(t, headerCases, "headers", func(before, now *Server, stored []byte) map[string][2]any {
			ev := store.Event{ID: "ev-1", ReceivedAt: rawAt, Headers: stored}
			return map[string][2]any{"event headers": {oldObjectToAPI(before, ev.Headers, ev.DecodeHeaders), now.eventToAPI(ev).Headers}}
		})
	})
	t.Run("trigger headers", func(t *testing.T) {
		checkRawAnswers(t, headerCases, "trigger headers", func(before, now *Server, stored []byte) map[string][2]any {
			se := store.StageEvent{ID: "se-1", CreatedAt: rawAt, TriggerHeaders: stored}
			return map[string][2]any{"trigger headers": {oldObjectToAPI(before, se.TriggerHeaders, se.DecodeTriggerHeaders), now.stageEventToAPI(se).TriggerEvent.Headers}}
		})
	})
	var back api.Event
	if err := json.Unmarshal(answer(t, api.Event{Headers: benchHeadersSorted}), &back); err != nil {
		t.Fatal(err)
	}
	if h, err := back.HeaderMap(); err != nil || h["x-github-event"] != "push" {
		t.Errorf("HeaderMap = %v, %v", h, err)
	}
}

// stringObjectReference is what isStringObject must say: the bytes are
// JSON that decodes into a map[string]string from an object holding only
// strings.
func stringObjectReference(b []byte) bool {
	var generic map[string]any
	if !json.Valid(b) || json.Unmarshal(b, &generic) != nil || generic == nil {
		return false
	}
	for _, v := range generic {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// TestIsStringObject: the one-pass check of the headers' shape agrees with
// encoding/json on every header case and on the fuzz corpus's seeds.
func TestIsStringObject(t *testing.T) {
	for _, c := range headerCases {
		if b := []byte(c.stored); isStringObject(b) != stringObjectReference(b) {
			t.Errorf("%s: isStringObject(%q) = %v", c.name, c.stored, isStringObject(b))
		}
	}
	for _, seed := range stringObjectSeeds {
		if b := []byte(seed); isStringObject(b) != stringObjectReference(b) {
			t.Errorf("isStringObject(%q) = %v", seed, isStringObject(b))
		}
	}
}

var stringObjectSeeds = []string{``, ` `, `{`, `}`, `{}`, ` { } `, `{"":""}`, `{"a":"b","c":"d"}`, `{"a" "b"}`, `{"a":"b" "c":"d"}`,
	`{"a":"b",,"c":"d"}`, `{,}`, `{"a"}`, `{"a":}`, `{:"b"}`, `{"a":"b"}}`, `{{}}`, `{"a":"\u00e9"}`, `{"a":"\u00G9"}`,
	`{"a":"\u"}`, `{"a":"\"}`, `{"a":"\\"}`, `{"\"":"\""}`, `{'a':'b'}`, `{"a":true}`, `{"a":[]}`, `null`, `"a"`,
	"{\"a\":\"\t\"}", "{\"a\":\"\x7f\"}", `{"a":"b"} `, `{"a":"b"}` + "\x00"}

// FuzzIsStringObject: go test -fuzz FuzzIsStringObject ./internal/server/
// looks for bytes on which the one-pass check and encoding/json disagree.
func FuzzIsStringObject(f *testing.F) {
	for _, c := range headerCases {
		f.Add([]byte(c.stored))
	}
	for _, seed := range stringObjectSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := isStringObject(b), stringObjectReference(b); got != want {
			t.Errorf("isStringObject(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

// benchHeadersSorted are a GitHub delivery's headers as the receiver stores
// them: encoded from a map, so sorted.
var benchHeadersSorted = []byte(`{"content-type":"application/json","user-agent":"GitHub-Hookshot/5f1c2a0",` +
	`"x-github-delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","x-github-event":"push","x-github-hook-id":"292430182"}`)

// benchPushPayloadSorted is a GitHub push as the map round trip answered
// it: keys sorted.
var benchPushPayloadSorted = func() []byte {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",`+
		`"repository":{"id":1296269,"name":"app","full_name":"acme/app","private":true},"labels":["release","backend"],`+
		`"head_commit":{"message":"Release 1.2.3 <fast> & small","added":[],"modified":["a.go","b.go"]}}`), &m); err != nil {
		panic(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}()
