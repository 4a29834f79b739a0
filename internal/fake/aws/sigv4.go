package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// caller is whom a signed request authenticates.
type caller struct {
	accessKeyID, account, arn, userID string
	// fromRole is true for a role session: AssumeRole from it is role
	// chaining (capped at one hour).
	fromRole        bool
	service, region string
}

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	accessKeyID, date, region, service string
	signedHeaders, signature           string
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/date/region/
// service/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, bool) {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return authorization{}, false
	}
	var a authorization
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, false
		}
		switch k {
		case "Credential":
			scope := strings.Split(v, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" {
				return authorization{}, false
			}
			a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.signedHeaders = v
		case "Signature":
			a.signature = v
		}
	}
	return a, a.accessKeyID != "" && a.signature != "" && a.signedHeaders != ""
}

// authenticate checks a request's SigV4 signature as AWS does and returns
// its caller: the access key must exist (with its session token, for
// temporary credentials), the time must be within 15 minutes, and the
// signature must be what the AWS SDK's signer computes from the secret key
// over the request's signed headers and body.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *stsError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return caller{}, senderError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	a, ok := parseAuthorization(auth)
	if !ok {
		return caller{}, senderError(http.StatusBadRequest, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	now := s.now()
	var c caller
	var creds sdkaws.Credentials
	s.mu.Lock()
	u, isUser := s.users[a.accessKeyID]
	sess, isSession := s.sessions[a.accessKeyID]
	s.mu.Unlock()
	switch {
	case isUser:
		creds = sdkaws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
		c = caller{accessKeyID: u.AccessKeyID, account: u.Account, arn: "arn:aws:iam::" + u.Account + ":user/" + u.Name, userID: u.AccessKeyID}
	case isSession:
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Amz-Security-Token")), []byte(sess.token)) != 1 {
			return caller{}, senderError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		}
		if !now.Before(sess.expires) {
			return caller{}, senderError(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
		}
		creds = sdkaws.Credentials{AccessKeyID: a.accessKeyID, SecretAccessKey: sess.secret, SessionToken: sess.token}
		c = caller{accessKeyID: a.accessKeyID, account: sess.account, arn: sess.arn, userID: a.accessKeyID, fromRole: true}
	default:
		return caller{}, senderError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return caller{}, senderError(http.StatusBadRequest, "IncompleteSignature", "Date must be in ISO-8601 'basic format'. Got '%s'.", r.Header.Get("X-Amz-Date"))
	}
	if d := now.Sub(signedAt); d > 15*time.Minute || d < -15*time.Minute {
		return caller{}, senderError(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			signedAt.Format("20060102T150405Z"), now.Add(-15*time.Minute).UTC().Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))
	}
	if a.date != signedAt.Format("20060102") {
		return caller{}, senderError(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid date.")
	}
	want, wantHeaders, err := recompute(r, body, a, creds, signedAt)
	if err != nil || wantHeaders != a.signedHeaders ||
		subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return caller{}, senderError(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	c.service, c.region = a.service, a.region
	return c, nil
}

// recompute signs a copy of r holding only the headers r says it signed,
// with the SDK's signer, and returns that signature and its signed headers.
func recompute(r *http.Request, body []byte, a authorization, creds sdkaws.Credentials, signedAt time.Time) (sig, headers string, err error) {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	cp, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	cp.Host = r.Host
	for h := range strings.SplitSeq(a.signedHeaders, ";") {
		if h == "host" {
			continue
		}
		if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			cp.Header[http.CanonicalHeaderKey(h)] = vs
		}
	}
	cp.ContentLength = r.ContentLength
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, cp, hex.EncodeToString(sum[:]), a.service, a.region, signedAt); err != nil {
		return "", "", err
	}
	got, ok := parseAuthorization(cp.Header.Get("Authorization"))
	if !ok {
		return "", "", errSign
	}
	return got.signature, got.signedHeaders, nil
}

var errSign = errors.New("the signer made no Authorization header")

// serveService answers a signed request to an AWS service other than STS
// (a Lambda invoke, say): 200 with a small JSON body when its signature
// checks, STS-style errors otherwise.
func (s *Server) serveService(w http.ResponseWriter, r *http.Request, body []byte) {
	c, e := s.authenticate(r, body)
	call := Call{Action: "service", Path: r.URL.Path, Body: string(body), Service: c.service, Region: c.region, AccessKeyID: c.accessKeyID}
	if e != nil {
		call.Error = e.code
		s.record(call)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte(`{"message":"` + e.message + `"}`))
		return
	}
	s.record(call)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"StatusCode":200,"caller":"` + c.arn + `"}`))
}
