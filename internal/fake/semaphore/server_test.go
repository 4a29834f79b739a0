package semaphore_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	fakesemaphore "github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// get requests path from the fake with the given Authorization header.
func get(t *testing.T, fake *fakesemaphore.Server, path, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fake.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestListProjects(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	fake.AddProject("api")
	fake.AddProject("web")

	resp := get(t, fake, "/api/v1alpha/projects", "Token sem-token")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var projects []struct {
		Metadata struct{ Name, ID string }
		Spec     struct{ Repository struct{ URL string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&projects); err != nil {
		t.Fatal(err)
	}
	if len(projects) != 2 || projects[0].Metadata.Name != "api" || projects[1].Metadata.Name != "web" {
		t.Fatalf("projects = %+v, want api and web", projects)
	}
	if len(projects[0].Metadata.ID) != 36 || projects[0].Metadata.ID == projects[1].Metadata.ID {
		t.Errorf("ids = %q, %q; want distinct UUIDs", projects[0].Metadata.ID, projects[1].Metadata.ID)
	}
	if projects[0].Spec.Repository.URL != "git@github.com:superplane-fake/api.git" {
		t.Errorf("repository url = %q", projects[0].Spec.Repository.URL)
	}

	if got := get(t, fake, "/api/v1alpha/projects/web", "Token sem-token").StatusCode; got != http.StatusOK {
		t.Errorf("get project: %d, want 200", got)
	}
	if got := get(t, fake, "/api/v1alpha/projects/nope", "Token sem-token").StatusCode; got != http.StatusNotFound {
		t.Errorf("get missing project: %d, want 404", got)
	}
	want := []string{"GET /api/v1alpha/projects", "GET /api/v1alpha/projects/web", "GET /api/v1alpha/projects/nope"}
	if got := fake.Requests(); !slices.Equal(got, want) {
		t.Errorf("Requests() = %v, want %v", got, want)
	}
}

func TestUnauthorized(t *testing.T) {
	fake := fakesemaphore.New(t)
	fake.AddToken("sem-token")
	for _, auth := range []string{"", "Token wrong", "Bearer sem-token"} {
		if got := get(t, fake, "/api/v1alpha/projects", auth).StatusCode; got != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, got)
		}
	}
}
