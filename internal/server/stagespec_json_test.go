package server

import (
	"bytes"
	"encoding/json"
	"testing"

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
