package store

import (
	"context"
	"time"
)

// AuditEvent is one state-changing API request that got past
// authentication: who made it, with which token, what it changed, when,
// from where, and how it ended. It never holds a value (no body, secret
// data, key or token): only identifiers, names and the HTTP status.
type AuditEvent struct {
	ID    string
	OrgID string
	At    time.Time
	// ActorType is AuditActorUser (an API token's user) or
	// AuditActorExecution (a CI run pushing outputs with its execution's
	// credentials).
	ActorType  string
	ActorID    string // the user id, or the execution id
	ActorEmail string
	TokenID    string
	// SessionID is the console session, when the request came with one
	// rather than a token (empty until sessions exist).
	SessionID  string
	Action     string // create, update, delete, verify, approve...
	ObjectType string // canvas, secret, stage...
	ObjectID   string
	ObjectName string
	CanvasID   string
	CanvasName string
	Method     string
	Route      string // the route's pattern, never the path with its query
	Status     int
	// Outcome is AuditSucceeded, AuditFailed or AuditDenied.
	Outcome   string
	ClientIP  string
	UserAgent string
	RequestID string
}

// The actors and outcomes of an AuditEvent.
const (
	AuditActorUser      = "user"
	AuditActorExecution = "execution"

	AuditSucceeded = "succeeded"
	AuditFailed    = "failed"
	AuditDenied    = "denied"
)

// AuditFilter narrows ListAuditEvents; an empty field matches all.
type AuditFilter struct {
	// Actor matches the actor's id or email.
	Actor      string
	ObjectType string
	// Object matches the object's id or name.
	Object string
	// Canvas matches the canvas's id or name.
	Canvas  string
	Action  string
	Outcome string
	// Since and Until bound At: Since <= At < Until (zero: unbounded).
	Since, Until time.Time
}

// AuditStore is the part of Store that keeps the audit trail.
type AuditStore interface {
	// InsertAuditEvent stores e; it commits before returning, like every
	// acknowledged write.
	InsertAuditEvent(ctx context.Context, e AuditEvent) error
	// ListAuditEvents returns a page of the organization's records matching
	// f, newest first (At, then id).
	ListAuditEvents(ctx context.Context, orgID string, f AuditFilter, page Page) ([]AuditEvent, error)
	// PruneAuditEvents deletes at most limit records older than before and
	// returns how many went; a caller repeats while it is limit.
	PruneAuditEvents(ctx context.Context, before time.Time, limit int) (int, error)
}

const auditColumns = `id, org_id, at, actor_type, actor_id, actor_email, token_id, session_id, action, object_type,
	object_id, object_name, canvas_id, canvas_name, method, route, status, outcome, client_ip, user_agent, request_id`

func scanAuditEvent(row rowScanner) (AuditEvent, error) {
	var e AuditEvent
	err := row.Scan(&e.ID, &e.OrgID, timeColumn{&e.At}, &e.ActorType, &e.ActorID, &e.ActorEmail, &e.TokenID,
		&e.SessionID, &e.Action, &e.ObjectType, &e.ObjectID, &e.ObjectName, &e.CanvasID, &e.CanvasName,
		&e.Method, &e.Route, &e.Status, &e.Outcome, &e.ClientIP, &e.UserAgent, &e.RequestID)
	return e, err
}

// InsertAuditEvent is one INSERT, durable on return (synchronous=FULL on
// SQLite; a PostgreSQL commit). On SQLite, records written at the same
// time share a transaction and its commit (writeBatcher), with each other
// and with secret creates: a change through the API whose write does not
// take its record (PendingAudit) writes one after its own commit, so at
// concurrency this halves the commits (and the WAL appends, and the
// page-cache invalidations every commit causes the other connections) that
// the changes cost.
func (s *db) InsertAuditEvent(ctx context.Context, e AuditEvent) error {
	id, okID := canonicalID(e.ID)
	org, okOrg := canonicalID(e.OrgID)
	if !okID || !okOrg {
		return NotFound("organization %q not found", e.OrgID)
	}
	err := s.writes.do(ctx, s, func(ctx context.Context, q querier) error {
		_, err := q.ExecContext(ctx, s.q(`INSERT INTO audit_events (`+auditColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, org, s.time(e.At), e.ActorType, e.ActorID, e.ActorEmail, e.TokenID, e.SessionID, e.Action,
			e.ObjectType, e.ObjectID, e.ObjectName, e.CanvasID, e.CanvasName, e.Method, e.Route, e.Status,
			e.Outcome, e.ClientIP, e.UserAgent, e.RequestID)
		return err
	})
	return wrap("insert audit event", err)
}

// ListAuditEvents reads newest first on the (org_id, at, id) index; the
// filters narrow it as it reads, up to the page's limit. The actor, object
// and canvas filters match an id or a name, an OR neither planner can serve
// from an index on one column, so they have no index of their own
// (migration 0026, TestAuditListQueryPlans).
func (s *db) ListAuditEvents(ctx context.Context, orgID string, f AuditFilter, page Page) ([]AuditEvent, error) {
	out := []AuditEvent{}
	org, ok := canonicalID(orgID)
	if !ok {
		return out, nil
	}
	query, args, err := s.auditListQuery(org, f, page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list audit events", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, wrap("list audit events", err)
		}
		out = append(out, e)
	}
	return out, wrap("list audit events", rows.Err())
}

// auditListQuery is ListAuditEvents' statement ("?" placeholders) for the
// canonical organization id org.
func (s *db) auditListQuery(org string, f AuditFilter, page Page) (string, []any, error) {
	query := `SELECT ` + auditColumns + ` FROM audit_events WHERE org_id = ?`
	args := []any{org}
	either := func(a, b, v string) {
		if v != "" {
			query += ` AND (` + a + ` = ? OR ` + b + ` = ?)`
			args = append(args, v, v)
		}
	}
	one := func(col, v string) {
		if v != "" {
			query += ` AND ` + col + ` = ?`
			args = append(args, v)
		}
	}
	either("actor_id", "actor_email", f.Actor)
	either("object_id", "object_name", f.Object)
	either("canvas_id", "canvas_name", f.Canvas)
	one("object_type", f.ObjectType)
	one("action", f.Action)
	one("outcome", f.Outcome)
	if !f.Since.IsZero() {
		query += ` AND at >= ?`
		args = append(args, s.time(f.Since))
	}
	if !f.Until.IsZero() {
		query += ` AND at < ?`
		args = append(args, s.time(f.Until))
	}
	return s.keyset(query, args, "at", "id", page)
}

// PruneAuditEvents deletes one batch on the at index.
func (s *db) PruneAuditEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM audit_events WHERE id IN (
		SELECT id FROM audit_events WHERE at < ? LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return 0, wrap("prune audit events", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
