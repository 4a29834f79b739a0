package store

import (
	"context"
	"time"
)

// claimFreshEvents is claimEvents in one round trip, for PostgreSQL: one
// statement with no transaction around it locks up to limit pending
// events no one holds, taken fairly across organizations (fairPicked;
// passing over those another claim has locked),
// counts the attempt, leases and reads them. claimEvents' transaction took
// four round trips (begin, the read, the update, commit), and under the
// busy canvas's load each one waits for a CPU: a claim took 8–128 ms
// (BENCHMARKS.md, PostgreSQL routing, round seven).
//
// It claims only events never tried older than the oldest one that was
// (so, within an organization, only those before it): an
// event whose previous attempt did not finish is tried alone, and one out
// of attempts is rejected, by claimEvents' transaction. When such an event
// comes first, nothing is claimed and ok is false: the caller runs that
// transaction instead.
//
// Each event comes with its canvas's stages version, read in the same
// statement (Event.StagesVersion), and whether its canvas has no
// connection group (Event.NoConnectionGroups): routing would otherwise
// read each again, one more round trip a batch. A group created after the
// claim does not gather the events it claimed; one created after their
// matching never did.
//
// c, the events locked, is named three times, so PostgreSQL computes it
// once (any version: no MATERIALIZED, which needs 12), and claimed, a
// data-modifying WITH, runs exactly once whether or not it is read.
func (s *db) claimFreshEvents(ctx context.Context, now, lease time.Time, limit int) (claimed []Event, ok bool, err error) {
	rows, err := s.routeQuerier(ctx).QueryContext(ctx, s.q(`WITH RECURSIVE `+s.fairPicked()+`, c AS (
			SELECT e.id, e.received_at, e.route_attempts FROM events e
			WHERE `+s.pickedPending()+`
				AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)`+s.skipLockedOf("e")+`
		), fresh AS (
			SELECT c.id FROM c WHERE c.route_attempts = 0 AND NOT EXISTS (
				SELECT 1 FROM c tried WHERE tried.route_attempts > 0 AND (tried.received_at, tried.id) < (c.received_at, c.id))
		), claimed AS (
			UPDATE events u SET route_attempts = 1, route_lease_until = ?
			FROM fresh WHERE u.id = fresh.id RETURNING u.*
		)
		SELECT `+eventColumns+`, cv.stages_version, TRUE,
			NOT EXISTS (SELECT 1 FROM connection_groups g WHERE g.org_id = e.org_id AND g.canvas_id = e.canvas_id)
		FROM claimed e JOIN event_sources es ON es.id = e.source_id
			JOIN canvases cv ON cv.org_id = e.org_id AND cv.id = e.canvas_id
		UNION ALL
		SELECT `+eventColumns+`, 0, FALSE, FALSE`+eventFrom+`JOIN c ON c.id = e.id WHERE c.route_attempts > 0`),
		append(s.fairPickedArgs(now, limit), s.time(now), s.time(lease))...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	triedFound := false
	for rows.Next() {
		var ev Event
		var isClaimed bool
		if err := rows.Scan(&ev.ID, &ev.OrgID, &ev.CanvasID, &ev.SourceID, &ev.SourceName, &ev.Type, &ev.DeliveryID,
			blobColumn{&ev.Raw}, blobColumn{&ev.Headers}, &ev.State, &ev.StateReason, &ev.StateMessage, &ev.RouteAttempts,
			timeColumn{&ev.ReceivedAt}, &ev.StagesVersion, &isClaimed, &ev.NoConnectionGroups); err != nil {
			return nil, false, err
		}
		if !isClaimed {
			triedFound = true
			continue
		}
		ev.StagesVersionKnown = true
		claimed = append(claimed, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(claimed) == 0 && triedFound {
		return nil, false, nil
	}
	// RETURNING has no order: the claim's is fairPicked's.
	fairOrder(claimed)
	return claimed, true, nil
}
