package gcp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Grant and token types of Google's token endpoints.
const (
	jwtBearerGrant     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	jwtTokenType       = "urn:ietf:params:oauth:token-type:jwt"
	accessTokenType    = "urn:ietf:params:oauth:token-type:access_token"
)

// readForm reads r's form body, bounded.
func readForm(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(string(body))
}

// serveOAuth is the OAuth token endpoint's JWT bearer grant (a service
// account key's token_uri).
func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	c := Call{Service: "oauth2", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(c) }()
	// Google answers every refusal of a grant with 400.
	fail := func(errCode, desc string) {
		c.Error = errCode
		oauthError(w, http.StatusBadRequest, errCode, desc)
	}
	form, err := readForm(r)
	if err != nil {
		fail("invalid_request", "Invalid request body")
		return
	}
	if gt := form.Get("grant_type"); gt != jwtBearerGrant {
		fail("unsupported_grant_type", "Invalid grant_type: "+gt)
		return
	}
	tok, err := jwt.ParseSigned(form.Get("assertion"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 {
		fail("invalid_grant", "Invalid JWT: Token must be a JWT.")
		return
	}
	var unverified struct {
		jwt.Claims
		Scope string `json:"scope"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		fail("invalid_grant", "Invalid JWT: Token must be a JWT.")
		return
	}
	c.Identity, c.Scopes = unverified.Issuer, strings.Fields(unverified.Scope)
	s.mu.Lock()
	known := s.accounts[unverified.Issuer]
	key, found := s.keys[tok.Headers[0].KeyID]
	s.mu.Unlock()
	if !known {
		fail("invalid_grant", "Invalid grant: account not found")
		return
	}
	if !found || key.email != unverified.Issuer {
		fail("invalid_grant", "Invalid JWT Signature.")
		return
	}
	var claims struct {
		jwt.Claims
		Scope string `json:"scope"`
	}
	if err := tok.Claims(key.pub, &claims); err != nil {
		fail("invalid_grant", "Invalid JWT Signature.")
		return
	}
	now := s.now()
	if claims.IssuedAt == nil || claims.Expiry == nil || claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > time.Hour ||
		!now.Before(claims.Expiry.Time()) || now.Add(5*time.Minute).Before(claims.IssuedAt.Time()) {
		fail("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
		return
	}
	if !claims.Audience.Contains(TokenURI) {
		fail("invalid_grant", "Invalid JWT: Failed audience check. The right audience is "+TokenURI)
		return
	}
	if claims.Scope == "" {
		fail("invalid_scope", "Empty or missing scope not allowed.")
		return
	}
	access, _ := s.issue(claims.Issuer, strings.Fields(claims.Scope))
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": 3599, "token_type": "Bearer"})
}

// serveSTS is STS's token exchange of an OIDC ID token.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	c := Call{Service: "sts", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(c) }()
	// Google answers every refusal of a grant with 400.
	fail := func(errCode, desc string) {
		c.Error = errCode
		oauthError(w, http.StatusBadRequest, errCode, desc)
	}
	form, err := readForm(r)
	if err != nil {
		fail("invalid_request", "Invalid request body")
		return
	}
	c.Scopes = strings.Fields(form.Get("scope"))
	switch {
	case form.Get("grant_type") != tokenExchangeGrant:
		fail("unsupported_grant_type", "Invalid value for \"grant_type\".")
		return
	case form.Get("subject_token_type") != jwtTokenType:
		fail("invalid_request", "Invalid value for \"subject_token_type\". Supported values are [urn:ietf:params:oauth:token-type:jwt, urn:ietf:params:oauth:token-type:id_token, urn:ietf:params:aws:token-type:aws4_request, urn:ietf:params:oauth:token-type:saml2].")
		return
	case form.Get("requested_token_type") != accessTokenType:
		fail("invalid_request", "Invalid value for \"requested_token_type\".")
		return
	}
	s.mu.Lock()
	p, ok := s.providers[form.Get("audience")]
	s.mu.Unlock()
	if !ok {
		fail("invalid_target", `The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.`)
		return
	}
	tok, err := jwt.ParseSigned(form.Get("subject_token"), []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		fail("invalid_grant", "Invalid subject token: the token is not a JWT.")
		return
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		fail("invalid_grant", "Invalid subject token: the token is not a JWT.")
		return
	}
	c.Subject, c.Audience = unverified.Subject, strings.Join(unverified.Audience, ",")
	if unverified.Issuer != p.Issuer {
		fail("invalid_grant", fmt.Sprintf("The issuer in ID Token %s does not match the expected ones: %s.", unverified.Issuer, p.Issuer))
		return
	}
	keys, err := fetchJWKS(p.Issuer)
	if err != nil {
		fail("invalid_grant", "Failed to fetch public keys from the issuer's JWKS endpoint.")
		return
	}
	var claims jwt.Claims
	if err := tok.Claims(keys, &claims); err != nil {
		fail("invalid_grant", "Invalid JWT signature.")
		return
	}
	if claims.Expiry == nil || !s.now().Before(claims.Expiry.Time()) {
		fail("invalid_grant", "ID Token has expired.")
		return
	}
	audOK := false
	for _, a := range p.AllowedAudiences {
		audOK = audOK || claims.Audience.Contains(a)
	}
	if !audOK {
		fail("invalid_grant", fmt.Sprintf("The audience in ID Token [%s] does not match the expected audience %s.", strings.Join(claims.Audience, ","), strings.Join(p.AllowedAudiences, ",")))
		return
	}
	if p.Subject != "" && !like(p.Subject, claims.Subject) {
		fail("unauthorized_client", "The given credential is rejected by the attribute condition.")
		return
	}
	pool, _, _ := strings.Cut(strings.TrimPrefix(p.Name, "//iam.googleapis.com/"), "/providers/")
	c.Identity = "principal://iam.googleapis.com/" + pool + "/subject/" + claims.Subject
	access, _ := s.issue(c.Identity, c.Scopes)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "issued_token_type": accessTokenType, "token_type": "Bearer", "expires_in": 3600})
}

// serveGenerateAccessToken is IAM Credentials' generateAccessToken.
func (s *Server) serveGenerateAccessToken(w http.ResponseWriter, r *http.Request) {
	c := Call{Service: "iamcredentials", Method: r.Method, Path: r.URL.Path}
	defer func() { s.record(c) }()
	email, ok := strings.CutSuffix(r.PathValue("name"), ":generateAccessToken")
	if !ok {
		c.Error = "NOT_FOUND"
		apiError(w, http.StatusNotFound, c.Error, "Method not found.")
		return
	}
	g, ok := s.bearer(r)
	if !ok {
		c.Error = "UNAUTHENTICATED"
		apiError(w, http.StatusUnauthorized, c.Error, unauthenticated)
		return
	}
	c.Identity = g.identity
	var body struct {
		Scope    []string `json:"scope"`
		Lifetime string   `json:"lifetime"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err := json.Unmarshal(raw, &body); err != nil || len(body.Scope) == 0 {
		c.Error = "INVALID_ARGUMENT"
		apiError(w, http.StatusBadRequest, c.Error, "Request contains an invalid argument.")
		return
	}
	c.Scopes = body.Scope
	s.mu.Lock()
	exists := s.accounts[email]
	allowed := member(s.impersonators[email], g.identity)
	s.mu.Unlock()
	if !exists || !allowed {
		c.Error = "PERMISSION_DENIED"
		apiError(w, http.StatusForbidden, c.Error, "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
		return
	}
	access, exp := s.issue(email, body.Scope)
	writeJSON(w, http.StatusOK, map[string]any{"accessToken": access, "expireTime": exp.UTC().Format(time.RFC3339)})
}

// fetchJWKS reads the issuer's discovery document and then its JWKS, as
// Google does for an OIDC provider without uploaded keys.
func fetchJWKS(issuer string) (*jose.JSONWebKeySet, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(client, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return nil, err
	}
	if doc.Issuer != issuer || doc.JWKSURI == "" {
		return nil, fmt.Errorf("discovery names issuer %q, want %q", doc.Issuer, issuer)
	}
	var set jose.JSONWebKeySet
	if err := getJSON(client, doc.JWKSURI, &set); err != nil {
		return nil, err
	}
	return &set, nil
}

func getJSON(client *http.Client, u string, v any) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(v)
}
