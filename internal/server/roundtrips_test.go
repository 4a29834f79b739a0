package server_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// postgresEnv names the PostgreSQL server the PostgreSQL variants use.
const postgresEnv = "SUPERPLANE_TEST_POSTGRES_URL"

// withDatabase runs the env's server on databaseURL instead of SQLite.
func withDatabase(databaseURL string) envOption { return envOption{databaseURL: databaseURL} }

// withStatementCounter counts the env's store statements into n.
func withStatementCounter(n *store.StatementCounter) envOption {
	return envOption{open: []store.OpenOption{store.CountStatements(n)}}
}

// postgresSchemaURL creates a schema for the test on the PostgreSQL server
// of SUPERPLANE_TEST_POSTGRES_URL and returns a URL whose search_path selects
// it (dropped at the end), or skips the test when none is configured.
func postgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", postgresEnv, err)
	}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	schema := "servertest_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	// Registered before the env opens its store, so it runs after that closes.
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// statementsPerRequest is what each request kind may send the database:
// statements, and the begin and commit of a transaction, each a round trip
// on PostgreSQL. Raising one needs a reason (BENCHMARKS.md, issue 17).
//
// Before issue 17 the pair cost 4 + 2: the token looked up alone, the
// create in a transaction of its own (begin, insert, commit), the secret
// read after the token; a canvas secret added a canvas lookup to each. Now
// a read finds token, canvas and secret in one statement, and a create is
// one statement after the token. A lookup that misses falls back to one
// lookup at a time to say what is missing: the error paths cost one
// statement more than before.
var statementsPerRequest = map[string]int64{
	"GET /api/v1/me":                              1,
	"POST /api/v1/secrets (organization)":         2,
	"GET /api/v1/secrets/{name} (organization)":   1,
	"POST /api/v1/secrets (canvas)":               3,
	"GET /api/v1/secrets/{name} (canvas)":         1,
	"GET /api/v1/secrets/{name} (missing secret)": 3,
	"GET /api/v1/secrets/{name} (missing canvas)": 3,
	"GET /api/v1/secrets/{name} (unknown token)":  2,
}

// TestStatementsPerRequest pins how many statements the requests of a
// secret create+get pair (and GET /me) send the database, on both
// databases: a change that adds a lookup to them fails here.
func TestStatementsPerRequest(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var n store.StatementCounter
			opts := []envOption{withStatementCounter(&n)}
			if db == "postgres" {
				opts = append(opts, withDatabase(postgresSchemaURL(t)))
			}
			e := newEnv(t, opts...)
			canvas := createCanvas(t, e, "roundtrips")
			// A token's first use records it (at most hourly after), which
			// is not what a request costs.
			e.do("owner", "GET", "/api/v1/me", nil).decode(t, &api.Me{})
			e.do("viewer", "GET", "/api/v1/me", nil).decode(t, &api.Me{})

			got := map[string]int64{}
			count := func(kind, who, method, path string, body any, status int) {
				t.Helper()
				before := n.Count()
				r := e.do(who, method, path, body)
				if r.status != status {
					t.Fatalf("%s: status %d, want %d: %s", kind, r.status, status, r.body)
				}
				got[kind] = n.Count() - before
			}
			data := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
			count("GET /api/v1/me", "viewer", "GET", "/api/v1/me", nil, http.StatusOK)
			count("POST /api/v1/secrets (organization)", "owner", "POST", "/api/v1/secrets",
				secretBody(api.DomainTypeOrganization, "", "org-secret", data), http.StatusOK)
			count("GET /api/v1/secrets/{name} (organization)", "viewer", "GET",
				"/api/v1/secrets/org-secret?domainType="+api.DomainTypeOrganization, nil, http.StatusOK)
			count("POST /api/v1/secrets (canvas)", "owner", "POST", "/api/v1/secrets",
				secretBody(api.DomainTypeCanvas, canvas.Metadata.Name, "canvas-secret", data), http.StatusOK)
			count("GET /api/v1/secrets/{name} (canvas)", "viewer", "GET",
				fmt.Sprintf("/api/v1/secrets/canvas-secret?domainType=%s&domainId=%s", api.DomainTypeCanvas, canvas.Metadata.Name), nil, http.StatusOK)
			count("GET /api/v1/secrets/{name} (missing secret)", "viewer", "GET",
				"/api/v1/secrets/nothing?domainType="+api.DomainTypeOrganization, nil, http.StatusNotFound)
			count("GET /api/v1/secrets/{name} (missing canvas)", "viewer", "GET",
				fmt.Sprintf("/api/v1/secrets/canvas-secret?domainType=%s&domainId=nowhere", api.DomainTypeCanvas), nil, http.StatusNotFound)
			count("GET /api/v1/secrets/{name} (unknown token)", "spt_unknown", "GET",
				"/api/v1/secrets/org-secret?domainType="+api.DomainTypeOrganization, nil, http.StatusUnauthorized)

			for kind, want := range statementsPerRequest {
				if got[kind] != want {
					t.Errorf("%s: %d statements, want %d", kind, got[kind], want)
				}
			}
			t.Logf("statements per request on %s: %v", db, got)
		})
	}
}
