package store

import (
	"context"
	"database/sql/driver"
	"hash/fnv"
	"sync"
)

// TryLock takes the lock called name if no one holds it, for work that one
// replica at a time should do (the webhook reconciler's passes). On
// PostgreSQL it is a session advisory lock, held by one connection of the
// pool until unlock: other replicas' TryLock answers false meanwhile, and a
// replica that dies releases it with its connections. On SQLite (one node)
// it is a lock in the process. ok is false, with a nil unlock, when the lock
// is taken.
func (s *db) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if s.d.name != "postgres" {
		m := s.localLock(name)
		if !m.TryLock() {
			return nil, false, nil
		}
		return m.Unlock, true, nil
	}
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return nil, false, wrap("lock "+name, err)
	}
	// The key is the name's hash in this schema: databases that share a
	// PostgreSQL server through schemas (as the tests do) do not share locks.
	key := lockKey(name)
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended(current_schema(), $1))`, key).Scan(&ok); err != nil || !ok {
		_ = conn.Close()
		if err != nil {
			return nil, false, wrap("lock "+name, err)
		}
		return nil, false, nil
	}
	return func() {
		// The lock belongs to the session: unlock it before the
		// connection goes back to the pool. If that fails the connection
		// is discarded instead, which ends the session and the lock.
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended(current_schema(), $1))`, key)
		if uerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, true, nil
}

// lockKey maps a lock name to the seed of its advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("superplane:" + name))
	return int64(h.Sum64()) //nolint:gosec // any 64 bits make a key; wrapping is fine
}

// localLock is the SQLite store's lock called name.
func (s *db) localLock(name string) *sync.Mutex {
	v, _ := s.locks.LoadOrStore(name, &sync.Mutex{})
	if m, ok := v.(*sync.Mutex); ok {
		return m
	}
	panic("store: a lock that is not a *sync.Mutex") // only localLock stores into locks
}
