package store

import (
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// dialect is everything that differs between SQLite and PostgreSQL. The SQL
// of every method and the transactions around it are shared (sql.go), written
// with "?" placeholders and rebound for drivers that number them.
type dialect struct {
	// name appears in error messages.
	name string
	// driver is the database/sql driver name.
	driver string
	// migrations holds the dialect's NNNN_name.sql files, applied in order.
	migrations fs.FS
	// migrationsTable creates the table recording applied migrations.
	migrationsTable string
	// migrationLock, when set, runs first in every migration transaction so
	// that replicas starting at once apply each migration exactly once.
	migrationLock string
	// migrationSession and migrationRestore, when set, run on the
	// connection that applies migrations, before and after them.
	migrationSession, migrationRestore string
	// numbered placeholders: $1, $2, ... instead of ?.
	numbered bool
	// forUpdate ends a SELECT whose row the same transaction then updates.
	forUpdate string
	// forKeyShare ends a SELECT of a row that rows inserted by the same
	// transaction will reference: it keeps the row from being deleted until
	// the commit, without blocking other writers that only reference it.
	forKeyShare string
	// encodeTime turns a UTC, microsecond time into a query argument.
	encodeTime func(time.Time) any
	// classify tells which constraint, if any, an error reports.
	classify func(error) violation
	// oneWriter: the database takes one writer at a time (SQLite), so
	// independent writes share a transaction and its commit
	// (writeBatcher).
	oneWriter bool
	// position is the function that returns where a string first occurs
	// in another, 1-based, 0 when it does not: position(haystack, needle).
	position string
}

// violation is a constraint failure the store turns into a user-facing error.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	primaryKeyViolation
	foreignKeyViolation
)

// rebind rewrites the "?" placeholders of query for the dialect. None of the
// store's SQL has a "?" inside a literal, so a plain scan is enough.
func (d dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		if s, ok := q.(string); ok {
			return s
		}
	}
	q := numberPlaceholders(query)
	// Bounded: queries built with lists of varying length are many.
	if reboundN.Add(1) <= maxRebound {
		rebound.Store(query, q)
	}
	return q
}

// rebound caches rebind's answers: the store's queries are mostly the same
// few strings, and rewriting them on every call was 3% of a secret pair's
// CPU on PostgreSQL (issue 17).
var (
	rebound  sync.Map
	reboundN atomic.Int64
)

// maxRebound bounds the rebind cache.
const maxRebound = 4096

func numberPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
