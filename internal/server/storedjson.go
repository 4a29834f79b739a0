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

// objectToAPI is the JSON object column raw, decoded by decode, on the
// wire: {} for an empty column or one that does not decode (logged), null
// for a column holding JSON null.
func objectToAPI[V any](s *Server, raw []byte, decode func() (map[string]V, error)) map[string]any {
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

// rawObjectToAPI is the JSON object column raw (an event's payload) on the
// wire as it is stored, without decoding it: a list of executions spent
// half its time decoding each trigger payload into a map and encoding the
// map again. The answer is the same JSON value as that round trip gave
// (encoding/json compacts the bytes and escapes <, > and & as it did): {}
// for an empty column, null for JSON null, the stored object otherwise;
// only its keys keep the sender's order and its numbers their digits. What
// is not valid UTF-8 JSON takes the old path through decode, so the answer
// stays what it was: a column that is not an object is {} (and logged),
// invalid UTF-8 is replaced by U+FFFD.
func rawObjectToAPI(s *Server, raw []byte, decode func() (map[string]any, error)) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(`{}`)
	}
	if utf8.Valid(raw) && json.Valid(raw) {
		// Valid JSON starting with { is an object, with n is null.
		if t := bytes.TrimLeft(raw, " \t\r\n"); t[0] == '{' || t[0] == 'n' {
			return raw
		}
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
	spec, err := store.DecodeJSON[api.StageSpec]("stage", st.ID, "spec", st.Spec)
	if err != nil {
		s.corrupt(err)
	}
	return &spec
}
