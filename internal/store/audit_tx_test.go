package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// refuseAudit makes the database refuse, from now on, every audit record
// whose object name starts with "refused": a failure inside the change's
// transaction, after the change's own statement (SQLite) or in the same
// statement (PostgreSQL's WITH clause).
func refuseAudit(t *testing.T, dialect, url string) {
	t.Helper()
	driver, dsn, stmts := "pgx", url, []string{
		`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'audit record refused'; END $$`,
		`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
			WHEN (NEW.object_name LIKE 'refused%') EXECUTE FUNCTION refuse_audit()`,
	}
	if dialect == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite://")
		stmts = []string{`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events
			WHEN NEW.object_name LIKE 'refused%' BEGIN SELECT RAISE(ABORT, 'audit record refused'); END`}
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// armed is a secret request's record as the server's wrapper arms it, in
// ctx.
func armed(ctx context.Context, org store.Organization, action string) (context.Context, *store.PendingAudit) {
	return armedFor(ctx, org, "secret", action)
}

// armedFor is the record of a request about an object of objectType.
func armedFor(ctx context.Context, org store.Organization, objectType, action string) (context.Context, *store.PendingAudit) {
	p := &store.PendingAudit{Event: store.AuditEvent{
		OrgID: org.ID, ActorType: store.AuditActorUser, ActorID: "u-1", ActorEmail: "ada@example.com",
		TokenID: "t-1", Action: action, ObjectType: objectType, Method: "POST", Route: "POST /api/v1/secrets",
		Status: 200, Outcome: store.AuditSucceeded, RequestID: "req-" + action,
	}}
	p.Arm()
	return store.WithPendingAudit(ctx, p), p
}

// records is the organization's audit trail, oldest first.
func records(t *testing.T, s store.Store, org store.Organization) []store.AuditEvent {
	t.Helper()
	evs, err := s.ListAuditEvents(t.Context(), org.ID, store.AuditFilter{}, store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// TestAuditRecordInTheChangesTransaction: a secret's create, update and
// delete made with an armed record commit it with the change, naming the
// object (and its canvas by id and name); a failure of the record inside
// that transaction leaves neither the change nor the record, and leaves
// the record to its wrapper (Written false). On both databases.
func TestAuditRecordInTheChangesTransaction(t *testing.T) {
	for dialect, url := range dialectURLs(t) {
		t.Run(dialect, func(t *testing.T) {
			u := url(t)
			s, org := openAcme(t, u)
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Microsecond)
			canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
			if err := s.CreateCanvas(ctx, canvas); err != nil {
				t.Fatal(err)
			}

			// Without an armed record nothing is recorded.
			unarmed := &store.PendingAudit{}
			if err := s.CreateSecret(store.WithPendingAudit(ctx, unarmed), benchSecret(org, "plain")); err != nil {
				t.Fatal(err)
			}
			if unarmed.Written() || len(records(t, s, org)) != 0 {
				t.Fatal("an unarmed record was written")
			}

			actx, p := armed(ctx, org, "create")
			sec := benchSecret(org, "db")
			if err := s.CreateSecret(actx, sec); err != nil {
				t.Fatal(err)
			}
			cctx, cp := armed(ctx, org, "create")
			csec := benchSecret(org, "db")
			csec.DomainType, csec.DomainID = store.DomainCanvas, canvas.ID
			if err := s.CreateSecret(cctx, csec); err != nil {
				t.Fatal(err)
			}
			uctx, up := armed(ctx, org, "update")
			if _, err := s.UpdateSecret(uctx, org.ID, store.DomainOrganization, org.ID, "db", func(x *store.Secret) error {
				x.Name = "db2"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			dctx, dp := armed(ctx, org, "delete")
			if err := s.DeleteSecret(dctx, org.ID, store.DomainCanvas, canvas.ID, "db"); err != nil {
				t.Fatal(err)
			}
			for _, pa := range []*store.PendingAudit{p, cp, up, dp} {
				if !pa.Written() {
					t.Fatalf("%s: the record is not written", pa.Event.Action)
				}
			}
			got := records(t, s, org)
			want := []struct{ action, id, name, canvasID, canvasName string }{
				{"create", sec.ID, "db", "", ""},
				{"create", csec.ID, "db", canvas.ID, "prod"},
				{"update", sec.ID, "db2", "", ""},
				{"delete", csec.ID, "db", canvas.ID, "prod"},
			}
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
			}
			for i, w := range want {
				g := got[i]
				if g.Action != w.action || g.ObjectID != w.id || g.ObjectName != w.name || g.CanvasID != w.canvasID ||
					g.CanvasName != w.canvasName || g.ActorEmail != "ada@example.com" || g.Status != 200 ||
					g.Outcome != store.AuditSucceeded || g.ID == "" || g.At.IsZero() {
					t.Errorf("record %d: %+v, want %+v", i, g, w)
				}
			}

			// The record refused inside the transaction: neither commits.
			refuseAudit(t, dialect, u)
			rctx, rp := armed(ctx, org, "create")
			if err := s.CreateSecret(rctx, benchSecret(org, "refused")); err == nil || rp.Written() {
				t.Fatalf("a create whose record was refused: err %v, written %v", err, rp.Written())
			}
			if _, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, "refused"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the create whose record was refused committed: %v", err)
			}
			rctx, rp = armed(ctx, org, "update")
			if _, err := s.UpdateSecret(rctx, org.ID, store.DomainOrganization, org.ID, "db2", func(x *store.Secret) error {
				x.Name = "refused-rename"
				return nil
			}); err == nil || rp.Written() {
				t.Fatalf("an update whose record was refused: err %v, written %v", err, rp.Written())
			}
			if err := s.CreateSecret(ctx, benchSecret(org, "refused-delete")); err != nil {
				t.Fatal(err)
			}
			rctx, rp = armed(ctx, org, "delete")
			if err := s.DeleteSecret(rctx, org.ID, store.DomainOrganization, org.ID, "refused-delete"); err == nil || rp.Written() {
				t.Fatalf("a delete whose record was refused: err %v, written %v", err, rp.Written())
			}
			for _, name := range []string{"db2", "refused-delete"} {
				if _, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, name); err != nil {
					t.Errorf("secret %s after a refused record: %v", name, err)
				}
			}
			if n := len(records(t, s, org)); n != len(want) {
				t.Errorf("%d records after the refusals, want %d", n, len(want))
			}
		})
	}
}

// TestAuditRecordRefusedInASharedBatch: creates made at the same moment
// (one shared transaction on SQLite) of which some have their record
// refused: those fail alone, with neither secret nor record, and every
// other commits with exactly its record.
func TestAuditRecordRefusedInASharedBatch(t *testing.T) {
	for dialect, url := range dialectURLs(t) {
		t.Run(dialect, func(t *testing.T) {
			u := url(t)
			s, org := openAcme(t, u)
			ctx := t.Context()
			refuseAudit(t, dialect, u)
			const n = 60
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				errs []error
				ok   = map[string]string{}
			)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("s-%d", i)
					if i%4 == 0 {
						name = fmt.Sprintf("refused-%d", i)
					}
					actx, p := armed(ctx, org, "create")
					sec := benchSecret(org, name)
					err := s.CreateSecret(actx, sec)
					mu.Lock()
					defer mu.Unlock()
					switch refused := i%4 == 0; {
					case refused && err != nil && !p.Written():
					case !refused && err == nil && p.Written():
						ok[sec.ID] = name
					default:
						errs = append(errs, fmt.Errorf("%s: err %v, written %v", name, err, p.Written()))
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				t.Error(err)
			}
			secs, err := s.ListSecrets(ctx, org.ID, store.DomainOrganization, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(secs) != len(ok) {
				t.Errorf("%d secrets stored, want the %d whose record was accepted", len(secs), len(ok))
			}
			got := records(t, s, org)
			if len(got) != len(ok) {
				t.Errorf("%d records, want %d", len(got), len(ok))
			}
			for _, r := range got {
				if ok[r.ObjectID] != r.ObjectName {
					t.Errorf("record of %s %q: no such accepted create", r.ObjectID, r.ObjectName)
				}
				delete(ok, r.ObjectID)
			}
		})
	}
}
