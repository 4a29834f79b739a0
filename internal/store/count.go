package store

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
)

// StatementCounter counts what a store sends its database: every statement
// and every begin, commit and rollback of a transaction. On PostgreSQL each
// is a round trip; on SQLite each is a call into the library. Tests pin the
// count of a request with it, so that a change that adds a lookup fails
// them.
type StatementCounter struct{ n atomic.Int64 }

// Count returns the statements counted so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }

// CountStatements makes Open count the store's statements into c. It is for
// tests: the wrapper is one more call per statement.
func CountStatements(c *StatementCounter) OpenOption {
	return func(o *openOptions) { o.counter = c }
}

// countingConnector opens the driver's connections wrapped in countingConn.
// inner, when set, opens them instead of drv (CountRoundTrips).
type countingConnector struct {
	drv   driver.Driver
	dsn   string
	inner driver.Connector
	n     *StatementCounter
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.inner != nil {
		conn, err := c.inner.Connect(ctx)
		if err != nil {
			return nil, err
		}
		return &countingConn{inner: conn, n: c.n}, nil
	}
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{inner: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.drv }

// countingConn passes every call to the driver's connection and counts
// those that reach the database. It has every optional interface both
// drivers' connections have (the SQLite wrapper's and pgx's), so
// database/sql uses it as it would use them; a missing one answers
// driver.ErrSkip, database/sql's own fallback.
type countingConn struct {
	inner driver.Conn
	n     *StatementCounter
}

func (c *countingConn) count() { c.n.n.Add(1) }

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, n: c.n}, nil
}

func (c *countingConn) Close() error { return c.inner.Close() }

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.count()
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := c.inner.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.inner.Begin() //nolint:staticcheck // the context-free form, for a driver without the other
	}
	if err != nil {
		return nil, err
	}
	return countingTx{inner: tx, c: c}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.count()
	return e.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.count()
	return q.QueryContext(ctx, query, args)
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// countingTx counts the commit or rollback that ends a transaction.
type countingTx struct {
	inner driver.Tx
	c     *countingConn
}

func (t countingTx) Commit() error {
	t.c.count()
	return t.inner.Commit()
}

func (t countingTx) Rollback() error {
	t.c.count()
	return t.inner.Rollback()
}

// countingStmt counts each run of a prepared statement.
type countingStmt struct {
	driver.Stmt
	n *StatementCounter
}

func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.n.n.Add(1)
	return s.Stmt.Exec(args) //nolint:staticcheck // the context-free form, for a driver without the other
}

func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.n.n.Add(1)
	return s.Stmt.Query(args) //nolint:staticcheck // as Exec
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.n.Add(1)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // as Exec
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.n.Add(1)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // as Exec
}

// values drops the names of args, for the context-free forms.
func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
