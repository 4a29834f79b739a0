package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Reads never act (issue 10, item 4): a GET of an event source never writes
// and never provisions. GET ?check=true (and ?refresh=true, its older name,
// which the provider's earlier releases send) asks the tool what it holds,
// read-only, for owner and admin tokens; a viewer's is refused before any
// call, because the check spends the organization's token. Repairing is
// POST .../refresh. The checks and their rate limit are
// service.EventSources.Observe; who may ask is decided here.

// checkRequested reports whether a GET asks for a read-only check.
func checkRequested(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("check") == "true" || q.Get("refresh") == "true"
}

// refuseViewerCheck is the 403 a viewer's GET ?check=true (or ?refresh=true)
// gets, before anything else happens. Refusing, rather than answering the
// recorded status as if it had been checked, keeps a viewer from taking a
// stale status for a fresh one.
func refuseViewerCheck(r *http.Request, p store.Principal) error {
	if p.Role == api.RoleOwner || p.Role == api.RoleAdmin || requestAllows(r, api.ResourceEventSource, api.ActionUpdate) {
		return nil
	}
	return forbidden("role %s may not check an event source's webhook with the tool (?check=true or ?refresh=true "+
		"spends the organization's token): GET without it answers the recorded status; an owner or admin can check, "+
		"and repair with POST /api/v1/canvases/%s/event-sources/%s/refresh", p.Role, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"))
}

// refreshEventSource is POST .../event-sources/{idOrName}/refresh: it
// provisions the hook of a github or semaphore source now (see
// service.EventSources.Refresh) and answers the outcome as an observation.
func (s *Server) refreshEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	src, err := s.eventSources.Refresh(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceToAPI(src))})
	return nil
}
