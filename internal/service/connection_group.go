package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// ConnectionGroups holds the rules for connection groups: several
// connections whose events, grouped by the values of some fields, become
// one event for the stages connected to the group.
type ConnectionGroups struct {
	Store store.Store
	Now   func() time.Time
}

// maxFieldSetsListed is how many field sets, newest first, the field-sets
// listing answers (the contract's listing has no paging).
const maxFieldSetsListed = 100

// List returns the connection groups of canvas (an id or a name).
func (s *ConnectionGroups) List(ctx context.Context, p store.Principal, canvas string) ([]store.ConnectionGroup, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return nil, err
	}
	return s.Store.ListConnectionGroups(ctx, p.Organization.ID, c.ID)
}

// Find returns the connection group idOrName of canvas.
func (s *ConnectionGroups) Find(ctx context.Context, p store.Principal, canvas, idOrName string) (store.ConnectionGroup, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	return s.Store.FindConnectionGroup(ctx, p.Organization.ID, c.ID, idOrName)
}

// Create creates a connection group in canvas from a v1 request.
func (s *ConnectionGroups) Create(ctx context.Context, p store.Principal, canvas string, req api.ConnectionGroupRequest) (store.ConnectionGroup, error) {
	if req.ConnectionGroup == nil || req.ConnectionGroup.Metadata == nil {
		return store.ConnectionGroup{}, Invalid("connectionGroup.metadata.name is required")
	}
	m := req.ConnectionGroup.Metadata
	if err := ValidateName("connectionGroup.metadata.name", m.Name); err != nil {
		return store.ConnectionGroup{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.ConnectionGroup{}, Invalid("connectionGroup.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	spec, err := s.validate(ctx, p, c, req.ConnectionGroup.Spec)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	now := Timestamp(s.Now)
	g := store.ConnectionGroup{ID: uuid.NewString(), OrgID: p.Organization.ID, CanvasID: c.ID, Name: m.Name,
		Description: m.Description, CreatedBy: p.User.ID, UpdatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
	if err := withSpec(&g, spec); err != nil {
		return store.ConnectionGroup{}, err
	}
	if err := s.Store.CreateConnectionGroup(ctx, g); err != nil {
		return store.ConnectionGroup{}, err
	}
	return g, nil
}

// Update replaces the spec (and the description, and the name when one is
// given) of the connection group idOrName of canvas. A rename is refused
// while stages connect to the group: they name it, and would stop hearing
// from it. Pending field sets keep the timeout they started with.
func (s *ConnectionGroups) Update(ctx context.Context, p store.Principal, canvas, idOrName string, req api.ConnectionGroupRequest) (store.ConnectionGroup, error) {
	if req.ConnectionGroup == nil {
		return store.ConnectionGroup{}, Invalid("connectionGroup is required")
	}
	m := req.ConnectionGroup.Metadata
	if m == nil {
		m = &api.ConnectionGroupMetadata{}
	}
	if m.Name != "" {
		if err := ValidateName("connectionGroup.metadata.name", m.Name); err != nil {
			return store.ConnectionGroup{}, err
		}
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.ConnectionGroup{}, Invalid("connectionGroup.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	current, err := s.Store.FindConnectionGroup(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	spec, err := s.validate(ctx, p, c, req.ConnectionGroup.Spec)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	// A stage that listens to the group cannot also be one of its
	// connections: each run would feed the group that runs it again.
	listeners, err := stagesConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeConnectionGroup, current.Name)
	if err != nil {
		return store.ConnectionGroup{}, err
	}
	for i, conn := range spec.Connections {
		if conn.Type == api.ConnectionTypeStage && slices.Contains(listeners, strconv.Quote(conn.Name)) {
			return store.ConnectionGroup{}, Invalid("connectionGroup.spec.connections[%d].name: stage %q connects to this group, so it cannot be one of its connections", i, conn.Name)
		}
	}
	name := current.Name
	if m.Name != "" && m.Name != current.Name {
		users, err := stagesConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeConnectionGroup, current.Name)
		if err != nil {
			return store.ConnectionGroup{}, err
		}
		if len(users) > 0 {
			return store.ConnectionGroup{}, inUse("connection group %q is a connection of stage %s; change them before renaming it", current.Name, strings.Join(users, ", "))
		}
		name = m.Name
	}
	now := Timestamp(s.Now)
	return s.Store.UpdateConnectionGroup(ctx, p.Organization.ID, c.ID, current.ID, func(g *store.ConnectionGroup) error {
		g.Name, g.Description, g.UpdatedAt, g.UpdatedBy = name, m.Description, now, p.User.ID
		return withSpec(g, spec)
	})
}

// Delete deletes the connection group idOrName of canvas with its field
// sets, unless a stage connects to it (409 naming the stages): that stage
// would silently stop running.
func (s *ConnectionGroups) Delete(ctx context.Context, p store.Principal, canvas, idOrName string) error {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvas)
	if err != nil {
		return err
	}
	g, err := s.Store.FindConnectionGroup(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return err
	}
	users, err := stagesConnectedTo(ctx, s.Store, p.Organization.ID, c.ID, api.ConnectionTypeConnectionGroup, g.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUse("connection group %q is a connection of stage %s; change them first", g.Name, strings.Join(users, ", "))
	}
	return s.Store.DeleteConnectionGroup(ctx, p.Organization.ID, c.ID, g.ID)
}

// FieldSets returns the group's newest field sets with their events, in
// states (any when empty; each one of the contract's field set states).
func (s *ConnectionGroups) FieldSets(ctx context.Context, p store.Principal, canvas, idOrName string, states []string) ([]store.FieldSet, error) {
	for i, st := range states {
		if !slices.Contains([]string{api.FieldSetStatePending, api.FieldSetStateProcessed, api.FieldSetStateDiscarded}, st) {
			return nil, Invalid("states[%d] %q is not one of %s, %s, %s", i, st, api.FieldSetStatePending, api.FieldSetStateProcessed, api.FieldSetStateDiscarded)
		}
	}
	g, err := s.Find(ctx, p, canvas, idOrName)
	if err != nil {
		return nil, err
	}
	return s.Store.ListFieldSets(ctx, g.ID, states, maxFieldSetsListed)
}

// withSpec stores spec in g, with the timeout the store times field sets
// out by.
func withSpec(g *store.ConnectionGroup, spec api.ConnectionGroupSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	g.Spec = b
	g.Timeout = time.Duration(spec.Timeout) * time.Second
	g.TimeoutEmit = spec.TimeoutBehavior == api.TimeoutBehaviorEmit
	return nil
}

// GroupSpec is the one place the service decodes a group's spec: one that
// does not decode is the store's error naming the group.
func GroupSpec(g store.ConnectionGroup) (api.ConnectionGroupSpec, error) {
	return store.DecodeJSON[api.ConnectionGroupSpec]("connection group", g.ID, "spec", g.Spec)
}

// validate checks a group's spec in canvas c and returns it with its
// defaults filled in (timeout DefaultGroupTimeout, behaviour drop), as it
// is stored and answered. Every error names its field.
func (s *ConnectionGroups) validate(ctx context.Context, p store.Principal, c store.Canvas, spec *api.ConnectionGroupSpec) (api.ConnectionGroupSpec, error) {
	if spec == nil {
		return api.ConnectionGroupSpec{}, Invalid("connectionGroup.spec is required")
	}
	out := *spec
	if len(spec.Connections) < 2 {
		return out, Invalid("connectionGroup.spec.connections: a group joins at least two connections")
	}
	if len(spec.Connections) > api.MaxGroupConnections {
		return out, Invalid("connectionGroup.spec.connections: at most %d connections", api.MaxGroupConnections)
	}
	seen := map[string]bool{}
	out.Connections = make([]api.Connection, 0, len(spec.Connections))
	for i, conn := range spec.Connections {
		field := fmt.Sprintf("connectionGroup.spec.connections[%d]", i)
		if conn.Name == "" {
			return out, Invalid("%s.name is required", field)
		}
		if err := validateRef(field+".name", conn.Name); err != nil {
			return out, err
		}
		key := store.ConnectionKey(conn.Type, conn.Name)
		if seen[key] {
			return out, Invalid("%s.name %q is listed twice", field, conn.Name)
		}
		seen[key] = true
		switch conn.Type {
		case api.ConnectionTypeEventSource:
			if _, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, conn.Name); err != nil {
				if isNotFound(err) {
					return out, Invalid("%s.name: event source %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return out, err
			}
		case api.ConnectionTypeStage:
			if _, err := s.Store.FindStage(ctx, p.Organization.ID, c.ID, conn.Name); err != nil {
				if isNotFound(err) {
					return out, Invalid("%s.name: stage %q does not exist in canvas %q", field, conn.Name, c.Name)
				}
				return out, err
			}
		default:
			return out, Invalid("%s.type %q is not one of %s, %s", field, conn.Type, api.ConnectionTypeEventSource, api.ConnectionTypeStage)
		}
		if _, err := filter.CompileSet(field, conn.Filters, conn.FilterOperator); err != nil {
			return out, Invalid("%s", err.Error())
		}
		if conn.Filters == nil {
			conn.Filters = []api.Filter{}
		}
		out.Connections = append(out.Connections, conn)
	}

	if spec.GroupBy == nil || len(spec.GroupBy.Fields) == 0 {
		return out, Invalid("connectionGroup.spec.groupBy.fields: a group needs at least one field to group events by")
	}
	if len(spec.GroupBy.Fields) > api.MaxGroupByFields {
		return out, Invalid("connectionGroup.spec.groupBy.fields: at most %d fields", api.MaxGroupByFields)
	}
	names := map[string]bool{}
	for i, f := range spec.GroupBy.Fields {
		field := fmt.Sprintf("connectionGroup.spec.groupBy.fields[%d]", i)
		if !api.IdentifierPattern.MatchString(f.Name) {
			return out, Invalid("%s.name %q must be a letter or '_' followed by letters, digits or '_'", field, f.Name)
		}
		if names[f.Name] {
			return out, Invalid("%s.name %q is declared twice", field, f.Name)
		}
		names[f.Name] = true
		if strings.TrimSpace(f.Expression) == "" {
			return out, Invalid("%s.expression is required", field)
		}
		if _, err := filter.CompileValue(f.Expression); err != nil {
			return out, Invalid("%s.expression: %v", field, err)
		}
	}
	out.GroupBy = &api.GroupBy{Fields: slices.Clone(spec.GroupBy.Fields)}

	if err := api.ValidateGroupTimeout("connectionGroup.spec.timeout", spec.Timeout); err != nil {
		return out, Invalid("%s", err.Error())
	}
	if out.Timeout == 0 {
		out.Timeout = api.DefaultGroupTimeout
	}
	if err := api.ValidateTimeoutBehavior("connectionGroup.spec.timeoutBehavior", spec.TimeoutBehavior); err != nil {
		return out, Invalid("%s", err.Error())
	}
	if out.TimeoutBehavior == "" || out.TimeoutBehavior == api.TimeoutBehaviorNone {
		out.TimeoutBehavior = api.TimeoutBehaviorDrop
	}
	return out, nil
}

// groupLoop refuses a stage called stage connecting to group g when g
// gathers from that stage: each run of the stage would feed the group that
// runs it again (with timeoutBehavior emit, for ever). field names the
// stage's connection.
func groupLoop(g store.ConnectionGroup, stage, field string) error {
	spec, err := GroupSpec(g)
	if err != nil {
		return err
	}
	for _, conn := range spec.Connections {
		if conn.Type == api.ConnectionTypeStage && conn.Name == stage {
			return Invalid("%s.name: connection group %q gathers from stage %q, so the stage cannot listen to it", field, g.Name, stage)
		}
	}
	return nil
}

// groupsConnectedTo returns the quoted names of the canvas's connection
// groups with a connection of type typ to name.
func groupsConnectedTo(ctx context.Context, st store.Store, orgID, canvasID, typ, name string) ([]string, error) {
	list, err := st.ListConnectionGroups(ctx, orgID, canvasID)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, g := range list {
		// A spec that does not decode is an error, not "connected to
		// nothing", which would let a connection in use be deleted.
		spec, err := GroupSpec(g)
		if err != nil {
			return nil, err
		}
		for _, conn := range spec.Connections {
			if conn.Type == typ && conn.Name == name {
				users = append(users, strconv.Quote(g.Name))
				break
			}
		}
	}
	return users, nil
}
