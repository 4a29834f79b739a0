package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageWithRefs is a stage whose spec reads secrets (each "domain/name/key",
// domain "" for none) and runs executor ex through integration "domain/name"
// ("" for none).
func stageWithRefs(t *testing.T, s store.Store, orgID, canvasID, name, ex, integration string, secrets ...string) store.Stage {
	t.Helper()
	var refs []string
	for i, sec := range secrets {
		p := strings.Split(sec, "/")
		refs = append(refs, fmt.Sprintf(`{"name":"S%d","valueFrom":{"secret":{"domainType":%q,"name":%q,"key":%q}}}`, i, p[0], p[1], p[2]))
	}
	executor := fmt.Sprintf(`{"type":%q,"spec":{}}`, ex)
	if integration != "" {
		p := strings.Split(integration, "/")
		executor = fmt.Sprintf(`{"type":%q,"integration":{"domainType":%q,"name":%q},"spec":{}}`, ex, p[0], p[1])
	}
	st := newStage(orgID, canvasID, name)
	st.Spec = []byte(fmt.Sprintf(`{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"push"}],"secrets":[%s],"executor":%s}`,
		strings.Join(refs, ","), executor))
	if err := s.CreateStage(t.Context(), st); err != nil {
		t.Fatalf("CreateStage(%q): %v", name, err)
	}
	return st
}

// testDeleteInUseByStages: a secret or integration a stage's spec refers to
// cannot be deleted, in either domain; the conflict names every stage with
// its canvas and every integration. References resolve as the server
// resolves them: no domain means the stage's canvas first, then the
// organization. StagesUsingSecret reports the keys read.
func testDeleteInUseByStages(t *testing.T, s store.Store) {
	ctx := t.Context()
	const orgD, canvasD = store.DomainOrganization, store.DomainCanvas
	org := mustOrg(t, s, "acme")
	prod := mustCanvas(t, s, org.ID, "prod")
	dev := mustCanvas(t, s, org.ID, "dev")
	gh := mustSecret(t, s, newSecret(org.ID, orgD, org.ID, "gh"))
	cgh := mustSecret(t, s, newSecret(org.ID, canvasD, prod.ID, "cgh"))
	devGH := mustSecret(t, s, newSecret(org.ID, canvasD, dev.ID, "gh")) // shadows the organization's in dev
	mustIntegration(t, s, newIntegration(org.ID, orgD, org.ID, "github", gh))
	mustIntegration(t, s, newIntegration(org.ID, canvasD, prod.ID, "cgithub", cgh))

	stages := []store.Stage{
		stageWithRefs(t, s, org.ID, prod.ID, "deploy", "noop", "", "/gh/token", orgD+"/gh/other"),
		stageWithRefs(t, s, org.ID, dev.ID, "deploy", "noop", "", "/gh/token"),
		stageWithRefs(t, s, org.ID, prod.ID, "build", "github", "/github"),
		stageWithRefs(t, s, org.ID, prod.ID, "ship", "github", canvasD+"/cgithub", canvasD+"/cgh/token"),
		// An http executor uses the integration it names (a cloud
		// integration signs its request); noop does not.
		stageWithRefs(t, s, org.ID, prod.ID, "call", "http", "/github"),
		stageWithRefs(t, s, org.ID, prod.ID, "idle", "noop", "/github"),
		// An executor of an integration type the store has no list of
		// (one added later) uses its integration.
		stageWithRefs(t, s, org.ID, prod.ID, "later", "gitlab", "/github"),
	}

	err := s.DeleteSecret(ctx, org.ID, orgD, org.ID, "gh")
	wantErr(t, err, store.ErrConflict, `secret "gh" is used by`, `stage "deploy" (canvas "prod")`, `integration "github"`)
	if strings.Contains(err.Error(), `"dev"`) || strings.Contains(err.Error(), `"ship"`) {
		t.Errorf("error %q names a stage that does not use the organization's gh", err)
	}
	wantErr(t, s.DeleteSecret(ctx, org.ID, canvasD, prod.ID, "cgh"), store.ErrConflict,
		`stage "ship" (canvas "prod")`, `integration "cgithub" (canvas "prod")`)
	wantErr(t, s.DeleteSecret(ctx, org.ID, canvasD, dev.ID, devGH.ID), store.ErrConflict, `stage "deploy" (canvas "dev")`)
	err = s.DeleteIntegration(ctx, org.ID, orgD, org.ID, "github")
	wantErr(t, err, store.ErrConflict, `integration "github" is used by`, `stage "build" (canvas "prod")`, `stage "later" (canvas "prod")`,
		`stage "call" (canvas "prod")`)
	if strings.Contains(err.Error(), `"idle"`) {
		t.Errorf("error %q names a noop stage", err)
	}
	wantErr(t, s.DeleteIntegration(ctx, org.ID, canvasD, prod.ID, "cgithub"), store.ErrConflict, `stage "ship" (canvas "prod")`)

	uses, err := s.StagesUsingSecret(ctx, gh)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "StagesUsingSecret", uses, []store.StageUse{{Stage: "deploy", Canvas: "prod", Keys: []string{"token", "other"}}})

	for _, st := range stages {
		if err := s.DeleteStage(ctx, org.ID, st.CanvasID, st.ID); err != nil {
			t.Fatalf("DeleteStage(%q): %v", st.Name, err)
		}
	}
	for _, d := range []struct{ typ, id, name string }{{orgD, org.ID, "github"}, {canvasD, prod.ID, "cgithub"}} {
		if err := s.DeleteIntegration(ctx, org.ID, d.typ, d.id, d.name); err != nil {
			t.Fatalf("DeleteIntegration(%q) once unused: %v", d.name, err)
		}
	}
	for _, sec := range []store.Secret{gh, cgh, devGH} {
		if err := s.DeleteSecret(ctx, org.ID, sec.DomainType, sec.DomainID, sec.ID); err != nil {
			t.Fatalf("DeleteSecret(%q) once unused: %v", sec.Name, err)
		}
	}
}

// testLookupsTakeOnlyCanonicalIDs: an id spelt any other way than canonical
// (32 hex digits, upper case, braces, urn:uuid:) is a name, and finds
// nothing; delete by it deletes nothing.
func testLookupsTakeOnlyCanonicalIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	sec := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh"))
	in := mustIntegration(t, s, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", sec))
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	spellings := func(id string) []string {
		hex := strings.ReplaceAll(id, "-", "")
		return []string{hex, strings.ToUpper(hex), strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id}
	}
	for _, v := range spellings(c.ID) {
		_, err := s.FindCanvas(ctx, org.ID, v)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteCanvas(ctx, org.ID, v), store.ErrNotFound)
	}
	for _, v := range spellings(sec.ID) {
		_, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, v)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, v := range spellings(in.ID) {
		_, err := s.FindIntegration(ctx, org.ID, store.DomainOrganization, org.ID, v)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, v := range spellings(es.ID) {
		_, err := s.FindEventSource(ctx, org.ID, c.ID, v)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteEventSource(ctx, org.ID, c.ID, v), store.ErrNotFound)
	}
	for _, v := range spellings(st.ID) {
		_, err := s.FindStage(ctx, org.ID, c.ID, v)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteStage(ctx, org.ID, c.ID, v), store.ErrNotFound)
	}
	// The canonical id still finds each, and nothing was deleted.
	if _, err := s.FindCanvas(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("FindCanvas by id: %v", err)
	}
	if _, err := s.FindEventSource(ctx, org.ID, c.ID, es.ID); err != nil {
		t.Fatalf("FindEventSource by id: %v", err)
	}
	if _, err := s.FindStage(ctx, org.ID, c.ID, st.ID); err != nil {
		t.Fatalf("FindStage by id: %v", err)
	}
}

// testDeleteRacesStageWrite: a stage written while the secret or integration
// it names is being deleted never outlives it. Either the delete sees the
// stage and is refused, or the write finds the object gone; never both
// succeed.
func testDeleteRacesStageWrite(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	const rounds = 20
	for i := range rounds {
		sec := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, fmt.Sprintf("s%d", i)))
		in := mustIntegration(t, s, newIntegration(org.ID, store.DomainCanvas, c.ID, fmt.Sprintf("i%d", i), sec))
		st := newStage(org.ID, c.ID, fmt.Sprintf("st%d", i))
		st.Spec = []byte(fmt.Sprintf(`{"secrets":[{"name":"T","valueFrom":{"secret":{"name":%q,"key":"k"}}}],`+
			`"executor":{"type":"github","integration":{"name":%q}}}`, sec.Name, in.Name))
		var wg sync.WaitGroup
		var createErr, deleteErr error
		wg.Add(2)
		go func() { defer wg.Done(); createErr = s.CreateStage(ctx, st) }()
		go func() {
			defer wg.Done()
			// The integration first (it uses the secret), then the secret.
			if deleteErr = s.DeleteIntegration(ctx, org.ID, store.DomainCanvas, c.ID, in.ID); deleteErr == nil {
				deleteErr = s.DeleteSecret(ctx, org.ID, store.DomainOrganization, org.ID, sec.ID)
			}
		}()
		wg.Wait()
		switch {
		case createErr == nil && deleteErr == nil:
			t.Fatalf("round %d: the stage was created and what it names deleted", i)
		case createErr != nil && !errors.Is(createErr, store.ErrNotFound):
			t.Fatalf("round %d: CreateStage: %v", i, createErr)
		case deleteErr != nil && !errors.Is(deleteErr, store.ErrConflict):
			t.Fatalf("round %d: delete: %v", i, deleteErr)
		}
	}
}
