package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// sqliteDriverName is the database/sql driver the store opens SQLite with:
// modernc's driver behind sqliteDriver.
const sqliteDriverName = "superplane-sqlite"

func init() {
	sql.Register(sqliteDriverName, &sqliteDriver{inner: &sqlite.Driver{}})
}

// sqliteWriteWait bounds how long a write waits for the database's one
// writer, like busy_timeout(10000) in sqliteParams.
const sqliteWriteWait = 10 * time.Second

// sqliteStmtCacheSize bounds the prepared statements kept per connection.
// The store's SQL is a fixed set of texts, far fewer than this.
const sqliteStmtCacheSize = 256

// sqliteDriver wraps modernc's driver with two things a profile of the
// webhook and secret paths asked for:
//
//   - a cache of prepared statements per connection: modernc's driver
//     parses every query's SQL again (about a quarter of the server's CPU
//     under load), and database/sql caches nothing;
//   - a queue for the one writer, per database file: a transaction (the
//     store begins them IMMEDIATE) or a statement outside one that finds the
//     write lock taken otherwise sleeps in SQLite's busy handler, up to
//     100 ms at a time, which made the tail latency of concurrent writes
//     hundreds of milliseconds. Waiting in writerLock's queues instead
//     hands the lock over as soon as it is free, in order of arrival, the
//     engine's short transactions first (withWritePriority).
type sqliteDriver struct {
	inner driver.Driver

	mu     sync.Mutex
	queues map[string]*writerLock // by DSN: one writer per database file
}

// writeQueue is the writer of the database opened with dsn.
func (d *sqliteDriver) writeQueue(dsn string) *writerLock {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queues == nil {
		d.queues = map[string]*writerLock{}
	}
	q, ok := d.queues[dsn]
	if !ok {
		q = &writerLock{}
		d.queues[dsn] = q
	}
	return q
}

// Open opens a connection of the inner driver.
func (d *sqliteDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.inner.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &sqliteConn{inner: c, writer: d.writeQueue(dsn), stmts: map[string]*cachedStmt{}}, nil
}

// innerConn is what modernc's connection implements and the store uses.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteConn is one connection: database/sql never uses it from two
// goroutines at once, so its fields need no lock.
type sqliteConn struct {
	inner  driver.Conn
	writer *writerLock
	// inTx is set while a transaction of this connection holds the writer.
	inTx bool
	// heldOutside is set with inTx when the transaction's caller took the
	// writer (txConn) and gives it back itself.
	heldOutside bool
	stmts       map[string]*cachedStmt
	// compiles counts the SQL texts this connection gave SQLite to
	// compile: cache misses, scripts, statements not cached. The tests
	// read it to pin a routing batch at no compilation once warm.
	compiles int
}

// cachedStmt is a prepared statement; busy while its rows are open, when a
// second use of the same SQL on the connection gets a statement of its own.
type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

func (c *sqliteConn) conn() (innerConn, error) {
	ic, ok := c.inner.(innerConn)
	if !ok {
		return nil, errors.New("store: the SQLite driver lacks the context interfaces")
	}
	return ic, nil
}

// acquire waits for the writer token, at most sqliteWriteWait; a context
// withWritePriority goes before the other waiters (writerLock).
func (c *sqliteConn) acquire(ctx context.Context) error {
	return c.writer.acquire(ctx, hasWritePriority(ctx))
}

func (c *sqliteConn) release() { c.writer.release() }

// Prepare prepares a statement the caller owns (not cached).
func (c *sqliteConn) Prepare(query string) (driver.Stmt, error) {
	return c.inner.Prepare(query)
}

// PrepareContext prepares a statement the caller owns: the connection's
// cached one while no one else uses it (routing prepares its stage
// events' INSERT once a transaction, a compilation a batch otherwise),
// a statement of its own when the cached one is busy.
func (c *sqliteConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	ic, err := c.conn()
	if err != nil {
		return nil, err
	}
	if cacheable(query) {
		cs, err := c.cached(ctx, ic, query)
		if err != nil {
			return nil, err
		}
		if cs != nil {
			if owned, ok := newOwnedStmt(cs); ok {
				return owned, nil
			}
		}
	}
	c.compiles++
	return ic.PrepareContext(ctx, query)
}

// Close finalizes the cached statements and closes the connection. A
// transaction still open ends with it (SQLite rolls it back), and so does
// its hold on the writer token.
func (c *sqliteConn) Close() error {
	for q, cs := range c.stmts {
		_ = cs.stmt.Close()
		delete(c.stmts, q)
	}
	if c.inTx {
		c.inTx = false
		if !c.heldOutside {
			c.release()
		}
	}
	return c.inner.Close()
}

// Begin is the context-free form database/sql no longer calls.
func (c *sqliteConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx waits for the writer token, then begins (IMMEDIATE, see
// sqliteParams); the token is released when the transaction ends. A
// caller that took the token itself (withWriterHeld, txConn) keeps it.
func (c *sqliteConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	ic, err := c.conn()
	if err != nil {
		return nil, err
	}
	held := writerHeld(ctx)
	if !held {
		if err := c.acquire(ctx); err != nil {
			return nil, err
		}
	}
	tx, err := ic.BeginTx(ctx, opts)
	if err != nil {
		if !held {
			c.release()
		}
		return nil, err
	}
	c.inTx, c.heldOutside = true, held
	return &sqliteTx{inner: tx, c: c}, nil
}

// sqliteTx releases the writer token when it ends.
type sqliteTx struct {
	inner driver.Tx
	c     *sqliteConn
	ended bool
}

func (t *sqliteTx) end() {
	if !t.ended {
		t.ended = true
		// Unless the connection's Close already gave the token back, or
		// the caller holds it (heldOutside).
		if t.c.inTx {
			t.c.inTx = false
			if !t.c.heldOutside {
				t.c.release()
			}
		}
	}
}

// Commit commits and releases the writer.
func (t *sqliteTx) Commit() error {
	defer t.end()
	return t.inner.Commit()
}

// Rollback rolls back and releases the writer.
func (t *sqliteTx) Rollback() error {
	defer t.end()
	return t.inner.Rollback()
}

// cached returns the connection's prepared statement for query, preparing
// it on first use, or nil when it cannot be shared now (in use, or the
// cache is full); the caller then runs the query the uncached way.
func (c *sqliteConn) cached(ctx context.Context, ic innerConn, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= sqliteStmtCacheSize {
		return nil, nil
	}
	c.compiles++
	st, err := ic.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{stmt: st}
	c.stmts[query] = cs
	return cs, nil
}

// ExecContext runs a statement, prepared once per connection. Outside a
// transaction it is a write of its own and waits for the writer token.
func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ic, err := c.conn()
	if err != nil {
		return nil, err
	}
	if !c.inTx {
		if err := c.acquire(ctx); err != nil {
			return nil, err
		}
		defer c.release()
	}
	if !cacheable(query) {
		c.compiles++
		return ic.ExecContext(ctx, query, args)
	}
	cs, err := c.cached(ctx, ic, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		c.compiles++
		return ic.ExecContext(ctx, query, args)
	}
	ex, ok := cs.stmt.(driver.StmtExecContext)
	if !ok {
		return ic.ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return ex.ExecContext(ctx, args)
}

// QueryContext runs a query, prepared once per connection; the statement
// stays busy until its rows are closed.
func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ic, err := c.conn()
	if err != nil {
		return nil, err
	}
	if !cacheable(query) {
		c.compiles++
		return ic.QueryContext(ctx, query, args)
	}
	cs, err := c.cached(ctx, ic, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		c.compiles++
		return ic.QueryContext(ctx, query, args)
	}
	qc, ok := cs.stmt.(driver.StmtQueryContext)
	if !ok {
		return ic.QueryContext(ctx, query, args)
	}
	rows, err := qc.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &sqliteRows{Rows: rows, cs: cs}, nil
}

// cacheable reports whether query is one statement, which a prepared
// statement holds whole: a script (the migrations', several statements)
// is compiled statement by statement at every run anyway, so caching it
// would only keep its text. A semicolon inside a string literal makes a
// statement look like a script: it is then compiled at each run, as
// before, which is correct, only slower. Whether the statement has
// arguments does not matter: one without (the engine's "is anything due"
// probes, every pass) was compiled at every run when only statements with
// arguments were cached.
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";")
}

// ownedStmt is a cached statement lent to the caller of PrepareContext
// until it closes it; busy meanwhile, so that no other use shares it.
type ownedStmt struct {
	cs     *cachedStmt
	exec   driver.StmtExecContext
	query  driver.StmtQueryContext
	closed bool
}

// newOwnedStmt lends cs when it can run both statements and queries with
// a context (modernc's do); ok is false otherwise.
func newOwnedStmt(cs *cachedStmt) (*ownedStmt, bool) {
	exec, okExec := cs.stmt.(driver.StmtExecContext)
	query, okQuery := cs.stmt.(driver.StmtQueryContext)
	if !okExec || !okQuery {
		return nil, false
	}
	cs.busy = true
	return &ownedStmt{cs: cs, exec: exec, query: query}, true
}

// Close gives the statement back to the connection's cache (it stays
// prepared; modernc resets it after each run).
func (o *ownedStmt) Close() error {
	if !o.closed {
		o.closed = true
		o.cs.busy = false
	}
	return nil
}

func (o *ownedStmt) NumInput() int { return o.cs.stmt.NumInput() }

// Exec is the context-free form database/sql does not call.
func (o *ownedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return o.cs.stmt.Exec(args) //nolint:staticcheck // driver.Stmt requires it.
}

// Query is the context-free form database/sql does not call.
func (o *ownedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return o.cs.stmt.Query(args) //nolint:staticcheck // driver.Stmt requires it.
}

func (o *ownedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return o.exec.ExecContext(ctx, args)
}

func (o *ownedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return o.query.QueryContext(ctx, args)
}

// Ping checks the connection.
func (c *sqliteConn) Ping(ctx context.Context) error {
	ic, err := c.conn()
	if err != nil {
		return err
	}
	return ic.Ping(ctx)
}

// ResetSession is called before the connection is reused.
func (c *sqliteConn) ResetSession(ctx context.Context) error {
	ic, err := c.conn()
	if err != nil {
		return err
	}
	return ic.ResetSession(ctx)
}

// IsValid reports whether the connection may be reused.
func (c *sqliteConn) IsValid() bool {
	ic, err := c.conn()
	return err == nil && ic.IsValid()
}

// sqliteRows frees its cached statement for the next use when closed.
type sqliteRows struct {
	driver.Rows
	cs     *cachedStmt
	closed bool
}

// Close closes the rows (the statement is reset, not finalized) and makes
// the statement available again.
func (r *sqliteRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.cs.busy = false
	}
	return err
}
