package aws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials     credentialsXML  `xml:"Credentials"`
		AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type assumeRoleWithWebIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithWebIdentityResponse"`
	Result  struct {
		Credentials                 credentialsXML  `xml:"Credentials"`
		SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
		AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
		Provider                    string          `xml:"Provider"`
		Audience                    string          `xml:"Audience"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// serveSTS answers the Query API. Only AssumeRoleWithWebIdentity is
// unsigned, as in AWS.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, senderError(http.StatusBadRequest, "MalformedQueryString", "the body is not a form"))
		return
	}
	action := form.Get("Action")
	call := Call{Action: action, Path: "/", Body: string(body)}
	fail := func(e *stsError) {
		call.Error = e.code
		s.record(call)
		writeError(w, e)
	}
	if form.Get("Version") != "2011-06-15" {
		fail(senderError(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, form.Get("Version")))
		return
	}
	if action == "AssumeRoleWithWebIdentity" {
		out, sub, aud, e := s.assumeRoleWithWebIdentity(form)
		call.Subject, call.Audience = sub, aud
		if e != nil {
			fail(e)
			return
		}
		s.record(call)
		writeXML(w, http.StatusOK, out)
		return
	}
	c, e := s.authenticate(r, body)
	call.AccessKeyID, call.Service, call.Region = c.accessKeyID, c.service, c.region
	if e != nil {
		fail(e)
		return
	}
	if c.service != "sts" {
		fail(senderError(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'."))
		return
	}
	switch action {
	case "GetCallerIdentity":
		var out getCallerIdentityResponse
		out.Result.Arn, out.Result.UserID, out.Result.Account = c.arn, c.userID, c.account
		out.Metadata.RequestID = requestID()
		s.record(call)
		writeXML(w, http.StatusOK, out)
	case "AssumeRole":
		call.ExternalID = form.Get("ExternalId")
		call.Duration, _ = strconv.Atoi(form.Get("DurationSeconds"))
		out, e := s.assumeRole(c, form)
		if e != nil {
			fail(e)
			return
		}
		s.record(call)
		writeXML(w, http.StatusOK, out)
	default:
		fail(senderError(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version 2011-06-15", action))
	}
}

// roleFor checks the role parameters every AssumeRole* shares.
func (s *Server) roleFor(form url.Values) (Role, int, *stsError) {
	arn, name := form.Get("RoleArn"), form.Get("RoleSessionName")
	if arn == "" {
		return Role{}, 0, senderError(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter RoleArn.")
	}
	if !sessionNamePattern.MatchString(name) {
		return Role{}, 0, senderError(http.StatusBadRequest, "ValidationError",
			"1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", name)
	}
	duration := 3600
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 {
			return Role{}, 0, senderError(http.StatusBadRequest, "ValidationError",
				"1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", d)
		}
		duration = n
	}
	s.mu.Lock()
	role, ok := s.roles[arn]
	s.mu.Unlock()
	if !ok {
		return Role{}, 0, nil
	}
	if duration > role.MaxSessionSeconds {
		return Role{}, 0, senderError(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return role, duration, nil
}

// issue makes a session of role for sessionName.
func (s *Server) issue(role Role, sessionName string, duration int) (credentialsXML, assumedRoleUser) {
	account := strings.Split(role.ARN, ":")[4]
	roleName := path.Base(role.ARN)
	sess := session{
		secret: randomString("", 40), token: randomString("FwoGZXIvYXdzE", 120),
		arn: "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + sessionName, account: account,
		expires: s.now().Add(time.Duration(duration) * time.Second),
	}
	id := randomString("ASIA", 16)
	s.mu.Lock()
	s.sessions[id] = sess
	s.mu.Unlock()
	return credentialsXML{AccessKeyID: id, SecretAccessKey: sess.secret, SessionToken: sess.token, Expiration: sess.expires.UTC().Format(time.RFC3339)},
		assumedRoleUser{Arn: sess.arn, AssumedRoleID: randomString("AROA", 17) + ":" + sessionName}
}

func (s *Server) assumeRole(c caller, form url.Values) (assumeRoleResponse, *stsError) {
	var out assumeRoleResponse
	denied := senderError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.arn, form.Get("RoleArn"))
	role, duration, e := s.roleFor(form)
	if e != nil {
		return out, e
	}
	if role.ARN == "" {
		return out, denied
	}
	if c.fromRole && duration > 3600 {
		return out, senderError(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	allowed := role.Principals == nil && strings.Split(role.ARN, ":")[4] == c.account
	for _, p := range role.Principals {
		allowed = allowed || p == c.accessKeyID || p == c.arn
	}
	if !allowed || (role.ExternalID != "" && form.Get("ExternalId") != role.ExternalID) {
		return out, denied
	}
	out.Result.Credentials, out.Result.AssumedRoleUser = s.issue(role, form.Get("RoleSessionName"), duration)
	out.Metadata.RequestID = requestID()
	return out, nil
}

// assumeRoleWithWebIdentity verifies the ID token as AWS does and returns
// the session, and the token's subject and audience for the record.
func (s *Server) assumeRoleWithWebIdentity(form url.Values) (assumeRoleWithWebIdentityResponse, string, string, *stsError) {
	var out assumeRoleWithWebIdentityResponse
	raw := form.Get("WebIdentityToken")
	if raw == "" {
		return out, "", "", senderError(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter WebIdentityToken.")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return out, "", "", senderError(http.StatusBadRequest, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return out, "", "", senderError(http.StatusBadRequest, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.")
	}
	sub, aud := unverified.Subject, strings.Join(unverified.Audience, ",")
	role, duration, e := s.roleFor(form)
	if e != nil {
		return out, sub, aud, e
	}
	if role.ARN == "" || role.Issuer == "" || role.Issuer != unverified.Issuer {
		return out, sub, aud, senderError(http.StatusBadRequest, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", unverified.Issuer)
	}
	keys, err := fetchJWKS(role.Issuer)
	if err != nil {
		return out, sub, aud, senderError(http.StatusBadRequest, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	var claims jwt.Claims
	if err := tok.Claims(keys, &claims); err != nil {
		return out, sub, aud, senderError(http.StatusBadRequest, "InvalidIdentityToken", "The ID token provided has an invalid signature")
	}
	now := s.now()
	if claims.Expiry == nil || !now.Before(claims.Expiry.Time()) {
		exp := "none"
		if claims.Expiry != nil {
			exp = claims.Expiry.Time().UTC().Format(time.RFC3339)
		}
		return out, sub, aud, senderError(http.StatusBadRequest, "ExpiredTokenException", "Token expired: current date/time %s must be before the expiration date/time %s", now.UTC().Format(time.RFC3339), exp)
	}
	if !claims.Audience.Contains(role.Audience) {
		return out, sub, aud, senderError(http.StatusBadRequest, "InvalidIdentityToken", "Incorrect token audience")
	}
	if !stringLike(role.Subject, claims.Subject) {
		return out, sub, aud, senderError(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	out.Result.Credentials, out.Result.AssumedRoleUser = s.issue(role, form.Get("RoleSessionName"), duration)
	out.Result.SubjectFromWebIdentityToken, out.Result.Audience = claims.Subject, role.Audience
	out.Result.Provider = strings.TrimPrefix(strings.TrimPrefix(role.Issuer, "https://"), "http://")
	out.Metadata.RequestID = requestID()
	return out, sub, aud, nil
}

// fetchJWKS reads the issuer's discovery document and then its JWKS, as
// AWS does for an OIDC provider.
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

// stringLike matches IAM's StringLike: * any run of characters, ? one.
func stringLike(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}
