package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Reads never act: reading an event source never writes and never
// provisions. A read-only check (GET ?check=true) asks the tool what it
// holds; Refresh repairs.

// HookObserveFailed is the observed state when the check itself could not
// be made (the tool's reason is in the observation's Reason).
const HookObserveFailed = "failed"

// DefaultHookCheckInterval is how often, at most, one source's hook is
// checked with the tool on behalf of readers.
const DefaultHookCheckInterval = 10 * time.Second

// maxHookCheckEntries bounds the memory of past checks; past it, entries
// older than the interval are dropped.
const maxHookCheckEntries = 10000

// HookObservation is what one read-only check found.
type HookObservation struct {
	State, Reason string
	At            time.Time
}

// hookCheckEntry is the last check of one source. checkedAt and updatedAt
// are the source's when it was checked: a provisioning or an update since
// makes the observation stale, so the next request checks again.
type hookCheckEntry struct {
	started              time.Time
	checkedAt, updatedAt time.Time
	obs                  HookObservation // zero while the first check is under way
}

// hookChecks rate-limits read-only checks per source. It lives in memory:
// each replica limits its own calls.
type hookChecks struct {
	mu      sync.Mutex
	entries map[string]*hookCheckEntry
}

// reserve decides whether a check of es may call the tool now, at most once
// every interval. When it may not, it returns the last observation (zero
// when another request is making the first one).
func (h *hookChecks) reserve(es store.EventSource, now time.Time, every time.Duration) (HookObservation, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.entries == nil {
		h.entries = map[string]*hookCheckEntry{}
	}
	e := h.entries[es.ID]
	if e != nil && every > 0 && now.Sub(e.started) < every &&
		e.checkedAt.Equal(es.HookCheckedAt) && e.updatedAt.Equal(es.UpdatedAt) {
		return e.obs, false
	}
	if len(h.entries) >= maxHookCheckEntries {
		for id, old := range h.entries {
			if now.Sub(old.started) >= every {
				delete(h.entries, id)
			}
		}
	}
	if e == nil || !e.checkedAt.Equal(es.HookCheckedAt) || !e.updatedAt.Equal(es.UpdatedAt) {
		e = &hookCheckEntry{}
		h.entries[es.ID] = e
	}
	e.started, e.checkedAt, e.updatedAt = now, es.HookCheckedAt, es.UpdatedAt
	return HookObservation{}, true
}

// record keeps obs as the last observation of es, unless a newer check
// took the slot meanwhile.
func (h *hookChecks) record(es store.EventSource, started time.Time, obs HookObservation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.entries[es.ID]; e != nil && e.started.Equal(started) {
		e.obs = obs
	}
}

// Observe checks es's hook with the tool, read-only: no write to the
// database, no change on the tool. It makes no call while the reconciler's
// backoff holds for the source, nor within CheckEvery of the last check
// (then it answers that check).
func (s *EventSources) Observe(ctx context.Context, es store.EventSource) HookObservation {
	now := s.Now()
	if es.HookState == hooks.StateFailed && now.Before(es.HookNextAttempt) {
		return HookObservation{Reason: "not checked: provisioning failed and is retried after " +
			es.HookNextAttempt.UTC().Format(time.RFC3339) + " (POST .../refresh retries now)"}
	}
	if last, ok := s.checks.reserve(es, now, s.CheckEvery); !ok {
		if last.State == "" {
			return HookObservation{Reason: "not checked: another request is checking this source's webhook"}
		}
		return last
	}
	ctx, cancel := context.WithTimeout(ctx, VerifyTimeout)
	defer cancel()
	res, err := s.Hooks.Check(ctx, es)
	obs := HookObservation{State: res.State, Reason: res.Reason, At: s.Now()}
	if err != nil {
		obs.State, obs.Reason = HookObserveFailed, "the check failed"
		var he *integration.HookError
		if errors.As(err, &he) {
			obs.Reason = he.Reason
		}
	}
	s.checks.record(es, now, obs)
	return obs
}

// Refresh provisions the hook of a github, semaphore, gitlab, bitbucket or
// azure_devops source now, repairing what was deleted or altered on the tool
// and writing the key to it again, and records the outcome in status, as
// the reconciler does. It ignores the reconciler's backoff: someone asked.
// The answer carries the outcome as an observation.
func (s *EventSources) Refresh(ctx context.Context, p store.Principal, canvasIDOrName, idOrName string) (Source, error) {
	c, err := s.Store.FindCanvas(ctx, p.Organization.ID, canvasIDOrName)
	if err != nil {
		return Source{}, err
	}
	es, err := s.Store.FindEventSource(ctx, p.Organization.ID, c.ID, idOrName)
	if err != nil {
		return Source{}, err
	}
	if !hooks.Needed(es.Type) {
		return Source{}, Invalid("event source %q is a %s source: only github, semaphore, gitlab, bitbucket, azure_devops and datadog sources have a webhook to refresh", es.Name, es.Type)
	}
	if es, err = s.Hooks.Provision(ctx, es, true); err != nil {
		return Source{}, err
	}
	obs := HookObservation{State: integration.HookOK, Reason: "ok", At: es.HookCheckedAt}
	if es.HookState == hooks.StateFailed {
		obs.State, obs.Reason = HookObserveFailed, es.HookReason
	}
	out := s.view(ctx, es)
	out.Observed = obs
	return out, nil
}
