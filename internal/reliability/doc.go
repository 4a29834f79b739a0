// Package reliability holds black-box tests of the control plane: they build
// the real superplane-server binary, run it on SQLite and PostgreSQL, put it
// under load from many clients, and then crash it (kill -9), take its
// database away, or rotate its keys underneath it, and check that every
// write and webhook delivery that was acknowledged is still there and reads
// back, that nothing was stored twice, and that no secret value or token
// reached a log or a database file in the clear.
//
// `go test ./internal/reliability` runs the short form (a few crash
// iterations; `-short` skips them all); SUPERPLANE_RELIABILITY=long
// (`make reliability`) runs the long one. The PostgreSQL variants run when SUPERPLANE_TEST_POSTGRES_URL is set;
// the database outage test runs a private PostgreSQL cluster of its own and
// is skipped when initdb is not installed. RELIABILITY.md at the repository
// root lists what each test does and what it measured.
//
// The package has no code of its own: everything is in its tests.
package reliability
