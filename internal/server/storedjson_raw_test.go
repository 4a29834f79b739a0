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

// TestRawPayloadsAnswerTheSameValue: an event's payload (an event's raw,
// a stage event's trigger payload) is answered from the stored bytes
// instead of through a map. For every form a stored payload can take, the
// answer is valid UTF-8 JSON; decoded as the provider, the CLI and a
// browser decode it (numbers as float64), it is the value the map round
// trip answered; a payload already in the encoder's form (sorted keys,
// compact, Go's spelling of numbers and strings) is answered with the very
// same bytes; digits the round trip lost (integers beyond 2^53) are now
// answered as stored; and what the round trip refused (not an object, not
// JSON, invalid UTF-8) is answered exactly as before, and logged as before.
func TestRawPayloadsAnswerTheSameValue(t *testing.T) {
	deep := strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300)
	cases := []struct {
		name, stored string
		sameBytes    bool // the encoder's own form: byte for byte as before
		corrupt      bool // refused before, and logged
	}{
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
	at := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var oldLog, newLog bytes.Buffer
			before := &Server{log: slog.New(slog.NewTextHandler(&oldLog, nil))}
			now := &Server{log: slog.New(slog.NewTextHandler(&newLog, nil))}
			stored := []byte(c.stored)
			ev := store.Event{ID: "ev-1", ReceivedAt: at, Raw: stored}
			se := store.StageEvent{ID: "se-1", CreatedAt: at, TriggerPayload: stored}
			for _, p := range []struct {
				what string
				old  map[string]any
				new  json.RawMessage
			}{
				{"event raw", objectToAPI(before, ev.Raw, ev.DecodeRaw), now.eventToAPI(ev).Raw},
				{"trigger payload", objectToAPI(before, se.TriggerPayload, se.DecodeTriggerPayload), now.stageEventToAPI(se).TriggerEvent.Raw},
			} {
				oldAnswer := answer(t, struct {
					Raw map[string]any `json:"raw"`
				}{p.old})
				newAnswer := answer(t, struct {
					Raw json.RawMessage `json:"raw"`
				}{p.new})
				if !json.Valid(newAnswer) || !utf8.Valid(newAnswer) {
					t.Fatalf("%s: the answer is not valid UTF-8 JSON: %q", p.what, newAnswer)
				}
				if c.sameBytes && !bytes.Equal(newAnswer, oldAnswer) {
					t.Errorf("%s: answered\n%s\nwas\n%s", p.what, newAnswer, oldAnswer)
				}
				if got, want := decodeAny(t, p.what, newAnswer, false), decodeAny(t, p.what, oldAnswer, false); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: decoded, the answer is\n%#v\nwas\n%#v", p.what, got, want)
				}
				if !c.corrupt && utf8.Valid(stored) && len(stored) > 0 {
					// Every digit as stored: json.Number keeps the spelling.
					top, _ := decodeAny(t, p.what, newAnswer, true).(map[string]any)
					got := top["raw"]
					if want := decodeAny(t, "stored", stored, true); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: the answer's payload is\n%#v\nstored\n%#v", p.what, got, want)
					}
				}
			}
			if logged := newLog.Len() > 0; logged != c.corrupt || (oldLog.Len() > 0) != c.corrupt {
				t.Errorf("logged %v (before: %v), want %v:\n%s", logged, oldLog.Len() > 0, c.corrupt, newLog.String())
			}
			if c.corrupt && !strings.Contains(newLog.String(), "event ev-1: raw: corrupt column") {
				t.Errorf("the log does not name the event and field:\n%s", newLog.String())
			}
			if len(c.stored) > 6 && strings.Contains(newLog.String(), c.stored) {
				t.Errorf("the log carries the stored payload:\n%s", newLog.String())
			}
		})
	}

	// The digits the map round trip lost.
	s := &Server{log: slog.New(slog.DiscardHandler)}
	got := answer(t, s.eventToAPI(store.Event{ID: "ev-2", ReceivedAt: at, Raw: []byte(`{"id":12345678901234567890}`)}))
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
