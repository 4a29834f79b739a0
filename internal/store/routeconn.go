package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// routePlansFor is how long a held connection keeps its query plans.
// pgx prepares the claim once a connection, and after five runs
// PostgreSQL keeps a generic plan made for the table as it then was: on
// a table that grows (a new installation: every bench run) a held
// connection's claim scanned more at every batch until autovacuum's
// ANALYZE, and the free stage's start climbed to 150–200 ms in two of
// four 30-second runs (BENCHMARKS.md, round sixteen). DISCARD PLANS
// keeps pgx's prepared statements; their next runs plan again for the
// table as it is. Measured at 2 s; a round trip and a few plans every
// 2 s a loop.
const routePlansFor = 2 * time.Second

// RouteConn is one routing worker's PostgreSQL connection, held from its
// first batch to its end (Release) and never given back to the pool
// between batches: RouteEventsBatch runs its claim, the statement that
// writes a batch apart (routeApartPG) and its routing transaction on it.
// database/sql dials only when every open connection is busy and hands
// out the one returned last, so under a burst the pool grew and a routing
// claim could draw a backend dialed in the burst: forked, its catalog
// caches empty, its statements never parsed; such a claim took 83–119 ms
// where it takes 2–5 (BENCHMARKS.md, "PostgreSQL's routing stalls, round
// fifteen"). A held backend is warm after the worker's first batch, and
// pgx's statement cache on it keeps routing's statements prepared.
//
// A batch that fails gives its connection back (the pool closes it when
// it is broken: a backend terminated, a restart) and the next batch takes
// another; the failed batch's events stay pending and are routed again,
// as before. SQLite ignores it: its writer is one connection already.
// A RouteConn belongs to one worker: its batches run one at a time.
type RouteConn struct {
	mu   sync.Mutex
	pool *sql.DB
	conn *sql.Conn
	// planned is when conn's plans were last made afresh: taken or
	// discarded (routePlansFor).
	planned  time.Time
	plansFor time.Duration
	// taken and discarded count the connections taken and the plans
	// discarded (tests).
	taken, discarded int
}

// NewRouteConn returns a RouteConn holding no connection yet: the first
// batch routed with it (WithRouteConn) takes one.
func NewRouteConn() *RouteConn { return &RouteConn{plansFor: routePlansFor} }

type routeConnKey struct{}

// WithRouteConn returns ctx asking RouteEventsBatch to route on c's
// connection.
func WithRouteConn(ctx context.Context, c *RouteConn) context.Context {
	return context.WithValue(ctx, routeConnKey{}, c)
}

// Release gives the held connection back to its pool. It may be called
// more than once; a later batch takes a connection again.
func (c *RouteConn) Release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked()
}

func (c *RouteConn) releaseLocked() {
	if c.conn != nil {
		// Back to the pool, which checks it (pgx: closed, or a failed
		// ping) before handing it out again.
		_ = c.conn.Close()
		c.conn, c.pool = nil, nil
	}
}

// hold returns the connection c holds on pool, taking one when it holds
// none (or one of another pool). Past routePlansFor it discards the held
// connection's plans first; a connection that cannot (broken by a
// restart, a terminated backend, an idle timeout) is given back and
// another taken, so a loop that was idle that long never fails a batch
// on a dead connection.
func (c *RouteConn) hold(ctx context.Context, pool *sql.DB) (*sql.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && c.pool == pool {
		if time.Since(c.planned) < c.plansFor {
			return c.conn, nil
		}
		if _, err := c.conn.ExecContext(ctx, "DISCARD PLANS"); err == nil {
			c.planned = time.Now()
			c.discarded++
			return c.conn, nil
		}
	}
	c.releaseLocked()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c.conn, c.pool, c.planned = conn, pool, time.Now()
	c.taken++
	return conn, nil
}

// routeConnQuerier is what a routing batch's three statements need of a
// connection: *sql.DB and *sql.Conn both have it.
type routeConnQuerier interface {
	querier
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// heldRouteConnKey carries, inside RouteEventsBatch, the connection its
// RouteConn holds for this batch.
type heldRouteConnKey struct{}

// holdRouteConn takes (or keeps) the connection of the RouteConn ctx
// carries, on PostgreSQL, and returns ctx carrying it for routeQuerier,
// with the RouteConn (nil when none is held).
func (s *db) holdRouteConn(ctx context.Context) (context.Context, *RouteConn, error) {
	c, _ := ctx.Value(routeConnKey{}).(*RouteConn)
	if c == nil || s.d.oneWriter {
		return ctx, nil, nil
	}
	conn, err := c.hold(ctx, s.sql)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, heldRouteConnKey{}, conn), c, nil
}

// routeQuerier is where routing's claim, apart statement and transaction
// run: the connection holdRouteConn put in ctx, or the pool.
func (s *db) routeQuerier(ctx context.Context) routeConnQuerier {
	if conn, ok := ctx.Value(heldRouteConnKey{}).(*sql.Conn); ok {
		return conn
	}
	return s.sql
}
