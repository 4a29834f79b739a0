package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrCorrupt: a stored JSON column does not decode into its shape. Nothing
// the API accepts writes such a column; it means a damaged row.
var ErrCorrupt = errors.New("corrupt column")

// CorruptError names the record and the column that does not decode. It
// wraps ErrCorrupt and the decoder's error.
type CorruptError struct {
	Record string // e.g. "stage event"
	ID     string
	Field  string // the record's field, e.g. "inputs"
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store: %s %s: %s: %s: %v", e.Record, e.ID, e.Field, ErrCorrupt, e.Err)
}

func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// DecodeJSON decodes the JSON column field of the record id into a T. An
// empty column is T's zero value: the store writes nil for "nothing", and
// rows written before a column existed hold nothing. Anything else that
// does not decode is a *CorruptError, never a silently empty value.
// The typed accessors below use it for the shapes the store knows; the
// layers above use it for shapes the store may not import (a stage's spec,
// an event source's events and schedule, which are package api's).
func DecodeJSON[T any](record, id, field string, b []byte) (T, error) {
	var v T
	if len(b) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		var zero T
		return zero, &CorruptError{Record: record, ID: id, Field: field, Err: err}
	}
	return v, nil
}

// KeyValue is a named string: a stage event's input or an execution's
// output, stored as JSON [{"name","value"}].
type KeyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Approval is one user's approval of a stage event, stored as JSON
// [{"approvedBy","approvedAt"}].
type Approval struct {
	ApprovedBy string     `json:"approvedBy"`
	ApprovedAt *time.Time `json:"approvedAt"`
}

// Resource is what an executor started for an execution (a workflow run,
// a pipeline), stored as JSON [{"id","type","state","result"}].
type Resource struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	State  string `json:"state"`
	Result string `json:"result"`
}

// DecodeInputs returns the event's resolved inputs.
func (ev StageEvent) DecodeInputs() ([]KeyValue, error) {
	return DecodeJSON[[]KeyValue]("stage event", ev.ID, "inputs", ev.Inputs)
}

// DecodeApprovals returns the event's approvals.
func (ev StageEvent) DecodeApprovals() ([]Approval, error) {
	return DecodeJSON[[]Approval]("stage event", ev.ID, "approvals", ev.Approvals)
}

// DecodeTriggerPayload returns the triggering event's payload, a JSON
// object kept as any values so that it reads back as it was received.
func (ev StageEvent) DecodeTriggerPayload() (map[string]any, error) {
	return DecodeJSON[map[string]any]("stage event", ev.ID, "trigger payload", ev.TriggerPayload)
}

// DecodeTriggerHeaders returns the triggering event's headers.
func (ev StageEvent) DecodeTriggerHeaders() (map[string]string, error) {
	return DecodeJSON[map[string]string]("stage event", ev.ID, "trigger headers", ev.TriggerHeaders)
}

// DecodeOutputs returns the execution's outputs.
func (ex Execution) DecodeOutputs() ([]KeyValue, error) {
	return DecodeJSON[[]KeyValue]("execution", ex.ID, "outputs", ex.Outputs)
}

// DecodeResources returns what the execution's executor started.
func (ex Execution) DecodeResources() ([]Resource, error) {
	return DecodeJSON[[]Resource]("execution", ex.ID, "resources", ex.Resources)
}

// DecodeRaw returns the event's payload, a JSON object kept as any values
// so that it reads back as it was received. Routing decodes every event's
// payload: decodeObject answers for a plain object, json.Unmarshal (with its
// error) for the rest.
func (ev Event) DecodeRaw() (map[string]any, error) {
	if m, ok := decodeObject(ev.Raw); ok {
		return m, nil
	}
	return DecodeJSON[map[string]any]("event", ev.ID, "raw", ev.Raw)
}

// DecodeHeaders returns the event's lower-cased header names and values.
func (ev Event) DecodeHeaders() (map[string]string, error) {
	if m, ok := decodeStringObject(ev.Headers); ok {
		return m, nil
	}
	return DecodeJSON[map[string]string]("event", ev.ID, "headers", ev.Headers)
}

// EventType is the part of an event source's events entry the store's
// readers below the API need: the tool event's name. The whole entry
// (filters too) is package api's EventSourceEventType.
type EventType struct {
	Type string `json:"type"`
}

// DecodeEventTypes returns the names of the tool events the source
// subscribes to, in order.
func (es EventSource) DecodeEventTypes() ([]string, error) {
	list, err := DecodeJSON[[]EventType]("event source", es.ID, "events", es.Events)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, e := range list {
		names = append(names, e.Type)
	}
	return names, nil
}
