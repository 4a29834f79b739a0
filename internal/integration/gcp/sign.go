package gcp

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// SignRequest gives req an access token of the integration for opts.Scopes
// (cloud-platform when none): Authorization: Bearer. The token goes only
// to Google's APIs (https://*.googleapis.com) or to the operator's
// endpoint override: a bearer token, unlike a signature, works for
// whoever receives it.
func (Type) SignRequest(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials, req *http.Request, _ []byte, opts integration.SignOptions) error {
	s, err := Settings(c.Settings)
	if err != nil {
		return err
	}
	if !googleHost(v, req.URL) {
		return failed("a gcp integration's access token is only sent to Google APIs (https://*.googleapis.com), not to " + integration.Printable(req.URL.Host))
	}
	now := time.Now()
	key := cacheKey(v.GCPEndpointURL, c, opts.Scopes)
	tok, ok := tokens.get(key, now)
	if !ok {
		t, _, err := accessToken(ctx, v, s, c, opts.Scopes)
		if err != nil {
			return err
		}
		tokens.put(key, t.AccessToken, t.Expiry, now)
		tok = t.AccessToken
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// googleHost reports whether u may receive an access token: https on a
// googleapis.com host, or the endpoint override's origin.
func googleHost(v *integration.Verifier, u *url.URL) bool {
	if v.GCPEndpointURL != "" {
		if o, err := url.Parse(v.GCPEndpointURL); err == nil && strings.EqualFold(o.Scheme, u.Scheme) && strings.EqualFold(o.Host, u.Host) {
			return true
		}
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
	host = strings.ToLower(host)
	return strings.HasSuffix(host, ".googleapis.com")
}
