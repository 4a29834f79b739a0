package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Alert is a runtime error on a canvas that a user should see and
// acknowledge: an execution that could not run for a reason on SuperPlane's
// side (a missing secret, an expression error, an executor spec that does
// not render, an integration that cannot be used).
type Alert struct {
	ID       string
	OrgID    string
	CanvasID string
	// SourceType and SourceID name the object the alert is about
	// (EVENT_SOURCE_TYPE_STAGE and a stage id, say); SourceName is its name
	// when the alert was raised.
	SourceType string
	SourceID   string
	SourceName string
	// Kind is what went wrong (AlertKindMissingSecret...): an alert of one
	// kind for one object is not repeated while an unacknowledged one
	// exists; Count and LastSeenAt record the repeats.
	Kind    string
	Type    string // ALERT_TYPE_ERROR, ALERT_TYPE_WARNING or ALERT_TYPE_INFO
	Message string
	Count   int
	// CreatedAt is when the alert was first raised, LastSeenAt when it was
	// last raised again.
	CreatedAt      time.Time
	LastSeenAt     time.Time
	AcknowledgedAt time.Time // zero until acknowledged
	AcknowledgedBy string    // the user id that acknowledged it
}

// Rejection says why an event did not become work: for which target (a
// stage, or an event source), which event, a reason and a message.
type Rejection struct {
	ID         string
	OrgID      string
	CanvasID   string
	TargetType string // TYPE_STAGE or TYPE_EVENT_SOURCE
	TargetID   string
	TargetName string
	// EventID is the event rejected: a source event, or for a stage
	// triggered by another stage the execution whose end was the event.
	EventID   string
	Reason    string // REJECTION_REASON_FILTERED or REJECTION_REASON_ERROR
	Message   string
	CreatedAt time.Time
}

// RejectionFilter narrows ListRejections; an empty field matches all.
type RejectionFilter struct {
	TargetType string
	TargetID   string
}

// AlertStore is the part of Store that keeps alerts and rejections.
type AlertStore interface {
	// RaiseAlert records a. When the canvas already has an unacknowledged
	// alert of a.Kind for the same object, that alert's Count goes up by one
	// and its message, type and LastSeenAt become a's instead: a failing
	// stage leaves one alert, not one per execution. Returns the alert as
	// stored; ErrNotFound when the canvas does not exist.
	RaiseAlert(ctx context.Context, a Alert) (Alert, error)
	// ListAlerts returns a page of the canvas's alerts, newest first
	// (created_at, then id), the acknowledged ones only when includeAcked.
	ListAlerts(ctx context.Context, orgID, canvasID string, includeAcked bool, page Page) ([]Alert, error)
	// AcknowledgeAlert marks the alert acknowledged by user at at and
	// returns it; an alert acknowledged before is returned unchanged.
	// ErrNotFound when the canvas has no such alert.
	AcknowledgeAlert(ctx context.Context, orgID, canvasID, id, user string, at time.Time) (Alert, error)
	// InsertRejections stores rs in one transaction; a rejection whose
	// canvas is gone is skipped.
	InsertRejections(ctx context.Context, rs []Rejection) error
	// InsertFilteredRejections stores fs in one transaction, one row per
	// event however many stages it names; a canvas that is gone is
	// skipped.
	InsertFilteredRejections(ctx context.Context, fs []FilteredRejection) error
	// ListRejections returns a page of the canvas's rejections matching f,
	// newest first, and how many match f in all: the rejections stored one
	// by one and those of FilteredRejections, one per stage. A stage's
	// filtered rejections are looked for in at most the newest
	// filteredScanRows filtered events from the cursor.
	ListRejections(ctx context.Context, orgID, canvasID string, f RejectionFilter, page Page) ([]Rejection, int, error)
	// PruneRejections deletes at most limit rejections that are older than
	// before or beyond the newest keep of their canvas, at most limit
	// FilteredRejections that are older than before or whose rejections are
	// all beyond the newest keep of their canvas, and at most limit
	// acknowledged alerts acknowledged before before. Returns how many rows
	// went; a caller repeats while it is limit or more.
	PruneRejections(ctx context.Context, before time.Time, keep, limit int) (int, error)
}

// Alert kinds: what went wrong, the key of the repeat rule.
const (
	AlertKindMissingSecret       = "missing_secret"
	AlertKindExpression          = "expression_error"
	AlertKindExecutorSpec        = "executor_spec"
	AlertKindIntegrationUnusable = "integration_unusable"
	AlertKindRunError            = "run_error"
)

const alertColumns = `id, org_id, canvas_id, source_type, source_id, source_name, kind, type, message, count,
	created_at, last_seen_at, acknowledged_at, acknowledged_by`

func scanAlert(row rowScanner) (Alert, error) {
	var a Alert
	err := row.Scan(&a.ID, &a.OrgID, &a.CanvasID, &a.SourceType, &a.SourceID, &a.SourceName, &a.Kind, &a.Type,
		&a.Message, &a.Count, timeColumn{&a.CreatedAt}, timeColumn{&a.LastSeenAt}, nullTimeColumn{&a.AcknowledgedAt},
		&a.AcknowledgedBy)
	return a, err
}

// RaiseAlert inserts a, or counts it as a repeat of the open alert of its
// kind for its object (the alerts_open partial unique index decides, so two
// servers raising at once leave one alert with count 2).
func (s *db) RaiseAlert(ctx context.Context, a Alert) (Alert, error) {
	id, okID := canonicalID(a.ID)
	org, okOrg := canonicalID(a.OrgID)
	canvas, okCanvas := canonicalID(a.CanvasID)
	if !okID || !okOrg || !okCanvas {
		return Alert{}, NotFound("canvas %q not found", a.CanvasID)
	}
	var out Alert
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO alerts (id, org_id, canvas_id, source_type, source_id, source_name,
			kind, type, message, count, created_at, last_seen_at, acknowledged_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, '')
			ON CONFLICT (canvas_id, source_type, source_id, kind) WHERE acknowledged_at IS NULL
			DO UPDATE SET count = alerts.count + 1, last_seen_at = excluded.last_seen_at, message = excluded.message,
			type = excluded.type, source_name = excluded.source_name`),
			id, org, canvas, a.SourceType, a.SourceID, a.SourceName, a.Kind, a.Type, a.Message,
			s.time(a.CreatedAt), s.time(a.CreatedAt))
		if s.d.classify(err) == foreignKeyViolation {
			return NotFound("canvas %q not found", a.CanvasID)
		}
		if err != nil {
			return err
		}
		out, err = scanAlert(tx.QueryRowContext(ctx, s.q(`SELECT `+alertColumns+` FROM alerts
			WHERE canvas_id = ? AND source_type = ? AND source_id = ? AND kind = ? AND acknowledged_at IS NULL`),
			canvas, a.SourceType, a.SourceID, a.Kind))
		return err
	})
	return out, wrap("raise alert", err)
}

// ListAlerts returns a page of the canvas's alerts, newest first, on the
// alerts_list index.
func (s *db) ListAlerts(ctx context.Context, orgID, canvasID string, includeAcked bool, page Page) ([]Alert, error) {
	alerts := []Alert{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return alerts, nil
	}
	query := `SELECT ` + alertColumns + ` FROM alerts WHERE org_id = ? AND canvas_id = ?`
	if !includeAcked {
		query += ` AND acknowledged_at IS NULL`
	}
	query, args, err := s.keyset(query, []any{org, canvas}, "created_at", "id", page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list alerts", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, wrap("list alerts", err)
		}
		alerts = append(alerts, a)
	}
	return alerts, wrap("list alerts", rows.Err())
}

// AcknowledgeAlert sets the acknowledgement once; a second acknowledgement
// keeps the first one's time and user.
func (s *db) AcknowledgeAlert(ctx context.Context, orgID, canvasID, id, user string, at time.Time) (Alert, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	alertID, okID := canonicalID(id)
	if !okOrg || !okCanvas || !okID {
		return Alert{}, NotFound("alert %q not found", id)
	}
	var out Alert
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?
			WHERE org_id = ? AND canvas_id = ? AND id = ? AND acknowledged_at IS NULL`),
			s.time(at), user, org, canvas, alertID); err != nil {
			return err
		}
		var err error
		out, err = scanAlert(tx.QueryRowContext(ctx, s.q(`SELECT `+alertColumns+` FROM alerts
			WHERE org_id = ? AND canvas_id = ? AND id = ?`), org, canvas, alertID))
		if errors.Is(err, sql.ErrNoRows) {
			return NotFound("alert %q not found", id)
		}
		return err
	})
	return out, wrap("acknowledge alert", err)
}

const rejectionColumns = `id, org_id, canvas_id, target_type, target_id, target_name, event_id, reason, message, created_at`

// InsertRejections stores rs in one transaction. A canvas deleted since
// the rejection was made is not an error: its rejections have nowhere to go.
//
// A busy source connected to many stages makes many rejections per event
// (one per stage whose filters it did not pass: 99 an event with 100
// stages), so the rows of a batch are written as cheaply as a row can be.
// Each canvas is looked up once and its row kept from deletion until the
// commit (SQLite's one writer already excludes that; PostgreSQL takes FOR
// KEY SHARE), so no insert can fail its foreign key and abort the rest. The
// rows then go in as plain INSERT … VALUES: on SQLite one row a statement,
// which needs no statement journal (an INSERT … SELECT did, and wrote it to
// a temporary file: 74% of the server's writes in a busy canvas), on
// PostgreSQL up to rejectionsPerInsert rows a statement, one round trip for
// many rows.
func (s *db) InsertRejections(ctx context.Context, rs []Rejection) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		exists := map[[2]string]bool{}
		rows := make([]any, 0, len(rs)*10)
		for _, r := range rs {
			id, okID := canonicalID(r.ID)
			org, okOrg := canonicalID(r.OrgID)
			canvas, okCanvas := canonicalID(r.CanvasID)
			if !okID || !okOrg || !okCanvas {
				continue
			}
			ok, err := s.canvasExists(ctx, tx, exists, org, canvas)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			rows = append(rows, id, org, canvas, r.TargetType, r.TargetID, r.TargetName, r.EventID, r.Reason, r.Message,
				s.time(r.CreatedAt))
		}
		per := rejectionsPerInsert
		if s.d.oneWriter {
			per = 1
		}
		for len(rows) > 0 {
			n := min(per, len(rows)/rejectionFields)
			query := `INSERT INTO rejections (` + rejectionColumns + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, n), ", ")
			if _, err := tx.ExecContext(ctx, s.q(query), rows[:n*rejectionFields]...); err != nil {
				return err
			}
			rows = rows[n*rejectionFields:]
		}
		return nil
	})
	return wrap("insert rejections", err)
}

// rejectionFields is the number of rejectionColumns; rejectionsPerInsert
// is how many rejections one INSERT carries on PostgreSQL (1,000
// parameters, far under its 65,535).
const (
	rejectionFields     = 10
	rejectionsPerInsert = 100
)

// rejectionsPageRead, set only by tests, runs between a rejections list's
// page and its count (ListRejections, listFiltered): where a rejection
// written by another server lands in the race the order of the two
// statements settles (TestRejectionWrittenBetweenPageAndCount).
var rejectionsPageRead func()

// ListRejections returns a page of the canvas's rejections matching f,
// newest first, with the count of all that match. Rejections are capped per
// canvas (PruneRejections), so the count is bounded work.
func (s *db) ListRejections(ctx context.Context, orgID, canvasID string, f RejectionFilter, page Page) ([]Rejection, int, error) {
	out := []Rejection{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return out, 0, nil
	}
	where := ` FROM rejections WHERE org_id = ? AND canvas_id = ?`
	args := []any{org, canvas}
	if f.TargetType != "" {
		where += ` AND target_type = ?`
		args = append(args, f.TargetType)
	}
	if f.TargetID != "" {
		where += ` AND target_id = ?`
		args = append(args, f.TargetID)
	}
	countArgs := args
	query, args, err := s.keyset(`SELECT `+rejectionColumns+where, args, "created_at", "id", page)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, wrap("list rejections", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Rejection
		if err := rows.Scan(&r.ID, &r.OrgID, &r.CanvasID, &r.TargetType, &r.TargetID, &r.TargetName, &r.EventID,
			&r.Reason, &r.Message, timeColumn{&r.CreatedAt}); err != nil {
			return nil, 0, wrap("list rejections", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap("list rejections", err)
	}
	rows.Close()
	if rejectionsPageRead != nil {
		rejectionsPageRead()
	}
	// Counted after the page is read: no snapshot spans the two
	// statements (a SQLite transaction would take the writer), and a
	// rejection written between them must not be on the page but missing
	// from the count (CI: "2 of 1"). Only a prune in between can make the
	// count smaller than what was read, never a new rejection.
	var total int
	if err := s.sql.QueryRowContext(ctx, s.q(`SELECT COUNT(*)`+where), countArgs...).Scan(&total); err != nil {
		return nil, 0, wrap("count rejections", err)
	}
	if f.TargetType != "" && f.TargetType != filteredTargetType {
		return out, total, nil
	}
	targetID := f.TargetID
	if targetID != "" {
		var ok bool
		if targetID, ok = canonicalID(targetID); !ok {
			// Only stages, whose ids are UUIDs, are named in filtered rows.
			return out, total, nil
		}
	}
	filtered, n, err := s.listFiltered(ctx, org, canvas, targetID, page)
	if err != nil {
		return nil, 0, err
	}
	return mergeRejections(out, filtered, pageLimit(page.Limit)), total + n, nil
}

// PruneRejections deletes one bounded batch of old rejections (older than
// before, or past the newest keep of their canvas) and of acknowledged
// alerts acknowledged before before. The window over rejections reads every
// row once; the per-canvas cap keeps that bounded by canvases × keep.
func (s *db) PruneRejections(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM rejections WHERE id IN (
		SELECT id FROM (SELECT id, created_at, ROW_NUMBER() OVER (PARTITION BY canvas_id ORDER BY created_at DESC, id DESC) AS n
		FROM rejections) r WHERE r.n > ? OR r.created_at < ? LIMIT ?)`), keep, s.time(before), limit)
	if err != nil {
		return 0, wrap("prune rejections", err)
	}
	n, _ := res.RowsAffected()
	filtered, err := s.pruneFiltered(ctx, before, keep, limit)
	n += int64(filtered)
	if err != nil {
		return int(n), err
	}
	res, err = s.sql.ExecContext(ctx, s.q(`DELETE FROM alerts WHERE id IN (
		SELECT id FROM alerts WHERE acknowledged_at IS NOT NULL AND acknowledged_at < ? LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return int(n), wrap("prune alerts", err)
	}
	m, _ := res.RowsAffected()
	return int(n + m), nil
}
