package mongodbatlas

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxAnswer bounds what is read of an answer from Atlas.
const maxAnswer = 1 << 20

// tokenAnswer is the OAuth token endpoint's answer, success or error.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	// Atlas's own error shape, which the endpoint may answer too.
	Detail    string `json:"detail"`
	ErrorCode string `json:"errorCode"`
}

// token is an access token and when it expires.
type token struct {
	value   string
	expires time.Time
}

// credential is the secret value of the integration's credentials (the
// private key or the client secret), trimmed.
func credential(s api.MongoDBAtlasIntegration, c integration.CloudCredentials) (string, error) {
	key := SecretKey(s)
	what := "the private key"
	if s.ServiceAccount != nil {
		what = "the client secret"
	}
	v, ok := c.Secret[key]
	switch {
	case key == "":
		return "", failed("spec.mongodbAtlas names no secret key")
	case !ok:
		return "", failed("key " + key + " (" + what + ") is missing from the secret")
	case strings.TrimSpace(v) == "":
		return "", failed(what + " in the secret is empty")
	}
	return strings.TrimSpace(v), nil
}

// fetchToken asks Atlas's OAuth token endpoint for an access token of the
// service account (client credentials grant, the client id and secret as
// HTTP Basic credentials).
func fetchToken(ctx context.Context, v *integration.Verifier, s api.MongoDBAtlasIntegration, c integration.CloudCredentials) (token, error) {
	secret, err := credential(s, c)
	if err != nil {
		return token{}, err
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(v)+"/api/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, failed("cannot build the token request")
	}
	req.SetBasicAuth(s.ServiceAccount.ClientID, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := noRedirects(v).Do(req)
	if err != nil {
		return token{}, failed(integration.Unreachable("MongoDB Atlas (token)", err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	var ans tokenAnswer
	decodeErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK || ans.Error != "" {
		switch {
		case decodeErr == nil && ans.Error != "":
			return token{}, failed("MongoDB Atlas token request for service account " + s.ServiceAccount.ClientID + ": " +
				integration.RemoteText(ans.Error) + ": " + integration.MessageOr(ans.ErrorDescription, "no description"))
		case decodeErr == nil && ans.ErrorCode != "":
			return token{}, failed("MongoDB Atlas token request for service account " + s.ServiceAccount.ClientID + ": " +
				integration.RemoteText(ans.ErrorCode) + ": " + integration.MessageOr(ans.Detail, "no detail"))
		}
		return token{}, failed(fmt.Sprintf("MongoDB Atlas token request: HTTP %d", resp.StatusCode))
	}
	if decodeErr != nil || ans.AccessToken == "" {
		return token{}, failed("MongoDB Atlas answered the token request without an access token")
	}
	if !strings.EqualFold(ans.TokenType, "Bearer") {
		return token{}, failed("MongoDB Atlas answered a token of type " + integration.Printable(ans.TokenType) + ", not Bearer")
	}
	expiresIn := time.Duration(ans.ExpiresIn) * time.Second
	if expiresIn <= 0 {
		expiresIn = 5 * time.Minute
	}
	return token{value: ans.AccessToken, expires: time.Now().Add(expiresIn)}, nil
}

// A stage's bearer tokens are kept in memory, per settings and secret
// value, until shortly before they expire (Atlas's last an hour), so that
// a busy stage does not ask for one per request. They are never written
// anywhere; a verification always asks afresh.

// tokenMargin is how long before its expiry a token stops being used.
const tokenMargin = 5 * time.Minute

// maxTokens bounds the cache; past it, everything goes.
const maxTokens = 1024

type tokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]token
}

var tokens = &tokenCache{m: map[[32]byte]token{}}

// tokenKey identifies the token c leads to at base, hashed: the key holds
// no credential, and a rotated secret is another key.
func tokenKey(base string, c integration.CloudCredentials, secret string) [32]byte {
	h := sha256.New()
	for _, s := range []string{base, string(c.Settings), secret} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func (tc *tokenCache) get(key [32]byte, now time.Time) (token, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	t, ok := tc.m[key]
	if !ok || now.After(t.expires.Add(-tokenMargin)) {
		return token{}, false
	}
	return t, true
}

func (tc *tokenCache) put(key [32]byte, t token, now time.Time) {
	if now.After(t.expires.Add(-tokenMargin)) {
		return // a token this short-lived is not worth keeping
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= maxTokens {
		clear(tc.m)
	}
	tc.m[key] = t
}

// endpoint is where Atlas is for v: the override, or Atlas itself.
func endpoint(v *integration.Verifier) string {
	if base := strings.TrimRight(v.MongoDBAtlasEndpointURL, "/"); base != "" {
		return base
	}
	return DefaultEndpointURL
}

// noRedirects is v's guarded client refusing redirects: a token request
// carries the client secret, and an authenticated request the token or
// a digest answer, which must go to the host named and nowhere else.
func noRedirects(v *integration.Verifier) *http.Client {
	c := v.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
