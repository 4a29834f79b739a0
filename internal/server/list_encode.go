package server

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The execution and event source lists are written here field by field, as
// encoding/json's Encoder writes their api values (writeJSON), byte for
// byte (TestListEncodersWriteWhatEncodingJSONWrites). A page of 300
// executions spent 57% of its handler's CPU in the Encoder: reflection, the
// compaction of every json.RawMessage (each trigger payload and its
// headers) and every time.Time, and growing its buffer. Here a value the
// direct path cannot write exactly (a string the encoder escapes, a time it
// refuses, a raw payload with spaces or HTML characters to compact or
// escape) goes through encoding/json alone, so the answer never changes.

// writeListJSON writes b, the answer of a list, as writeJSON does.
func writeListJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// listBuffers keeps the buffers of the execution list's answers between
// requests: a page of 300 is about 600 KB, which each request allocated
// and zeroed, and which made the collector run every few requests on a
// small heap. A Write never keeps the bytes it is given, so a buffer is
// reused once its answer is written; one past maxListBuffer is left to the
// collector, so the pool never holds more than a few answers' worth.
var listBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxListBuffer = 4 << 20

// listBuffer is an empty buffer of at least size bytes from listBuffers;
// putListBuffer gives it back.
func listBuffer(size int) *[]byte {
	b, ok := listBuffers.Get().(*[]byte)
	if !ok { // the pool holds nothing else
		b = new([]byte)
	}
	if cap(*b) < size {
		*b = make([]byte, 0, size)
	}
	*b = (*b)[:0]
	return b
}

func putListBuffer(b *[]byte) {
	if cap(*b) <= maxListBuffer {
		listBuffers.Put(b)
	}
}

// appendExecutionList appends the answer of a page of executions, newline
// included: what writeJSON writes for api.ListExecutionsResponse of
// executionToAPI's executions (TestExecutionListWritesWhatEncodingJSONWrites),
// written from the stored values without building them. A stored list
// column holding [] is written without decoding it; a trigger payload or
// headers that the API answers as stored (wireObject) are copied after one
// pass over them, not three (json.Valid, utf8.Valid, compactJSON).
func (s *Server) appendExecutionList(b []byte, page service.ExecutionList) []byte {
	b = append(b, `{"executions":[`...)
	for i := range page.Executions {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendExecution(b, &page.Executions[i].Execution, page.Executions[i].Event)
	}
	b = append(b, `],"totalCount":`...)
	b = strconv.AppendInt(b, page.Total, 10)
	b = append(b, `,"hasNextPage":`...)
	b = strconv.AppendBool(b, page.More)
	b = append(b, `,"lastTimestamp":`...)
	if n := len(page.Executions); n > 0 {
		b = appendTime(b, &page.Executions[n-1].CreatedAt)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"totalCountCapped":`...)
	b = strconv.AppendBool(b, page.TotalCapped)
	return append(b, "}\n"...)
}

// appendExecution appends what writeJSON writes for executionToAPI(*ex, ev).
func (s *Server) appendExecution(b []byte, ex *store.Execution, ev *store.StageEvent) []byte {
	b = appendField(b, `{"id":`, ex.ID)
	b = appendField(b, `,"state":`, ex.State)
	b = appendField(b, `,"result":`, cmp.Or(ex.Result, "RESULT_UNKNOWN"))
	b = appendField(b, `,"resultReason":`, cmp.Or(ex.ResultReason, api.ResultReasonOK))
	b = appendField(b, `,"resultMessage":`, ex.ResultMessage)
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, &ex.CreatedAt)
	b = append(b, `,"startedAt":`...)
	b = appendOptTime(b, &ex.StartedAt)
	b = append(b, `,"cancelledAt":`...)
	b = appendOptTime(b, &ex.CancelledAt)
	b = append(b, `,"finishedAt":`...)
	b = appendOptTime(b, &ex.FinishedAt)
	b = append(b, `,"outputs":`...)
	b = appendStoredList(b, s, ex.Outputs, ex.DecodeOutputs, appendKeyValue)
	b = append(b, `,"resources":`...)
	b = appendStoredList(b, s, ex.Resources, ex.DecodeResources, appendResource)
	b = append(b, `,"stageEvent":`...)
	if ev == nil {
		b = append(b, "null"...)
	} else {
		b = s.appendStageEvent(b, ev)
	}
	return append(b, '}')
}

// appendStageEvent appends what writeJSON writes for stageEventToAPI(*ev).
func (s *Server) appendStageEvent(b []byte, ev *store.StageEvent) []byte {
	b = appendField(b, `{"id":`, ev.ID)
	b = appendField(b, `,"state":`, ev.State)
	b = appendField(b, `,"stateReason":`, cmp.Or(ev.StateReason, "STATE_REASON_UNKNOWN"))
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, &ev.CreatedAt)
	b = append(b, `,"approvals":`...)
	b = appendStoredList(b, s, ev.Approvals, ev.DecodeApprovals, appendApproval)
	b = append(b, `,"inputs":`...)
	b = appendStoredList(b, s, ev.Inputs, ev.DecodeInputs, appendKeyValue)
	b = appendField(b, `,"name":`, ev.Connection)
	// The trigger event, as stageEventToAPI makes it.
	b = appendField(b, `,"triggerEvent":{"id":`, ev.TriggerEventID)
	b = appendField(b, `,"sourceId":`, ev.TriggerSourceID)
	b = appendField(b, `,"sourceName":`, ev.TriggerSourceName)
	b = appendField(b, `,"sourceType":`, triggerSourceType(ev.TriggerSourceType))
	b = appendField(b, `,"type":`, ev.TriggerType)
	b = append(b, `,"state":"`+api.EventStateProcessed+`","stateReason":"STATE_REASON_OK","stateMessage":"","receivedAt":`...)
	b = appendTime(b, &ev.CreatedAt)
	b = append(b, `,"raw":`...)
	if wireObject(ev.TriggerPayload, false) {
		b = append(b, ev.TriggerPayload...)
	} else {
		b = appendRaw(b, rawObjectToAPI(s, ev.TriggerPayload, isObject, ev.DecodeTriggerPayload))
	}
	b = append(b, `,"headers":`...)
	if wireObject(ev.TriggerHeaders, true) {
		b = append(b, ev.TriggerHeaders...)
	} else {
		b = appendRaw(b, rawObjectToAPI(s, ev.TriggerHeaders, isStringObject, ev.DecodeTriggerHeaders))
	}
	b = appendField(b, `},"discardedBy":`, ev.DiscardedBy)
	b = append(b, `,"discardedAt":`...)
	b = appendOptTime(b, &ev.DiscardedAt)
	return append(b, '}')
}

// appendStoredList appends what writeJSON writes for listToAPI(s, raw,
// decode, ...): raw itself when it is [] or null (most lists: no
// decoding), else raw decoded, each element appended by elem.
func appendStoredList[S any](b []byte, s *Server, raw []byte, decode func() ([]S, error), elem func([]byte, *S) []byte) []byte {
	if string(raw) == "[]" || string(raw) == "null" {
		return append(b, raw...)
	}
	list, err := decode()
	if err != nil {
		s.corrupt(err)
	}
	switch {
	case len(raw) == 0 || err != nil:
		return append(b, "[]"...)
	case list == nil:
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &list[i])
	}
	return append(b, ']')
}

// appendKeyValue appends an input (api.KeyValuePair) or an output
// (api.OutputValue): the same two fields.
func appendKeyValue(b []byte, kv *store.KeyValue) []byte {
	b = appendField(b, `{"name":`, kv.Name)
	b = appendField(b, `,"value":`, kv.Value)
	return append(b, '}')
}

func appendResource(b []byte, r *store.Resource) []byte {
	b = appendField(b, `{"id":`, r.ID)
	b = appendField(b, `,"type":`, r.Type)
	b = appendField(b, `,"state":`, r.State)
	b = appendField(b, `,"result":`, r.Result)
	return append(b, '}')
}

func appendApproval(b []byte, a *store.Approval) []byte {
	b = appendField(b, `{"approvedBy":`, a.ApprovedBy)
	b = append(b, `,"approvedAt":`...)
	b = appendTime(b, a.ApprovedAt)
	return append(b, '}')
}

// appendOptTime appends *t as writeJSON writes optTime(*t): null for the
// zero time.
func appendOptTime(b []byte, t *time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendTime(b, t)
}

// appendEvent appends an event (a stage event's trigger, a source's last
// event), null for nil.
func appendEvent(b []byte, ev *api.Event) []byte {
	if ev == nil {
		return append(b, "null"...)
	}
	b = appendField(b, `{"id":`, ev.ID)
	b = appendField(b, `,"sourceId":`, ev.SourceID)
	b = appendField(b, `,"sourceName":`, ev.SourceName)
	b = appendField(b, `,"sourceType":`, ev.SourceType)
	b = appendField(b, `,"type":`, ev.Type)
	b = appendField(b, `,"state":`, ev.State)
	b = appendField(b, `,"stateReason":`, ev.StateReason)
	b = appendField(b, `,"stateMessage":`, ev.StateMessage)
	b = append(b, `,"receivedAt":`...)
	b = appendTime(b, ev.ReceivedAt)
	b = append(b, `,"raw":`...)
	b = appendRaw(b, ev.Raw)
	b = append(b, `,"headers":`...)
	b = appendRaw(b, ev.Headers)
	return append(b, '}')
}

// appendField appends name (the comma, the quoted key and the colon) and s.
func appendField(b []byte, name, s string) []byte {
	return appendString(append(b, name...), s)
}

// appendString appends s as encoding/json writes a string.
func appendString(b []byte, s string) []byte {
	if plainJSONString(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	enc, _ := json.Marshal(s) // a string always encodes
	return append(b, enc...)
}

// appendTime appends t as encoding/json writes a *time.Time. A time it
// refuses (plainJSONTime) is sent through it as well; its error, which made
// the whole answer fail, then writes nothing, which is no answer either:
// the times listed are the server's own stamps.
func appendTime(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	if plainJSONTime(*t) {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	enc, _ := json.Marshal(t)
	return append(b, enc...)
}

// appendRaw appends raw as encoding/json writes a json.RawMessage: null for
// nil, else compacted with <, >, &, U+2028 and U+2029 escaped. Stored
// payloads are mostly compact already (compactJSON says so without the
// encoder's state machine) and are then copied as they are. The raw values
// listed were checked to be valid JSON (rawObjectToAPI).
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if raw == nil {
		return append(b, "null"...)
	}
	if compactJSON(raw) {
		return append(b, raw...)
	}
	enc, _ := json.Marshal(raw)
	return append(b, enc...)
}

// compactJSON says whether encoding/json's compaction leaves the valid JSON
// text raw as it is: no space outside its strings, and no character it
// escapes for HTML anywhere.
func compactJSON(raw []byte) bool {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8: // U+2028, U+2029
			return false
		case inString:
			switch c {
			case '\\':
				i++ // the escaped byte is never the string's end
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return len(raw) > 0
}

// appendEventSourceList appends out as writeJSON writes it, newline
// included.
func appendEventSourceList(b []byte, out api.ListEventSourcesResponse) []byte {
	b = append(b, `{"eventSources":`...)
	if out.EventSources == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range out.EventSources {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEventSource(b, &out.EventSources[i])
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// appendEventSource appends es; the parts sources rarely have (event types
// with their filters, a schedule) go through encoding/json.
func appendEventSource(b []byte, es *api.EventSource) []byte {
	b = append(b, `{"metadata":`...)
	if m := es.Metadata; m == nil {
		b = append(b, "null"...)
	} else {
		b = appendField(b, `{"id":`, m.ID)
		b = appendField(b, `,"name":`, m.Name)
		b = appendField(b, `,"description":`, m.Description)
		b = appendField(b, `,"canvasId":`, m.CanvasID)
		b = append(b, `,"createdAt":`...)
		b = appendTime(b, m.CreatedAt)
		b = append(b, `,"updatedAt":`...)
		b = appendTime(b, m.UpdatedAt)
		if m.CreatedBy != "" {
			b = appendField(b, `,"createdBy":`, m.CreatedBy)
		}
		b = append(b, '}')
	}
	b = append(b, `,"spec":`...)
	if sp := es.Spec; sp == nil {
		b = append(b, "null"...)
	} else {
		b = appendField(b, `{"type":`, sp.Type)
		b = append(b, `,"integration":`...)
		if sp.Integration == nil {
			b = append(b, "null"...)
		} else {
			b = appendField(b, `{"domainType":`, sp.Integration.DomainType)
			b = appendField(b, `,"name":`, sp.Integration.Name)
			b = append(b, '}')
		}
		b = append(b, `,"resource":`...)
		if sp.Resource == nil {
			b = append(b, "null"...)
		} else {
			b = appendField(b, `{"type":`, sp.Resource.Type)
			b = appendField(b, `,"name":`, sp.Resource.Name)
			b = append(b, '}')
		}
		b = append(b, `,"events":`...)
		b = appendMarshaled(b, sp.Events == nil, sp.Events)
		b = append(b, `,"schedule":`...)
		b = appendMarshaled(b, sp.Schedule == nil, sp.Schedule)
		if sp.SignatureScheme != "" {
			b = appendField(b, `,"signatureScheme":`, sp.SignatureScheme)
		}
		b = append(b, '}')
	}
	b = append(b, `,"status":`...)
	if st := es.Status; st == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"lastEvent":`...)
		b = appendEvent(b, st.LastEvent)
		b = append(b, `,"schedule":`...)
		b = appendMarshaled(b, st.Schedule == nil, st.Schedule)
		if wh := st.Webhook; wh != nil {
			b = appendField(b, `,"webhook":{"url":`, wh.URL)
			b = appendField(b, `,"state":`, wh.State)
			b = appendField(b, `,"reason":`, wh.Reason)
			b = append(b, `,"checkedAt":`...)
			b = appendTime(b, wh.CheckedAt)
			if wh.Observed != "" {
				b = appendField(b, `,"observed":`, wh.Observed)
			}
			if wh.ObservedReason != "" {
				b = appendField(b, `,"observedReason":`, wh.ObservedReason)
			}
			if wh.ObservedAt != nil {
				b = append(b, `,"observedAt":`...)
				b = appendTime(b, wh.ObservedAt)
			}
			b = append(b, '}')
		}
		if st.KeyVersion != 0 {
			b = append(b, `,"keyVersion":`...)
			b = strconv.AppendInt(b, st.KeyVersion, 10)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendMarshaled appends null when isNil, else v through encoding/json
// (an empty list as [] directly: every source without event types).
func appendMarshaled[T any](b []byte, isNil bool, v T) []byte {
	if isNil {
		return append(b, "null"...)
	}
	if l, ok := any(v).([]api.EventSourceEventType); ok && len(l) == 0 {
		return append(b, "[]"...)
	}
	enc, _ := json.Marshal(v) // the api's event types and schedules always encode
	return append(b, enc...)
}
