package server_test

import (
	"slices"
	"strings"
	"testing"
)

// selfRoutes act on the caller's own token: every role may call them
// (server.handleSelf).
var selfRoutes = []string{"POST /api/v1/me/token"}

// TestOpenAPIOperationsSayWhoMayCall: every operation's description says
// what it does and who may call it, and what it says is what the server
// enforces: no token on the public routes, any role on reads and on the
// routes about the caller's own token, owner or admin on every other write
// (the server refuses a viewer those with 403).
func TestOpenAPIOperationsSayWhoMayCall(t *testing.T) {
	e := newEnv(t)
	doc := openAPIDoc(t)
	public := e.server.PublicRoutes()
	n := 0
	for path, item := range obj(doc, "paths") {
		ops, _ := item.(map[string]any)
		for _, m := range httpMethods {
			op := obj(ops, m)
			if op == nil {
				continue
			}
			n++
			pattern := strings.ToUpper(m) + " " + path
			desc, _ := op["description"].(string)
			var want string
			switch {
			case slices.Contains(public, pattern) && strings.HasPrefix(path, "/api/v1/sources/"):
				want = "No token: the signature is the authentication."
			case slices.Contains(public, pattern):
				want = "No token needed"
			case (m == "get" && !slices.Contains(adminReads, pattern)) || slices.Contains(selfRoutes, pattern):
				want = "Any role"
			default:
				want = "Owner or admin (viewer: 403)"
			}
			if !strings.Contains(desc, want) {
				t.Errorf("%s: the description does not say %q: %q", pattern, want, desc)
			}
			// Beyond who may call it, a sentence of what it does.
			if len(strings.TrimSpace(strings.ReplaceAll(desc, want, ""))) < 20 {
				t.Errorf("%s: the description says only who may call it: %q", pattern, desc)
			}
		}
	}
	if n < 40 {
		t.Errorf("the description has %d operations; expected every route", n)
	}
}
