package service_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageRequest is a stage named name with one connection and a noop
// executor.
func stageRequest(name, connType, connName string) api.StageRequest {
	return api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: name},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: connType, Name: connName}},
			Executor:    &api.Executor{Type: api.ExecutorNoop},
		},
	}}
}

// TestStagesRulesWithoutTheServer drives service.Stages with no server in
// between: its refusals carry the class and message the API answers with,
// the in-use check keeps a stage another listens to, a missing stage is
// found missing before a bad page is refused, and an approval is counted
// once per user and only while the event is queued.
func TestStagesRulesWithoutTheServer(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	canvases := &service.Canvases{Store: f.st, Now: time.Now}
	stages := &service.Stages{Store: f.st, Types: all.Registry(), Now: time.Now}
	c, err := canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateEventSource(ctx, store.EventSource{ID: uuid.NewString(), OrgID: f.p.Organization.ID, CanvasID: c.ID,
		Name: "push", Type: api.EventSourceTypeWebhook, Events: []byte(`[]`), KeyID: "key-1", KeyCiphertext: []byte("sealed"),
		KeyVersion: 1, CreatedBy: f.p.User.ID, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	_, err = stages.Create(ctx, f.p, "prod", stageRequest("build", api.ConnectionTypeEventSource, "pull"))
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument ||
		msg != `stage.spec.connections[0].name: event source "pull" does not exist in canvas "prod"` {
		t.Fatalf("missing source: %d %q", code, msg)
	}
	build, err := stages.Create(ctx, f.p, "prod", stageRequest("build", api.ConnectionTypeEventSource, "push"))
	if err != nil {
		t.Fatal(err)
	}
	if len(build.Queue) != 0 || build.LastExecution != nil {
		t.Fatalf("a new stage shows a queue %v or an execution %v", build.Queue, build.LastExecution)
	}
	if _, err := stages.Create(ctx, f.p, "prod", stageRequest("deploy", api.ConnectionTypeStage, "build")); err != nil {
		t.Fatal(err)
	}
	_, err = stages.Update(ctx, f.p, "prod", "build", stageRequest("", api.ConnectionTypeStage, "build"))
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument || msg != "stage.spec.connections[0].name: a stage cannot listen to itself" {
		t.Fatalf("listening to itself: %d %q", code, msg)
	}

	err = stages.Delete(ctx, f.p, "prod", "build")
	if code, msg := classOf(t, err); code != api.CodeAlreadyExists ||
		msg != `stage "build" is a connection of stage "deploy"; change them first` {
		t.Fatalf("delete of a stage in use: %d %q", code, msg)
	}
	if _, err := stages.Find(ctx, f.p, "prod", "build"); err != nil {
		t.Fatalf("the stage in use is gone: %v", err)
	}

	if _, err := stages.Events(ctx, f.p, "prod", "nope", nil, store.PageQuery{Limit: "many"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("events of a missing stage with a bad page: %v", err)
	}
	_, err = stages.Events(ctx, f.p, "prod", "build", nil, store.PageQuery{Limit: "many"})
	if code, _ := classOf(t, err); code != api.CodeInvalidArgument {
		t.Fatalf("bad page: code %d", code)
	}
	_, err = stages.Events(ctx, f.p, "prod", "build", []string{"STATE_DONE"}, store.PageQuery{})
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument ||
		msg != `states "STATE_DONE" is not one of STATE_PENDING, STATE_WAITING, STATE_PROCESSED, STATE_DISCARDED` {
		t.Fatalf("bad state: %d %q", code, msg)
	}

	ev := store.StageEvent{ID: uuid.NewString(), OrgID: f.p.Organization.ID, CanvasID: c.ID, StageID: build.ID, Connection: "push",
		TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: uuid.NewString(), TriggerSourceName: "push",
		TriggerEventID: uuid.NewString(), TriggerType: "push", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
		State: store.StageEventWaiting, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now}
	if err := f.st.InsertStageEvents(ctx, []store.StageEvent{ev}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := stages.Approve(ctx, f.p, "prod", "build", ev.ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := stages.Find(ctx, f.p, "prod", "build")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Queue) != 1 || strings.Count(string(got.Queue[0].Approvals), f.p.User.ID) != 1 {
		t.Fatalf("after two approvals by one user: queue %d, approvals %s", len(got.Queue), got.Queue[0].Approvals)
	}
	if _, err := stages.Discard(ctx, f.p, "prod", "build", ev.ID); err != nil {
		t.Fatal(err)
	}
	_, err = stages.Approve(ctx, f.p, "prod", "build", ev.ID)
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument ||
		msg != "stage event "+ev.ID+" is STATE_DISCARDED: only a queued event can be approved" {
		t.Fatalf("approving a discarded event: %d %q", code, msg)
	}
}

// TestTokensAuthenticateAndRegenerate: an unknown or expired token is
// refused as unauthenticated with the messages the API answers with, and a
// regenerated token replaces the old one with the same expiry.
func TestTokensAuthenticateAndRegenerate(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	clock := time.Now().UTC().Truncate(time.Microsecond)
	tokens := &service.Tokens{Store: f.st, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return clock }}
	add := func(expires time.Time) string {
		t.Helper()
		tok, hash, err := service.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.CreateToken(ctx, store.Token{Hash: hash, UserID: f.p.User.ID, OrgID: f.p.Organization.ID,
			Role: api.RoleAdmin, CreatedAt: clock, ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
		return tok
	}

	_, err := tokens.Authenticate(ctx, service.TokenPrefix+"unknown")
	if code, msg := classOf(t, err); code != api.CodeUnauthenticated || msg != "invalid token" {
		t.Fatalf("unknown token: %d %q", code, msg)
	}
	expired := add(clock.Add(-time.Minute))
	_, err = tokens.Authenticate(ctx, expired)
	if code, msg := classOf(t, err); code != api.CodeUnauthenticated || !strings.HasPrefix(msg, "token expired at ") {
		t.Fatalf("expired token: %d %q", code, msg)
	}

	expires := clock.Add(24 * time.Hour)
	old := add(expires)
	p, err := tokens.Authenticate(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if p.User.ID != f.p.User.ID || p.Role != api.RoleAdmin {
		t.Fatalf("principal: user %q role %q", p.User.ID, p.Role)
	}
	next, err := tokens.Regenerate(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, old); err == nil {
		t.Fatal("the replaced token still authenticates")
	}
	np, err := tokens.Authenticate(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if !np.Token.ExpiresAt.Equal(expires) || np.Role != api.RoleAdmin {
		t.Fatalf("regenerated token: expires %v (want %v), role %q", np.Token.ExpiresAt, expires, np.Role)
	}
	// The principal that authenticated the old token cannot regenerate it
	// again: it is gone.
	_, err = tokens.Regenerate(ctx, p)
	if code, msg := classOf(t, err); code != api.CodeUnauthenticated || msg != "invalid token" {
		t.Fatalf("regenerating a replaced token: %d %q", code, msg)
	}
}
