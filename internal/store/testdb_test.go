package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// openTestDB opens the store at url, closed when the test ends, as the
// *db whose statements and plans a test reaches into.
func openTestDB(t *testing.T, url string) *db {
	t.Helper()
	st, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, ok := st.(*db)
	if !ok {
		t.Fatalf("Open returned %T, not *db", st)
	}
	return s
}

// openPlanSQLite opens the store on a temporary SQLite file.
func openPlanSQLite(t *testing.T) *db {
	t.Helper()
	return openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "plan.db"))
}

// openPlanPostgres opens the store on a schema of its own, dropped when the
// test ends (pgtest), or skips the test when no server is configured.
func openPlanPostgres(t *testing.T, schema string) *db {
	t.Helper()
	return openTestDB(t, pgtest.SchemaURL(t, schema))
}

// newWebhookSource stores an organization named org, a canvas and a webhook
// source in it, created at.
func newWebhookSource(t *testing.T, s *db, org string, at time.Time) (Organization, Canvas, EventSource) {
	t.Helper()
	ctx := t.Context()
	o, err := s.EnsureOrganization(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	c := Canvas{ID: uuid.NewString(), OrgID: o.ID, Name: "prod", CreatedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := EventSource{ID: uuid.NewString(), OrgID: o.ID, CanvasID: c.ID, Name: "push", Type: "webhook",
		Events: []byte(`[{"type":"push","filters":[]}]`), KeyID: "key-1", KeyCiphertext: []byte("sealed"), KeyVersion: 1,
		CreatedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}
	return o, c, es
}
