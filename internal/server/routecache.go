package server

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Expressions are compiled once per spec, not once per event: compiling
// costs far more than evaluating, and a burst of events must not multiply
// it. Entries are keyed by the object's id and a hash of the spec bytes, so
// an update is a new entry and no stale program is ever used; the cache is
// process-wide (ids are UUIDs) and bounded.
type programCache struct {
	mu      sync.Mutex
	entries map[string]any
}

// maxCachedSpecs bounds the cache; past it the cache starts again empty,
// which costs recompiling, never correctness.
const maxCachedSpecs = 4096

var compiled = &programCache{entries: map[string]any{}}

func (c *programCache) get(kind, id string, spec []byte, build func() any) any {
	sum := sha256.Sum256(spec)
	key := fmt.Sprintf("%s/%s/%x", kind, id, sum)
	c.mu.Lock()
	v, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = build()
	c.mu.Lock()
	if len(c.entries) >= maxCachedSpecs {
		clear(c.entries)
	}
	c.entries[key] = v
	c.mu.Unlock()
	return v
}

// stagePrograms is a stage's spec with its expressions compiled. A stage
// saved before the current limits may hold an expression they refuse: its
// compile error is kept, and routing rejects the events it would judge.
type stagePrograms struct {
	spec  api.StageSpec
	conns []compiledSet
	// values are the input mappings' programs by mapping and value index.
	values map[[2]int]compiledValue
}

type compiledSet struct {
	set *filter.Set
	err error
}

type compiledValue struct {
	prog *filter.Program
	err  error
}

func stageProgramsOf(st store.Stage) *stagePrograms {
	v := compiled.get("stage", st.ID, st.Spec, func() any {
		sp := &stagePrograms{spec: parseSpec(st), values: map[[2]int]compiledValue{}}
		for i, conn := range sp.spec.Connections {
			set, err := filter.CompileSet(fmt.Sprintf("stage.spec.connections[%d]", i), conn.Filters, conn.FilterOperator)
			sp.conns = append(sp.conns, compiledSet{set, err})
		}
		for i, m := range sp.spec.InputMappings {
			for j, val := range m.Values {
				if val.ValueFrom == nil || val.ValueFrom.EventData == nil {
					continue
				}
				prog, err := filter.CompileValue(val.ValueFrom.EventData.Expression)
				if err != nil {
					err = fmt.Errorf("stage.spec.inputMappings[%d].values[%d].valueFrom.eventData.expression: %w", i, j, err)
				}
				sp.values[[2]int{i, j}] = compiledValue{prog, err}
			}
		}
		return sp
	})
	sp, _ := v.(*stagePrograms)
	return sp
}

// sourcePrograms are an event source's filters compiled, by event type.
type sourcePrograms map[string]compiledSet

func sourceProgramsOf(es store.EventSource) (sourcePrograms, bool) {
	v := compiled.get("source", es.ID, es.Events, func() any {
		var types []api.EventSourceEventType
		if err := json.Unmarshal(es.Events, &types); err != nil || len(types) == 0 {
			return sourcePrograms(nil)
		}
		out := sourcePrograms{}
		for i, t := range types {
			if _, ok := out[t.Type]; ok {
				continue // the first entry of a type decides, as before
			}
			set, err := filter.CompileSet(fmt.Sprintf("eventSource.spec.events[%d]", i), t.Filters, t.FilterOperator)
			out[t.Type] = compiledSet{set, err}
		}
		return out
	})
	sp, _ := v.(sourcePrograms)
	return sp, sp != nil
}
