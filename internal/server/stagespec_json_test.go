package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestSpecJSONCacheStaysWithinItsBudget: the cache of encoded specs never
// holds more than specJSONBudget bytes, however many stages are listed, and
// a spec larger than the budget is answered but not kept.
func TestSpecJSONCacheStaysWithinItsBudget(t *testing.T) {
	var c specJSONCache
	spec := bytes.Repeat([]byte("x"), 64<<10)
	answer := json.RawMessage(bytes.Repeat([]byte("y"), 64<<10))
	for i := range 400 { // 400 × 128 KiB is 50 MiB listed
		list := []service.Stage{{Stage: store.Stage{ID: string(rune('a'+i%26)) + string(rune('0'+i)), Spec: spec}}}
		c.store(list, []json.RawMessage{answer}, []int{0})
		if c.bytes > specJSONBudget {
			t.Fatalf("after %d stages the cache holds %d bytes", i+1, c.bytes)
		}
	}
	if len(c.byID) == 0 {
		t.Fatal("the cache kept nothing")
	}
	huge := []service.Stage{{Stage: store.Stage{ID: "huge", Spec: bytes.Repeat([]byte("z"), specJSONBudget)}}}
	c.store(huge, []json.RawMessage{answer}, []int{0})
	if _, ok := c.byID["huge"]; ok || c.bytes > specJSONBudget {
		t.Fatalf("a spec past the budget was kept (%d bytes held)", c.bytes)
	}
	// A stage stored again replaces its entry rather than adding to it.
	var d specJSONCache
	one := []service.Stage{{Stage: store.Stage{ID: "s", Spec: spec}}}
	d.store(one, []json.RawMessage{answer}, []int{0})
	d.store(one, []json.RawMessage{answer}, []int{0})
	if want := len(spec) + len(answer); d.bytes != want {
		t.Fatalf("one stage stored twice counts %d bytes, want %d", d.bytes, want)
	}
}

// TestStageMetadataEncodesAsEncodingJSON: the list's metadata, written
// directly, is what encoding/json writes for stageMetadataToAPI, for text
// it escapes, an empty creator (omitted), times in other zones, with and
// without fractions, and years encoding/json refuses.
func TestStageMetadataEncodesAsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 2, 3, 456789000, time.UTC)
	for _, st := range []store.Stage{
		{ID: "id", Name: "deploy", Description: "plain", CanvasID: "c", CreatedBy: "u", CreatedAt: at, UpdatedAt: at},
		{ID: "id", Name: "deploy", Description: "", CanvasID: "c", CreatedBy: "", CreatedAt: at.Truncate(time.Second), UpdatedAt: at.Add(time.Millisecond)},
		{ID: "id", Name: "deploy", Description: `<a href="x">&</a> \ é` + "\u2028\x01\xff", CanvasID: "c", CreatedBy: "u", CreatedAt: at, UpdatedAt: at},
		{ID: "id", Name: "deploy", CanvasID: "c", CreatedAt: at.In(time.FixedZone("", 5*3600+30*60)), UpdatedAt: at.In(time.FixedZone("", -7*3600))},
		{ID: "id", Name: "deploy", CanvasID: "c", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at},
		{ID: "id", Name: "deploy", CanvasID: "c", CreatedAt: at, UpdatedAt: at.In(time.FixedZone("", 25*3600))},
	} {
		in := service.Stage{Stage: st}
		want, wantErr := json.Marshal(stageMetadataToAPI(in))
		got := appendStageMetadata(nil, in)
		if wantErr != nil {
			// encoding/json refuses the time (the store writes none such):
			// the fallback writes what it gives, nothing, never a time
			// a client could not read.
			if len(got) != 0 {
				t.Errorf("%+v: encoding/json fails (%v), the list writes %s", st, wantErr, got)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got %s\nwant %s", st, got, want)
		}
	}
}
