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

// TestAuditRecordCommitsWithStagesAndSources: a stage's and an event
// source's create, update and delete, and a source's key reset, commit
// their audit record in the change's own transaction: with the wrapper's
// separate record failing, each still answers 200 and leaves exactly one
// record, the wrapper having written none of its own. On SQLite (the
// store's tests cover both databases).
func TestAuditRecordCommitsWithStagesAndSources(t *testing.T) {
	var fa *failingAudit
	e := newEnv(t, envOption{wrap: func(s store.Store) store.Store { fa = &failingAudit{Store: s}; return fa }})
	createCanvas(t, e, "prod")
	base := fa.inserts.Load()
	fa.fail.Store(true)
	var src api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	e.do("admin", "PATCH", "/api/v1/canvases/prod/event-sources/hook", sourceBody("push", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/push/reset-key", `{}`).decode(t, &api.EventSourceResponse{})
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	var st api.StageResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/stages", noopStage("deploy")).decode(t, &st)
	e.do("admin", "PATCH", "/api/v1/canvases/prod/stages/deploy", noopStage("ship")).decode(t, &api.StageResponse{})
	e.do("admin", "DELETE", "/api/v1/canvases/prod/stages/ship", nil).decode(t, &api.Empty{})
	e.do("admin", "DELETE", "/api/v1/canvases/prod/event-sources/push", nil).decode(t, &api.Empty{})
	if n := fa.inserts.Load() - base; n != 0 {
		t.Errorf("the wrapper wrote %d records of its own for changes recorded in their transaction", n)
	}
	fa.fail.Store(false)
	got := auditList(t, e, "owner", url.Values{"canvas": {"prod"}, "actor": {"admin@example.com"}}).AuditEvents
	want := []struct{ action, typ, id, name string }{
		{"delete", "event_source", src.EventSource.Metadata.ID, "push"},
		{"delete", "stage", st.Stage.Metadata.ID, "ship"},
		{"update", "stage", st.Stage.Metadata.ID, "ship"},
		{"create", "stage", st.Stage.Metadata.ID, "deploy"},
		{"create", "event_source", "", "hook"},
		{"reset_key", "event_source", src.EventSource.Metadata.ID, "push"},
		{"update", "event_source", src.EventSource.Metadata.ID, "push"},
		{"create", "event_source", src.EventSource.Metadata.ID, "hook"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d records in prod, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Action != w.action || g.ObjectType != w.typ || (w.id != "" && g.ObjectID != w.id) || g.ObjectName != w.name ||
			g.CanvasName != "prod" || g.Status != 200 || g.Outcome != "succeeded" || g.ActorEmail != "admin@example.com" {
			t.Errorf("record %d: %+v, want %s of %s %s", i, g, w.action, w.typ, w.name)
		}
	}
}
