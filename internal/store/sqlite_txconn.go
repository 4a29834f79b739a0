package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// txConn is the one connection SQLite's transactions run on. SQLite takes
// one writer at a time anyway (writerLock), so pinning them to one
// connection loses no concurrency; what it keeps is that connection's
// page cache. In WAL mode a connection drops its cache whenever another
// connection committed since its last transaction, so with the pool's
// connections taken in turn the group commit and routing, which alternate,
// read back from the WAL and the file (pread) most of the pages the other
// had just written (BENCHMARKS.md, SQLite's busy canvas, round thirteen).
// Reads outside a transaction stay on the pool, beside the writer.
//
// A transaction takes the database's writer (the driver's writerLock, in
// its queues, withWritePriority first) before the connection, and the
// driver is told so (withWriterHeld): whoever holds the writer is the
// connection's only user. database/sql serializes a connection's calls,
// so two transactions beginning on it would otherwise deadlock, the second
// waiting for the writer with the connection's lock held.
type txConn struct {
	pool *sql.DB

	mu     sync.Mutex // guards conn and writer; held briefly
	conn   *sql.Conn
	writer *writerLock // the database's, from the driver at the first pin
}

// writerHeldKey marks a context whose caller holds the database's writer
// for the transaction it begins (txConn.beginTx).
type writerHeldKey struct{}

func withWriterHeld(ctx context.Context) context.Context {
	return context.WithValue(ctx, writerHeldKey{}, true)
}

func writerHeld(ctx context.Context) bool {
	v, _ := ctx.Value(writerHeldKey{}).(bool)
	return v
}

// beginTx takes the database's writer, then begins a transaction on the
// pinned connection; release gives the writer back and must be called once
// the transaction ended.
func (c *txConn) beginTx(ctx context.Context) (tx *sql.Tx, release func(), err error) {
	_, w, err := c.pinned(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := w.acquire(ctx, hasWritePriority(ctx)); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		w.release()
		return nil, nil, err
	}
	// Read again with the writer held: a transaction before this one may
	// have replaced a connection that went bad.
	conn, _, err := c.pinned(ctx)
	if err != nil {
		w.release()
		return nil, nil, err
	}
	// Not ended by database/sql when ctx ends: its rollback then runs in
	// a goroutine of its own, which the next transaction on this
	// connection could overtake. The statements still take ctx, and inTx
	// does not commit once ctx ended, as database/sql would not.
	bctx := withWriterHeld(context.WithoutCancel(ctx))
	tx, err = conn.BeginTx(bctx, nil)
	if err != nil && (errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn)) {
		// The connection went bad: a new one, once. The writer is held,
		// so no one else uses this one.
		c.drop()
		if conn, _, err = c.pinned(ctx); err == nil {
			tx, err = conn.BeginTx(bctx, nil)
		}
	}
	if err != nil {
		w.release()
		return nil, nil, err
	}
	return tx, w.release, nil
}

// pinned is the connection, taken from the pool at its first use, and the
// database's writer lock.
func (c *txConn) pinned(ctx context.Context) (*sql.Conn, *writerLock, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		return c.conn, c.writer, nil
	}
	conn, err := c.pool.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var w *writerLock
	if err := conn.Raw(func(dc any) error {
		if cc, ok := dc.(*countingConn); ok { // the tests' StatementCounter
			dc = cc.inner
		}
		sc, ok := dc.(*sqliteConn)
		if !ok {
			return fmt.Errorf("store: a SQLite connection is a %T", dc)
		}
		w = sc.writer
		return nil
	}); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	c.conn, c.writer = conn, w
	return conn, w, nil
}

// drop gives the connection back, discarded by the pool if it is bad.
func (c *txConn) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}
