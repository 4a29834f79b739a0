package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestDecodeJSON: nothing stored is the zero value; JSON null is too; a
// column that does not decode is a *CorruptError wrapping ErrCorrupt and
// the decoder's error, and its message names the record, id and field but
// not the stored bytes.
func TestDecodeJSON(t *testing.T) {
	for _, raw := range []string{"", "null"} {
		list, err := DecodeJSON[[]KeyValue]("stage event", "se-1", "inputs", []byte(raw))
		if err != nil || list != nil {
			t.Errorf("DecodeJSON(%q) = %v, %v; want nil, nil", raw, list, err)
		}
	}
	list, err := DecodeJSON[[]KeyValue]("stage event", "se-1", "inputs", []byte(`[{"name":"A","value":"secret-ish"}]`))
	if err != nil || len(list) != 1 || list[0] != (KeyValue{Name: "A", Value: "secret-ish"}) {
		t.Fatalf("DecodeJSON of a list = %v, %v", list, err)
	}

	_, err = DecodeJSON[[]KeyValue]("stage event", "se-1", "inputs", []byte(`[{"name":"A","value":"secret-ish"`))
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("a truncated column: %v; want a CorruptError", err)
	}
	if ce.Record != "stage event" || ce.ID != "se-1" || ce.Field != "inputs" {
		t.Errorf("CorruptError names %s %s %s", ce.Record, ce.ID, ce.Field)
	}
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		t.Errorf("the decoder's error is not wrapped: %v", err)
	}
	const want = "store: stage event se-1: inputs: corrupt column: unexpected end of JSON input"
	if err.Error() != want || strings.Contains(err.Error(), "secret-ish") {
		t.Errorf("message %q, want %q", err.Error(), want)
	}

	_, err = DecodeJSON[[]KeyValue]("stage event", "se-1", "inputs", []byte(`{"name":"A"}`))
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("an object where a list belongs: %v; want ErrCorrupt", err)
	}
}
