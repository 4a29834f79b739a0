package gcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google/externalaccount"
	"golang.org/x/oauth2/jwt"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Google's endpoints, as Google documents them.
const (
	// defaultTokenURI is a service account key's token_uri.
	defaultTokenURI = "https://oauth2.googleapis.com/token"
	stsURL          = "https://sts.googleapis.com/v1/token"
	iamCredsURL     = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
	crmURL          = "https://cloudresourcemanager.googleapis.com/v3/projects/"
	// jwtTokenType is the subject token type of an OIDC ID token.
	jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
)

// Settings decodes an integration's settings (api.GCPIntegration as JSON)
// and checks them with the API's rules.
func Settings(raw []byte) (api.GCPIntegration, error) {
	var s api.GCPIntegration
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, errors.New("the gcp settings cannot be read")
	}
	// Stored settings name the secret's key only (the secret is the
	// integration's, by id); give the rule a name to check.
	check := s
	if k := s.ServiceAccountKey; k != nil && k.ValueFrom != nil && k.ValueFrom.Secret != nil {
		ref := *k.ValueFrom.Secret
		ref.Name = "secret"
		check.ServiceAccountKey = &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &ref}}
	}
	if err := api.ValidateGCPIntegration("spec.gcp", &check); err != nil {
		return s, err
	}
	return s, nil
}

// SecretKey is the key of the integration's secret that holds the service
// account's JSON key ("" for workload identity).
func SecretKey(s api.GCPIntegration) string {
	if k := s.ServiceAccountKey; k != nil && k.ValueFrom != nil && k.ValueFrom.Secret != nil {
		return k.ValueFrom.Secret.Key
	}
	return ""
}

// googleError is a failed Google call in words a user can act on: the
// call, Google's own error (status and message, or OAuth's error and
// description), or why Google could not be reached.
type googleError struct{ reason string }

func (e *googleError) Error() string { return e.reason }

func failed(reason string) error { return &googleError{reason: reason} }

// keyFile is the part of a service account's JSON key file used here.
type keyFile struct {
	Type         string `json:"type"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// parseKey reads the key file in c's secret; its errors never quote it.
func parseKey(s api.GCPIntegration, c integration.CloudCredentials) (keyFile, error) {
	name := SecretKey(s)
	raw, ok := c.Secret[name]
	if !ok {
		return keyFile{}, failed("key " + name + " (the service account key) is missing from the secret")
	}
	var k keyFile
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return keyFile{}, failed("the service account key in the secret is not a JSON key file")
	}
	switch {
	case k.Type != "service_account":
		return keyFile{}, failed(`the service account key in the secret is not a service account key file: its type is not "service_account"`)
	case k.ClientEmail == "" || k.PrivateKey == "":
		return keyFile{}, failed("the service account key in the secret has no client_email or no private_key")
	}
	if k.TokenURI == "" {
		k.TokenURI = defaultTokenURI
	}
	u, err := url.Parse(k.TokenURI)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return keyFile{}, failed("the service account key's token_uri is not an https URL")
	}
	return k, nil
}

// endpoint is a Google URL, or the same path at v's endpoint override.
func endpoint(v *integration.Verifier, googleURL string) string {
	if v.GCPEndpointURL == "" {
		return googleURL
	}
	u, err := url.Parse(googleURL)
	if err != nil {
		return googleURL
	}
	return strings.TrimSuffix(v.GCPEndpointURL, "/") + u.EscapedPath()
}

// tracer remembers the last request a token flow made and how it ended,
// so that a failure names the Google service that answered it (the
// library's errors do not) and a refusal of the guard stays recognisable.
type tracer struct {
	next http.RoundTripper
	mu   sync.Mutex
	url  *url.URL
	err  error
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	t.mu.Lock()
	t.url, t.err = req.URL, err
	t.mu.Unlock()
	return resp, err
}

func (t *tracer) last() (*url.URL, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.url, t.err
}

// client is v's guarded client, traced.
func client(v *integration.Verifier) (*http.Client, *tracer) {
	hc := v.HTTPClient()
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport // unreachable: the guarded client always has its transport
	}
	tr := &tracer{next: next}
	hc.Transport = tr
	return hc, tr
}

// identity is who an access token is for: a service account's email, or
// the federated principal.
type identity string

// accessToken runs the flow s describes for scopes: the JWT bearer grant
// with the key in c's secret, or the STS token exchange of an ID token of
// this server (and generateAccessToken when s impersonates).
func accessToken(ctx context.Context, v *integration.Verifier, s api.GCPIntegration, c integration.CloudCredentials, scopes []string) (*oauth2.Token, identity, error) {
	if len(scopes) == 0 {
		scopes = []string{api.GCPDefaultScope}
	}
	hc, tr := client(v)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	switch {
	case s.ServiceAccountKey != nil:
		k, err := parseKey(s, c)
		if err != nil {
			return nil, "", err
		}
		cfg := &jwt.Config{
			Email: k.ClientEmail, PrivateKey: []byte(k.PrivateKey), PrivateKeyID: k.PrivateKeyID,
			Scopes: scopes, TokenURL: endpoint(v, k.TokenURI), Audience: k.TokenURI,
		}
		tok, err := cfg.TokenSource(ctx).Token()
		if err != nil {
			return nil, "", describe(tr, err)
		}
		return tok, identity(k.ClientEmail), nil
	case s.WorkloadIdentity != nil:
		w := s.WorkloadIdentity
		if c.IDToken == nil {
			return nil, "", failed("this server cannot issue ID tokens for workload identity federation")
		}
		cfg := externalaccount.Config{
			Audience: w.Audience, SubjectTokenType: jwtTokenType, TokenURL: endpoint(v, stsURL), Scopes: scopes,
			SubjectTokenSupplier: supplier{mint: c.IDToken, audience: api.GCPTokenAudience(w.Audience)},
		}
		who := identity(principal(w.Audience, c.Subject))
		if w.ServiceAccount != "" {
			cfg.ServiceAccountImpersonationURL = endpoint(v, iamCredsURL+url.PathEscape(w.ServiceAccount)+":generateAccessToken")
			who = identity(w.ServiceAccount)
		}
		ts, err := externalaccount.NewTokenSource(ctx, cfg)
		if err != nil {
			return nil, "", failed("workload identity federation: " + integration.RemoteText(err.Error()))
		}
		tok, err := ts.Token()
		if err != nil {
			var se *mintError
			if errors.As(err, &se) {
				return nil, "", failed("cannot issue an ID token: " + integration.RemoteText(se.err.Error()))
			}
			return nil, "", describe(tr, err)
		}
		return tok, who, nil
	}
	return nil, "", failed("spec.gcp has neither serviceAccountKey nor workloadIdentity")
}

// principal is the federated identity Google sees for subject, as IAM
// names it: principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/subject/SUB.
func principal(audience, subject string) string {
	pool, _, _ := strings.Cut(strings.TrimPrefix(audience, "//iam.googleapis.com/"), "/providers/")
	return "principal://iam.googleapis.com/" + pool + "/subject/" + subject
}

// supplier gives the STS exchange an ID token of this server.
type supplier struct {
	mint     func(ctx context.Context, audience string) (string, error)
	audience string
}

// mintError is the issuer's failure, told apart from Google's.
type mintError struct{ err error }

func (e *mintError) Error() string { return "cannot issue an ID token: " + e.err.Error() }

func (p supplier) SubjectToken(ctx context.Context, _ externalaccount.SupplierOptions) (string, error) {
	tok, err := p.mint(ctx, p.audience)
	if err != nil {
		return "", &mintError{err: err}
	}
	return tok, nil
}

// service names the Google service behind u, for messages.
func service(u *url.URL) string {
	switch {
	case u == nil:
		return "Google"
	case strings.HasSuffix(u.Path, ":generateAccessToken"):
		return "Google IAM Credentials generateAccessToken"
	case u.Path == "/v1/token":
		return "Google STS token exchange"
	case strings.HasPrefix(u.Path, "/v3/projects/"):
		return "Google Cloud Resource Manager"
	}
	return "Google OAuth token endpoint"
}

// describe makes a token flow's err fit for a Reason: the service that
// answered last and Google's own error, or why it could not be reached.
func describe(tr *tracer, err error) error {
	u, transportErr := tr.last()
	name := service(u)
	if transportErr != nil {
		return failed(integration.Unreachable(name, transportErr))
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if msg, ok := googleMessage(re.Body); ok {
			return failed(name + ": " + msg)
		}
	}
	// The library quotes the response body after "status code N: ".
	if i := strings.Index(err.Error(), "{"); i >= 0 {
		if msg, ok := googleMessage([]byte(err.Error()[i:])); ok {
			return failed(name + ": " + msg)
		}
	}
	return failed(name + ": " + integration.RemoteText(err.Error()))
}

// googleMessage reads Google's error JSON: an API error
// ({"error":{"code":403,"message":"…","status":"PERMISSION_DENIED"}}) or an
// OAuth one ({"error":"invalid_grant","error_description":"…"}).
func googleMessage(body []byte) (string, bool) {
	var e struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Error) == 0 {
		return "", false
	}
	var code string
	if json.Unmarshal(e.Error, &code) == nil {
		return integration.RemoteText(code) + ": " + integration.MessageOr(e.Description, "no description"), true
	}
	var apiErr struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
	if json.Unmarshal(e.Error, &apiErr) != nil {
		return "", false
	}
	return integration.MessageOr(apiErr.Status, "error") + ": " + integration.MessageOr(apiErr.Message, "no message"), true
}
