package executor

import (
	"net/http"
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// An http executor POSTs its payload with stageId and executionId added,
// unless spec.method names the method: then the payload is sent as it is
// written (PUT, PATCH, POST) or not at all (GET, DELETE). A resource API
// such as Atlas's refuses attributes it does not know, so a PATCH that
// pauses a cluster must carry {"paused": true} and nothing else.

// httpMethods are the methods spec.method may name.
var httpMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// checkHTTPMethod checks the optional spec.method of an http executor.
func checkHTTPMethod(c *integration.SpecCheck) {
	v, ok := c.Spec["method"]
	if !ok {
		return
	}
	s, isString := v.(string)
	if !isString || !slices.Contains(httpMethods, s) {
		c.Fail("spec.method must be one of GET, POST, PUT, PATCH or DELETE")
	}
}

// methodOf is spec.method and whether the spec names one (else POST).
func methodOf(spec map[string]any) (string, bool) {
	if s := integration.SpecString(spec, "method"); s != "" {
		return s, true
	}
	return http.MethodPost, false
}

// hasBody reports whether a request of method carries the payload.
func hasBody(method string) bool {
	return method != http.MethodGet && method != http.MethodDelete
}
