package github

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // GitHub still sends the legacy X-Hub-Signature (HMAC-SHA1) next to the SHA-256 one.
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Delivery is one webhook delivery the fake made: where it went and what
// the receiver answered (Status 0 and Error when it could not be sent).
type Delivery struct {
	ID     string // the X-GitHub-Delivery header
	HookID int64
	URL    string
	Event  string
	Status int
	Body   string
	Error  string
}

// deliveryClient sends the deliveries. GitHub gives a receiver 10 seconds.
var deliveryClient = &http.Client{Timeout: 10 * time.Second}

// Push delivers a push event for ref (refs/heads/main) with the head
// commit after to every active webhook of owner/repo that subscribes to
// push, as GitHub does when someone pushes, and returns the deliveries in
// hook order. The payload carries the fields a push event has (ref,
// before, after, repository, pusher, sender, head_commit, commits).
func (s *Server) Push(ownerLogin, repoName, ref, after string) []Delivery {
	s.mu.Lock()
	rp := s.repos[strings.ToLower(ownerLogin+"/"+repoName)]
	if rp == nil {
		s.mu.Unlock()
		s.t.Fatalf("fake github: Push: unknown repository %s/%s; call AddRepo first", ownerLogin, repoName)
		return nil
	}
	owner := map[string]any{"login": rp.owner.login, "id": rp.owner.id, "name": rp.owner.login}
	repository := map[string]any{
		"id": rp.id, "name": rp.name, "full_name": rp.fullName(), "private": false, "owner": owner,
		"html_url":       "https://github.com/" + rp.fullName(),
		"default_branch": "main",
	}
	s.mu.Unlock()

	now := time.Now().UTC().Format(time.RFC3339)
	commit := map[string]any{
		"id": after, "tree_id": after, "distinct": true, "message": "A change pushed to the fake", "timestamp": now,
		"author": map[string]any{"name": "demo", "email": "demo@example.com", "username": "demo"},
		"added":  []string{}, "removed": []string{}, "modified": []string{"README.md"},
	}
	payload := map[string]any{
		"ref": ref, "before": strings.Repeat("0", 40), "after": after,
		"created": false, "deleted": false, "forced": false,
		"base_ref": nil, "compare": "https://github.com/" + rp.fullName() + "/compare/" + after,
		"commits": []any{commit}, "head_commit": commit,
		"repository": repository,
		"pusher":     map[string]any{"name": "demo", "email": "demo@example.com"},
		"sender":     map[string]any{"login": "demo", "type": "User"},
	}
	return s.Deliver(ownerLogin, repoName, "push", payload)
}

// Deliver sends payload as an event of the given type (push, ping...) to
// every active webhook of owner/repo that subscribes to it (or to "*"),
// signed with each hook's secret the way GitHub signs: X-Hub-Signature-256
// is "sha256=" and the hex HMAC-SHA256 of the body under the secret, with
// X-GitHub-Event, X-GitHub-Delivery and X-GitHub-Hook-ID. A hook whose
// content type is "form" gets the JSON as the payload field of a form. It
// returns the deliveries in hook order; the fake's lock is not held while
// the receivers answer, so a receiver may call the fake back.
func (s *Server) Deliver(ownerLogin, repoName, event string, payload any) []Delivery {
	s.mu.Lock()
	rp := s.repos[strings.ToLower(ownerLogin+"/"+repoName)]
	if rp == nil {
		s.mu.Unlock()
		s.t.Fatalf("fake github: Deliver: unknown repository %s/%s; call AddRepo first", ownerLogin, repoName)
		return nil
	}
	var hooks []Hook
	for _, h := range rp.hooks {
		if h.Active && (slices.Contains(h.Events, event) || slices.Contains(h.Events, "*")) {
			hooks = append(hooks, h.Hook)
		}
	}
	repoID := rp.id
	s.mu.Unlock()

	raw, err := json.Marshal(payload)
	if err != nil {
		s.t.Fatalf("fake github: Deliver: payload is not JSON: %v", err)
		return nil
	}
	out := make([]Delivery, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, deliver(h, event, repoID, raw))
	}
	return out
}

// deliver makes one delivery of raw (a JSON document) to h.
func deliver(h Hook, event string, repoID int64, raw []byte) Delivery {
	d := Delivery{ID: newDeliveryID(), HookID: h.ID, URL: h.URL, Event: event}
	body, contentType := raw, "application/json"
	if h.ContentType == "form" {
		body, contentType = []byte(url.Values{"payload": {string(raw)}}.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-GitHub-Hook-ID", strconv.FormatInt(h.ID, 10))
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	req.Header.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(repoID, 10))
	if h.Secret != "" {
		sig256 := hmac.New(sha256.New, []byte(h.Secret))
		sig256.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(sig256.Sum(nil)))
		sig1 := hmac.New(sha1.New, []byte(h.Secret))
		sig1.Write(body)
		req.Header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(sig1.Sum(nil)))
	}
	resp, err := deliveryClient.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	d.Status, d.Body = resp.StatusCode, string(b)
	return d
}

// newDeliveryID returns a random UUID, the form of GitHub's delivery ids.
func newDeliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
