package store

import "github.com/jackc/pgx/v5"

// plannedEachRun leads a statement's args, on PostgreSQL, with pgx's mode
// that runs it as an unnamed statement whose description pgx caches:
// PostgreSQL plans it for its arguments and the table as it is at every
// run, in the one round trip a cached statement takes.
//
// For the routing statements that read events by id (the claim, the mark,
// the lease re-check). pgx's default prepares a statement once a
// connection, and after five runs PostgreSQL keeps a generic plan made for
// the table as it was then: a connection that first routed when events
// held a few hundred rows (a new database, every bench run) kept a
// sequential scan of the whole table for its claim and its mark as the
// table grew, until an ANALYZE, 4–15 ms a batch at 4,000–15,000 events
// (BENCHMARKS.md, PostgreSQL delivery → start and its floor, round
// eleven). Planning at every run costs the planner's time on each
// statement instead, a fraction of a millisecond.
func (s *db) plannedEachRun(args []any) []any {
	if s.d.oneWriter {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}
