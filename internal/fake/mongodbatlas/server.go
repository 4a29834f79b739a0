// Package mongodbatlas is an in-process fake of MongoDB Atlas for tests,
// following Atlas's documented requests, answers and error JSON
// ({"detail","error","errorCode","parameters","reason"}):
//
//   - every Admin API route (/api/atlas/v2/...) authenticates a request
//     with HTTP Digest (RFC 7616) for a programmatic API key, as Atlas
//     does: a request without credentials is answered 401 with
//     WWW-Authenticate: Digest realm="MMS Public API", a fresh nonce,
//     algorithm=MD5 and qop="auth"; an answer is accepted when its nonce
//     was issued (and not used before with its nc), its uri is the
//     request's, qop is auth with a cnonce, and its response is the MD5
//     of the key's public and private halves, the nonce, nc, cnonce and
//     method:uri. Or with a bearer token of a service account, issued by
//     POST /api/oauth/token (client credentials grant, the client id and
//     secret as HTTP Basic credentials; invalid_client otherwise).
//   - the Admin API asks for its versioned media type
//     (Accept: application/vnd.atlas.<date>+json); another is 406.
//   - GET /api/atlas/v2/orgs/{orgId}: the organization, for credentials of
//     that organization.
//   - GET and PATCH /api/atlas/v2/groups/{groupId}/clusters/{name}: a
//     cluster of a project of the credentials' organization; PATCH takes
//     {"paused": bool} and refuses any attribute it does not know
//     (INVALID_ATTRIBUTE), as Atlas does.
package mongodbatlas

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Realm is the realm of the fake's digest challenges, Atlas's.
const Realm = "MMS Public API"

// TB is what the fake needs of its user (a *testing.T).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Call is a request the fake answered, for assertions.
type Call struct {
	Method, Path string
	// Identity is the public key or client id that authenticated it, ""
	// when none did.
	Identity string
	// Auth is "digest", "bearer", "basic" (the token endpoint) or "".
	Auth string
	Body string
	// Status is what the fake answered.
	Status int
}

// Cluster is a cluster as the fake keeps it.
type Cluster struct {
	GroupID, Name string
	Paused        bool
}

type credential struct {
	secret, org string
}

// Server is a fake MongoDB Atlas on a loopback httptest server. It is safe
// for concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	keys     map[string]credential // API keys by public key
	accounts map[string]credential // service accounts by client id
	orgs     map[string]string     // organization names by id
	groups   map[string]string     // project id -> organization id
	clusters map[string]*Cluster   // "group/name"
	nonces   map[string][]string   // issued nonces -> the nc values used
	tokens   map[string]grant
	calls    []Call
}

type grant struct {
	clientID string
	expires  time.Time
}

// New starts a fake Atlas, stopped when t's test ends.
func New(t TB) *Server {
	t.Helper()
	s := &Server{
		keys: map[string]credential{}, accounts: map[string]credential{}, orgs: map[string]string{},
		groups: map[string]string{}, clusters: map[string]*Cluster{}, nonces: map[string][]string{}, tokens: map[string]grant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/oauth/token", s.token)
	mux.HandleFunc("GET /api/atlas/v2/orgs/{org}", s.admin(s.getOrg))
	mux.HandleFunc("GET /api/atlas/v2/groups/{group}/clusters/{name}", s.admin(s.getCluster))
	mux.HandleFunc("PATCH /api/atlas/v2/groups/{group}/clusters/{name}", s.admin(s.patchCluster))
	mux.HandleFunc("/api/atlas/v2/", s.admin(func(w http.ResponseWriter, _ *http.Request, _ string, _ []byte) int {
		return writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "Cannot find resource.")
	}))
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL, standing for https://cloud.mongodb.com.
func (s *Server) URL() string { return s.srv.URL }

// AddOrganization adds an organization.
func (s *Server) AddOrganization(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs[id] = name
}

// AddAPIKey adds a programmatic API key of organization org.
func (s *Server) AddAPIKey(publicKey, privateKey, org string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[publicKey] = credential{secret: privateKey, org: org}
}

// AddServiceAccount adds a service account of organization org.
func (s *Server) AddServiceAccount(clientID, secret, org string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[clientID] = credential{secret: secret, org: org}
}

// RevokeAPIKey removes an API key (a rotated one).
func (s *Server) RevokeAPIKey(publicKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, publicKey)
}

// AddCluster adds a running cluster called name to project group of
// organization org.
func (s *Server) AddCluster(org, group, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[group] = org
	s.clusters[group+"/"+name] = &Cluster{GroupID: group, Name: name}
}

// Cluster returns the cluster as it is now.
func (s *Server) Cluster(group, name string) Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clusters[group+"/"+name]; ok {
		return *c
	}
	return Cluster{}
}

// Calls returns the requests the fake answered, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// token serves POST /api/oauth/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	s.mu.Lock()
	defer s.mu.Unlock()
	call := Call{Method: r.Method, Path: r.URL.Path, Auth: "basic"}
	defer func() { s.calls = append(s.calls, call) }()
	oauthError := func(status int, code, desc string) {
		call.Status = status
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret, ok := r.BasicAuth()
	acct, known := s.accounts[id]
	if !ok || !known || acct.secret != secret {
		oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
		return
	}
	call.Identity = id
	tok := "eyJfake." + randomHex(24)
	s.tokens[tok] = grant{clientID: id, expires: time.Now().Add(time.Hour)}
	call.Status = http.StatusOK
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

// admin wraps an Admin API handler: the versioned Accept header, then
// digest or bearer authentication; h gets the organization of the
// credentials and the body, and returns the status it wrote.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, string, []byte) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		defer s.mu.Unlock()
		call := Call{Method: r.Method, Path: r.URL.Path, Body: string(body)}
		defer func() { s.calls = append(s.calls, call) }()
		identity, auth, org, ok := s.authenticateLocked(r)
		call.Identity, call.Auth = identity, auth
		if !ok {
			nonce := randomHex(16)
			s.nonces[nonce] = nil
			w.Header().Set("WWW-Authenticate", `Digest realm="`+Realm+`", domain="", nonce="`+nonce+`", algorithm=MD5, qop="auth", stale=false`)
			call.Status = writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "You are not authorized for this resource.")
			return
		}
		if !strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.atlas.") {
			call.Status = writeError(w, http.StatusNotAcceptable, "INVALID_ACCEPT_HEADER", "Accept must name a version: application/vnd.atlas.YYYY-MM-DD+json.")
			return
		}
		call.Status = h(w, r, org, body)
	}
}

// authenticateLocked checks r's Authorization: a digest answer or a
// bearer token. It returns who it is and their organization.
func (s *Server) authenticateLocked(r *http.Request) (identity, auth, org string, ok bool) {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		g, found := s.tokens[strings.TrimSpace(rest)]
		if !found || time.Now().After(g.expires) {
			return "", "bearer", "", false
		}
		acct, known := s.accounts[g.clientID]
		return g.clientID, "bearer", acct.org, known
	case strings.EqualFold(scheme, "Digest"):
		p := params(rest)
		key, known := s.keys[p["username"]]
		if !known || !s.digestValidLocked(r, p, key.secret) {
			return p["username"], "digest", "", false
		}
		return p["username"], "digest", key.org, true
	}
	return "", "", "", false
}

// digestValidLocked checks a digest answer against RFC 7616 with MD5 and
// qop=auth, the nonce issued by the fake and its nc not seen before.
func (s *Server) digestValidLocked(r *http.Request, p map[string]string, secret string) bool {
	used, issued := s.nonces[p["nonce"]]
	switch {
	case !issued, p["realm"] != Realm, p["uri"] != r.URL.RequestURI(), p["qop"] != "auth",
		p["cnonce"] == "", p["nc"] == "", slices.Contains(used, p["nc"]),
		p["algorithm"] != "" && !strings.EqualFold(p["algorithm"], "MD5"):
		return false
	}
	ha1 := md5hex(p["username"] + ":" + Realm + ":" + secret)
	ha2 := md5hex(r.Method + ":" + p["uri"])
	want := md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	if p["response"] != want {
		return false
	}
	s.nonces[p["nonce"]] = append(used, p["nc"])
	return true
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, org string, _ []byte) int {
	id := r.PathValue("org")
	name, ok := s.orgs[id]
	if !ok || id != org {
		return writeError(w, http.StatusUnauthorized, "USER_CANNOT_ACCESS_ORG", "The current user does not have access to the organization "+id+".")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": name, "isDeleted": false,
		"links": []map[string]string{{"href": s.srv.URL + r.URL.Path, "rel": "self"}}})
}

func (s *Server) clusterFor(w http.ResponseWriter, r *http.Request, org string) (*Cluster, int) {
	group := r.PathValue("group")
	if s.groups[group] != org {
		return nil, writeError(w, http.StatusUnauthorized, "USER_CANNOT_ACCESS_GROUP", "The current user cannot access the project "+group+".")
	}
	c, ok := s.clusters[group+"/"+r.PathValue("name")]
	if !ok {
		return nil, writeError(w, http.StatusNotFound, "CLUSTER_NOT_FOUND", "No cluster named "+r.PathValue("name")+" exists in group "+group+".")
	}
	return c, 0
}

func (s *Server) getCluster(w http.ResponseWriter, r *http.Request, org string, _ []byte) int {
	c, status := s.clusterFor(w, r, org)
	if c == nil {
		return status
	}
	return writeJSON(w, http.StatusOK, clusterJSON(c))
}

func (s *Server) patchCluster(w http.ResponseWriter, r *http.Request, org string, body []byte) int {
	c, status := s.clusterFor(w, r, org)
	if c == nil {
		return status
	}
	var in map[string]json.RawMessage
	if json.Unmarshal(body, &in) != nil {
		return writeError(w, http.StatusBadRequest, "INVALID_JSON", "Received JSON is malformed.")
	}
	for k, v := range in {
		if k != "paused" {
			return writeError(w, http.StatusBadRequest, "INVALID_ATTRIBUTE", "Invalid attribute "+k+" specified.")
		}
		if json.Unmarshal(v, &c.Paused) != nil {
			return writeError(w, http.StatusBadRequest, "INVALID_JSON_ATTRIBUTE", "Received JSON for the paused attribute does not match expected format.")
		}
	}
	return writeJSON(w, http.StatusOK, clusterJSON(c))
}

func clusterJSON(c *Cluster) map[string]any {
	return map[string]any{"groupId": c.GroupID, "name": c.Name, "paused": c.Paused, "stateName": "IDLE"}
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}

func writeError(w http.ResponseWriter, status int, code, detail string) int {
	return writeJSON(w, status, map[string]any{"detail": detail, "error": status, "errorCode": code, "parameters": []string{}, "reason": http.StatusText(status)})
}

// params parses digest auth-params (name=token or name="quoted").
func params(s string) map[string]string {
	out := map[string]string{}
	for _, part := range splitParams(s) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		out[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return out
}

// splitParams splits at commas outside quotes.
func splitParams(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// BasicCredential is an HTTP Basic Authorization value, for tests that
// call the token endpoint themselves.
func BasicCredential(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}
