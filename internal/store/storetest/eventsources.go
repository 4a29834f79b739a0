package storetest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// newEventSource is a source of type typ in the canvas, going through in
// when in has an id.
func newEventSource(orgID, canvasID, name, typ string, in store.Integration) store.EventSource {
	ts := now()
	es := store.EventSource{
		ID: uuid.NewString(), OrgID: orgID, CanvasID: canvasID, Name: name, Description: "about " + name,
		Type: typ, Events: []byte(`[{"type":"push","filters":[]}]`),
		KeyID: "key-1", KeyCiphertext: []byte("sealed key of " + name), KeyVersion: 1,
		CreatedBy: uuid.NewString(), CreatedAt: ts, UpdatedAt: ts,
	}
	if in.ID != "" {
		es.IntegrationID, es.IntegrationName = in.ID, in.Name
		es.ResourceType, es.ResourceName = "repository", "app"
		es.HookState = "pending"
	}
	return es
}

func mustEventSource(t *testing.T, s store.Store, es store.EventSource) store.EventSource {
	t.Helper()
	if err := s.CreateEventSource(t.Context(), es); err != nil {
		t.Fatalf("CreateEventSource(%q): %v", es.Name, err)
	}
	return es
}

func mustIntegration(t *testing.T, s store.Store, in store.Integration) store.Integration {
	t.Helper()
	if err := s.CreateIntegration(t.Context(), in); err != nil {
		t.Fatalf("CreateIntegration(%q): %v", in.Name, err)
	}
	return in
}

// newEvent is an event of es as a receiver builds it: the receiver knows the
// source id only.
func newEvent(es store.EventSource, deliveryID string, receivedAt time.Time) store.Event {
	return store.Event{
		ID: uuid.NewString(), SourceID: es.ID, Type: "push", DeliveryID: deliveryID,
		Raw:     []byte(fmt.Sprintf(`{"ref":"refs/heads/main","delivery":%q}`, deliveryID)),
		Headers: []byte(`{"x-github-event":"push"}`), State: "STATE_PENDING", ReceivedAt: receivedAt,
	}
}

// storedEvent is ev as the store returns it: with its source's organization,
// canvas and name.
func storedEvent(ev store.Event, es store.EventSource) store.Event {
	ev.OrgID, ev.CanvasID, ev.SourceName = es.OrgID, es.CanvasID, es.Name
	return ev
}

func mustInsertEvent(t *testing.T, s store.Store, ev store.Event) store.Event {
	t.Helper()
	got, inserted, err := s.InsertEvent(t.Context(), ev)
	if err != nil || !inserted {
		t.Fatalf("InsertEvent(%s) = inserted %v, %v; want inserted", ev.ID, inserted, err)
	}
	return got
}

func findEventSource(t *testing.T, s store.Store, es store.EventSource) store.EventSource {
	t.Helper()
	got, err := s.FindEventSource(t.Context(), es.OrgID, es.CanvasID, es.ID)
	if err != nil {
		t.Fatalf("FindEventSource(%q): %v", es.Name, err)
	}
	return got
}

func testEventSources(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	c2 := mustCanvas(t, s, org.ID, "staging")
	token := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh-token"))
	orgInt := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", token))
	c2Int := mustIntegration(t, s, newIntegration(org.ID, store.DomainCanvas, c2.ID, "staging-github", token))

	push := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", orgInt))
	hook := mustEventSource(t, s, newEventSource(org.ID, c.ID, "a-webhook", "webhook", store.Integration{}))
	tick := newEventSource(org.ID, c.ID, "tick", "scheduled", store.Integration{})
	tick.Events, tick.KeyCiphertext, tick.KeyID, tick.KeyVersion = nil, nil, "", 0
	tick.Schedule = []byte(`{"type":"TYPE_DAILY","daily":{"time":"08:00"}}`)
	mustEventSource(t, s, tick)

	for _, idOrName := range []string{push.ID, "push"} {
		got, err := s.FindEventSource(ctx, org.ID, c.ID, idOrName)
		if err != nil {
			t.Fatalf("FindEventSource(%q): %v", idOrName, err)
		}
		equal(t, "FindEventSource("+idOrName+")", got, push)
	}
	// An id only in canonical form: another spelling is a name.
	if _, err := s.FindEventSource(ctx, org.ID, c.ID, strings.ToUpper(push.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FindEventSource by the upper-case id: %v, want not found", err)
	}
	got, err := s.FindEventSourceByID(ctx, push.ID)
	if err != nil {
		t.Fatalf("FindEventSourceByID: %v", err)
	}
	equal(t, "FindEventSourceByID", got, push)
	for _, id := range []string{"push", "not-a-uuid", uuid.NewString()} {
		_, err := s.FindEventSourceByID(ctx, id)
		wantErr(t, err, store.ErrNotFound, id)
	}

	list, err := s.ListEventSources(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatalf("ListEventSources: %v", err)
	}
	equal(t, "ListEventSources", list, []store.EventSource{hook, push, tick})
	if list, err := s.ListEventSources(ctx, org.ID, c2.ID); err != nil || len(list) != 0 {
		t.Errorf("another canvas lists %v, %v; want none", list, err)
	}

	// Names are unique per canvas.
	dup := newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{})
	wantErr(t, s.CreateEventSource(ctx, dup), store.ErrConflict, `"push"`)
	_, err = s.FindEventSourceByID(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound)
	mustEventSource(t, s, newEventSource(org.ID, c2.ID, "push", "github", c2Int))

	// The canvas must exist in the organization, and the integration must be
	// one the canvas may use: the organization's or its own.
	other := mustOrg(t, s, "globex")
	otherCanvas := mustCanvas(t, s, other.ID, "prod")
	otherToken := mustSecret(t, s, newSecret(other.ID, store.DomainOrganization, other.ID, "gh-token"))
	otherInt := mustIntegration(t, s, newIntegration(other.ID, store.DomainOrganization, other.ID, "github", otherToken))
	for _, tc := range []struct {
		what string
		es   store.EventSource
	}{
		{"a missing canvas", newEventSource(org.ID, uuid.NewString(), "x", "webhook", store.Integration{})},
		{"another organization's canvas", newEventSource(org.ID, otherCanvas.ID, "x", "webhook", store.Integration{})},
		{"a missing integration", newEventSource(org.ID, c.ID, "x", "github", store.Integration{ID: uuid.NewString()})},
		{"another canvas's integration", newEventSource(org.ID, c.ID, "x", "github", c2Int)},
		{"another organization's integration", newEventSource(org.ID, c.ID, "x", "github", otherInt)},
		{"an integration id that is not a UUID", newEventSource(org.ID, c.ID, "x", "github", store.Integration{ID: "github"})},
	} {
		if err := s.CreateEventSource(ctx, tc.es); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateEventSource with %s: error %v, want not found", tc.what, err)
		}
	}
	if list, _ := s.ListEventSources(ctx, org.ID, c.ID); len(list) != 3 {
		t.Errorf("refused sources were stored: %d sources in the canvas, want 3", len(list))
	}

	// Another organization sees nothing, by id or by name.
	for _, idOrName := range []string{push.ID, "push"} {
		_, err := s.FindEventSource(ctx, other.ID, c.ID, idOrName)
		wantErr(t, err, store.ErrNotFound, idOrName)
		_, err = s.UpdateEventSource(ctx, other.ID, c.ID, idOrName, func(*store.EventSource) error {
			t.Error("fn called for another organization's source")
			return nil
		})
		wantErr(t, err, store.ErrNotFound, idOrName)
		wantErr(t, s.DeleteEventSource(ctx, other.ID, c.ID, idOrName), store.ErrNotFound, idOrName)
	}
	if list, err := s.ListEventSources(ctx, other.ID, c.ID); err != nil || len(list) != 0 {
		t.Errorf("another organization lists %v, %v; want none", list, err)
	}
	_, err = s.FindEventSource(ctx, org.ID, c.ID, "missing")
	wantErr(t, err, store.ErrNotFound, `event source "missing" not found`)

	users, err := s.EventSourcesUsingIntegration(ctx, orgInt.ID)
	if err != nil {
		t.Fatalf("EventSourcesUsingIntegration: %v", err)
	}
	equal(t, "sources using the integration", users, []store.EventSource{push})

	// An integration's rename shows through.
	if _, err := s.UpdateIntegration(ctx, org.ID, store.DomainOrganization, org.ID, orgInt.ID, func(in *store.Integration) error {
		in.Name = "github-main"
		return nil
	}); err != nil {
		t.Fatalf("UpdateIntegration: %v", err)
	}
	push.IntegrationName = "github-main"
	equal(t, "source after its integration's rename", findEventSource(t, s, push), push)
}

func testUpdateEventSource(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	c2 := mustCanvas(t, s, org.ID, "staging")
	token := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh-token"))
	orgInt := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", token))
	canvasInt := newIntegration(org.ID, store.DomainCanvas, c.ID, "semaphore", token)
	canvasInt.Type = "semaphore"
	mustIntegration(t, s, canvasInt)
	c2Int := mustIntegration(t, s, newIntegration(org.ID, store.DomainCanvas, c2.ID, "staging-github", token))

	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "github", orgInt))
	mustEventSource(t, s, newEventSource(org.ID, c.ID, "taken", "webhook", store.Integration{}))
	ev := mustInsertEvent(t, s, newEvent(es, "d-1", now()))
	es.LastEventID = ev.ID

	checked := now().Add(time.Second)
	expires := now().Add(24 * time.Hour)
	later := es.UpdatedAt.Add(time.Minute)
	got, err := s.UpdateEventSource(ctx, org.ID, c.ID, "push", func(u *store.EventSource) error {
		u.Name, u.Description, u.Type = "ci", "new words", "semaphore"
		u.IntegrationID, u.IntegrationName = canvasInt.ID, "ignored"
		u.ResourceType, u.ResourceName = "project", "api"
		u.Events = []byte(`[{"type":"pipeline_done","filters":[]}]`)
		u.PrevKeyCiphertext, u.PrevKeyExpiresAt = u.KeyCiphertext, expires
		u.KeyID, u.KeyCiphertext, u.KeyVersion = "key-2", []byte{0, 1, 2, 0xff}, 2
		u.HookID, u.HookState, u.HookReason, u.HookCheckedAt = "hook-42", "failed", "Not Found", checked
		u.HookAttempts, u.HookNextAttempt = 3, checked.Add(time.Minute)
		u.UpdatedAt = later
		// Not the update function's to decide.
		u.ID, u.OrgID, u.CanvasID, u.CreatedBy = uuid.NewString(), uuid.NewString(), c2.ID, "mallory"
		u.CreatedAt, u.LastEventID = later, uuid.NewString()
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateEventSource: %v", err)
	}
	want := es
	want.Name, want.Description, want.Type = "ci", "new words", "semaphore"
	want.IntegrationID, want.IntegrationName = canvasInt.ID, "semaphore"
	want.ResourceType, want.ResourceName = "project", "api"
	want.Events = []byte(`[{"type":"pipeline_done","filters":[]}]`)
	want.PrevKeyCiphertext, want.PrevKeyExpiresAt = es.KeyCiphertext, expires
	want.KeyID, want.KeyCiphertext, want.KeyVersion = "key-2", []byte{0, 1, 2, 0xff}, 2
	want.HookID, want.HookState, want.HookReason, want.HookCheckedAt = "hook-42", "failed", "Not Found", checked
	want.HookAttempts, want.HookNextAttempt = 3, checked.Add(time.Minute)
	want.UpdatedAt = later
	equal(t, "updated source", got, want)
	equal(t, "stored source", findEventSource(t, s, es), want)

	// The previous key expires: clearing it reads back as nothing.
	got, err = s.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(u *store.EventSource) error {
		u.PrevKeyCiphertext, u.PrevKeyExpiresAt = nil, time.Time{}
		u.HookCheckedAt, u.HookNextAttempt = time.Time{}, time.Time{}
		u.IntegrationID = ""
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateEventSource clearing fields: %v", err)
	}
	want.PrevKeyCiphertext, want.PrevKeyExpiresAt = nil, time.Time{}
	want.HookCheckedAt, want.HookNextAttempt = time.Time{}, time.Time{}
	want.IntegrationID, want.IntegrationName = "", ""
	equal(t, "source with cleared fields", got, want)
	equal(t, "stored source with cleared fields", findEventSource(t, s, es), want)

	errFn := errors.New("refused by fn")
	_, err = s.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(u *store.EventSource) error {
		u.Description = "half-done"
		return errFn
	})
	if err != errFn {
		t.Fatalf("UpdateEventSource returned %v, want fn's error unchanged", err)
	}
	_, err = s.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(u *store.EventSource) error {
		u.Name = "taken"
		return nil
	})
	wantErr(t, err, store.ErrConflict, `"taken"`)
	for _, integrationID := range []string{c2Int.ID, uuid.NewString(), "github"} {
		_, err = s.UpdateEventSource(ctx, org.ID, c.ID, es.ID, func(u *store.EventSource) error {
			u.IntegrationID = integrationID
			return nil
		})
		wantErr(t, err, store.ErrNotFound, integrationID)
	}
	equal(t, "source after refused updates", findEventSource(t, s, es), want)
	_, err = s.UpdateEventSource(ctx, org.ID, c.ID, "missing", func(*store.EventSource) error { return nil })
	wantErr(t, err, store.ErrNotFound, `"missing"`)
}

func testDeleteEventSource(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	doomed := mustEventSource(t, s, newEventSource(org.ID, c.ID, "doomed", "webhook", store.Integration{}))
	kept := mustEventSource(t, s, newEventSource(org.ID, c.ID, "kept", "webhook", store.Integration{}))
	doomedEvent := mustInsertEvent(t, s, newEvent(doomed, "d-1", now()))
	keptEvent := mustInsertEvent(t, s, newEvent(kept, "d-1", now()))

	if err := s.DeleteEventSource(ctx, org.ID, c.ID, "doomed"); err != nil {
		t.Fatalf("DeleteEventSource: %v", err)
	}
	_, err := s.FindEventSourceByID(ctx, doomed.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindEvent(ctx, org.ID, c.ID, doomedEvent.ID)
	wantErr(t, err, store.ErrNotFound, doomedEvent.ID)
	events, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	equal(t, "events after deleting a source", events, []store.Event{keptEvent})

	// A new source with the old name starts with no events, and a delivery
	// id the old one saw is new to it.
	again := mustEventSource(t, s, newEventSource(org.ID, c.ID, "doomed", "webhook", store.Integration{}))
	if events, _ := s.ListEvents(ctx, org.ID, c.ID, again.ID, store.Page{}); len(events) != 0 {
		t.Errorf("a recreated source has events %v", events)
	}
	mustInsertEvent(t, s, newEvent(again, "d-1", now()))

	wantErr(t, s.DeleteEventSource(ctx, org.ID, c.ID, doomed.ID), store.ErrNotFound, doomed.ID)
	wantErr(t, s.DeleteEventSource(ctx, org.ID, c.ID, "missing"), store.ErrNotFound, `"missing"`)
}

func testDeleteIntegrationInUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	prod := mustCanvas(t, s, org.ID, "prod")
	staging := mustCanvas(t, s, org.ID, "staging")
	token := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh-token"))
	in := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", token))
	push := mustEventSource(t, s, newEventSource(org.ID, prod.ID, "push", "github", in))
	release := mustEventSource(t, s, newEventSource(org.ID, staging.ID, "release", "github", in))

	err := s.DeleteIntegration(ctx, org.ID, store.DomainOrganization, org.ID, "github")
	wantErr(t, err, store.ErrConflict, `"github"`, `"push"`, `"release"`, `"prod"`, `"staging"`)
	found, err := s.FindIntegrationByID(ctx, org.ID, in.ID)
	if err != nil {
		t.Fatalf("the refused delete removed the integration: %v", err)
	}
	in.SecretName, in.SecretDomainType, in.OrgName = token.Name, store.DomainOrganization, org.Name
	equal(t, "FindIntegrationByID", found, in)
	equal(t, "source after a refused integration delete", findEventSource(t, s, push), push)

	if err := s.DeleteEventSource(ctx, org.ID, prod.ID, push.ID); err != nil {
		t.Fatalf("DeleteEventSource: %v", err)
	}
	err = s.DeleteIntegration(ctx, org.ID, store.DomainOrganization, org.ID, in.ID)
	wantErr(t, err, store.ErrConflict, `"release"`)
	if strings.Contains(err.Error(), `"push"`) {
		t.Errorf("error %q names a deleted source", err)
	}
	if _, err := s.UpdateEventSource(ctx, org.ID, staging.ID, release.ID, func(es *store.EventSource) error {
		es.IntegrationID = ""
		return nil
	}); err != nil {
		t.Fatalf("UpdateEventSource: %v", err)
	}
	if err := s.DeleteIntegration(ctx, org.ID, store.DomainOrganization, org.ID, in.ID); err != nil {
		t.Fatalf("delete an unused integration: %v", err)
	}
	_, err = s.FindIntegrationByID(ctx, org.ID, in.ID)
	wantErr(t, err, store.ErrNotFound, in.ID)

	// FindIntegrationByID finds canvas integrations too, in its organization only.
	canvasInt := mustIntegration(t, s, newIntegration(org.ID, store.DomainCanvas, prod.ID, "canvas-github", token))
	if got, err := s.FindIntegrationByID(ctx, org.ID, canvasInt.ID); err != nil || got.Name != "canvas-github" {
		t.Errorf("FindIntegrationByID of a canvas integration = %+v, %v", got, err)
	}
	other := mustOrg(t, s, "globex")
	for _, tc := range []struct{ org, id string }{
		{other.ID, canvasInt.ID}, {org.ID, "canvas-github"}, {"acme", canvasInt.ID}, {org.ID, strings.ToUpper(canvasInt.ID)},
	} {
		_, err := s.FindIntegrationByID(ctx, tc.org, tc.id)
		wantErr(t, err, store.ErrNotFound, tc.id)
	}
}

func testDeleteCanvasWithEventSources(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	doomed := mustCanvas(t, s, org.ID, "doomed")
	kept := mustCanvas(t, s, org.ID, "kept")
	orgToken := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh-token"))
	orgInt := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", orgToken))
	canvasToken := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, doomed.ID, "sem-token"))
	canvasInt := newIntegration(org.ID, store.DomainCanvas, doomed.ID, "semaphore", canvasToken)
	canvasInt.Type = "semaphore"
	mustIntegration(t, s, canvasInt)

	// One statement must remove sources using the canvas's own integration
	// (itself removed, with the secret it uses) and the organization's.
	viaCanvas := mustEventSource(t, s, newEventSource(org.ID, doomed.ID, "ci", "semaphore", canvasInt))
	viaOrg := mustEventSource(t, s, newEventSource(org.ID, doomed.ID, "push", "github", orgInt))
	hook := mustEventSource(t, s, newEventSource(org.ID, doomed.ID, "hook", "webhook", store.Integration{}))
	keptSource := mustEventSource(t, s, newEventSource(org.ID, kept.ID, "push", "github", orgInt))
	var doomedEvents []store.Event
	for i, es := range []store.EventSource{viaCanvas, viaOrg, hook} {
		doomedEvents = append(doomedEvents, mustInsertEvent(t, s, newEvent(es, fmt.Sprint("d-", i), now())))
	}
	keptEvent := mustInsertEvent(t, s, newEvent(keptSource, "d-0", now()))

	if err := s.DeleteCanvas(ctx, org.ID, doomed.ID); err != nil {
		t.Fatalf("DeleteCanvas with event sources: %v", err)
	}
	for _, es := range []store.EventSource{viaCanvas, viaOrg, hook} {
		_, err := s.FindEventSourceByID(ctx, es.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, ev := range doomedEvents {
		_, err := s.FindEvent(ctx, org.ID, doomed.ID, ev.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	if events, err := s.ListEvents(ctx, org.ID, doomed.ID, "", store.Page{}); err != nil || len(events) != 0 {
		t.Errorf("a deleted canvas lists events %v, %v", events, err)
	}
	_, err := s.FindIntegrationByID(ctx, org.ID, canvasInt.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindSecretByID(ctx, org.ID, canvasToken.ID)
	wantErr(t, err, store.ErrNotFound)

	// The other canvas keeps its source and events; the organization's
	// integration stays, used by it alone now.
	findEventSource(t, s, keptSource)
	if got, err := s.FindEvent(ctx, org.ID, kept.ID, keptEvent.ID); err != nil {
		t.Errorf("FindEvent in the kept canvas: %v", err)
	} else {
		equal(t, "kept event", got, keptEvent)
	}
	users, err := s.EventSourcesUsingIntegration(ctx, orgInt.ID)
	if err != nil || len(users) != 1 || users[0].ID != keptSource.ID {
		t.Errorf("sources using the organization integration = %+v, %v; want only %q", users, err, keptSource.Name)
	}
}

func testEventSourcesWithHooks(t *testing.T, s store.Store) {
	ctx := t.Context()
	var want []store.EventSource
	for _, orgName := range []string{"acme", "globex"} {
		org := mustOrg(t, s, orgName)
		c := mustCanvas(t, s, org.ID, "prod")
		token := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "token"))
		in := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", token))
		for i, typ := range []string{"github", "semaphore", "webhook", "manual", "github", "scheduled", "gitlab", "bitbucket", "azure_devops"} {
			integration := store.Integration{}
			if typ == "github" || typ == "semaphore" || typ == "gitlab" || typ == "bitbucket" || typ == "azure_devops" {
				integration = in
			}
			es := mustEventSource(t, s, newEventSource(org.ID, c.ID, fmt.Sprint(typ, "-", i), typ, integration))
			if integration.ID != "" {
				want = append(want, es)
			}
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })

	var got []store.EventSource
	after := ""
	for range len(want) + 1 {
		page, err := s.EventSourcesWithHooks(ctx, after, 3)
		if err != nil {
			t.Fatalf("EventSourcesWithHooks(%q): %v", after, err)
		}
		got = append(got, page...)
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ID
	}
	equal(t, "sources with hooks, in pages of 3", got, want)
	if page, err := s.EventSourcesWithHooks(ctx, "", 0); err != nil || len(page) != 0 {
		t.Errorf("EventSourcesWithHooks with limit 0 = %v, %v; want none", page, err)
	}
}
