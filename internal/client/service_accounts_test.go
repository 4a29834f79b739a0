package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestCreateServiceAccountTokenRetryRevokesOrphans: when the answer to a
// token create is lost (a 502 after the server stored the token) and the
// retry creates another, the client returns the second and revokes the
// first, whose value nobody holds; an older token of the same name stays.
func TestCreateServiceAccountTokenRetryRevokesOrphans(t *testing.T) {
	var (
		mu     sync.Mutex
		tokens []api.ServiceAccountToken
		posts  int
	)
	older := time.Now().Add(-time.Hour)
	tokens = append(tokens, api.ServiceAccountToken{ID: "t0", Name: "ci", Role: "admin", CreatedAt: &older})
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		defer mu.Unlock()
		const base = "/api/v1/service-accounts/deploy/tokens"
		switch {
		case r.Method == http.MethodPost && r.URL.Path == base:
			posts++
			now := time.Now()
			tok := api.ServiceAccountToken{ID: fmt.Sprintf("t%d", posts), Name: "ci", Role: "admin", CreatedAt: &now}
			tokens = append(tokens, tok)
			if posts == 1 {
				writeJSON(w, http.StatusBadGateway, api.Error{Code: api.CodeUnavailable, Message: "answer lost"})
				return
			}
			writeJSON(w, 200, api.CreateServiceAccountTokenResponse{Token: &tok, Value: "spt_value"})
		case r.Method == http.MethodGet && r.URL.Path == base:
			writeJSON(w, 200, api.ListServiceAccountTokensResponse{Tokens: tokens})
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, base+"/"):
			id := strings.TrimPrefix(r.URL.Path, base+"/")
			for i, tok := range tokens {
				if tok.ID == id {
					tokens = append(tokens[:i], tokens[i+1:]...)
					writeJSON(w, 200, api.Empty{})
					return
				}
			}
			writeJSON(w, 404, api.Error{Code: api.CodeNotFound, Message: "not found"})
		default:
			writeJSON(w, 404, api.Error{Code: api.CodeNotFound, Message: "no route"})
		}
	})
	exp := time.Now().Add(time.Hour)
	tok, value, err := c.CreateServiceAccountToken(context.Background(), "deploy", "ci", &exp)
	if err != nil || tok.ID != "t2" || value != "spt_value" {
		t.Fatalf("CreateServiceAccountToken = %+v, %q, %v", tok, value, err)
	}
	for _, req := range rec.requests() {
		if req.Method == http.MethodPost && (req.Body["name"] != "ci" || req.Body["expiresAt"] == nil) {
			t.Fatalf("create body %v; want the name and the expiry", req.Body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var ids []string
	for _, tok := range tokens {
		ids = append(ids, tok.ID)
	}
	if strings.Join(ids, ",") != "t0,t2" {
		t.Fatalf("tokens left: %v; want the older t0 and the returned t2 (the orphan t1 revoked)", ids)
	}
}
