package engine

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestPruneAudit: with an audit retention the engine removes the records
// older than it and keeps the recent ones; with none (0) it keeps all.
func TestPruneAudit(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	retention := 30 * 24 * time.Hour
	for i, at := range []time.Time{now.Add(-retention - time.Hour), now.Add(-retention - time.Minute), now.Add(-retention + time.Hour), now} {
		if err := st.InsertAuditEvent(ctx, store.AuditEvent{ID: uuid.NewString(), OrgID: org.ID, At: at,
			ActorType: store.AuditActorUser, Action: "update", ObjectType: "canvas", ObjectName: string(rune('a' + i)),
			Method: "PATCH", Route: "PATCH /api/v1/canvases/{idOrName}", Status: 200, Outcome: store.AuditSucceeded}); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		t.Helper()
		list, err := st.ListAuditEvents(ctx, org.ID, store.AuditFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.ObjectName)
		}
		return out
	}
	logs := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := func() time.Time { return now }
	New(st, nil, logs, WithClock(clock), WithAuditRetention(0)).prune(ctx)
	if got := names(); len(got) != 4 {
		t.Fatalf("no retention: kept %v, want all 4", got)
	}
	New(st, nil, logs, WithClock(clock), WithAuditRetention(retention)).prune(ctx)
	if got := names(); len(got) != 2 || got[0] != "d" || got[1] != "c" {
		t.Fatalf("after pruning: kept %v, want [d c]", got)
	}
}
