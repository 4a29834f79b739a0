package engine

import (
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// compiled caches stages' compiled expressions (see filter.Cache): routing
// compiles a stage's spec once, not once per event.
var compiled = filter.NewCache(maxCachedSpecs)

// maxCachedSpecs bounds the cache of compiled stage specs.
const maxCachedSpecs = 4096

// stagePrograms is a stage's spec with its expressions compiled. A stage
// saved before the current limits may hold an expression they refuse: its
// compile error is kept, and routing rejects the events it would judge.
type stagePrograms struct {
	spec api.StageSpec
	// specErr is why the stored spec does not decode (spec is then empty
	// and must not be used).
	specErr error
	conns   []compiledSet
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
	v := compiled.Get("stage", st.ID, st.Spec, func() any {
		spec, err := stageSpec(st)
		sp := &stagePrograms{spec: spec, specErr: err, values: map[[2]int]compiledValue{}}
		if err != nil {
			return sp
		}
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
