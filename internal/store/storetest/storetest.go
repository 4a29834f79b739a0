// Package storetest is the behaviour every store.Store implementation must
// show. store_test.go runs it against SQLite and, when a server is given,
// PostgreSQL, so the two cannot drift apart.
package storetest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Concurrency is how many goroutines the concurrency tests run at once.
const Concurrency = 16

// Run runs the suite. open must return a store on a fresh, empty, migrated
// database and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) { RunSkipping(t, open, nil) }

// RunSkipping runs the suite but the tests skip names, each skipped with
// its reason: a store whose premise differs (one process per database, no
// leases between servers) proves those behaviours in tests of its own.
func RunSkipping(t *testing.T, open func(t *testing.T) store.Store, skip map[string]string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"EnsureOrganization", testEnsureOrganization},
		{"EnsureUser", testEnsureUser},
		{"Tokens", testTokens},
		{"TokenManagement", testTokenManagement},
		{"FindPrincipalScope", testFindPrincipalScope},
		{"Sessions", testSessions},
		{"UserSessions", testUserSessions},
		{"AuthProviders", testAuthProviders},
		{"SealedRecords", testSealedRecords},
		{"CreateCanvas", testCreateCanvas},
		{"FindCanvas", testFindCanvas},
		{"ListCanvases", testListCanvases},
		{"UpdateCanvas", testUpdateCanvas},
		{"DeleteCanvas", testDeleteCanvas},
		{"CreateSecret", testCreateSecret},
		{"FindSecret", testFindSecret},
		{"ListSecrets", testListSecrets},
		{"UpdateSecret", testUpdateSecret},
		{"UpdateSecretConcurrently", testUpdateSecretConcurrently},
		{"DeleteSecret", testDeleteSecret},
		{"Rewrap", testRewrap},
		{"Timestamps", testTimestamps},
		{"Integrations", testIntegrations},
		{"CloudIntegrations", testCloudIntegrations},
		{"OIDCKeys", testOIDCKeys},
		{"EventSources", testEventSources},
		{"UpdateEventSource", testUpdateEventSource},
		{"DeleteEventSource", testDeleteEventSource},
		{"DeleteIntegrationInUse", testDeleteIntegrationInUse},
		{"DeleteInUseByStages", testDeleteInUseByStages},
		{"DeleteRacesStageWrite", testDeleteRacesStageWrite},
		{"LookupsTakeOnlyCanonicalIDs", testLookupsTakeOnlyCanonicalIDs},
		{"DeleteCanvasWithEventSources", testDeleteCanvasWithEventSources},
		{"InsertEvent", testInsertEvent},
		{"InsertEventConcurrently", testInsertEventConcurrently},
		{"SignatureSchemeAndDeliveryLookup", testSignatureSchemeAndDeliveryLookup},
		{"ListEvents", testListEvents},
		{"FilterAndCountEvents", testFilterAndCountEvents},
		{"EventSourcesWithHooks", testEventSourcesWithHooks},
		{"Stages", testStages},
		{"StageEvents", testStageEvents},
		{"ListStageEvents", testListStageEvents},
		{"RouteEvents", testRouteEvents},
		{"RouteEventsConcurrently", testRouteEventsConcurrently},
		{"RouteEventsQuarantine", testRouteEventsQuarantine},
		{"RouteEventsStagesChanged", testRouteEventsStagesChanged},
		{"RouteEventsOnce", testRouteEventsOnce},
		{"RouteEventsLeaseTakenOver", testRouteEventsLeaseTakenOver},
		{"RouteEventsMarkedOnlyStagesChanged", testRouteEventsMarkedOnlyStagesChanged},
		{"RouteEventsMarkedOnlyLeaseTakenOver", testRouteEventsMarkedOnlyLeaseTakenOver},
		{"RouteEventsStartIfFree", testRouteEventsStartIfFree},
		{"RouteEventsStartIfFreeConcurrently", testRouteEventsStartIfFreeConcurrently},
		{"RouteEventsClaimAtRouting", testRouteEventsClaimAtRouting},
		{"RouteClaimRace", testRouteClaimRace},
		{"RouteStartCrossedStages", testRouteStartCrossedStages},
		{"FinishStartsDownstream", testFinishStartsDownstream},
		{"RouteEventsFairAcrossOrgs", testRouteEventsFairAcrossOrgs},
		{"QueueHeads", testQueueHeads},
		{"StartExecution", testStartExecution},
		{"StartExecutionConcurrently", testStartExecutionConcurrently},
		{"ClaimExecution", testClaimExecution},
		{"QueueHeadsTakeTurns", testQueueHeadsTakeTurns},
		{"WaitStageEvent", testWaitStageEvent},
		{"ClaimExecutionCap", testClaimExecutionCap},
		{"ClaimExecutionFewestFirst", testClaimExecutionFewestFirst},
		{"Lease", testLease},
		{"RequestCancel", testRequestCancel},
		{"ListExecutions", testListExecutions},
		{"ListExecutionPage", testListExecutionPage},
		{"LastExecution", testLastExecution},
		{"StageStatuses", testStageStatuses},
		{"BatchLookups", testBatchLookups},
		{"Counts", testCounts},
		{"QueueDepths", testQueueDepths},
		{"DeleteStagesWithHistory", testDeleteStagesWithHistory},
		{"Alerts", testAlerts},
		{"Rejections", testRejections},
		{"RejectionsInBulk", testRejectionsInBulk},
		{"FilteredRejections", testFilteredRejections},
		{"RoutedFilteredRejections", testRoutedFilteredRejections},
		{"FilteredRejectionsInBulk", testFilteredRejectionsInBulk},
		{"RoutedFilteredRejectionInvalid", testRoutedFilteredRejectionInvalid},
		{"PruneEvents", testPruneEvents},
		{"JSONColumns", testJSONColumns},
		{"ExecutionOutputs", testExecutionOutputs},
		{"ConnectionGroups", testConnectionGroups},
		{"ConnectionGroupRouting", testConnectionGroupRouting},
		{"ConnectionGroupTimeouts", testConnectionGroupTimeouts},
		{"ConnectionGroupRoutingConcurrently", testConnectionGroupRoutingConcurrently},
		{"ServiceAccounts", testServiceAccounts},
		{"ServiceAccountTokens", testServiceAccountTokens},
		{"AuditEvents", testAuditEvents},
		{"AuditEventsConcurrently", testAuditEventsConcurrently},
		{"Roles", testRoles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if why, ok := skip[tt.name]; ok {
				t.Skip(why)
			}
			tt.fn(t, open(t))
		})
	}
}

// now is a caller's clock: UTC, truncated to microseconds as the interface
// asks of callers.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func mustOrg(t *testing.T, s store.Store, name string) store.Organization {
	t.Helper()
	o, err := s.EnsureOrganization(t.Context(), name)
	if err != nil {
		t.Fatalf("EnsureOrganization(%q): %v", name, err)
	}
	return o
}

func mustUser(t *testing.T, s store.Store, orgID, email string) store.User {
	t.Helper()
	u, err := s.EnsureUser(t.Context(), orgID, email)
	if err != nil {
		t.Fatalf("EnsureUser(%q): %v", email, err)
	}
	return u
}

func newCanvas(orgID, name string) store.Canvas {
	ts := now()
	return store.Canvas{
		ID: uuid.NewString(), OrgID: orgID, Name: name, Description: "about " + name,
		CreatedBy: uuid.NewString(), CreatedAt: ts, UpdatedAt: ts,
	}
}

func mustCanvas(t *testing.T, s store.Store, orgID, name string) store.Canvas {
	t.Helper()
	c := newCanvas(orgID, name)
	if err := s.CreateCanvas(t.Context(), c); err != nil {
		t.Fatalf("CreateCanvas(%q): %v", name, err)
	}
	return c
}

func newSecret(orgID, domainType, domainID, name string) store.Secret {
	ts := now()
	return store.Secret{
		ID: uuid.NewString(), OrgID: orgID, DomainType: domainType, DomainID: domainID, Name: name,
		Provider: "PROVIDER_LOCAL", Keys: []string{"password", "user"}, KeyID: "key-1",
		Ciphertext: []byte("sealed " + name), Version: 1,
		CreatedBy: uuid.NewString(), CreatedAt: ts, UpdatedAt: ts,
	}
}

func mustSecret(t *testing.T, s store.Store, sec store.Secret) store.Secret {
	t.Helper()
	if err := s.CreateSecret(t.Context(), sec); err != nil {
		t.Fatalf("CreateSecret(%q): %v", sec.Name, err)
	}
	return sec
}

func findSecret(t *testing.T, s store.Store, sec store.Secret) store.Secret {
	t.Helper()
	got, err := s.FindSecret(t.Context(), sec.OrgID, sec.DomainType, sec.DomainID, sec.ID)
	if err != nil {
		t.Fatalf("FindSecret(%q): %v", sec.Name, err)
	}
	return got
}

// wantErr fails unless err wraps want and its message contains every part.
func wantErr(t *testing.T, err, want error, parts ...string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err.Error(), p)
		}
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// concurrently runs fn in Concurrency goroutines started together and
// returns their errors.
func concurrently(fn func(i int) error) []error {
	errs := make([]error, Concurrency)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func testEnsureOrganization(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := mustOrg(t, s, "acme")
	if _, err := uuid.Parse(first.ID); err != nil {
		t.Errorf("organization id %q is not a UUID", first.ID)
	}
	if first.Name != "acme" || first.CreatedAt.IsZero() || first.CreatedAt.Location() != time.UTC {
		t.Errorf("organization = %+v, want name acme and a UTC creation time", first)
	}
	equal(t, "second EnsureOrganization", mustOrg(t, s, "acme"), first)
	if other := mustOrg(t, s, "globex"); other.ID == first.ID {
		t.Errorf("two names share id %s", other.ID)
	}

	ids := make([]string, Concurrency)
	errs := concurrently(func(i int) error {
		o, err := s.EnsureOrganization(ctx, "initech")
		ids[i] = o.ID
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent EnsureOrganization %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent EnsureOrganization returned ids %s and %s", ids[0], ids[i])
		}
	}
}

func testEnsureUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	first := mustUser(t, s, org.ID, "ada@example.com")
	if first.OrgID != org.ID || first.Email != "ada@example.com" || first.CreatedAt.Location() != time.UTC {
		t.Errorf("user = %+v, want ada@example.com in %s with a UTC creation time", first, org.ID)
	}
	equal(t, "second EnsureUser", mustUser(t, s, org.ID, "ada@example.com"), first)

	other := mustOrg(t, s, "globex")
	if u := mustUser(t, s, other.ID, "ada@example.com"); u.ID == first.ID || u.OrgID != other.ID {
		t.Errorf("same email in another organization gave %+v, want a new user there", u)
	}

	_, err := s.EnsureUser(ctx, uuid.NewString(), "ghost@example.com")
	wantErr(t, err, store.ErrNotFound)

	ids := make([]string, Concurrency)
	errs := concurrently(func(i int) error {
		u, err := s.EnsureUser(ctx, org.ID, "grace@example.com")
		ids[i] = u.ID
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent EnsureUser %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent EnsureUser returned ids %s and %s", ids[0], ids[i])
		}
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	user := mustUser(t, s, org.ID, "ada@example.com")
	hash := bytes.Repeat([]byte{0xab}, 32)
	created := now()
	if err := s.CreateToken(ctx, store.Token{Hash: hash, UserID: user.ID, OrgID: org.ID, Role: "admin", CreatedAt: created}); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}

	p, err := s.FindPrincipal(ctx, hash)
	if err != nil {
		t.Fatalf("FindPrincipal: %v", err)
	}
	if _, ok := uuid.Parse(p.Token.ID); ok != nil {
		t.Fatalf("CreateToken gave the token no id: %q", p.Token.ID)
	}
	equal(t, "principal", p, store.Principal{User: user, Organization: org, Role: "admin",
		Token: store.Token{ID: p.Token.ID, UserID: user.ID, OrgID: org.ID, Role: "admin", CreatedAt: created}})

	_, err = s.FindPrincipal(ctx, bytes.Repeat([]byte{0xcd}, 32))
	wantErr(t, err, store.ErrNotFound)

	err = s.CreateToken(ctx, store.Token{Hash: hash, UserID: user.ID, OrgID: org.ID, Role: "viewer", CreatedAt: now()})
	wantErr(t, err, store.ErrConflict)
	if p, _ := s.FindPrincipal(ctx, hash); p.Role != "admin" {
		t.Errorf("a refused duplicate token changed the role to %q", p.Role)
	}

	// A token cannot tie a user to an organization the user is not in.
	other := mustOrg(t, s, "globex")
	err = s.CreateToken(ctx, store.Token{Hash: []byte("other"), UserID: user.ID, OrgID: other.ID, Role: "owner", CreatedAt: now()})
	wantErr(t, err, store.ErrNotFound)
}

func testCreateCanvas(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "deploy")

	dup := newCanvas(org.ID, "deploy")
	wantErr(t, s.CreateCanvas(ctx, dup), store.ErrConflict, `"deploy"`)
	if _, err := s.FindCanvas(ctx, org.ID, dup.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused canvas was stored (FindCanvas error %v)", err)
	}
	if got, _ := s.FindCanvas(ctx, org.ID, "deploy"); got.ID != c.ID {
		t.Errorf("canvas deploy is now %s, want %s", got.ID, c.ID)
	}

	other := mustOrg(t, s, "globex")
	mustCanvas(t, s, other.ID, "deploy") // names are unique per organization only

	wantErr(t, s.CreateCanvas(ctx, newCanvas(uuid.NewString(), "orphan")), store.ErrNotFound)
}

func testFindCanvas(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "deploy")

	for _, idOrName := range []string{c.ID, "deploy"} {
		got, err := s.FindCanvas(ctx, org.ID, idOrName)
		if err != nil {
			t.Fatalf("FindCanvas(%q): %v", idOrName, err)
		}
		equal(t, "FindCanvas("+idOrName+")", got, c)
	}
	// An id only in canonical form: another spelling is a name.
	_, err := s.FindCanvas(ctx, org.ID, strings.ToUpper(c.ID))
	wantErr(t, err, store.ErrNotFound)

	other := mustOrg(t, s, "globex")
	for _, idOrName := range []string{c.ID, "deploy"} {
		_, err := s.FindCanvas(ctx, other.ID, idOrName)
		wantErr(t, err, store.ErrNotFound, idOrName)
	}
	_, err = s.FindCanvas(ctx, org.ID, "missing")
	wantErr(t, err, store.ErrNotFound, `canvas "missing" not found`)
	_, err = s.FindCanvas(ctx, org.ID, uuid.NewString())
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindCanvas(ctx, "not-a-uuid", "deploy")
	wantErr(t, err, store.ErrNotFound)
}

func testListCanvases(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "globex")

	got, err := s.ListCanvases(ctx, org.ID)
	if err != nil || len(got) != 0 {
		t.Fatalf("ListCanvases on an empty organization = %v, %v; want none", got, err)
	}

	b := mustCanvas(t, s, org.ID, "b")
	a := mustCanvas(t, s, org.ID, "a")
	upper := mustCanvas(t, s, org.ID, "Z") // byte order: upper case first
	c := mustCanvas(t, s, org.ID, "c")
	mustCanvas(t, s, other.ID, "a0")

	got, err = s.ListCanvases(ctx, org.ID)
	if err != nil {
		t.Fatalf("ListCanvases: %v", err)
	}
	equal(t, "ListCanvases", got, []store.Canvas{upper, a, b, c})
}

func testUpdateCanvas(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "deploy")
	mustCanvas(t, s, org.ID, "taken")
	later := c.UpdatedAt.Add(time.Minute)

	got, err := s.UpdateCanvas(ctx, org.ID, "deploy", func(c *store.Canvas) error {
		c.Name, c.Description, c.UpdatedAt = "ship", "new words", later
		c.ID, c.OrgID = uuid.NewString(), uuid.NewString() // must be ignored
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCanvas: %v", err)
	}
	want := c
	want.Name, want.Description, want.UpdatedAt = "ship", "new words", later
	equal(t, "updated canvas", got, want)
	found, err := s.FindCanvas(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatalf("FindCanvas after update: %v", err)
	}
	equal(t, "stored canvas", found, want)

	errFn := errors.New("refused by fn")
	_, err = s.UpdateCanvas(ctx, org.ID, c.ID, func(c *store.Canvas) error {
		c.Description = "half-done"
		return errFn
	})
	if err != errFn {
		t.Fatalf("UpdateCanvas returned %v, want fn's error unchanged", err)
	}
	_, err = s.UpdateCanvas(ctx, org.ID, c.ID, func(c *store.Canvas) error {
		c.Name = "taken"
		return nil
	})
	wantErr(t, err, store.ErrConflict, `"taken"`)
	found, _ = s.FindCanvas(ctx, org.ID, c.ID)
	equal(t, "canvas after refused updates", found, want)

	other := mustOrg(t, s, "globex")
	_, err = s.UpdateCanvas(ctx, other.ID, c.ID, func(*store.Canvas) error {
		t.Error("fn called for another organization's canvas")
		return nil
	})
	wantErr(t, err, store.ErrNotFound, c.ID)
	_, err = s.UpdateCanvas(ctx, org.ID, "missing", func(*store.Canvas) error { return nil })
	wantErr(t, err, store.ErrNotFound, `"missing"`)
}

func testDeleteCanvas(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	doomed := mustCanvas(t, s, org.ID, "doomed")
	kept := mustCanvas(t, s, org.ID, "kept")
	doomedSecret := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, doomed.ID, "db"))
	keptSecret := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, kept.ID, "db"))
	orgSecret := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "db"))

	other := mustOrg(t, s, "globex")
	wantErr(t, s.DeleteCanvas(ctx, other.ID, doomed.ID), store.ErrNotFound)

	if err := s.DeleteCanvas(ctx, org.ID, "doomed"); err != nil {
		t.Fatalf("DeleteCanvas: %v", err)
	}
	_, err := s.FindCanvas(ctx, org.ID, doomed.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindSecret(ctx, org.ID, store.DomainCanvas, doomed.ID, doomedSecret.ID)
	wantErr(t, err, store.ErrNotFound)
	if left, _ := s.SecretsNotUnderKey(ctx, "no-such-key", 100); len(left) != 2 {
		t.Errorf("after deleting a canvas %d secrets are left, want 2 (the other canvas's and the organization's)", len(left))
	}
	findSecret(t, s, keptSecret)
	findSecret(t, s, orgSecret)

	// A new canvas with the old name starts with no secrets.
	again := mustCanvas(t, s, org.ID, "doomed")
	if got, _ := s.ListSecrets(ctx, org.ID, store.DomainCanvas, again.ID); len(got) != 0 {
		t.Errorf("a recreated canvas has secrets %v", got)
	}

	wantErr(t, s.DeleteCanvas(ctx, org.ID, doomed.ID), store.ErrNotFound, doomed.ID)
	wantErr(t, s.DeleteCanvas(ctx, org.ID, "missing"), store.ErrNotFound, `"missing"`)
}

func testTimestamps(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	created := time.Date(2031, 12, 31, 23, 59, 58, 123456000, zone)
	updated := time.Date(1999, 1, 2, 3, 4, 5, 1000, time.UTC)

	c := newCanvas(org.ID, "times")
	c.CreatedAt, c.UpdatedAt = created, updated
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatalf("CreateCanvas: %v", err)
	}
	got, err := s.FindCanvas(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatalf("FindCanvas: %v", err)
	}
	for _, tc := range []struct {
		what      string
		got, want time.Time
	}{{"created", got.CreatedAt, created}, {"updated", got.UpdatedAt, updated}} {
		if !tc.got.Equal(tc.want) || tc.got.Location() != time.UTC {
			t.Errorf("%s at = %v, want %v in UTC", tc.what, tc.got, tc.want.UTC())
		}
	}

	sec := newSecret(org.ID, store.DomainOrganization, org.ID, "times")
	sec.CreatedAt, sec.UpdatedAt = created, updated
	mustSecret(t, s, sec)
	stored := findSecret(t, s, sec)
	if !stored.CreatedAt.Equal(created) || !stored.UpdatedAt.Equal(updated) || stored.CreatedAt.Location() != time.UTC {
		t.Errorf("secret times = %v, %v; want %v, %v in UTC", stored.CreatedAt, stored.UpdatedAt, created.UTC(), updated)
	}
}
