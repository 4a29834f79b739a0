package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ConnectionGroup joins the events of several connections (event sources,
// stages) that share the values of its groupBy fields into one event for
// the stages connected to the group. Spec is the JSON of
// api.ConnectionGroupSpec, validated by the server; Timeout and TimeoutEmit
// are copied from it so that the store can time field sets out without
// decoding specs.
type ConnectionGroup struct {
	ID          string
	OrgID       string
	CanvasID    string
	Name        string
	Description string
	Spec        []byte
	// Timeout is how long a field set waits for its missing connections
	// (whole seconds, at least one); TimeoutEmit says whether it then emits
	// what arrived (true) or is dropped.
	Timeout     time.Duration
	TimeoutEmit bool
	CreatedBy   string
	UpdatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Field set states and reasons: the wire's values (the server's
// TestStoreStatesAreTheWire checks them against package api's), defined
// here once for the store.
const (
	FieldSetPending       = "STATE_PENDING"
	FieldSetProcessed     = "STATE_PROCESSED"
	FieldSetDiscarded     = "STATE_DISCARDED"
	FieldSetReasonOK      = "STATE_REASON_OK"
	FieldSetReasonTimeout = "STATE_REASON_TIMEOUT"
)

// The field set states as SQL literals, for the queries that must match
// the partial indexes of migration 0012.
const (
	sqlFieldSetPending   = "'" + FieldSetPending + "'"
	sqlFieldSetProcessed = "'" + FieldSetProcessed + "'"
	sqlFieldSetDiscarded = "'" + FieldSetDiscarded + "'"
)

// FieldSet is one value of a group's key: the events that arrived with it
// and what became of them. OrgID, CanvasID and GroupName are read from the
// group.
type FieldSet struct {
	ID        string
	GroupID   string
	OrgID     string
	CanvasID  string
	GroupName string
	Hash      string
	// Fields is the JSON list of the key's {name, value} pairs
	// (DecodeFields).
	Fields []byte
	State  string // FieldSetPending, FieldSetProcessed or FieldSetDiscarded
	// StateReason is FieldSetReasonOK (every connection contributed) or
	// FieldSetReasonTimeout; empty while pending, and for a field set
	// refused because its group had too many pending (StateMessage says so).
	StateReason  string
	StateMessage string
	CreatedAt    time.Time
	TimeoutAt    time.Time
	FinishedAt   time.Time // zero while pending
	// Events are the arrivals, oldest first (filled by ListFieldSets and
	// the emit pass).
	Events []FieldSetEvent
}

// FieldSetEvent is an event that arrived in a field set from one of the
// group's connections, with a copy of its payload: a source's event, or a
// stage's finished execution (EventID is then the execution's id).
type FieldSetEvent struct {
	ID             string
	ConnectionType string // TYPE_EVENT_SOURCE or TYPE_STAGE
	ConnectionName string
	SourceID       string
	EventID        string
	Payload        []byte
	Headers        []byte
	ReceivedAt     time.Time
}

// ConnectionGroupStore is the part of Store that keeps connection groups
// and their field sets (the field sets' routing is in
// connection_group_route.go).
type ConnectionGroupStore interface {
	// CreateConnectionGroup inserts g. ErrConflict when the name is taken
	// in the canvas; ErrNotFound when the canvas does not exist.
	CreateConnectionGroup(ctx context.Context, g ConnectionGroup) error
	// FindConnectionGroup returns the canvas's group by id or name, or
	// ErrNotFound.
	FindConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string) (ConnectionGroup, error)
	// ListConnectionGroups returns the canvas's groups ordered by name.
	ListConnectionGroups(ctx context.Context, orgID, canvasID string) ([]ConnectionGroup, error)
	// UpdateConnectionGroup loads, lets fn change and writes back the group
	// in one transaction. fn must not call the store, and cannot change ID,
	// OrgID, CanvasID, CreatedBy or CreatedAt. ErrNotFound, ErrConflict on a
	// taken name; fn's error aborts and is returned unchanged. Pending field
	// sets keep the timeout they started with.
	UpdateConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string, fn func(*ConnectionGroup) error) (ConnectionGroup, error)
	// DeleteConnectionGroup deletes the group with its field sets.
	// ErrNotFound when missing.
	DeleteConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string) error
	// ListFieldSets returns the group's newest limit field sets (at most
	// MaxPageLimit), newest first, with their events, in the given states
	// (any when empty).
	ListFieldSets(ctx context.Context, groupID string, states []string, limit int) ([]FieldSet, error)
	// AddGroupArrivals, ExpireFieldSets, EmitFieldSets and PruneFieldSets:
	// see connection_group_route.go.
	GroupRouting
}

const groupColumns = `g.id, g.org_id, g.canvas_id, g.name, g.description, g.spec, g.timeout_seconds, g.timeout_emit,
	g.created_by, g.updated_by, g.created_at, g.updated_at`

func scanGroup(row rowScanner) (ConnectionGroup, error) {
	var g ConnectionGroup
	var seconds, emit int64
	err := row.Scan(&g.ID, &g.OrgID, &g.CanvasID, &g.Name, &g.Description, blobColumn{&g.Spec}, &seconds, &emit,
		&g.CreatedBy, &g.UpdatedBy, timeColumn{&g.CreatedAt}, timeColumn{&g.UpdatedAt})
	g.Timeout, g.TimeoutEmit = time.Duration(seconds)*time.Second, emit == 1
	return g, err
}

// connectionGroups are found by id or name in their scope.
var connectionGroups = named[ConnectionGroup]{what: "connection group", table: "connection_groups", alias: "g", sel: `SELECT ` + groupColumns + ` FROM connection_groups g`, scan: scanGroup}

// groupTimeout is g's timeout as stored: whole seconds, at least one.
func groupTimeout(g ConnectionGroup) (seconds, emit int64) {
	seconds = int64(g.Timeout / time.Second)
	if seconds < 1 {
		seconds = 1
	}
	if g.TimeoutEmit {
		emit = 1
	}
	return seconds, emit
}

// CreateConnectionGroup inserts g. ErrConflict when the name is taken in
// the canvas; ErrNotFound when the canvas does not exist in the
// organization.
func (s *db) CreateConnectionGroup(ctx context.Context, g ConnectionGroup) error {
	id, ok := canonicalID(g.ID)
	if !ok {
		return fmt.Errorf("store: connection group id %q is not a UUID", g.ID)
	}
	org, okOrg := canonicalID(g.OrgID)
	canvas, okCanvas := canonicalID(g.CanvasID)
	if !okOrg || !okCanvas {
		return NotFound("canvas %q not found", g.CanvasID)
	}
	seconds, emit := groupTimeout(g)
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO connection_groups (id, org_id, canvas_id, name, description, spec,
		timeout_seconds, timeout_emit, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, org, canvas, g.Name, g.Description, blob(g.Spec), seconds, emit, g.CreatedBy, g.UpdatedBy,
		s.time(g.CreatedAt), s.time(g.UpdatedAt))
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("connection group name %q is already taken", g.Name)
	case primaryKeyViolation:
		return Conflict("connection group id %q already exists", g.ID)
	case foreignKeyViolation:
		return NotFound("canvas %q not found", g.CanvasID)
	}
	return wrap("create connection group", err)
}

// findGroup looks the canvas's group up in q; forUpdate locks its row until
// q's transaction ends.
func (s *db) findGroup(ctx context.Context, q querier, orgID, canvasID, idOrName string, forUpdate bool) (ConnectionGroup, error) {
	return connectionGroups.find(ctx, s, q, canvasScope(orgID, canvasID), idOrName, forUpdate)
}

// FindConnectionGroup returns the canvas's group by id or name, or
// ErrNotFound.
func (s *db) FindConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string) (ConnectionGroup, error) {
	g, err := s.findGroup(ctx, s.sql, orgID, canvasID, idOrName, false)
	return g, wrap("find connection group", err)
}

// ListConnectionGroups returns the canvas's groups ordered by name (byte
// order).
func (s *db) ListConnectionGroups(ctx context.Context, orgID, canvasID string) ([]ConnectionGroup, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return []ConnectionGroup{}, nil
	}
	return queryAll(ctx, s, "list connection groups", `SELECT `+groupColumns+` FROM connection_groups g
		WHERE g.org_id = ? AND g.canvas_id = ? ORDER BY g.name`, scanGroup, org, canvas)
}

// UpdateConnectionGroup loads the group, lets fn change it and writes it
// back in one transaction; the row stays locked meanwhile. ErrNotFound when
// missing, ErrConflict on a taken name; fn's error aborts and is returned
// unchanged.
func (s *db) UpdateConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string, fn func(*ConnectionGroup) error) (ConnectionGroup, error) {
	var (
		out   ConnectionGroup
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findGroup(ctx, tx, orgID, canvasID, idOrName, true)
		if err != nil {
			return err
		}
		g := stored
		g.Spec = append([]byte(nil), stored.Spec...)
		if fnErr = fn(&g); fnErr != nil {
			return fnErr
		}
		g.ID, g.OrgID, g.CanvasID = stored.ID, stored.OrgID, stored.CanvasID
		g.CreatedBy, g.CreatedAt = stored.CreatedBy, stored.CreatedAt
		seconds, emit := groupTimeout(g)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE connection_groups SET name = ?, description = ?, spec = ?,
			timeout_seconds = ?, timeout_emit = ?, updated_by = ?, updated_at = ? WHERE id = ?`),
			g.Name, g.Description, blob(g.Spec), seconds, emit, g.UpdatedBy, s.time(g.UpdatedAt), g.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("connection group name %q is already taken", g.Name)
		}
		if err != nil {
			return err
		}
		out, err = s.findGroup(ctx, tx, g.OrgID, g.CanvasID, g.ID, false)
		return err
	})
	if fnErr != nil {
		return ConnectionGroup{}, fnErr
	}
	if err != nil {
		return ConnectionGroup{}, wrap("update connection group", err)
	}
	return out, nil
}

// DeleteConnectionGroup deletes the group; the foreign keys delete its
// field sets and their events in the same statement. ErrNotFound when
// missing.
func (s *db) DeleteConnectionGroup(ctx context.Context, orgID, canvasID, idOrName string) error {
	return connectionGroups.delete(ctx, s, s.sql, canvasScope(orgID, canvasID), idOrName)
}

const fieldSetColumns = `fs.id, fs.group_id, g.org_id, g.canvas_id, g.name, fs.hash, fs.fields, fs.state, fs.state_reason,
	fs.state_message, fs.created_at, fs.timeout_at, fs.finished_at`

const fieldSetFrom = ` FROM connection_group_field_sets fs JOIN connection_groups g ON g.id = fs.group_id `

func scanFieldSet(row rowScanner) (FieldSet, error) {
	var fs FieldSet
	err := row.Scan(&fs.ID, &fs.GroupID, &fs.OrgID, &fs.CanvasID, &fs.GroupName, &fs.Hash, blobColumn{&fs.Fields},
		&fs.State, &fs.StateReason, &fs.StateMessage, timeColumn{&fs.CreatedAt}, timeColumn{&fs.TimeoutAt},
		nullTimeColumn{&fs.FinishedAt})
	return fs, err
}

const fieldSetEventColumns = `ge.id, ge.connection_type, ge.connection_name, ge.source_id, ge.event_id, ge.payload,
	ge.headers, ge.received_at`

func scanFieldSetEvent(row rowScanner) (FieldSetEvent, error) {
	var ev FieldSetEvent
	err := row.Scan(&ev.ID, &ev.ConnectionType, &ev.ConnectionName, &ev.SourceID, &ev.EventID, blobColumn{&ev.Payload},
		blobColumn{&ev.Headers}, timeColumn{&ev.ReceivedAt})
	return ev, err
}

// ListFieldSets returns the group's newest field sets, newest first (ties
// by id), with their events oldest first, in states (any when empty).
// limit <= 0 means DefaultPageLimit; more than MaxPageLimit means
// MaxPageLimit.
func (s *db) ListFieldSets(ctx context.Context, groupID string, states []string, limit int) ([]FieldSet, error) {
	group, ok := canonicalID(groupID)
	if !ok {
		return []FieldSet{}, nil
	}
	if limit <= 0 {
		limit = DefaultPageLimit
	}
	limit = min(limit, MaxPageLimit)
	query := `SELECT ` + fieldSetColumns + fieldSetFrom + `WHERE fs.group_id = ?`
	args := []any{group}
	if len(states) > 0 {
		query += ` AND fs.state IN (` + placeholders(len(states)) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	query += ` ORDER BY fs.created_at DESC, fs.id DESC LIMIT ?`
	args = append(args, limit)
	sets, err := queryAll(ctx, s, "list field sets", query, scanFieldSet, args...)
	if err != nil || len(sets) == 0 {
		return sets, err
	}
	ids := make([]any, len(sets))
	at := map[string]int{}
	for i, fs := range sets {
		ids[i] = fs.ID
		at[fs.ID] = i
		sets[i].Events = []FieldSetEvent{}
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT ge.field_set_id, `+fieldSetEventColumns+` FROM connection_group_events ge
		WHERE ge.field_set_id IN (`+placeholders(len(ids))+`) ORDER BY ge.received_at, ge.id`), ids...)
	if err != nil {
		return nil, wrap("list field sets", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fsID string
		var ev FieldSetEvent
		if err := rows.Scan(&fsID, &ev.ID, &ev.ConnectionType, &ev.ConnectionName, &ev.SourceID, &ev.EventID,
			blobColumn{&ev.Payload}, blobColumn{&ev.Headers}, timeColumn{&ev.ReceivedAt}); err != nil {
			return nil, wrap("list field sets", err)
		}
		if i, ok := at[fsID]; ok {
			sets[i].Events = append(sets[i].Events, ev)
		}
	}
	return sets, wrap("list field sets", rows.Err())
}

// DecodeFields decodes the field set's key, naming the record if the column
// is damaged.
func (fs FieldSet) DecodeFields() ([]KeyValue, error) {
	if len(fs.Fields) == 0 {
		return []KeyValue{}, nil
	}
	return DecodeJSON[[]KeyValue]("field set", fs.ID, "fields", fs.Fields)
}
