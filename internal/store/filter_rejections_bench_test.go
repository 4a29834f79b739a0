package store_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// benchDatabases are the stores a rejections benchmark runs on: SQLite, and
// PostgreSQL when postgresEnv names a server.
func benchDatabases(b *testing.B) map[string]func(b *testing.B) string {
	dbs := map[string]func(b *testing.B) string{"sqlite": func(b *testing.B) string { return sqliteURL(b) }}
	if os.Getenv(postgresEnv) != "" {
		dbs["postgres"] = func(b *testing.B) string { return postgresURL(b) }
	}
	return dbs
}

// busyRejectionCanvas opens a store (with opts) with one canvas and
// busyStages stage ids and names.
func busyRejectionCanvas(b *testing.B, url string, stages int, opts ...store.OpenOption) (store.Store, store.Canvas, []string, []string) {
	b.Helper()
	s := mustOpen(b, url)
	if len(opts) > 0 {
		_ = s.Close()
		s = mustOpenSole(b, url)
	}
	org, err := s.EnsureOrganization(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "busy", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(b.Context(), c); err != nil {
		b.Fatal(err)
	}
	ids, names := make([]string, stages), make([]string, stages)
	for i := range ids {
		ids[i], names[i] = uuid.NewString(), fmt.Sprintf("busy-%d", i)
	}
	return s, c, ids, names
}

// BenchmarkRejectionsOfAnEvent is what routing one event into a canvas of
// 100 filtered stages writes when no stage takes it: 100 rejection rows
// (before issue 17's round three) or one FilteredRejection naming the 100.
func BenchmarkRejectionsOfAnEvent(b *testing.B) {
	for db, url := range benchDatabases(b) {
		b.Run(db+"/100 rows", func(b *testing.B) {
			s, c, ids, names := busyRejectionCanvas(b, url(b), 100)
			rs := make([]store.Rejection, len(ids))
			for b.Loop() {
				event, at := uuid.NewString(), time.Now()
				for i := range rs {
					rs[i] = store.Rejection{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, TargetType: "TYPE_STAGE",
						TargetID: ids[i], TargetName: names[i], EventID: event, Reason: "REJECTION_REASON_FILTERED",
						Message: "push event from hook did not pass the filters of connection hook", CreatedAt: at}
				}
				if err := s.InsertRejections(b.Context(), rs); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(db+"/one filtered row", func(b *testing.B) {
			s, c, ids, names := busyRejectionCanvas(b, url(b), 100)
			for b.Loop() {
				if err := s.InsertFilteredRejections(b.Context(), []store.FilteredRejection{{ID: uuid.NewString(),
					OrgID: c.OrgID, CanvasID: c.ID, EventID: uuid.NewString(), CreatedAt: time.Now(),
					Message:  "push event from hook did not pass the filters of connection hook",
					StageIDs: ids, StageNames: names}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListRejectionsBusyCanvas reads a page of 50 rejections of a
// canvas holding 12,000 events each rejected by 100 stages, of the
// canvas, of a stage in every row, and of a stage only in the oldest rows
// (it reads the newest filteredScanRows rows and stops: the bound on one
// request).
func BenchmarkListRejectionsBusyCanvas(b *testing.B) {
	for db, url := range benchDatabases(b) {
		s, c, ids, names := busyRejectionCanvas(b, url(b), 100)
		rare := uuid.NewString()
		t0 := time.Now().UTC().Add(-time.Hour)
		const events, batch = 12000, 500
		for i := 0; i < events; i += batch {
			fs := make([]store.FilteredRejection, batch)
			for j := range fs {
				stages := ids
				if i+j < 10 {
					stages = append(append([]string{}, ids[1:]...), rare)
				}
				fs[j] = store.FilteredRejection{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, EventID: uuid.NewString(),
					Message: "filtered", CreatedAt: t0.Add(time.Duration(i+j) * time.Millisecond), StageIDs: stages, StageNames: names}
			}
			if err := s.InsertFilteredRejections(b.Context(), fs); err != nil {
				b.Fatal(err)
			}
		}
		for _, bc := range []struct {
			name string
			f    store.RejectionFilter
		}{
			{"canvas", store.RejectionFilter{}},
			{"stage in every event", store.RejectionFilter{TargetType: "TYPE_STAGE", TargetID: ids[50]}},
			{"stage in the oldest 10", store.RejectionFilter{TargetType: "TYPE_STAGE", TargetID: rare}},
		} {
			b.Run(db+"/"+bc.name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.ListRejections(b.Context(), c.OrgID, c.ID, bc.f, store.Page{Limit: 51}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
