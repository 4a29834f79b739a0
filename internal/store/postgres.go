package store

import (
	"embed"
	"errors"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// postgresMigrationLock is the key of the advisory lock that serializes
// migrations across replicas ("SuprPlan" in ASCII: any constant works as long
// as nothing else in the database uses it).
const postgresMigrationLock = `SELECT pg_advisory_xact_lock(6013836513701028206)`

func newPostgresDialect() dialect {
	migrations, err := fs.Sub(postgresMigrations, "migrations/postgres")
	if err != nil {
		panic(err) // the embedded path is a constant
	}
	return dialect{
		name:            "postgres",
		driver:          "pgx",
		migrations:      migrations,
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`,
		migrationLock:   postgresMigrationLock,
		numbered:        true,
		forUpdate:       " FOR UPDATE",
		forKeyShare:     " FOR KEY SHARE",
		encodeTime:      func(t time.Time) any { return t },
		classify:        classifyPostgres,
		position:        "strpos",
	}
}

func classifyPostgres(err error) violation {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return noViolation
	}
	switch e.Code {
	case "23505": // unique_violation
		// Primary keys are named <table>_pkey by default.
		if strings.HasSuffix(e.ConstraintName, "_pkey") {
			return primaryKeyViolation
		}
		return uniqueViolation
	case "23503": // foreign_key_violation
		return foreignKeyViolation
	}
	return noViolation
}

// isPostgresURL tells whether a database URL selects PostgreSQL.
func isPostgresURL(databaseURL string) bool {
	lower := strings.ToLower(databaseURL)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}
