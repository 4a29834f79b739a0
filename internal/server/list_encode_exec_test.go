package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Stored list columns and trigger payloads as a list may read them: empty,
// null, padded, corrupt, of another shape, and full of text the encoder
// escapes.
var (
	storedLists = [][]byte{nil, []byte(`[]`), []byte(`null`), []byte(` [ ] `), []byte(`[{`), []byte(`{}`), []byte(`"x"`),
		[]byte(`[{"name":"a<b>&c","value":"line\u2028sep \"q\" é"},{"name":"","value":""}]`),
		[]byte(`[{"id":"run-1","type":"workflow","state":"STATE_FINISHED","result":"RESULT_PASSED"},{}]`),
		[]byte(`[{"approvedBy":"u-1","approvedAt":"2026-12-07T03:04:05.123456Z"},{"approvedBy":"u-2"},{"approvedAt":"2026-12-07T08:34:05+05:30"}]`),
		[]byte("[{\"name\":\"bad \xff utf-8\",\"value\":\"tab\\tcontrol\"}]")}
	storedObjects = func() [][]byte {
		out := [][]byte{nil, []byte(`[1]`), []byte(`"str"`), []byte(`{`), []byte(`{"a":1}x`), []byte(`{"a":null}`), []byte(`{"a":1,"a":2}`),
			[]byte(`{"n":-0.5e+10,"m":0,"o":1E3,"p":-12.0}`), []byte(`{"bad":01}`), []byte(`{"bad":1.}`), []byte(`{"bad":tru}`),
			[]byte(`{"esc":"\u00e9\/\b\f\n\r\t\"\\"}`), []byte(`{"bad":"\x"}`), []byte(`{"bad":"\u12"}`), []byte("{\"ctl\":\"\x01\"}"),
			[]byte("{\"utf8\":\"\xc3\"}"), []byte("{\"surrogate\":\"\xed\xa0\x80\"}"), []byte("{\"key\xff\":\"v\"}"),
			[]byte(`{"a":[1,]}`), []byte(`{"a":1,}`), []byte(`{,}`), []byte(`{"a" :1}`), []byte(`{"a":[]}`), []byte(`{"a":{}}`),
			[]byte(`{"deep":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`),
			[]byte(`{"h":"v","i":""}`), []byte(`{"h":1}`), []byte(`{"h":{"x":"y"}}`), []byte(`{"h":["y"]}`), []byte(`{"h":true}`),
			benchPushPayloadForTests, benchPushHeadersForTests}
		for _, raw := range listRaws {
			out = append(out, raw)
		}
		return out
	}()
)

var (
	benchPushPayloadForTests = []byte(`{"ref":"refs/heads/main","repository":{"id":1296269,"private":true,"html_url":"https://github.com/acme/app"},` +
		`"head_commit":{"message":"Release 1.2.3: faster","added":[],"modified":["internal/server/engine.go"]},"labels":["release"],"n":null}`)
	benchPushHeadersForTests = []byte(`{"content-type":"application/json","x-github-event":"push","x-github-hook-id":"292430182"}`)
)

// storedExecutions is a page of executions as the store reads them, over
// the values the list's encoder must answer as executionToAPI does.
func storedExecutions() []service.Execution {
	var out []service.Execution
	for i := range 90 {
		s := func(k int) string { return pick(listStrings, i+k) }
		at := func(k int) (t time.Time) {
			if p := pick(listTimes, i+k); p != nil {
				t = *p
			}
			return t
		}
		ex := store.Execution{ID: s(0), StageEventID: s(1), State: s(2), Result: s(3), ResultReason: s(4), ResultMessage: s(5),
			Outputs: pick(storedLists, i), Resources: pick(storedLists, i+1), CreatedAt: at(0), StartedAt: at(1),
			FinishedAt: at(2), CancelledAt: at(3)}
		ev := &store.StageEvent{ID: s(1), Connection: s(2), TriggerSourceType: pick([]string{api.ConnectionTypeEventSource,
			api.ConnectionTypeStage, api.ConnectionTypeConnectionGroup, "", s(3)}, i), TriggerSourceID: s(4), TriggerSourceName: s(5),
			TriggerEventID: s(6), TriggerType: s(7), TriggerPayload: pick(storedObjects, i), TriggerHeaders: pick(storedObjects, i+5),
			State: s(0), StateReason: s(1), Inputs: pick(storedLists, i+2), Approvals: pick(storedLists, i+3),
			DiscardedBy: s(2), DiscardedAt: at(4), CreatedAt: at(5)}
		if i%11 == 10 {
			ev = nil
		}
		out = append(out, service.Execution{Execution: ex, Event: ev})
	}
	return out
}

// longWay is what the answer carries for a stored trigger payload (or,
// with headers, headers) without wireObject: rawObjectToAPI, then appendRaw.
func longWay(raw []byte, headers bool) []byte {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	ev := store.StageEvent{TriggerPayload: raw, TriggerHeaders: raw}
	if headers {
		return appendRaw(nil, rawObjectToAPI(s, raw, isStringObject, ev.DecodeTriggerHeaders))
	}
	return appendRaw(nil, rawObjectToAPI(s, raw, isObject, ev.DecodeTriggerPayload))
}

// checkWireObject fails when wireObject says raw is answered as stored and
// the long way answers something else.
func checkWireObject(t *testing.T, raw []byte) {
	t.Helper()
	for _, headers := range []bool{false, true} {
		if wireObject(raw, headers) {
			if got := longWay(raw, headers); !bytes.Equal(got, raw) {
				t.Errorf("wireObject(%q, headers %v) is true, the long way answers %q", raw, headers, got)
			}
		}
	}
}

// TestWireObjectIsTheLongWay: a stored trigger payload or headers that
// wireObject passes is what the long way (validate, decode when needed,
// compact and escape) answers, byte for byte; and what a push delivery
// stores passes (else the list gains nothing).
func TestWireObjectIsTheLongWay(t *testing.T) {
	for _, raw := range storedObjects {
		checkWireObject(t, raw)
	}
	for _, tc := range []struct {
		raw     []byte
		headers bool
	}{
		{benchPushPayloadForTests, false}, {benchPushHeadersForTests, true}, {benchPushHeadersForTests, false},
		{[]byte(`{}`), false}, {[]byte(`{}`), true}, {[]byte(`{"n":-0.5e+10,"m":0,"o":1E3,"p":-12.0}`), false},
		{[]byte(`{"esc":"\u00e9\/\b\f\n\r\t\"\\","é":"ü 😀"}`), false}, {[]byte(`{"a":[[],{},[{"b":[null,true,false]}]]}`), false},
	} {
		if !wireObject(tc.raw, tc.headers) {
			t.Errorf("wireObject(%q, headers %v) is false; the API answers it as stored", tc.raw, tc.headers)
		}
	}
	for _, tc := range []struct {
		raw     []byte
		headers bool
	}{
		{[]byte(`{"h":1}`), true}, {[]byte(`{"h":{"x":"y"}}`), true}, {[]byte(`{"a":null}`), true}, {[]byte(`{"a" :1}`), false},
		{[]byte(`{"a":"<"}`), false}, {[]byte("{\"a\":\"\u2028\"}"), false}, {[]byte(`{"a":1}x`), false}, {[]byte(`[1]`), false},
		{[]byte(`{"deep":` + strings.Repeat("[", wireDepth) + strings.Repeat("]", wireDepth) + `}`), false},
	} {
		if wireObject(tc.raw, tc.headers) {
			t.Errorf("wireObject(%q, headers %v) is true; it must take the long way", tc.raw, tc.headers)
		}
	}
}

// FuzzWireObject: whatever the stored bytes, wireObject never passes what
// the long way would answer differently.
func FuzzWireObject(f *testing.F) {
	for _, raw := range storedObjects {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkWireObject(t, raw)
		if wireObject(raw, false) && !json.Valid(raw) {
			t.Errorf("wireObject passes invalid JSON %q", raw)
		}
	})
}
