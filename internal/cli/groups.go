package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// groupTimeout is a group's timeout for people: "1h0m0s"; the server's
// default when the spec says 0.
func groupTimeout(seconds int64) string {
	if seconds == 0 {
		seconds = api.DefaultGroupTimeout
	}
	return (time.Duration(seconds) * time.Second).String()
}

// groupBehavior is a group's timeout behaviour as the provider names it:
// drop (also for an empty or NONE behaviour, the server's default) or emit.
func groupBehavior(b string) string {
	if w := enumWord(b, "TIMEOUT_BEHAVIOR_"); w == "emit" {
		return w
	}
	return "drop"
}

// groupByNames lists a group's groupBy field names: "version,env".
func groupByNames(sp *api.ConnectionGroupSpec) string {
	if sp.GroupBy == nil {
		return ""
	}
	var names []string
	for _, f := range sp.GroupBy.Fields {
		names = append(names, f.Name)
	}
	return strings.Join(names, ",")
}

func groupRow(t *table, g *api.ConnectionGroup) {
	m, sp := g.Metadata, g.Spec
	if m == nil {
		return
	}
	if sp == nil {
		sp = &api.ConnectionGroupSpec{}
	}
	t.row(m.Name, connectionNames(sp.Connections), groupByNames(sp), groupTimeout(sp.Timeout), groupBehavior(sp.TimeoutBehavior))
}

var groupColumns = []string{"NAME", "CONNECTIONS", "GROUP BY", "TIMEOUT", "ON TIMEOUT"}

func listConnectionGroups(ctx context.Context, s *session, q query) error {
	list, err := s.c.ListConnectionGroups(ctx, q.canvas)
	if err != nil {
		return s.explain(ctx, err, target{kind: "connection-group", canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ListConnectionGroupsResponse{ConnectionGroups: list})
	}
	t := newTable(s.io.Stdout, groupColumns...)
	for i := range list {
		groupRow(t, &list[i])
	}
	return t.flush()
}

func getConnectionGroup(ctx context.Context, s *session, q query, name string) (*api.ConnectionGroup, error) {
	g, err := s.c.GetConnectionGroup(ctx, q.canvas, name)
	if err != nil {
		return nil, s.explain(ctx, err, target{kind: "connection-group", name: name, canvas: q.canvas})
	}
	return g, nil
}

func oneConnectionGroup(ctx context.Context, s *session, q query, name string) error {
	g, err := getConnectionGroup(ctx, s, q, name)
	if err != nil {
		return err
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, api.ConnectionGroupResponse{ConnectionGroup: g})
	}
	t := newTable(s.io.Stdout, groupColumns...)
	groupRow(t, g)
	return t.flush()
}

// groupDescription is what "describe connection-group -o json" prints:
// the group as the API answers it and its pending field sets (the keys
// still waiting for a connection), as the field-sets call answers them.
type groupDescription struct {
	ConnectionGroup *api.ConnectionGroup          `json:"connectionGroup"`
	FieldSets       []api.ConnectionGroupFieldSet `json:"fieldSets"`
}

// fieldSetText writes a field set's key for a table: "version=1.4.2,env=prod".
func fieldSetText(fs *api.ConnectionGroupFieldSet) string {
	var parts []string
	for _, f := range fs.Fields {
		parts = append(parts, f.Name+"="+f.Value)
	}
	return strings.Join(parts, ",")
}

// describeConnectionGroup shows a group's connections, key, timeout and
// the keys that wait for a connection (its pending field sets), with what
// has arrived for each: what a user asks when a stage behind a group did
// not run.
func describeConnectionGroup(ctx context.Context, s *session, q query, name string) error {
	g, err := getConnectionGroup(ctx, s, q, name)
	if err != nil {
		return err
	}
	pending, err := s.c.ListFieldSets(ctx, q.canvas, g.Metadata.ID, []string{api.FieldSetStatePending})
	if err != nil {
		return s.explain(ctx, err, target{kind: "connection-group", name: name, canvas: q.canvas})
	}
	if s.opts.json() {
		return printJSON(s.io.Stdout, groupDescription{ConnectionGroup: g, FieldSets: pending})
	}
	m, sp := g.Metadata, g.Spec
	f := newFields(s.io.Stdout)
	f.add("Name", m.Name)
	f.add("ID", m.ID)
	f.add("Description", m.Description)
	for _, c := range sp.Connections {
		v := c.Name + " (" + short(c.Type) + ")"
		if ft := filterText(c.Filters, c.FilterOperator); ft != "" {
			v += " if " + ft
		}
		f.add("Connection", v)
	}
	if sp.GroupBy != nil {
		for _, gb := range sp.GroupBy.Fields {
			f.add("Group by", gb.Name+" = "+gb.Expression)
		}
	}
	f.add("Timeout", groupTimeout(sp.Timeout))
	f.add("On timeout", groupBehavior(sp.TimeoutBehavior))
	f.add("Created", when(m.CreatedAt))
	f.add("Updated", when(m.UpdatedAt))
	f.add("Pending", strconv.Itoa(len(pending)))
	_ = f.flush()
	if len(pending) == 0 {
		return nil
	}
	// Each pending key with the connections it has heard from and those
	// it still waits for.
	_, _ = fmt.Fprintf(s.io.Stdout, "\nPending field sets (%d):\n", len(pending))
	t := newTable(s.io.Stdout, "ID", "FIELDS", "ARRIVED", "MISSING", "CREATED")
	for i := range pending {
		fs := &pending[i]
		arrived := map[string]bool{}
		var got []string
		for _, ev := range fs.Events {
			if !arrived[ev.SourceName] {
				arrived[ev.SourceName] = true
				got = append(got, ev.SourceName)
			}
		}
		var missing []string
		for _, c := range sp.Connections {
			if !arrived[c.Name] {
				missing = append(missing, c.Name)
			}
		}
		t.row(fs.ID, fieldSetText(fs), strings.Join(got, ","), strings.Join(missing, ","), when(fs.CreatedAt))
	}
	return t.flush()
}
