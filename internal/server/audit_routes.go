package server

import "strings"

// auditRoute is what a route's records say it does: the action, the type
// of object it acts on, and the path parameters naming the object and its
// canvas.
type auditRoute struct {
	action      string
	objectType  string
	objectParam string
	canvasParam string
	// tokenSelf: the route acts on the caller's own token.
	tokenSelf bool
}

// auditObjectTypes spells the object type of a path's collection where
// cutting the plural "s" does not.
var auditObjectTypes = map[string]string{
	"canvases": "canvas",
	"events":   "event",
}

// deriveAuditRoute reads a route's pattern: ".../{coll}" with POST is
// create, ".../{coll}/{param}" is update (PATCH, PUT) or delete (DELETE),
// ".../{coll}/{param}/verb" is the verb on the object (a last segment in
// the plural, ".../{canvas}/stages", is a collection, not a verb). So a route added
// later is recorded sensibly without a table to keep; tests pin the
// routes that exist.
func deriveAuditRoute(pattern string) auditRoute {
	method, path, _ := strings.Cut(pattern, " ")
	if path == "/api/v1/me/token" {
		return auditRoute{action: "regenerate", objectType: "token", tokenSelf: true}
	}
	if path == "/api/v1/users/{userId}/sessions" {
		// A user signed out everywhere: the object is the user.
		return auditRoute{action: "revoke_sessions", objectType: "user", objectParam: "userId"}
	}
	if strings.HasSuffix(path, "/users/remove") {
		// A group's member removed: the object is the body's user.
		return auditRoute{action: "remove", objectType: "user"}
	}
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "/api/v1"), "/"), "/")
	var rt auditRoute
	for _, seg := range segs {
		if seg == "{canvasIdOrName}" {
			rt.canvasParam = "canvasIdOrName"
		}
	}
	isParam := func(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }
	param := func(s string) string { return strings.Trim(s, "{}") }
	n := len(segs)
	last := segs[n-1]
	switch {
	case isParam(last) && n >= 2:
		rt.objectType, rt.objectParam = auditObjectType(segs, n-2), param(last)
		rt.action = map[string]string{"PATCH": "update", "PUT": "update", "DELETE": "delete"}[method]
	case n >= 3 && isParam(segs[n-2]) && !strings.HasSuffix(last, "s"):
		rt.objectType, rt.objectParam = auditObjectType(segs, n-3), param(segs[n-2])
		rt.action = strings.ReplaceAll(last, "-", "_")
	default:
		rt.objectType = auditObjectType(segs, n-1)
		rt.action = map[string]string{"POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}[method]
	}
	if rt.action == "" {
		rt.action = strings.ToLower(method)
	}
	if rt.objectType == "canvas" && rt.objectParam != "" {
		rt.canvasParam = ""
	}
	return rt
}

// auditObjectType is the object type of the collection segs[i]: singular,
// snake case; events under a stage are its stage events.
func auditObjectType(segs []string, i int) string {
	coll := segs[i]
	if coll == "events" && i >= 2 && segs[i-2] == "stages" {
		return "stage_event"
	}
	t, ok := auditObjectTypes[coll]
	if !ok {
		t = strings.TrimSuffix(coll, "s")
	}
	return strings.ReplaceAll(t, "-", "_")
}
