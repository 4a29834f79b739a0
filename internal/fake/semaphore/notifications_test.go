package semaphore_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// call sends method path with body to the fake as token sem-token and
// returns the status and the body of the answer.
func call(t *testing.T, fake *fakesemaphore.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, fake.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token sem-token")
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

func notificationBody(name, endpoint string) string {
	return `{"apiVersion":"v1alpha","kind":"Notification","metadata":{"name":"` + name + `"},"spec":{"rules":[` +
		`{"name":"r","filter":{"projects":["api"]},"notify":{"webhook":{"endpoint":"` + endpoint + `","secret":"hook-key"}}}]}}`
}

func TestNotifications(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")

	if status, body := call(t, fake, http.MethodPost, "/api/v1alpha/notifications", notificationBody("n1", "https://a.example/")); status != http.StatusOK {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, _ := call(t, fake, http.MethodPost, "/api/v1alpha/notifications", notificationBody("n1", "https://b.example/")); status != http.StatusConflict {
		t.Errorf("create with a name taken: %d, want 409", status)
	}
	if status, _ := call(t, fake, http.MethodPost, "/api/v1alpha/notifications", `{"metadata":{"name":"n2"},"spec":{"rules":[]}}`); status != http.StatusUnprocessableEntity {
		t.Errorf("create without rules: %d, want 422", status)
	}
	got := fake.Notifications()
	if len(got) != 1 || got[0].Name != "n1" || len(got[0].ID) != 36 || got[0].Rules != 1 ||
		!slices.Equal(got[0].Projects, []string{"api"}) || got[0].Endpoint != "https://a.example/" || got[0].SecretName != "hook-key" {
		t.Fatalf("Notifications() = %+v", got)
	}
	id := got[0].ID

	if status, body := call(t, fake, http.MethodGet, "/api/v1alpha/notifications/"+id, ""); status != http.StatusOK || !strings.Contains(body, `"name":"n1"`) {
		t.Errorf("get by id: %d %s", status, body)
	}
	if status, body := call(t, fake, http.MethodGet, "/api/v1alpha/notifications", ""); status != http.StatusOK || !strings.Contains(body, `"notifications":[{`) {
		t.Errorf("list: %d %s", status, body)
	}
	if status, body := call(t, fake, http.MethodPatch, "/api/v1alpha/notifications/n1", notificationBody("", "https://c.example/")); status != http.StatusOK {
		t.Errorf("update: %d %s", status, body)
	}
	if got := fake.Notifications(); len(got) != 1 || got[0].ID != id || got[0].Name != "n1" || got[0].Endpoint != "https://c.example/" {
		t.Errorf("after update: %+v", got)
	}

	if status, _ := call(t, fake, http.MethodDelete, "/api/v1alpha/notifications/n1", ""); status != http.StatusOK {
		t.Errorf("delete: %d", status)
	}
	if status, _ := call(t, fake, http.MethodDelete, "/api/v1alpha/notifications/n1", ""); status != http.StatusNotFound {
		t.Errorf("delete again: %d, want 404", status)
	}
	if status, _ := call(t, fake, http.MethodGet, "/api/v1alpha/notifications/n1", ""); status != http.StatusNotFound {
		t.Errorf("get deleted: %d, want 404", status)
	}
	if resp := get(t, fake, "/api/v1alpha/notifications", "Token wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("list with a wrong token: %d, want 401", resp.StatusCode)
	}
}

func TestSecrets(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	body := `{"apiVersion":"v1beta","kind":"Secret","metadata":{"name":"hook-key"},"data":{"env_vars":[{"name":"WEBHOOK_SECRET","value":"v4lue-one"}],"files":[]}}`

	if status, resp := call(t, fake, http.MethodPost, "/api/v1beta/secrets", body); status != http.StatusOK || strings.Contains(resp, "v4lue-one") {
		t.Fatalf("create: %d %s (the value must not be echoed)", status, resp)
	}
	if status, _ := call(t, fake, http.MethodPost, "/api/v1beta/secrets", body); status != http.StatusConflict {
		t.Errorf("create with a name taken: %d, want 409", status)
	}
	status, resp := call(t, fake, http.MethodGet, "/api/v1beta/secrets/hook-key", "")
	if status != http.StatusOK || !strings.Contains(resp, `"name":"WEBHOOK_SECRET"`) || strings.Contains(resp, "v4lue-one") {
		t.Errorf("get: %d %s, want the variable's name without its value", status, resp)
	}
	if v, ok := fake.SecretValue("hook-key", "WEBHOOK_SECRET"); !ok || v != "v4lue-one" {
		t.Errorf("SecretValue = %q, %v", v, ok)
	}

	patch := strings.ReplaceAll(body, "v4lue-one", "v4lue-two")
	if status, resp := call(t, fake, http.MethodPatch, "/api/v1beta/secrets/hook-key", patch); status != http.StatusOK || strings.Contains(resp, "v4lue-two") {
		t.Errorf("update: %d %s", status, resp)
	}
	if v, _ := fake.SecretValue("hook-key", "WEBHOOK_SECRET"); v != "v4lue-two" {
		t.Errorf("after update SecretValue = %q", v)
	}
	if status, resp := call(t, fake, http.MethodGet, "/api/v1beta/secrets", ""); status != http.StatusOK || strings.Contains(resp, "v4lue") {
		t.Errorf("list: %d %s", status, resp)
	}

	if status, _ := call(t, fake, http.MethodDelete, "/api/v1beta/secrets/hook-key", ""); status != http.StatusOK {
		t.Errorf("delete: %d", status)
	}
	if status, _ := call(t, fake, http.MethodDelete, "/api/v1beta/secrets/hook-key", ""); status != http.StatusNotFound {
		t.Errorf("delete again: %d, want 404", status)
	}
	if _, ok := fake.SecretValue("hook-key", "WEBHOOK_SECRET"); ok || len(fake.Secrets()) != 0 {
		t.Errorf("secret left after delete: %v", fake.Secrets())
	}
}
