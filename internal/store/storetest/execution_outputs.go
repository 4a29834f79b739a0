package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testExecutionOutputs: a running execution keeps its token's hash and the
// outputs its run pushed, merged push after push; a pending or finished
// one takes none, and only its holder sets the token.
func testExecutionOutputs(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "build")
	ev := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, now().Add(-time.Minute)))[0]
	id := uuid.NewString()
	if err := s.StartExecution(ctx, ev.ID, store.Execution{ID: id, CreatedAt: now()}); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}

	// Pending: nothing runs yet that could push.
	_, err := s.PushOutputs(ctx, id, map[string]string{"VERSION": "1"}, 10)
	wantErr(t, err, store.ErrConflict, "not running")
	_, err = s.FindExecutionOutputs(ctx, uuid.NewString())
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindExecutionOutputs(ctx, "not-a-uuid")
	wantErr(t, err, store.ErrNotFound)

	owner := "server-1"
	ex := claim(t, s, owner, now(), now().Add(time.Hour))
	hash := bytes.Repeat([]byte{7}, 32)
	expires := now().Add(time.Hour)
	wantErr(t, s.SetExecutionToken(ctx, ex.ID, "server-2", hash, expires), store.ErrConflict)
	if err := s.SetExecutionToken(ctx, ex.ID, owner, hash, expires); err != nil {
		t.Fatalf("SetExecutionToken: %v", err)
	}
	got, err := s.FindExecutionOutputs(ctx, ex.ID)
	if err != nil {
		t.Fatalf("FindExecutionOutputs: %v", err)
	}
	if !bytes.Equal(got.TokenHash, hash) || !got.TokenExpiresAt.Equal(expires) || len(got.Pushed) != 0 ||
		got.Execution.ID != ex.ID || got.Execution.StageID != st.ID || got.Execution.State != store.ExecutionStarted {
		t.Fatalf("FindExecutionOutputs = %+v, want the started execution with its hash and nothing pushed", got)
	}

	names, err := s.PushOutputs(ctx, ex.ID, map[string]string{"VERSION": "1.2.3"}, 2)
	if err != nil {
		t.Fatalf("PushOutputs: %v", err)
	}
	equal(t, "names after the first push", names, []string{"VERSION"})
	names, err = s.PushOutputs(ctx, ex.ID, map[string]string{"VERSION": "1.2.4", "URL": "https://x"}, 2)
	if err != nil {
		t.Fatalf("PushOutputs again: %v", err)
	}
	equal(t, "names after the second push", names, []string{"URL", "VERSION"})
	_, err = s.PushOutputs(ctx, ex.ID, map[string]string{"THIRD": "3"}, 2)
	wantErr(t, err, store.ErrConflict, "more than 2")
	got, err = s.FindExecutionOutputs(ctx, ex.ID)
	if err != nil {
		t.Fatalf("FindExecutionOutputs: %v", err)
	}
	equal(t, "pushed outputs", got.Pushed, map[string]string{"VERSION": "1.2.4", "URL": "https://x"})

	// The run ended: the engine closes the pushes and takes what was
	// pushed; a push after that is refused, not lost.
	_, err = s.CloseOutputs(ctx, ex.ID, "server-2", now())
	wantErr(t, err, store.ErrConflict)
	closed, err := s.CloseOutputs(ctx, ex.ID, owner, now())
	if err != nil {
		t.Fatalf("CloseOutputs: %v", err)
	}
	equal(t, "outputs taken at the close", closed, map[string]string{"VERSION": "1.2.4", "URL": "https://x"})
	_, err = s.PushOutputs(ctx, ex.ID, map[string]string{"VERSION": "late"}, 10)
	wantErr(t, err, store.ErrConflict, "run ended")
	if again, err := s.CloseOutputs(ctx, ex.ID, owner, now()); err != nil || again["VERSION"] != "1.2.4" {
		t.Fatalf("CloseOutputs again = %v, %v", again, err)
	}

	// Finished: the run is over, and so is its pushing.
	finish(t, s, ex, owner, "RESULT_PASSED", now())
	_, err = s.PushOutputs(ctx, ex.ID, map[string]string{"VERSION": "9"}, 10)
	wantErr(t, err, store.ErrConflict, "not running")
	got, err = s.FindExecutionOutputs(ctx, ex.ID)
	if err != nil {
		t.Fatalf("FindExecutionOutputs after the finish: %v", err)
	}
	if got.Execution.State != store.ExecutionFinished || got.Pushed["VERSION"] != "1.2.4" {
		t.Fatalf("after the finish: state %s, pushed %v", got.Execution.State, got.Pushed)
	}
}
