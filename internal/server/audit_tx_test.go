package server_test

import (
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestAuditRecordCommitsWithTheSecret: a secret's create, update and
// delete commit their audit record in the change's own transaction, on
// both databases. The wrapper's separate record is not written for them
// (with it failing, they still succeed, each recorded once), but is for a
// refusal (409: recorded by the wrapper as before). A record the database
// refuses inside the change's transaction fails the request with the
// change undone: the secret does not exist and no client was told it does.
func TestAuditRecordCommitsWithTheSecret(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var fa *failingAudit
			opts := []envOption{{wrap: func(s store.Store) store.Store { fa = &failingAudit{Store: s}; return fa }}}
			driver, dsn := "sqlite", ""
			if db == "postgres" {
				dsn = postgresSchemaURL(t)
				driver = "pgx"
				opts = append(opts, withDatabase(dsn))
			}
			e := newEnv(t, opts...)
			if db == "sqlite" {
				dsn = filepath.Join(e.dir, "superplane.db")
			}
			createCanvas(t, e, "prod")
			fa.fail.Store(true)
			base := fa.inserts.Load() // the canvas's record
			data := map[string]string{"k": "v"}
			var sec api.SecretResponse
			e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "db", data)).decode(t, &sec)
			e.do("admin", "PATCH", "/api/v1/secrets/db?domainType="+api.DomainTypeCanvas+"&domainId=prod",
				`{"secret":{"metadata":{"name":"db2"}}}`).decode(t, &api.SecretResponse{})
			e.do("admin", "DELETE", "/api/v1/secrets/db2?domainType="+api.DomainTypeCanvas+"&domainId=prod", nil).decode(t, &api.Empty{})
			if n := fa.inserts.Load() - base; n != 0 {
				t.Errorf("the wrapper wrote %d records of its own for changes recorded in their transaction", n)
			}
			e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "taken", data)).decode(t, &api.SecretResponse{})
			expectError(t, e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "taken", data)),
				http.StatusConflict, api.CodeAlreadyExists, "taken")
			if n := fa.inserts.Load() - base; n != 1 {
				t.Errorf("the refusal: the wrapper tried %d records, want 1", n)
			}
			fa.fail.Store(false)
			got := auditList(t, e, "owner", url.Values{"objectType": {"secret"}}).AuditEvents
			want := []struct{ action, name string }{{"create", "taken"}, {"delete", "db2"}, {"update", "db2"}, {"create", "db"}}
			if len(got) != len(want) {
				t.Fatalf("%d secret records, want %d: %+v", len(got), len(want), got)
			}
			for i, w := range want {
				g := got[i]
				if g.Action != w.action || g.ObjectName != w.name || g.ObjectID != sec.Secret.Metadata.ID && w.name != "taken" ||
					(w.name != "taken" && (g.CanvasName != "prod" || g.CanvasID == "")) || g.Outcome != "succeeded" || g.ActorEmail != "admin@example.com" {
					t.Errorf("record %d: %+v, want %s of %s", i, g, w.action, w.name)
				}
			}

			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			stmts := []string{`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events WHEN NEW.object_name = 'refused'
				BEGIN SELECT RAISE(ABORT, 'audit record refused'); END`}
			if db == "postgres" {
				stmts = []string{`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN RAISE EXCEPTION 'audit record refused'; END $$`,
					`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
					WHEN (NEW.object_name = 'refused') EXECUTE FUNCTION refuse_audit()`}
			}
			for _, q := range stmts {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			r := e.do("admin", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "refused", data))
			if r.status < http.StatusInternalServerError {
				t.Fatalf("a create whose record was refused answered %d: %s", r.status, r.body)
			}
			expectError(t, e.do("admin", "GET", "/api/v1/secrets/refused?domainType="+api.DomainTypeOrganization, nil),
				http.StatusNotFound, api.CodeNotFound, "refused")
		})
	}
}
