package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestSQLiteWritersWait: with SQLite's one writer busy in a transaction, a
// write whose context ends first gives up with the context's error, and one
// without a deadline waits and then succeeds; the database stays usable.
func TestSQLiteWritersWait(t *testing.T) {
	s, org := openAcme(t, sqliteURL(t))
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	canvas := func(name string) store.Canvas {
		return store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: name, CreatedAt: now, UpdatedAt: now}
	}
	if err := s.CreateCanvas(ctx, canvas("held")); err != nil {
		t.Fatal(err)
	}

	started, hold := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		_, err := s.UpdateCanvas(ctx, org.ID, "held", func(c *store.Canvas) error {
			close(started)
			<-hold
			c.Description = "updated while others waited"
			return nil
		})
		updated <- err
	}()
	<-started

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err := s.CreateCanvas(short, canvas("impatient"))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a write whose deadline passes while the writer is busy: %v, want the deadline's error", err)
	}

	patient := make(chan error, 1)
	go func() { patient <- s.CreateCanvas(ctx, canvas("patient")) }()
	select {
	case err := <-patient:
		t.Fatalf("a write finished (%v) while another transaction held the writer", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(hold)
	for name, ch := range map[string]chan error{"the held transaction": updated, "the waiting write": patient} {
		select {
		case err := <-ch:
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not finish within 10s of the writer's release", name)
		}
	}

	list, err := s.ListCanvases(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Name)
		if c.Name == "held" && c.Description == "" {
			t.Error("the held transaction's update is missing")
		}
	}
	if len(names) != 2 || names[0] != "held" || names[1] != "patient" {
		t.Errorf("canvases %v, want [held patient]", names)
	}
}
