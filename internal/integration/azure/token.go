package azure

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// DefaultAuthorityHost is Microsoft Entra ID's public cloud authority.
const DefaultAuthorityHost = "https://login.microsoftonline.com"

// assertionType is the client_assertion_type of a JWT client assertion.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAnswer bounds what is read of an answer from Entra or ARM.
const maxAnswer = 1 << 20

// azureError is a failed call, in words a user can act on: Entra's or
// ARM's own error code and description, or why it could not be reached.
type azureError struct{ reason string }

func (e *azureError) Error() string { return e.reason }

// token is an access token and when it expires.
type token struct {
	value   string
	expires time.Time
}

// tokenAnswer is the v2.0 token endpoint's answer, success or error.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// fetchToken asks Entra for a token for scope with the application's
// credentials: the client secret from c's secret, or an ID token of this
// server as the client assertion.
func fetchToken(ctx context.Context, v *integration.Verifier, s api.AzureIntegration, c integration.CloudCredentials, scope string) (token, error) {
	form := url.Values{"client_id": {s.ClientID}, "scope": {scope}, "grant_type": {"client_credentials"}}
	switch {
	case s.ClientSecret != nil:
		key := SecretKey(s)
		secret, ok := c.Secret[key]
		switch {
		case !ok:
			return token{}, &azureError{reason: "key " + key + " (the client secret) is missing from the secret"}
		case strings.TrimSpace(secret) == "":
			return token{}, &azureError{reason: "the client secret in the secret is empty"}
		}
		form.Set("client_secret", strings.TrimSpace(secret))
	case s.Federated != nil:
		if c.IDToken == nil {
			return token{}, &azureError{reason: "this server cannot issue ID tokens for a federated credential"}
		}
		assertion, err := c.IDToken(ctx, s.Federated.AudienceOf())
		if err != nil {
			return token{}, &azureError{reason: "cannot issue an ID token: " + integration.RemoteText(err.Error())}
		}
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", assertion)
	default:
		return token{}, &azureError{reason: "spec.azure has neither clientSecret nor federated"}
	}
	host := strings.TrimRight(v.AzureAuthorityHost, "/")
	if host == "" {
		host = DefaultAuthorityHost
	}
	endpoint := host + "/" + url.PathEscape(s.TenantID) + "/oauth2/v2.0/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, &azureError{reason: "cannot build the token request"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := noRedirects(v).Do(req)
	if err != nil {
		return token{}, &azureError{reason: integration.Unreachable("Microsoft Entra ID (token)", err)}
	}
	defer func() { _ = resp.Body.Close() }()
	var ans tokenAnswer
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	decodeErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK || ans.Error != "" {
		if decodeErr != nil || ans.Error == "" {
			return token{}, &azureError{reason: fmt.Sprintf("Microsoft Entra ID token request: HTTP %d", resp.StatusCode)}
		}
		// error_description starts with the AADSTS code (AADSTS7000215:
		// Invalid client secret provided...): the user's key to Microsoft's
		// documentation. Its trace and correlation ids follow on new lines.
		desc, _, _ := strings.Cut(ans.ErrorDescription, "\r\n")
		desc, _, _ = strings.Cut(desc, " Trace ID:")
		return token{}, &azureError{reason: "Microsoft Entra ID token request: " + integration.RemoteText(ans.Error) + ": " +
			integration.MessageOr(desc, "no description")}
	}
	if decodeErr != nil || ans.AccessToken == "" {
		return token{}, &azureError{reason: "Microsoft Entra ID answered the token request without an access token"}
	}
	if !strings.EqualFold(ans.TokenType, "Bearer") {
		return token{}, &azureError{reason: "Microsoft Entra ID answered a token of type " + integration.Printable(ans.TokenType) + ", not Bearer"}
	}
	expiresIn := time.Duration(ans.ExpiresIn) * time.Second
	if expiresIn <= 0 {
		expiresIn = 5 * time.Minute
	}
	return token{value: ans.AccessToken, expires: time.Now().Add(expiresIn)}, nil
}

// A stage's tokens are kept in memory, per integration settings, subject,
// secret value and scope, until shortly before they expire: a busy stage
// does not ask Entra for every request. They are never written anywhere,
// and a verification always asks Entra afresh.

// tokenMargin is how long before its expiry a token stops being used.
const tokenMargin = 5 * time.Minute

// maxTokens bounds the cache; past it, expired entries go first, then
// everything.
const maxTokens = 1024

type tokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]token
}

var tokens = &tokenCache{m: map[[32]byte]token{}}

// tokenKey identifies what token c and scope lead to at authority (the
// server's Entra host, "" for Microsoft's own), hashed (the key holds no
// credential): servers of one process that ask different authorities
// (tests, each with its own fake Entra) never send another's token.
func tokenKey(authority string, c integration.CloudCredentials, scope string) [32]byte {
	h := sha256.New()
	write := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(authority)
	write(string(c.Settings))
	write(c.Subject)
	write(scope)
	keys := make([]string, 0, len(c.Secret))
	for k := range c.Secret {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		write(k)
		write(c.Secret[k])
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
		for k, v := range tc.m {
			if now.After(v.expires.Add(-tokenMargin)) {
				delete(tc.m, k)
			}
		}
		if len(tc.m) >= maxTokens {
			clear(tc.m)
		}
	}
	tc.m[key] = t
}

// noRedirects is v's guarded client refusing redirects: a token request
// carries the client secret or assertion, and a subscription read the
// access token, which must go to the endpoint named and nowhere else.
func noRedirects(v *integration.Verifier) *http.Client {
	c := v.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
