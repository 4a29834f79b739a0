package store

import "github.com/jackc/pgx/v5"

// plannedEachRun leads a statement's args, on PostgreSQL, with pgx's mode
// that runs it as an unnamed statement whose description pgx caches:
// PostgreSQL plans it for its arguments and the table as it is at every
// run, in the one round trip a cached statement takes.
//
// For the routing transaction's statements that read events by id (the
// processed mark with its rejections, the lease re-check). pgx's default
// prepares a statement once a connection, and after five runs PostgreSQL
// keeps a generic plan made for the table as it was then: a connection
// that first routed when events held a few hundred rows (a new database,
// every bench run) kept a sequential scan of the whole table for its mark
// as the table grew, until an ANALYZE (BENCHMARKS.md, PostgreSQL delivery
// → start and its floor, round eleven). These statements plan in a fraction
// of a millisecond. The claim does not use it: a recursive statement, it
// took 3–11 ms to plan a batch under load, more than its kept plan's scan
// cost before autovacuum's ANALYZE replaces that plan.
func (s *db) plannedEachRun(args []any) []any {
	if s.d.oneWriter {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}
