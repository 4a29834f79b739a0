// Package aws is an in-process fake of AWS STS for tests: the Query API
// (POST form, Action=GetCallerIdentity, AssumeRole,
// AssumeRoleWithWebIdentity, Version=2011-06-15) answered in STS's XML
// shapes, and its errors as STS's ErrorResponse (Type, Code, Message,
// RequestId) with STS's status codes.
//
// It checks what AWS checks: a signed request's SigV4 signature, recomputed
// with the AWS SDK's own signer from the secret key of the access key id it
// names (and the session token of temporary credentials); for web
// identity, the ID token's signature against its issuer's JWKS (fetched
// from the issuer's discovery document, as AWS does), its audience,
// expiry, and the role's trust in the issuer and subject. Any other path is
// a signed AWS service endpoint (a Lambda invoke, say) that answers 200 to
// a correctly signed request and records it.
package aws

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"sync"
	"time"
)

// maxBody bounds a request body the fake reads.
const maxBody = 1 << 20

// TB is what the fake needs of its user (a *testing.T).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// User is an IAM user with an access key.
type User struct {
	AccessKeyID, SecretAccessKey string
	Account                      string // 12 digits
	Name                         string // the user name in its ARN
}

// Role is an IAM role and its trust policy, reduced to what the fake
// checks.
type Role struct {
	ARN string
	// Issuer is the OIDC provider trusted for AssumeRoleWithWebIdentity
	// ("" trusts none); Audience its client id (sts.amazonaws.com);
	// Subject a StringLike pattern the token's sub must match ("*" any).
	Issuer, Audience, Subject string
	// Principals are the access key ids (of users or of sessions) allowed
	// to call AssumeRole; nil allows any authenticated caller of the
	// role's account.
	Principals []string
	// ExternalID, when set, must be sent by AssumeRole.
	ExternalID string
	// MaxSessionSeconds is the role's maximum session duration (default
	// 3600).
	MaxSessionSeconds int
}

// session is a set of temporary credentials the fake issued.
type session struct {
	secret, token string
	arn, account  string
	expires       time.Time
}

// Call is a request the fake accepted (or refused), for assertions.
type Call struct {
	Action      string // GetCallerIdentity, AssumeRole..., or "service" for a signed service request
	Service     string // the credential scope's service (sts, lambda)
	Region      string
	AccessKeyID string // "" for an unsigned request
	Path        string
	Body        string
	// Subject and Audience of a web identity token.
	Subject, Audience string
	ExternalID        string
	Duration          int
	Error             string // the error code answered, "" for success
}

// Server is a fake AWS on a loopback httptest server. It is safe for
// concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	users    map[string]User
	roles    map[string]Role
	sessions map[string]session
	calls    []Call
	// Now is the fake's clock for expiry and signature time checks.
	now func() time.Time
}

// New starts a fake AWS, closed when the test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{users: map[string]User{}, roles: map[string]Role{}, sessions: map[string]session{}, now: time.Now}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL (every AWS endpoint at once).
func (s *Server) URL() string { return s.srv.URL }

// AddUser adds an IAM user with an access key.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.AccessKeyID] = u
}

// AddRole adds a role.
func (s *Server) AddRole(r Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.MaxSessionSeconds == 0 {
		r.MaxSessionSeconds = 3600
	}
	s.roles[r.ARN] = r
}

// Calls returns the requests the fake answered, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// stsError is an error as STS answers it.
type stsError struct {
	status        int
	code, message string
}

func (e *stsError) Error() string { return e.code + ": " + e.message }

func senderError(status int, code, format string, args ...any) *stsError {
	return &stsError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// errorResponse is STS's error body.
type errorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID())
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *stsError) {
	var body errorResponse
	body.Error.Type, body.Error.Code, body.Error.Message = "Sender", e.code, e.message
	body.RequestID = requestID()
	writeXML(w, e.status, body)
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomString(prefix string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// serve dispatches: STS's Query API at "/", anything else is a signed
// service request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if path.Clean(r.URL.Path) != "/" || r.Method != http.MethodPost {
		s.serveService(w, r, body)
		return
	}
	s.serveSTS(w, r, body)
}
