package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Reads never act (issue 10, item 4): a GET of an event source never writes
// and never provisions. GET ?check=true (and ?refresh=true, its older name,
// which the provider's earlier releases send) asks the tool what it holds,
// read-only, for owner and admin tokens; a viewer's is refused before any
// call, because the check spends the organization's token. Repairing is
// POST .../refresh.

// hookObserveFailed is the observed state when the check itself could not
// be made (the tool's reason is in ObservedReason).
const hookObserveFailed = "failed"

// defaultHookCheckInterval is how often, at most, one source's hook is
// checked with the tool on behalf of readers.
const defaultHookCheckInterval = 10 * time.Second

// maxHookCheckEntries bounds the memory of past checks; past it, entries
// older than the interval are dropped.
const maxHookCheckEntries = 10000

// WithHookCheckInterval sets how often, at most, GET ?check=true asks the
// tool about one source's hook (default 10 s); a request within the
// interval answers the last observation. 0 checks on every request (tests).
func WithHookCheckInterval(d time.Duration) Option {
	return func(s *Server) { s.hookChecks.every = d }
}

// hookObservation is what one read-only check found.
type hookObservation struct {
	state, reason string
	at            time.Time
}

// hookCheckEntry is the last check of one source. checkedAt and updatedAt
// are the source's when it was checked: a provisioning or an update since
// makes the observation stale, so the next request checks again.
type hookCheckEntry struct {
	started              time.Time
	checkedAt, updatedAt time.Time
	obs                  hookObservation // zero while the first check is under way
}

// hookChecks rate-limits read-only checks per source. It lives in memory:
// each replica limits its own calls.
type hookChecks struct {
	every   time.Duration
	mu      sync.Mutex
	entries map[string]*hookCheckEntry
}

// reserve decides whether a check of es may call the tool now. When it may
// not, it returns the last observation (zero when another request is
// making the first one).
func (h *hookChecks) reserve(es store.EventSource, now time.Time) (hookObservation, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.entries == nil {
		h.entries = map[string]*hookCheckEntry{}
	}
	e := h.entries[es.ID]
	if e != nil && h.every > 0 && now.Sub(e.started) < h.every &&
		e.checkedAt.Equal(es.HookCheckedAt) && e.updatedAt.Equal(es.UpdatedAt) {
		return e.obs, false
	}
	if len(h.entries) >= maxHookCheckEntries {
		for id, old := range h.entries {
			if now.Sub(old.started) >= h.every {
				delete(h.entries, id)
			}
		}
	}
	if e == nil || !e.checkedAt.Equal(es.HookCheckedAt) || !e.updatedAt.Equal(es.UpdatedAt) {
		e = &hookCheckEntry{}
		h.entries[es.ID] = e
	}
	e.started, e.checkedAt, e.updatedAt = now, es.HookCheckedAt, es.UpdatedAt
	return hookObservation{}, true
}

// record keeps obs as the last observation of es, unless a newer check
// took the slot meanwhile.
func (h *hookChecks) record(es store.EventSource, started time.Time, obs hookObservation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.entries[es.ID]; e != nil && e.started.Equal(started) {
		e.obs = obs
	}
}

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
	if p.Role == api.RoleOwner || p.Role == api.RoleAdmin {
		return nil
	}
	return forbidden("role %s may not check an event source's webhook with the tool (?check=true or ?refresh=true "+
		"spends the organization's token): GET without it answers the recorded status; an owner or admin can check, "+
		"and repair with POST /api/v1/canvases/%s/event-sources/%s/refresh", p.Role, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"))
}

// observeHook checks es's hook with the tool, read-only: no write to the
// database, no change on the tool. It makes no call while the reconciler's
// backoff holds for the source, nor within the check interval of the last
// check (then it answers that check).
func (s *Server) observeHook(ctx context.Context, es store.EventSource) hookObservation {
	now := s.now()
	if es.HookState == hooks.StateFailed && now.Before(es.HookNextAttempt) {
		return hookObservation{reason: "not checked: provisioning failed and is retried after " +
			es.HookNextAttempt.UTC().Format(time.RFC3339) + " (POST .../refresh retries now)"}
	}
	if last, ok := s.hookChecks.reserve(es, now); !ok {
		if last.state == "" {
			return hookObservation{reason: "not checked: another request is checking this source's webhook"}
		}
		return last
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	res, err := s.hooks.Check(ctx, es)
	obs := hookObservation{state: res.State, reason: res.Reason, at: s.now()}
	if err != nil {
		obs.state, obs.reason = hookObserveFailed, "the check failed"
		var he *integration.HookError
		if errors.As(err, &he) {
			obs.reason = he.Reason
		}
	}
	s.hookChecks.record(es, now, obs)
	return obs
}

// sourceObserved is sourceToAPI with obs in status.webhook.
func (s *Server) sourceObserved(ctx context.Context, es store.EventSource, obs hookObservation) api.EventSource {
	out := s.sourceToAPI(ctx, es)
	if wh := out.Status.Webhook; wh != nil {
		wh.Observed, wh.ObservedReason = obs.state, obs.reason
		if !obs.at.IsZero() {
			t := obs.at
			wh.ObservedAt = &t
		}
	}
	return out
}

// refreshEventSource is POST .../event-sources/{idOrName}/refresh: it
// provisions the hook of a github or semaphore source now, repairing what
// was deleted or altered on the tool and writing the key to it again, and
// records the outcome in status, as the reconciler does. It ignores the
// reconciler's backoff: someone asked.
func (s *Server) refreshEventSource(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.canvasOf(r.Context(), p, r)
	if err != nil {
		return err
	}
	es, err := s.store.FindEventSource(r.Context(), p.Organization.ID, c.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	if !hooks.Needed(es.Type) {
		return invalid("event source %q is a %s source: only github and semaphore sources have a webhook to refresh", es.Name, es.Type)
	}
	if es, err = s.hooks.Provision(r.Context(), es, true); err != nil {
		return err
	}
	obs := hookObservation{state: integration.HookOK, reason: "ok", at: es.HookCheckedAt}
	if es.HookState == hooks.StateFailed {
		obs.state, obs.reason = hookObserveFailed, es.HookReason
	}
	writeJSON(w, http.StatusOK, api.EventSourceResponse{EventSource: ptr(s.sourceObserved(r.Context(), es, obs))})
	return nil
}
