package service

import (
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

// sourceProgramsOf returns the source's compiled filters, and false when it
// has no event types (it accepts everything). Stored events that do not
// decode are the store's error naming the source and field: read as none,
// the source would accept every delivery.
func sourceProgramsOf(es store.EventSource) (sourcePrograms, bool, error) {
	v := sourceCompiled.Get("source", es.ID, es.Events, func() any {
		types, err := store.DecodeJSON[[]api.EventSourceEventType]("event source", es.ID, "events", es.Events)
		if err != nil {
			return err
		}
		if len(types) == 0 {
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
	if err, ok := v.(error); ok {
		return nil, false, err
	}
	sp, _ := v.(sourcePrograms)
	return sp, sp != nil, nil
}
