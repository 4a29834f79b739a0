package azure

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

// assertionType is the only client_assertion_type Entra accepts.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// entraError is an error as the token endpoint answers it.
type entraError struct {
	status int
	code   string // error: invalid_client, invalid_request, ...
	aadsts int
	desc   string
}

func fail(status int, code string, aadsts int, format string, args ...any) *entraError {
	return &entraError{status: status, code: code, aadsts: aadsts, desc: fmt.Sprintf(format, args...)}
}

func writeEntraError(w http.ResponseWriter, e *entraError) {
	trace, corr := newGUID(), newGUID()
	now := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, e.status, map[string]any{
		"error": e.code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			e.aadsts, e.desc, trace, corr, now),
		"error_codes": []int{e.aadsts}, "timestamp": now, "trace_id": trace, "correlation_id": corr,
		"error_uri": fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.aadsts),
	})
}

// serveToken is Entra's v2.0 token endpoint, client credentials grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	call := Call{Kind: "token", Method: r.Method, Path: r.URL.Path, TenantID: tenant}
	defer func() { s.record(call) }()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	form, perr := url.ParseQuery(string(body))
	if err != nil || perr != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		e := fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		call.Error = fmt.Sprint("AADSTS", e.aadsts)
		writeEntraError(w, e)
		return
	}
	call.ClientID, call.Scope = form.Get("client_id"), form.Get("scope")
	e := s.token(tenant, form, &call)
	if e != nil {
		call.Error = fmt.Sprint("AADSTS", e.aadsts)
		writeEntraError(w, e)
		return
	}
	access, life := s.issue(tenant, call.ClientID, call.Scope)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(life.Seconds()), "ext_expires_in": int(life.Seconds()), "access_token": access,
	})
}

// token checks a token request as Entra does: nil when it passes.
func (s *Server) token(tenant string, form url.Values, call *Call) *entraError {
	if form.Get("grant_type") != "client_credentials" {
		return fail(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", form.Get("grant_type"))
	}
	if !s.knownTenant(tenant) {
		return fail(http.StatusBadRequest, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		return fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	scope := form.Get("scope")
	if scope == "" {
		return fail(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
	}
	if !strings.HasSuffix(scope, "/.default") {
		return fail(http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
	}
	app, ok := s.app(tenant, clientID)
	if !ok {
		return fail(http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)
	}
	secret, assertion := form.Get("client_secret"), form.Get("client_assertion")
	switch {
	case secret != "" && assertion != "":
		return fail(http.StatusBadRequest, "invalid_request", 7000219, "'client_assertion' or 'client_secret' is required, not both.")
	case secret != "":
		call.Credential = "secret"
		if app.Secret == "" || secret != app.Secret {
			return fail(http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)
		}
		return nil
	case assertion != "":
		call.Credential = "assertion"
		if form.Get("client_assertion_type") != assertionType {
			return fail(http.StatusBadRequest, "invalid_request", 7000217, "'client_assertion_type' must be '%s'.", assertionType)
		}
		return s.checkAssertion(app, assertion, call)
	default:
		return fail(http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
}

// checkAssertion verifies a federated client assertion: a federated
// credential of the app names its issuer, the signature verifies against
// the issuer's JWKS, it has not expired, and subject and audience match.
func (s *Server) checkAssertion(app App, raw string, call *Call) *entraError {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_client", 50027, "JWT token is invalid or malformed.")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return fail(http.StatusBadRequest, "invalid_client", 50027, "JWT token is invalid or malformed.")
	}
	call.Subject, call.Audience = unverified.Subject, strings.Join(unverified.Audience, ",")
	var byIssuer []Federated
	for _, f := range app.Federated {
		if f.Issuer == unverified.Issuer {
			byIssuer = append(byIssuer, f)
		}
	}
	if len(byIssuer) == 0 {
		return fail(http.StatusBadRequest, "invalid_client", 700211, "No matching federated identity record found for presented assertion issuer '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", unverified.Issuer)
	}
	keys, err := fetchJWKS(unverified.Issuer)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_client", 700223, "The signing key for the presented assertion could not be retrieved from the issuer '%s'.", unverified.Issuer)
	}
	var claims jwt.Claims
	if err := tok.Claims(keys, &claims); err != nil {
		return fail(http.StatusUnauthorized, "invalid_client", 50013, "Assertion failed signature validation.")
	}
	if claims.Expiry == nil || !s.now().Before(claims.Expiry.Time()) {
		return fail(http.StatusBadRequest, "invalid_client", 700024, "Client assertion is not within its valid time range.")
	}
	var bySubject []Federated
	for _, f := range byIssuer {
		if subjectMatches(f.Subject, claims.Subject) {
			bySubject = append(bySubject, f)
		}
	}
	if len(bySubject) == 0 {
		return fail(http.StatusBadRequest, "invalid_client", 700213, "No matching federated identity record found for presented assertion subject '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", claims.Subject)
	}
	for _, f := range bySubject {
		if claims.Audience.Contains(f.Audience) {
			return nil
		}
	}
	return fail(http.StatusBadRequest, "invalid_client", 700212, "No matching federated identity record found for presented assertion audience '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", strings.Join(claims.Audience, ","))
}

// fetchJWKS reads the issuer's discovery document and then its JWKS, as
// Entra does for a federated credential's issuer.
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
	return json.NewDecoder(resp.Body).Decode(v)
}

// subjectMatches compares a federated credential's subject with a token's:
// exactly, as Entra does, or (pattern ending in "*") by prefix, as a
// flexible federated identity credential's claims matching expression
// (claims['sub'] matches 'org:acme:*') does.
func subjectMatches(pattern, subject string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(subject, prefix)
	}
	return pattern == subject
}
