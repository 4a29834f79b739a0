package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrHeldByAnotherServer is Open's answer, with SoleServer, for a SQLite
// database another serve already holds.
var ErrHeldByAnotherServer = errors.New("another superplane-server serve holds this database")

// SoleServer makes Open take an exclusive lock on a SQLite database for
// as long as the store is open (a lock file beside it, flock'd), and
// refuse (ErrHeldByAnotherServer) one another process holds. With it,
// routing needs no lease: no other process routes this database's
// events, so a routing batch reads its events and marks them processed in
// its one write transaction, instead of a claim transaction (count the
// attempt, lease) and then the routing one (BENCHMARKS.md, SQLite's cost
// a delivery, round eight). Only serve asks for it: the token and keys
// commands open the database beside a running serve and route nothing.
// Ignored for PostgreSQL (several replicas share it), for an in-memory
// database, and where the system has no flock.
func SoleServer() OpenOption { return func(o *openOptions) { o.soleServer = true } }

// soleRouter is what a store opened with SoleServer holds: the lock file,
// which doubles as the journal of the events being routed, and the events
// this process's routing batches have read and not yet written.
type soleRouter struct {
	lock *os.File
	path string

	mu sync.Mutex
	// inFlight holds the ids of the events of the batches read and not
	// yet written: the two routing workers overlap (one matches while the
	// other writes), and an event read by one is not pending to the other.
	// The value tells whether the event is in the journal: one claimed
	// (leased) has its attempt counted already.
	inFlight map[string]bool
	// buf is the journal's content, reused.
	buf []byte
}

// lockFileOf is the lock file of the SQLite database at path.
func lockFileOf(path string) string { return path + ".serve-lock" }

// openSole takes the lock of the SQLite database at path.
func openSole(path string) (*soleRouter, error) {
	lockPath := lockFileOf(path)
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600) //nolint:gosec // Beside the database the operator named.
	if err != nil {
		return nil, fmt.Errorf("store: open the lock file %s: %w", lockPath, err)
	}
	held, err := flockExclusive(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", lockPath, err)
	}
	if !held {
		_ = f.Close()
		return nil, fmt.Errorf("%w (%s, lock file %s): stop it first, or give this one another --data-dir", ErrHeldByAnotherServer, path, lockPath)
	}
	return &soleRouter{lock: f, path: lockPath, inFlight: map[string]bool{}}, nil
}

// close releases the lock (closing the file releases a flock).
func (r *soleRouter) close() error {
	if r == nil {
		return nil
	}
	return r.lock.Close()
}

// recover counts an attempt for the events the journal names that are
// still pending: the previous server stopped while routing them, perhaps
// because of one of them, so each is then tried alone and set aside after
// MaxRouteAttempts, as a lease that ran out does for a claimed event. The
// leases of events claimed by the previous server end at once: it is gone
// (this process holds the lock), and the event it was trying alone is
// tried again now rather than when the lease would have run out.
func (r *soleRouter) recover(ctx context.Context, s *db) error {
	if _, err := s.sql.ExecContext(ctx, `UPDATE events SET route_lease_until = NULL
		WHERE state = `+sqlEventPending+` AND route_lease_until IS NOT NULL`); err != nil {
		return wrap("end the previous server's routing leases", err)
	}
	st, err := r.lock.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	content := make([]byte, min(st.Size(), 1<<20))
	n, err := r.lock.ReadAt(content, 0)
	if n == 0 && err != nil {
		return fmt.Errorf("store: read %s: %w", r.path, err)
	}
	var ids []any
	for line := range strings.SplitSeq(string(content[:n]), "\n") {
		if line == "" {
			break // the list's end (take)
		}
		if canonical, ok := canonicalID(line); ok {
			ids = append(ids, canonical)
		}
	}
	for chunk := range slicesChunk(ids, 500) {
		if _, err := s.sql.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts + 1,
			state_message = CASE WHEN state_message = '' THEN 'the server stopped while routing it' ELSE state_message END
			WHERE state = `+sqlEventPending+` AND id IN (`+placeholders(len(chunk))+`)`), chunk...); err != nil {
			return wrap("recover the routing journal", err)
		}
	}
	return r.lock.Truncate(0)
}

// slicesChunk is slices.Chunk for []any (kept local: the bound matters
// only here).
func slicesChunk(s []any, n int) func(func([]any) bool) {
	return func(yield func([]any) bool) {
		for i := 0; i < len(s); i += n {
			if !yield(s[i:min(i+n, len(s))]) {
				return
			}
		}
	}
}

// take records ids as in flight, and writes every event in flight to the
// journal before the batch is matched: a server that dies while routing
// leaves their ids there for recover. A claimed batch (journal false) is
// only recorded in flight: its claim counted its attempt. The write reaches the page cache,
// which survives the process (not the machine: a power cut is not the
// event's fault, and its batch is then routed again whole). r.mu is held.
func (r *soleRouter) take(ids []string, journal bool) error {
	for _, id := range ids {
		r.inFlight[id] = journal
	}
	if !journal {
		return nil
	}
	r.buf = r.buf[:0]
	for id, journaled := range r.inFlight {
		if journaled {
			r.buf = append(r.buf, id...)
			r.buf = append(r.buf, '\n')
		}
	}
	// An empty line ends the list: what an earlier, longer list left
	// after it is not read, and the file needs no truncating (one system
	// call a batch, not two).
	r.buf = append(r.buf, '\n')
	if _, err := r.lock.WriteAt(r.buf, 0); err != nil {
		return fmt.Errorf("store: write the routing journal %s: %w", r.path, err)
	}
	return nil
}

// release forgets ids once their batch is written (or failed). The
// journal keeps them until the next batch's take: they are no longer
// pending then, or were left pending with their attempt counted.
func (r *soleRouter) release(ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		delete(r.inFlight, id)
	}
}

// busy tells whether id is in flight; r.mu is held.
func (r *soleRouter) busy(id string) bool {
	_, ok := r.inFlight[id]
	return ok
}

// readEvents reads, with no transaction, up to limit pending events not in
// flight, oldest first, and takes them (soleRouter.take). It stops before
// the first event tried before (an attempt that did not finish, or an
// error): leased is then true and the events come from claimEvents instead,
// which tries such an event alone, counting its attempts, and rejects one
// out of attempts.
//
// r.mu is held throughout, so an event another batch releases meanwhile
// (release waits) is not read as pending from a snapshot taken before
// that batch's commit.
func (s *db) readEvents(ctx context.Context, now, lease time.Time, limit int) (claimed []Event, done int, leased bool, err error) {
	r := s.sole
	r.mu.Lock()
	defer r.mu.Unlock()
	found, err := s.readPending(ctx, now, limit)
	if err != nil {
		return nil, 0, false, err
	}
	fairOrder(found)
	tried := false
	for _, ev := range found {
		if ev.RouteAttempts > 0 {
			tried = true
			break
		}
		claimed = append(claimed, ev)
		if len(claimed) == limit {
			break
		}
	}
	if tried && len(claimed) == 0 {
		claimed, done, err = s.claimEventsSkipping(ctx, now, lease, limit, r.busy, len(r.inFlight))
		if err != nil {
			return nil, 0, false, err
		}
		leased = true
	}
	if len(claimed) == 0 {
		return nil, done, leased, nil
	}
	ids := make([]string, len(claimed))
	for i, ev := range claimed {
		ids[i] = ev.ID
	}
	if err := r.take(ids, !leased); err != nil {
		for _, id := range ids {
			delete(r.inFlight, id)
		}
		return nil, 0, false, err
	}
	return claimed, done, leased, nil
}

// releaseEvents is release for a batch's events.
func (r *soleRouter) releaseEvents(evs []Event) {
	if len(evs) == 0 {
		return
	}
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	r.release(ids)
}

// attemptOf is what a failed routing adds to its event's attempts: one
// for a batch read with no claim (zero lease, SoleServer), none for a
// claimed one, whose claim counted it.
func attemptOf(lease time.Time) int {
	if lease.IsZero() {
		return 1
	}
	return 0
}

// stillPending returns which matched events are still pending, for a batch
// read with no claim: no other process routes them (SoleServer) and no
// other batch of this one holds them (soleRouter.inFlight), so only a
// deletion (their canvas's, the retention's) or a rejection changed them.
func (s *db) stillPending(ctx context.Context, tx *sql.Tx, matched []matchedEvent) (map[string]bool, error) {
	args := make([]any, 0, len(matched))
	for _, m := range matched {
		args = append(args, m.ev.ID)
	}
	return pendingByID(ctx, tx, s.q(`SELECT e.id, e.state FROM events e WHERE e.id IN (`+placeholders(len(matched))+`)`), args)
}

// soleOf takes the lock of the SQLite database databaseURL names, for
// SoleServer: nil, with no error, for an in-memory database or where the
// system has no flock (routing then claims as several servers would).
func soleOf(databaseURL string) (*soleRouter, error) {
	_, path, _, err := sqliteTarget(databaseURL)
	if err != nil || path == "" || !flockSupported {
		return nil, err
	}
	return openSole(path)
}

// countFailed records the error of a routing transaction that failed
// (rolled back) for the events of its batch. One read with no claim counts
// its attempt here, no claim did; one claimed (leased) ends its lease, so
// that it is tried again at the next pass rather than when the lease runs
// out (no other server routes this database). Either way the next read
// finds the oldest of them tried, it goes through the leased claim, alone,
// and is rejected after MaxRouteAttempts, as a claimed event whose routing
// fails every time is. A failure here (the database gone) leaves them as
// they were, to be tried again.
func (r *soleRouter) countFailed(ctx context.Context, s *db, evs []Event, lease time.Time, cause error) {
	if ctx.Err() != nil || len(evs) == 0 {
		return
	}
	args := make([]any, 0, len(evs)+2)
	args = append(args, attemptOf(lease), clipMessage(cause.Error()))
	for _, ev := range evs {
		args = append(args, ev.ID)
	}
	_, _ = s.sql.ExecContext(ctx, s.q(`UPDATE events SET route_attempts = route_attempts + ?, state_message = ?, route_lease_until = NULL
		WHERE state = `+sqlEventPending+` AND id IN (`+placeholders(len(evs))+`)`), args...)
}
