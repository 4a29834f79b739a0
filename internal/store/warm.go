package store

import (
	"context"
	"database/sql"
)

// WarmPool makes Open on PostgreSQL open warmConns connections before it
// returns, so that a server's first bursts find them open. Only serve asks
// for it: the token and keys commands, and tests, open a connection or two.
// Ignored for SQLite (one writer; each connection runs its pragmas).
func WarmPool() OpenOption { return func(o *openOptions) { o.warm = true } }

// warmConns is how many connections WarmPool opens.
//
// database/sql opens a connection only when every open one is busy, so a
// server's pool grows during its first bursts, and a new PostgreSQL
// connection (a backend forked, initialized, its catalog caches empty) took
// 50–120 ms on a loaded machine. The routing's claim that drew one waited
// it out, and no batch was written meanwhile: that was the routing stall
// under the busy canvas's c16 load (BENCHMARKS.md, issue 17, round
// fifteen). Opened at start they are idle and reused (the pool keeps up to
// maxConns idle ones). Sixteen covers the c16 load's receivers and the
// engine's loops; a burst past them still opens more.
const warmConns = 16

// warmPool opens up to n connections of pool and puts them back idle. A
// connection that fails to open only ends the warming: the pool opens one
// again when needed, as it would have.
func warmPool(ctx context.Context, pool *sql.DB, n int) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close() // back to the pool, idle
		}
	}()
	for range n {
		c, err := pool.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		// A connection is dialed lazily: a round trip opens it.
		if err := c.PingContext(ctx); err != nil {
			return err
		}
	}
	return nil
}
