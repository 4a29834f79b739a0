package mongodbatlas

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// SignRequest authenticates a stage's request to the Atlas Admin API: a
// service account's bearer token (reused until shortly before it
// expires), or, for an API key, the answer to a digest challenge that
// SignRequest first asks for with an unauthenticated GET of the same URL
// (Atlas answers it 401 without doing anything). The credentials go only
// to Atlas's host (https://cloud.mongodb.com) or the operator's endpoint
// override. A request asking for plain application/json (the http
// executor's default) asks for the Admin API's versioned media type
// instead, which Atlas requires.
func (Type) SignRequest(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials, req *http.Request, _ []byte, _ integration.SignOptions) error {
	s, err := Settings(c.Settings)
	if err != nil {
		return err
	}
	if !atlasHost(v, req.URL) {
		return failed("a mongodb_atlas integration's credentials are only sent to the Atlas Admin API (" + endpoint(v) + "), not to " + integration.Printable(req.URL.Host))
	}
	if strings.EqualFold(strings.TrimSpace(req.Header.Get("Accept")), "application/json") {
		req.Header.Set("Accept", api.MongoDBAtlasAcceptHeader)
	}
	return authenticate(ctx, v, s, c, req, true)
}

// authenticate sets req's Authorization for s's credentials; cached
// allows a service account's token from the cache.
func authenticate(ctx context.Context, v *integration.Verifier, s api.MongoDBAtlasIntegration, c integration.CloudCredentials, req *http.Request, cached bool) error {
	secret, err := credential(s, c)
	if err != nil {
		return err
	}
	if s.ServiceAccount != nil {
		now := time.Now()
		key := tokenKey(endpoint(v), c, secret)
		tok, ok := tokens.get(key, now)
		if !ok || !cached {
			if tok, err = fetchToken(ctx, v, s, c); err != nil {
				return err
			}
			tokens.put(key, tok, now)
		}
		req.Header.Set("Authorization", "Bearer "+tok.value)
		return nil
	}
	if s.APIKey == nil {
		return failed("spec.mongodbAtlas has neither apiKey nor serviceAccount")
	}
	ch, err := askChallenge(ctx, v, req)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", digestAuthorization(ch, req.Method, req.URL.RequestURI(), s.APIKey.PublicKey, secret, newCnonce()))
	return nil
}

// askChallenge gets a digest challenge for req's URL: an unauthenticated
// GET, which Atlas answers 401 with WWW-Authenticate: Digest.
func askChallenge(ctx context.Context, v *integration.Verifier, req *http.Request) (challenge, error) {
	pre, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL.String(), nil)
	if err != nil {
		return challenge{}, failed("cannot build the digest challenge request")
	}
	pre.Header.Set("Accept", api.MongoDBAtlasAcceptHeader)
	pre.Header.Set("User-Agent", "SuperPlane")
	resp, err := noRedirects(v).Do(pre)
	if err != nil {
		return challenge{}, failed(integration.Unreachable("MongoDB Atlas (digest challenge)", err))
	}
	_ = resp.Body.Close()
	ch, ok := digestChallenge(resp.Header)
	if resp.StatusCode != http.StatusUnauthorized || !ok {
		return challenge{}, failed("MongoDB Atlas did not answer an unauthenticated request with a digest challenge (MD5 or SHA-256, qop=auth): HTTP " +
			strconv.Itoa(resp.StatusCode))
	}
	return ch, nil
}

// atlasHost reports whether u may receive the integration's credentials:
// https on cloud.mongodb.com, or the endpoint override's origin.
func atlasHost(v *integration.Verifier, u *url.URL) bool {
	if v.MongoDBAtlasEndpointURL != "" {
		o, err := url.Parse(v.MongoDBAtlasEndpointURL)
		return err == nil && strings.EqualFold(o.Scheme, u.Scheme) && strings.EqualFold(o.Host, u.Host)
	}
	if u.Scheme != "https" {
		return false
	}
	host := u.Host
	if h, p, err := net.SplitHostPort(host); err == nil {
		if p != "443" {
			return false
		}
		host = h
	}
	d, _ := url.Parse(DefaultEndpointURL)
	return strings.EqualFold(host, d.Host)
}
