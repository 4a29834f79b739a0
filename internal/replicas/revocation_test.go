package replicas_test

import (
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestRevocationReachesEveryReplica revokes tokens through one replica and
// checks that the other refuses them on the very next request: a revoked
// service-account token, every token of a deleted service account, and the
// old token of a rotation (POST /api/v1/me/token). No replica caches a
// token, so there is nothing to wait for; the test asserts that by not
// waiting.
func TestRevocationReachesEveryReplica(t *testing.T) {
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set")
	}
	bin := buildServer(t)
	dbURL := freshDatabase(t, base)
	env := []string{
		"SUPERPLANE_DATABASE_URL=" + dbURL,
		"SUPERPLANE_ENCRYPTION_KEYS=" + newKeySpec(t),
	}
	// The first start applies the migrations; the second finds them done.
	a := startReplica(t, bin, env, "a")
	if a == nil {
		t.FailNow()
	}
	b := startReplica(t, bin, env, "b")
	if b == nil {
		t.FailNow()
	}
	owner := &client{token: createToken(t, bin, env)}

	var acct api.ServiceAccountResponse
	owner.call(t, "POST", a.url+"/api/v1/service-accounts", api.ServiceAccountRequest{ServiceAccount: &api.ServiceAccount{
		Metadata: &api.ServiceAccountMetadata{Name: "deployer"}, Spec: &api.ServiceAccountSpec{Role: api.RoleAdmin},
	}}, &acct)
	newToken := func(name string) api.CreateServiceAccountTokenResponse {
		t.Helper()
		var tok api.CreateServiceAccountTokenResponse
		owner.call(t, "POST", a.url+"/api/v1/service-accounts/deployer/tokens", api.CreateServiceAccountTokenRequest{Name: name}, &tok)
		if tok.Value == "" || tok.Token == nil {
			t.Fatalf("creating token %s answered no value: %+v", name, tok)
		}
		return tok
	}
	first, second := newToken("first"), newToken("second")

	// Both tokens work on both replicas before anything is revoked, so a
	// refusal after it is the revocation's doing.
	for _, r := range []*replica{a, b} {
		for _, tok := range []string{first.Value, second.Value} {
			if got := status(t, r.url+"/api/v1/canvases", tok); got != http.StatusOK {
				t.Fatalf("before revocation, replica %s answered %d, want 200", r.name, got)
			}
		}
	}

	// Revoked through a: b refuses it at once, and keeps accepting the other.
	owner.call(t, "DELETE", a.url+"/api/v1/service-accounts/deployer/tokens/"+first.Token.ID, nil, &api.Empty{})
	if got := status(t, b.url+"/api/v1/canvases", first.Value); got != http.StatusUnauthorized {
		t.Errorf("replica b answered %d to a token revoked through a, want 401", got)
	}
	if got := status(t, b.url+"/api/v1/canvases", second.Value); got != http.StatusOK {
		t.Errorf("replica b answered %d to the account's other token, want 200", got)
	}

	// The account deleted through b: a refuses its remaining token at once.
	owner.call(t, "DELETE", b.url+"/api/v1/service-accounts/deployer", nil, &api.Empty{})
	if got := status(t, a.url+"/api/v1/canvases", second.Value); got != http.StatusUnauthorized {
		t.Errorf("replica a answered %d to a token of an account deleted through b, want 401", got)
	}

	// A rotation through a: b refuses the old token and accepts the new one.
	var rotated api.RegenerateTokenResponse
	old := owner.token
	owner.call(t, "POST", a.url+"/api/v1/me/token", nil, &rotated)
	if got := status(t, b.url+"/api/v1/me", old); got != http.StatusUnauthorized {
		t.Errorf("replica b answered %d to the token rotated away through a, want 401", got)
	}
	if got := status(t, b.url+"/api/v1/me", rotated.Token); got != http.StatusOK {
		t.Errorf("replica b answered %d to the rotated token, want 200", got)
	}

	// Revocation while the other replica serves the token concurrently: no
	// request b receives after the DELETE has answered succeeds.
	owner.token = rotated.Token
	owner.call(t, "POST", a.url+"/api/v1/service-accounts", api.ServiceAccountRequest{ServiceAccount: &api.ServiceAccount{
		Metadata: &api.ServiceAccountMetadata{Name: "reader"}, Spec: &api.ServiceAccountSpec{Role: api.RoleViewer},
	}}, &acct)
	var third api.CreateServiceAccountTokenResponse
	owner.call(t, "POST", a.url+"/api/v1/service-accounts/reader/tokens", api.CreateServiceAccountTokenRequest{Name: "busy"}, &third)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		revokedAt time.Time // zero until the DELETE answered
		before    int       // successes before it
		late      []int     // answers other than 401 to requests sent after it
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 2000 { // bounded; it stops at the first refusal after the revocation
			mu.Lock()
			at := revokedAt
			mu.Unlock()
			got := status(t, b.url+"/api/v1/canvases", third.Value)
			mu.Lock()
			switch {
			case at.IsZero() && got == http.StatusOK:
				before++
			case !at.IsZero() && got != http.StatusUnauthorized:
				late = append(late, got)
			}
			mu.Unlock()
			if !at.IsZero() && got == http.StatusUnauthorized {
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := before
		mu.Unlock()
		if n >= 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	owner.call(t, "DELETE", a.url+"/api/v1/service-accounts/reader/tokens/"+third.Token.ID, nil, &api.Empty{})
	mu.Lock()
	revokedAt = time.Now()
	mu.Unlock()
	wg.Wait()
	if before == 0 {
		t.Error("replica b never accepted the token before its revocation, so the test proved nothing")
	}
	if len(late) > 0 {
		t.Errorf("replica b accepted the token %d times after its revocation answered: %v", len(late), late)
	}
}

// status sends GET target with token and returns the status code.
func status(t *testing.T, target, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
