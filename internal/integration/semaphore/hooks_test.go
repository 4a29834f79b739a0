package semaphore_test

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// newSemaphoreHookFixture is a fake Semaphore organization acme with a
// project app and a token sem-admin, and a verifier pointed at it.
func newSemaphoreHookFixture(t *testing.T) (*fakesemaphore.Server, *integration.Verifier) {
	t.Helper()
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-admin")
	fake.AddProject("app")
	return fake, &integration.Verifier{SemaphoreAPIURL: fake.URL(), Client: fakes}
}

// wantOneSemaphoreHook checks that the organization holds exactly one
// notification and one secret, delivering app's pipelines to want signed
// with key, and returns the notification.
func wantOneSemaphoreHook(t *testing.T, fake *fakesemaphore.Server, want integration.Hook, key string) fakesemaphore.Notification {
	t.Helper()
	ns := fake.Notifications()
	if len(ns) != 1 {
		t.Fatalf("notifications on Semaphore: %+v, want one", ns)
	}
	n := ns[0]
	if n.Rules != 1 || !slices.Equal(n.Projects, []string{"app"}) || n.Endpoint != want.CallbackURL || n.SecretName == "" {
		t.Fatalf("notification on Semaphore: %+v", n)
	}
	if secrets := fake.Secrets(); !slices.Equal(secrets, []string{n.SecretName}) {
		t.Fatalf("secrets on Semaphore: %v, want only %s", secrets, n.SecretName)
	}
	if v, ok := fake.SecretValue(n.SecretName, "WEBHOOK_SECRET"); !ok || v != key {
		t.Fatalf("WEBHOOK_SECRET of %s = %q (set %v), want the signing key", n.SecretName, v, ok)
	}
	return n
}

// changesSince returns the requests after the first n that changed
// something (anything but GET).
func changesSince(fake *fakesemaphore.Server, n int) []string {
	var out []string
	for _, r := range fake.Requests()[n:] {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

func TestEnsureSemaphoreHook(t *testing.T) {
	fake, v := newSemaphoreHookFixture(t)
	ctx := t.Context()
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s1/semaphore", Secret: "k3y-one"}

	res, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, "", false)
	if err != nil || !res.Created || res.Repaired || res.ID == "" {
		t.Fatalf("first ensure: %+v %v", res, err)
	}
	n := wantOneSemaphoreHook(t, fake, want, "k3y-one")
	if res.ID != n.ID || !strings.HasPrefix(n.Name, "superplane-") {
		t.Errorf("result id %q, notification %+v", res.ID, n)
	}

	// Looking again changes nothing on Semaphore.
	before := len(fake.Requests())
	again, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, res.ID, false)
	if err != nil || again.Created || again.Repaired || again.ID != res.ID {
		t.Fatalf("second ensure: %+v %v", again, err)
	}
	if changes := changesSince(fake, before); len(changes) != 0 {
		t.Errorf("second ensure changed Semaphore: %v", changes)
	}
	wantOneSemaphoreHook(t, fake, want, "k3y-one")

	// A notification deleted on Semaphore is recreated and reported as
	// repaired.
	if !fake.RemoveNotification(n.Name) {
		t.Fatal("fake did not remove the notification")
	}
	repaired, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, res.ID, false)
	if err != nil || !repaired.Created || !repaired.Repaired || repaired.ID == res.ID {
		t.Fatalf("after deletion on Semaphore: %+v %v", repaired, err)
	}
	n = wantOneSemaphoreHook(t, fake, want, "k3y-one")

	// A notification edited on Semaphore (another endpoint, another project)
	// is put back in place, keeping its id.
	edited := `{"apiVersion":"v1alpha","kind":"Notification","metadata":{"name":"` + n.Name + `"},"spec":{"rules":[` +
		`{"name":"x","filter":{"projects":["other"]},"notify":{"webhook":{"endpoint":"https://elsewhere.example/","secret":"` + n.SecretName + `"}}}]}}`
	if status, body := semaphoreCall(t, fake, http.MethodPatch, "/api/v1alpha/notifications/"+n.Name, edited); status != http.StatusOK {
		t.Fatalf("editing the notification on the fake: %d %s", status, body)
	}
	fixed, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, repaired.ID, false)
	if err != nil || fixed.Created || !fixed.Repaired || fixed.ID != repaired.ID {
		t.Fatalf("after an edit on Semaphore: %+v %v", fixed, err)
	}
	wantOneSemaphoreHook(t, fake, want, "k3y-one")

	// A secret deleted on Semaphore is recreated with the key.
	if !fake.RemoveSecret(n.SecretName) {
		t.Fatal("fake did not remove the secret")
	}
	fixed, err = sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, repaired.ID, false)
	if err != nil || fixed.Created || !fixed.Repaired || fixed.ID != repaired.ID {
		t.Fatalf("after the secret's deletion on Semaphore: %+v %v", fixed, err)
	}
	wantOneSemaphoreHook(t, fake, want, "k3y-one")

	// A new key is written only when asked: Semaphore never shows the old
	// one to compare with.
	want.Secret = "k3y-two"
	if _, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, repaired.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := fake.SecretValue(n.SecretName, "WEBHOOK_SECRET"); got != "k3y-one" {
		t.Errorf("key written without pushSecret: %q", got)
	}
	pushed, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, repaired.ID, true)
	if err != nil || pushed.Created || pushed.Repaired || pushed.ID != repaired.ID {
		t.Fatalf("push secret: %+v %v", pushed, err)
	}
	wantOneSemaphoreHook(t, fake, want, "k3y-two")

	// Delete leaves nothing behind, and deleting again is fine.
	if err := sem.DeleteHook(ctx, v, semaphoreURL, "sem-admin", "app", want.CallbackURL); err != nil {
		t.Fatal(err)
	}
	if ns, ss := fake.Notifications(), fake.Secrets(); len(ns) != 0 || len(ss) != 0 {
		t.Fatalf("left after delete: notifications %+v, secrets %v", ns, ss)
	}
	if err := sem.DeleteHook(ctx, v, semaphoreURL, "sem-admin", "app", want.CallbackURL); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

func TestEnsureSemaphoreHookAfterInterruptedRun(t *testing.T) {
	fake, v := newSemaphoreHookFixture(t)
	ctx := t.Context()
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s2/semaphore", Secret: "k3y-new"}
	first, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	// The run stopped after writing the secret with an older key and before
	// the notification was made (or recorded).
	n := wantOneSemaphoreHook(t, fake, want, "k3y-new")
	fake.RemoveNotification(n.Name)
	stale := `{"apiVersion":"v1beta","kind":"Secret","metadata":{"name":"` + n.SecretName + `"},"data":{"env_vars":[{"name":"WEBHOOK_SECRET","value":"k3y-old"}],"files":[]}}`
	if status, body := semaphoreCall(t, fake, http.MethodPatch, "/api/v1beta/secrets/"+n.SecretName, stale); status != http.StatusOK {
		t.Fatalf("staging the secret: %d %s", status, body)
	}

	res, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, "", false)
	if err != nil || !res.Created || res.Repaired || res.ID == first.ID {
		t.Fatalf("ensure after an interrupted run: %+v %v", res, err)
	}
	// No second secret, and the notification's key is the one wanted now.
	wantOneSemaphoreHook(t, fake, want, "k3y-new")
}

func TestEnsureSemaphoreHookFailures(t *testing.T) {
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s3/semaphore", Secret: "k3y"}

	t.Run("bad token", func(t *testing.T) {
		ctx := t.Context()
		fake, v := newSemaphoreHookFixture(t)
		_, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-wrong", "app", want, "", false)
		wantHookError(t, err, "sem-wrong", "Semaphore: unauthorized (token is not valid for organization acme)")
		if len(fake.Notifications())+len(fake.Secrets()) != 0 {
			t.Errorf("something was made with a bad token")
		}
		err = sem.DeleteHook(ctx, v, semaphoreURL, "sem-wrong", "app", want.CallbackURL)
		wantHookError(t, err, "sem-wrong", "Semaphore: unauthorized")
	})

	t.Run("Semaphore echoes the token", func(t *testing.T) {
		ctx := t.Context()
		v := &integration.Verifier{SemaphoreAPIURL: semaphoreStub(t, http.StatusUnauthorized, `{"message":"token $TOKEN revoked"}`), Client: fakes}
		_, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-revoked", "app", want, "", false)
		wantHookError(t, err, "sem-revoked", "organization acme): token *** revoked")
	})

	t.Run("refused by Semaphore", func(t *testing.T) {
		ctx := t.Context()
		v := &integration.Verifier{SemaphoreAPIURL: semaphoreStub(t, http.StatusForbidden, `{"message":"Permission denied"}`), Client: fakes}
		err := sem.DeleteHook(ctx, v, semaphoreURL, "sem-admin", "app", want.CallbackURL)
		wantHookError(t, err, "sem-admin", "may not delete notification", "Permission denied")
	})

	t.Run("unknown project", func(t *testing.T) {
		ctx := t.Context()
		fake, v := newSemaphoreHookFixture(t)
		_, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "nope", want, "", false)
		wantHookError(t, err, "sem-admin", "project nope not found in organization acme")
		if len(fake.Notifications())+len(fake.Secrets()) != 0 {
			t.Errorf("something was made for an unknown project")
		}
	})

	t.Run("URL of the wrong shape", func(t *testing.T) {
		ctx := t.Context()
		fake, v := newSemaphoreHookFixture(t)
		_, err := sem.EnsureHook(ctx, v, "https://github.com/acme", "sem-admin", "app", want, "", false)
		wantHookError(t, err, "sem-admin", "integration URL")
		if got := fake.Requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none", got)
		}
	})
}

// wantHookError checks that err is a HookError whose Reason has every
// fragment and not the token.
func wantHookError(t *testing.T, err error, token string, fragments ...string) {
	t.Helper()
	var he *integration.HookError
	if !errors.As(err, &he) {
		t.Fatalf("error = %v, want a HookError", err)
	}
	if strings.Contains(he.Reason, token) {
		t.Errorf("reason %q contains the token", he.Reason)
	}
	for _, f := range fragments {
		if !strings.Contains(he.Reason, f) {
			t.Errorf("reason = %q, want it to contain %q", he.Reason, f)
		}
	}
}

// semaphoreCall sends method path with body to the fake as sem-admin, as a
// user editing Semaphore would, and returns the status and body of the
// answer.
func semaphoreCall(t *testing.T, fake *fakesemaphore.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, fake.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token sem-admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
