package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// encodedByWriteJSON is what writeJSON writes for v.
func encodedByWriteJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Strings, times and payloads the direct path must either write as
// encoding/json does or leave to it.
var (
	listStrings = []string{"", "plain", `quote " and \ backslash`, "<b> & c", "tab\tnew\nline\x01", "é ü 😀", "line\u2028sep\u2029", "bad \xff utf-8"}
	listTimes   = func() []*time.Time {
		zone := time.FixedZone("", 5*3600+30*60)
		var out []*time.Time
		for _, t := range []time.Time{
			{}, time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC), time.Date(2026, 12, 7, 3, 4, 5, 123456789, time.UTC),
			time.Date(2026, 12, 7, 3, 4, 5, 120000000, zone), time.Date(1, 1, 1, 0, 0, 0, 1, time.Local),
		} {
			out = append(out, &t)
		}
		return append(out, nil)
	}()
	listRaws = func() []json.RawMessage {
		out := []json.RawMessage{nil, json.RawMessage(`{}`), json.RawMessage(`null`)}
		for _, r := range []string{
			`{"ref":"refs/heads/main","n":12345678901234567890,"f":1.50,"a":[1,{"b":null}],"t":true}`,
			`{"message":"Release 1.2.3: spaces inside strings stay","e":"a\"b c","end":"back\\"}`,
			`{"html":"<script>&amp;</script>"}`, "{\"sep\":\"a\u2028b\u2029c\"}", `{"esc":"\u2028 \u003c"}`,
			`{"nested":{"deep":[[],{}],"s":"x"}}`, `{"content-type":"application/json","x-github-event":"push"}`,
		} {
			out = append(out, json.RawMessage(r))
			var indented bytes.Buffer
			if err := json.Indent(&indented, []byte(r), "", "\t "); err != nil {
				panic(err)
			}
			out = append(out, indented.Bytes(), json.RawMessage(" "+r+"\r\n"))
		}
		return out
	}()
)

// pick returns the i-th of values, round and round.
func pick[T any](values []T, i int) T { return values[i%len(values)] }

// TestListEncodersWriteWhatEncodingJSONWrites: the execution and event
// source lists, written field by field (issue 17, rounds nine and ten), are
// byte for byte what writeJSON writes for the same answer, over strings the
// encoder escapes, times in zones and fractions, payloads it compacts and
// escapes, and every field present, empty and absent; the executions from
// their stored values (storedExecutions: stored lists empty, null, corrupt
// and full, payloads the API answers as stored and those it does not).
func TestListEncodersWriteWhatEncodingJSONWrites(t *testing.T) {
	srv := &Server{log: slog.New(slog.DiscardHandler)}
	for _, page := range []service.ExecutionList{
		{Executions: storedExecutions(), Total: 1234, More: true, TotalCapped: true},
		{Executions: []service.Execution{}},
		{},
	} {
		out := api.ListExecutionsResponse{Executions: []api.Execution{}, TotalCount: page.Total, TotalCountCapped: page.TotalCapped, HasNextPage: page.More}
		for _, ex := range page.Executions {
			out.Executions = append(out.Executions, srv.executionToAPI(ex.Execution, ex.Event))
		}
		if n := len(page.Executions); n > 0 {
			out.LastTimestamp = ptr(page.Executions[n-1].CreatedAt)
		}
		want := encodedByWriteJSON(t, out)
		if got := srv.appendExecutionList(nil, page); !bytes.Equal(got, want) {
			t.Fatalf("executions:\n%s\nencoding/json:\n%s", got, want)
		}
	}

	var sources []api.EventSource
	for i := range 60 {
		s := func(k int) string { return pick(listStrings, i+k) }
		es := api.EventSource{
			Metadata: &api.EventSourceMetadata{ID: s(0), Name: s(1), Description: s(2), CanvasID: s(3), CreatedAt: pick(listTimes, i), UpdatedAt: pick(listTimes, i+1), CreatedBy: s(4)},
			Spec:     &api.EventSourceSpec{Type: s(5), SignatureScheme: s(6)},
			Status:   &api.EventSourceStatus{KeyVersion: int64(i % 3)},
		}
		switch i % 4 {
		case 0:
			es.Spec.Integration, es.Spec.Resource = &api.IntegrationRef{DomainType: s(1), Name: s(2)}, &api.ResourceRef{Type: s(3), Name: s(4)}
			es.Spec.Events = []api.EventSourceEventType{{Type: s(1), FilterOperator: s(2), Filters: []api.Filter{{Type: s(3), Data: &api.DataFilter{Expression: s(4)}}}}}
			es.Spec.Schedule = &api.EventSourceSchedule{Type: s(5), Weekly: &api.WeeklySchedule{WeekDay: s(6), Time: s(7)}}
			es.Status.Schedule = &api.EventSourceStatusSchedule{NextTrigger: pick(listTimes, i)}
		case 1:
			es.Spec.Events = []api.EventSourceEventType{}
		case 2:
			es.Metadata, es.Spec, es.Status = nil, nil, nil
		}
		if i%3 != 2 && es.Status != nil {
			es.Status.Webhook = &api.WebhookStatus{URL: s(0), State: s(1), Reason: s(2), CheckedAt: pick(listTimes, i+4)}
			if i%2 == 0 {
				es.Status.Webhook.Observed, es.Status.Webhook.ObservedReason, es.Status.Webhook.ObservedAt = s(3), s(4), pick(listTimes, i+2)
			}
		}
		if i%5 < 3 && es.Status != nil {
			es.Status.LastEvent = &api.Event{ID: s(1), SourceID: s(2), SourceName: s(3), SourceType: s(4), Type: s(5), State: s(6),
				StateReason: s(7), StateMessage: s(0), ReceivedAt: pick(listTimes, i+3), Raw: pick(listRaws, i+3), Headers: pick(listRaws, i)}
		}
		sources = append(sources, es)
	}
	for _, out := range []api.ListEventSourcesResponse{{EventSources: sources}, {EventSources: []api.EventSource{}}, {}} {
		want := encodedByWriteJSON(t, out)
		if got := appendEventSourceList(nil, out); !bytes.Equal(got, want) {
			t.Fatalf("event sources:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

// TestCompactJSONSaysWhenTheEncoderChangesNothing: compactJSON is true
// exactly for the payloads encoding/json answers unchanged.
func TestCompactJSONSaysWhenTheEncoderChangesNothing(t *testing.T) {
	for _, raw := range listRaws {
		if raw == nil {
			continue
		}
		enc, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		if unchanged := bytes.Equal(enc, raw); compactJSON(raw) != unchanged {
			t.Errorf("compactJSON(%q) = %v, the encoder changes it: %v", raw, compactJSON(raw), !unchanged)
		}
	}
	if !compactJSON([]byte(`{"a":"` + strings.Repeat(`\"`, 3) + ` x"}`)) {
		t.Error("escaped quotes end a string")
	}
}

// BenchmarkListEncode: a page of 300 executions (each triggered by a 700-byte
// push with its headers) and a list of 300 webhook sources, written by
// encoding/json's Encoder (writeJSON) and field by field, in one process
// one after the other: the encoding step alone, without the database.
func BenchmarkListEncode(b *testing.B) {
	payload := json.RawMessage(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",` +
		`"after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","repository":{"id":1296269,"name":"app",` +
		`"full_name":"acme/app","private":true,"default_branch":"main","html_url":"https://github.com/acme/app"},` +
		`"pusher":{"name":"octocat","email":"octocat@example.com"},"head_commit":{"id":` +
		`"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","message":"Release 1.2.3: faster queue heads and smaller` +
		` pages","timestamp":"2026-11-23T10:00:00Z","author":{"name":"Octo Cat","email":"octocat@example.com"},` +
		`"added":[],"removed":[],"modified":["internal/server/engine.go","internal/store/stagestore.go"]},` +
		`"environment":"production","version":"1.2.3","labels":["release","backend"]}`)
	headers := json.RawMessage(`{"content-type":"application/json","user-agent":"GitHub-Hookshot/5f1c2a0",` +
		`"x-github-delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","x-github-event":"push","x-github-hook-id":"292430182"}`)
	now := time.Date(2026, 12, 7, 3, 4, 5, 123456000, time.UTC)
	id := "6113728f-27ae-42c7-b1a1-77c8d03f9e96"
	srv := &Server{log: slog.New(slog.DiscardHandler)}
	var executions service.ExecutionList
	var sources api.ListEventSourcesResponse
	for range 300 {
		ev := &store.StageEvent{ID: id, Connection: "exec-hook", TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: id,
			TriggerSourceName: "exec-hook", TriggerEventID: id, TriggerType: "push", TriggerPayload: payload, TriggerHeaders: headers,
			State: "STATE_PROCESSED", Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now}
		executions.Executions = append(executions.Executions, service.Execution{Execution: store.Execution{ID: id, State: api.ExecutionStateFinished,
			Result: "RESULT_PASSED", ResultReason: api.ResultReasonOK, CreatedAt: now, StartedAt: now, FinishedAt: now,
			Outputs: []byte(`[]`), Resources: []byte(`[]`)}, Event: ev})
		sources.EventSources = append(sources.EventSources, api.EventSource{
			Metadata: &api.EventSourceMetadata{ID: id, Name: "hook-12", CanvasID: id, CreatedAt: &now, UpdatedAt: &now, CreatedBy: id},
			Spec:     &api.EventSourceSpec{Type: api.EventSourceTypeWebhook, Events: []api.EventSourceEventType{}, SignatureScheme: api.SignatureSchemeHMAC},
			Status:   &api.EventSourceStatus{KeyVersion: 1, Webhook: &api.WebhookStatus{URL: "http://127.0.0.1:8000/api/v1/sources/" + id}},
		})
	}
	// What the handler encoded before round nine: the api values, through
	// encoding/json.
	executionsAPI := func() any {
		out := api.ListExecutionsResponse{Executions: []api.Execution{}}
		for _, ex := range executions.Executions {
			out.Executions = append(out.Executions, srv.executionToAPI(ex.Execution, ex.Event))
		}
		return out
	}
	for _, l := range []struct {
		name   string
		v      func() any
		size   int // as the handler sizes its buffer
		direct func([]byte) []byte
	}{
		{"executions-300", executionsAPI, 200 + 300*(1200+len(payload)+len(headers)), func(b []byte) []byte { return srv.appendExecutionList(b, executions) }},
		{"sources-300", func() any { return sources }, 50 + 300*900, func(b []byte) []byte { return appendEventSourceList(b, sources) }},
	} {
		b.Run(l.name+"/encoding-json", func(b *testing.B) {
			for b.Loop() {
				_ = json.NewEncoder(io.Discard).Encode(l.v())
			}
		})
		b.Run(l.name+"/direct", func(b *testing.B) {
			for b.Loop() {
				_ = l.direct(make([]byte, 0, l.size))
			}
		})
	}
}
