package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// withDatabase runs the env's server on databaseURL instead of SQLite.
func withDatabase(databaseURL string) envOption { return envOption{databaseURL: databaseURL} }

// onDatabase is opts for an env on db: "postgres" adds a schema of the
// test's own on SUPERPLANE_TEST_POSTGRES_URL (skipping the test without
// one); any other name is the default SQLite.
func onDatabase(t testing.TB, db string, opts ...envOption) []envOption {
	t.Helper()
	if db == "postgres" {
		opts = append(opts, withDatabase(postgresSchemaURL(t)))
	}
	return opts
}

// withStatementCounter counts the env's store statements into n.
func withStatementCounter(n *store.StatementCounter) envOption {
	return envOption{open: []store.OpenOption{store.CountStatements(n)}}
}

// postgresSchemaURL creates a schema for the test on the PostgreSQL server
// of SUPERPLANE_TEST_POSTGRES_URL and returns a URL whose search_path selects
// it (dropped at the end), or skips the test when none is configured.
func postgresSchemaURL(t testing.TB) string {
	t.Helper()
	return pgtest.SchemaURL(t, "servertest")
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
// statement more than before. Since the audit trail (issue 15), every
// write also commits its record before the answer. A secret's create
// writes it in its own statement on PostgreSQL (a WITH clause of the
// INSERT, which also reads the canvas's name); on SQLite in its own
// transaction: begin, the two INSERTs, commit (calls into the library,
// one commit; sqliteStatementsPerRequest). The canvas secret's one more
// is the canvas looked up by name for its id.
var statementsPerRequest = map[string]int64{
	"GET /api/v1/me":                              1,
	"POST /api/v1/secrets (organization)":         2,
	"GET /api/v1/secrets/{name} (organization)":   1,
	"POST /api/v1/secrets (canvas)":               3,
	"GET /api/v1/secrets/{name} (canvas)":         1,
	"GET /api/v1/secrets/{name} (missing secret)": 3,
	"GET /api/v1/secrets/{name} (missing canvas)": 3,
	"GET /api/v1/secrets/{name} (unknown token)":  2,
	// A member whose canvas role allows the read: its grants are the one
	// statement more (a token whose organization role allows costs none).
	"GET /api/v1/secrets/{name} (canvas viewer)": 2,
}

// sqliteStatementsPerRequest is where SQLite differs: a create's INSERT
// and its audit record are one transaction's, begin and commit included
// (two commits before, each INSERT its own).
var sqliteStatementsPerRequest = map[string]int64{
	"POST /api/v1/secrets (organization)": 5,
	"POST /api/v1/secrets (canvas)":       6,
}

// TestStatementsPerRequest pins how many statements the requests of a
// secret create+get pair (and GET /me) send the database, on both
// databases: a change that adds a lookup to them fails here.
func TestStatementsPerRequest(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var n store.StatementCounter
			opts := onDatabase(t, db, withStatementCounter(&n))
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
			member := addMember(t, e, "member")
			addCanvasMember(t, e, "owner", canvas.Metadata.Name, member, api.RoleCanvasViewer).decode(t, &api.Empty{})
			e.do("member", "GET", "/api/v1/me", nil).decode(t, &api.Me{})
			count("GET /api/v1/secrets/{name} (canvas viewer)", "member", "GET",
				fmt.Sprintf("/api/v1/secrets/canvas-secret?domainType=%s&domainId=%s", api.DomainTypeCanvas, canvas.Metadata.Name), nil, http.StatusOK)
			count("GET /api/v1/secrets/{name} (unknown token)", "spt_unknown", "GET",
				"/api/v1/secrets/org-secret?domainType="+api.DomainTypeOrganization, nil, http.StatusUnauthorized)

			for kind, want := range statementsPerRequest {
				if n, ok := sqliteStatementsPerRequest[kind]; ok && db == "sqlite" {
					want = n
				}
				if got[kind] != want {
					t.Errorf("%s: %d statements, want %d", kind, got[kind], want)
				}
			}
			t.Logf("statements per request on %s: %v", db, got)
		})
	}
}

// TestSecretReadInOneStatementAnswersAsBefore: the read that finds token,
// canvas and secret in one statement answers every case as the lookups one
// at a time did: the secret by name or id, in the organization or a canvas
// by name or id; 404 naming a missing canvas or secret, also another
// organization's; 400 for a bad domain; 401 for no token, an unknown one,
// an expired one, and one revoked a moment ago, on this server and on a
// second one over the same database (nothing caches a principal).
func TestSecretReadInOneStatementAnswersAsBefore(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			e := newEnv(t, onDatabase(t, db)...)
			replica := httptest.NewServer(server.New(e.store, service.New(e.store, sealer.New(e.keys), slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler)))
			t.Cleanup(replica.Close)
			canvas := createCanvas(t, e, "prod")
			data := map[string]string{"k": "v"}
			var orgSecret, canvasSecret api.SecretResponse
			e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "db", data)).decode(t, &orgSecret)
			e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "db", data)).decode(t, &canvasSecret)
			org, canv := "?domainType="+api.DomainTypeOrganization, "?domainType="+api.DomainTypeCanvas+"&domainId="
			for path, want := range map[string]string{
				"/api/v1/secrets/db" + org:                                           orgSecret.Secret.Metadata.ID,
				"/api/v1/secrets/" + orgSecret.Secret.Metadata.ID + org:              orgSecret.Secret.Metadata.ID,
				"/api/v1/secrets/db" + org + "&domainId=acme":                        orgSecret.Secret.Metadata.ID,
				"/api/v1/secrets/db" + canv + "prod":                                 canvasSecret.Secret.Metadata.ID,
				"/api/v1/secrets/" + canvasSecret.Secret.Metadata.ID + canv + "prod": canvasSecret.Secret.Metadata.ID,
				"/api/v1/secrets/db" + canv + canvas.Metadata.ID:                     canvasSecret.Secret.Metadata.ID,
			} {
				var got api.SecretResponse
				e.do("viewer", "GET", path, nil).decode(t, &got)
				if got.Secret.Metadata.ID != want || got.Secret.Metadata.Name != "db" || got.Secret.Spec.Local.Data["k"] != api.RedactedValue {
					t.Fatalf("GET %s: %+v, want the secret %s", path, got.Secret.Metadata, want)
				}
			}
			expectError(t, e.do("viewer", "GET", "/api/v1/secrets/nothing"+org, nil), http.StatusNotFound, 5, `secret "nothing" not found`)
			expectError(t, e.do("viewer", "GET", "/api/v1/secrets/db"+canv+"staging", nil), http.StatusNotFound, 5, `canvas "staging" not found`)
			expectError(t, e.do("viewer", "GET", "/api/v1/secrets/db"+org+"&domainId=other", nil), http.StatusNotFound, 5, `organization "other" not found`)
			expectError(t, e.do("other", "GET", "/api/v1/secrets/"+orgSecret.Secret.Metadata.ID+org, nil), http.StatusNotFound, 5, "not found")
			expectError(t, e.do("other", "GET", "/api/v1/secrets/db"+canv+canvas.Metadata.ID, nil), http.StatusNotFound, 5, "not found")
			expectError(t, e.do("viewer", "GET", "/api/v1/secrets/db", nil), http.StatusBadRequest, 3, "domainType is required")
			expectError(t, e.do("viewer", "GET", "/api/v1/secrets/db?domainType=DOMAIN_TYPE_CANVAS", nil), http.StatusBadRequest, 3, "domainId is required")
			expectError(t, e.do("", "GET", "/api/v1/secrets/db"+org, nil), http.StatusUnauthorized, 16, "missing bearer token")
			expectError(t, e.do("spt_unknown", "GET", "/api/v1/secrets/db"+org, nil), http.StatusUnauthorized, 16, "invalid token")
			addToken(t, e, "expired", "viewer", time.Now().Add(-time.Minute))
			expectError(t, e.do("expired", "GET", "/api/v1/secrets/db"+org, nil), http.StatusUnauthorized, 16, "expired")

			id := addToken(t, e, "ci", "viewer", time.Time{})
			get := func(base string) int {
				req, _ := http.NewRequest("GET", base+"/api/v1/secrets/db"+org, nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens["ci"])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			for _, base := range []string{e.url, replica.URL} {
				if got := get(base); got != http.StatusOK {
					t.Fatalf("before revocation: %d", got)
				}
			}
			if err := e.store.RevokeToken(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			for _, base := range []string{e.url, replica.URL} {
				if got := get(base); got != http.StatusUnauthorized {
					t.Fatalf("the first read after revocation got %d, want 401", got)
				}
			}
		})
	}
}
