package server

import (
	"log/slog"

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
