package service

import (
	"encoding/json"
	"fmt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// sourceCompiled caches event sources' compiled filters (see filter.Cache):
// a delivery is judged without compiling its source's filters again.
var sourceCompiled = filter.NewCache(4096)

type compiledSet struct {
	set *filter.Set
	err error
}

// sourcePrograms are an event source's filters compiled, by event type.
type sourcePrograms map[string]compiledSet

func sourceProgramsOf(es store.EventSource) (sourcePrograms, bool) {
	v := sourceCompiled.Get("source", es.ID, es.Events, func() any {
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
