package semaphore_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// onlyReads fails the test when any of requests is not a GET.
func onlyReads(t *testing.T, what string, requests []string) {
	t.Helper()
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("%s changed the tool: %s", what, r)
		}
	}
}

func TestCheckSemaphoreHook(t *testing.T) {
	fake, v := newSemaphoreHookFixture(t)
	ctx := t.Context()
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/s1/semaphore", Secret: "k3y-one"}
	check := func() integration.HookCheck {
		t.Helper()
		before := len(fake.Requests())
		got, err := sem.CheckHook(ctx, v, semaphoreURL, "sem-admin", "app", want, "")
		if err != nil {
			t.Fatal(err)
		}
		onlyReads(t, "a check", fake.Requests()[before:])
		return got
	}
	if got := check(); got.State != integration.HookMissing {
		t.Fatalf("before provisioning: %+v", got)
	}
	if _, err := sem.EnsureHook(ctx, v, semaphoreURL, "sem-admin", "app", want, "", false); err != nil {
		t.Fatal(err)
	}
	if got := check(); got.State != integration.HookOK {
		t.Fatalf("as provisioned: %+v", got)
	}
	n := fake.Notifications()[0]
	fake.RemoveSecret(n.SecretName)
	if got := check(); got.State != integration.HookDrifted || !strings.Contains(got.Reason, n.SecretName) {
		t.Fatalf("secret deleted on Semaphore: %+v", got)
	}
	fake.RemoveNotification(n.Name)
	if got := check(); got.State != integration.HookMissing {
		t.Fatalf("notification deleted on Semaphore: %+v", got)
	}
	if len(fake.Notifications())+len(fake.Secrets()) != 0 {
		t.Fatal("the check made something on Semaphore")
	}
}
