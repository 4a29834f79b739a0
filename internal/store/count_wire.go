package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CountRoundTrips makes Open count, on PostgreSQL, every write the driver
// makes to its connections' sockets into c: pgx sends what it has for a
// round trip in one write, so this is the round trips themselves, with
// what StatementCounter does not see (a statement prepared on a statement
// cache miss, a prepared statement's deallocation) and pipelined
// statements counted once. It is for tests; SQLite ignores it.
func CountRoundTrips(c *StatementCounter) OpenOption {
	return func(o *openOptions) { o.roundTrips = c }
}

// roundTripConnector is the pgx connector of dsn whose sockets count
// their writes into n.
func roundTripConnector(dsn string, n *StatementCounter) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse the postgres URL: %w", err)
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCountingConn{Conn: conn, n: n}, nil
	}
	return stdlib.GetConnector(*cfg), nil
}

// writeCountingConn counts its writes.
type writeCountingConn struct {
	net.Conn
	n *StatementCounter
}

func (c writeCountingConn) Write(p []byte) (int, error) {
	c.n.n.Add(1)
	return c.Conn.Write(p)
}
