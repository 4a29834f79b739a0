package client

import (
	"context"
	"net/http"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Shared list reads.
//
// Terraform refreshes every resource of a configuration with one
// ReadResource call each, so a plan of 1,000 stages, sources and secrets
// used to cost 1,000 GETs (and their decoding, on both sides). ReadSecret,
// ReadEventSource and ReadStage instead fetch the list of the resource's
// type and scope (an organization's or a canvas's secrets, a canvas's
// sources or stages) the first time one of them is read, and answer the
// reads of that type and scope that follow from it.
//
// What keeps that correct:
//   - The lists live in the Client, and the provider makes a new Client each
//     time Terraform configures it: once per walk (plan, apply, import) of a
//     provider process Terraform starts per command. A plan therefore never
//     sees a list an earlier command fetched: what changed or went away
//     outside Terraform since then shows in it.
//   - Any request of this client other than a GET (a create, an update, a
//     delete, a key reset, an approval...) forgets every list once it has
//     been answered, and a list fetched while it was in flight is not kept:
//     a read that starts after a write never sees the list from before it.
//     Importing forgets them too (ForgetLists).
//   - An object missing from the list (created since, or left out of the
//     list by the server) is read with its own GET, and so is each object a
//     second time: a list entry is handed out once, so no two readers share
//     a decoded object.
//   - The first reads of a type and scope (Config.SharedListAfter, eight by
//     default) send their own GET: a list costs as much as its scope is
//     large, so a configuration managing three secrets of an organization
//     of 100,000 never lists them all; a large configuration pays eight
//     GETs and then one list.
//   - A list that fails (403 for a token that may read objects but not
//     list them, 5xx, a lost connection) is not kept: the reads fall back to
//     their own GETs, and the list is not asked for again until a write has
//     forgotten the failure.
//
// The list's objects are what the GET of each answers: this project's
// server builds both with the same function (see TestListEntriesAreTheirGet
// in internal/server).

// listKind names what a list holds.
type listKind string

const (
	listSecrets      listKind = "secrets"
	listEventSources listKind = "event sources"
	listStages       listKind = "stages"
)

// listKey is one type in one scope.
type listKey struct {
	kind  listKind
	scope string // "organization/<id>", "canvas/<id>" for secrets; the canvas as given otherwise
}

// listEntry is one fetched (or in-flight) list. done is closed once items
// and failed are set; after that, items is guarded by listReads.mu.
type listEntry struct {
	done   chan struct{}
	failed bool
	items  map[string]any    // object id -> *api.Secret, *api.EventSource or *api.Stage, removed once handed out
	names  map[string]string // object name -> id, built at the first lookup by name (listreads_names.go)
}

// listReads holds the lists of one Client.
type listReads struct {
	off     bool
	after   int // reads of a key sent as their own GET before its list
	mu      sync.Mutex
	entries map[listKey]*listEntry
	seen    map[listKey]int // reads of a key sent as their own GET so far
	// refreshed is set by the first refresh of a resource (take): the walk
	// is a plan's (or an import's), in which Terraform writes nothing, so
	// data sources may look objects up in the lists too (takeName).
	refreshed bool
}

func sharedListAfter(n int) int {
	switch {
	case n == 0:
		return DefaultSharedListAfter
	case n < 0:
		return 0
	}
	return n
}

// forget drops every list. A fetch in flight still answers the reads
// waiting for it (they began before the write was answered), but no later
// read: its entry is gone from the map.
func (l *listReads) forget() {
	l.mu.Lock()
	l.entries, l.seen = nil, nil
	l.mu.Unlock()
}

// ForgetLists drops the lists the reads of this client share, so that the
// next ReadSecret, ReadEventSource or ReadStage fetches afresh. Writes made
// through the client do this by themselves; the provider calls it on import.
func (c *Client) ForgetLists() { c.lists.forget() }

// forgetAfter is deferred by every request that is not a GET.
func (c *Client) forgetAfter(method string) {
	if method != http.MethodGet {
		c.lists.forget()
	}
}

// take returns the object id of the list key, fetching the list first
// when no read of this walk has; ok is false when the caller must GET the
// object itself (the list failed, or the object is not in it). Only the
// refreshes of resources call it.
func (l *listReads) take(ctx context.Context, key listKey, id string, fetch func(context.Context) (map[string]any, error)) (any, bool) {
	if l.off || id == "" {
		return nil, false
	}
	l.mu.Lock()
	l.refreshed = true
	l.mu.Unlock()
	e, ok := l.entry(ctx, key, fetch)
	if !ok {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return e.hand(id)
}

// entry returns the fetched list of key, fetching it when no read of this
// walk has; ok is false when the read must send its own GET (one of the
// first reads of the key, a failed list, a cancelled wait).
func (l *listReads) entry(ctx context.Context, key listKey, fetch func(context.Context) (map[string]any, error)) (*listEntry, bool) {
	l.mu.Lock()
	e, ok := l.entries[key]
	if !ok && l.seen[key] < l.after {
		if l.seen == nil {
			l.seen = map[listKey]int{}
		}
		l.seen[key]++
		l.mu.Unlock()
		return nil, false
	}
	if !ok {
		e = &listEntry{done: make(chan struct{})}
		if l.entries == nil {
			l.entries = map[listKey]*listEntry{}
		}
		l.entries[key] = e
		l.mu.Unlock()
		items, err := fetch(ctx)
		l.mu.Lock()
		e.items, e.failed = items, err != nil
		close(e.done)
	}
	l.mu.Unlock()

	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, false
	}
	return e, !e.failed
}

// hand returns the object id of a fetched list and removes it: no two
// readers share a decoded object. The caller holds listReads.mu.
func (e *listEntry) hand(id string) (any, bool) {
	obj, ok := e.items[id]
	if ok {
		delete(e.items, id)
	}
	return obj, ok
}

// ReadSecret is GetSecret for a resource's refresh: when the secret's
// domain was listed earlier in this walk (or is listed now, by the first
// such read), the secret comes from that list; see listreads.go. A secret
// the list does not hold is read with GetSecret.
func (c *Client) ReadSecret(ctx context.Context, domainType, domainID, id string) (*api.Secret, error) {
	if id == "" || c.lists.off {
		return c.GetSecret(ctx, domainType, domainID, id)
	}
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	key := listKey{kind: listSecrets, scope: dt + "/" + did}
	obj, ok := c.lists.take(ctx, key, id, func(ctx context.Context) (map[string]any, error) {
		return c.listAllSecrets(ctx, dt, did)
	})
	if s, isSecret := obj.(*api.Secret); ok && isSecret {
		return s, nil
	}
	return c.GetSecret(ctx, dt, did, id)
}

// maxListPages bounds how many pages of one list a read follows.
const maxListPages = 1000

// listAllSecrets lists every secret of a resolved domain by id. Without
// ?limit= this project's server and v1 answer the whole list at once; a
// server that pages anyway is followed through ?after= (bounded).
func (c *Client) listAllSecrets(ctx context.Context, dt, did string) (map[string]any, error) {
	items := map[string]any{}
	after := ""
	for range maxListPages {
		q := domainQuery(dt, did)
		if after != "" {
			q.Set("after", after)
		}
		var out api.ListSecretsResponse
		if _, err := c.do(ctx, request{op: "list secrets", method: http.MethodGet, path: "/api/v1/secrets", query: q}, &out); err != nil {
			return nil, err
		}
		for i := range out.Secrets {
			s := &out.Secrets[i]
			if s.Metadata != nil && s.Metadata.ID != "" {
				items[s.Metadata.ID] = s
			}
		}
		if out.Next == "" || out.Next == after {
			return items, nil
		}
		after = out.Next
	}
	return items, nil
}

// ReadEventSource is GetEventSource for a resource's refresh, answered
// from the list of the canvas's sources when it holds the source; see
// listreads.go. It never checks the hook on the tool (CheckEventSource
// does, with its own GET).
func (c *Client) ReadEventSource(ctx context.Context, canvas, id string) (*api.EventSource, error) {
	if canvas == "" || id == "" || c.lists.off {
		return c.GetEventSource(ctx, canvas, id)
	}
	key := listKey{kind: listEventSources, scope: canvas}
	obj, ok := c.lists.take(ctx, key, id, c.fetchEventSources(canvas))
	if es, isSource := obj.(*api.EventSource); ok && isSource {
		return es, nil
	}
	return c.GetEventSource(ctx, canvas, id)
}

// fetchEventSources lists the sources of a canvas by id.
func (c *Client) fetchEventSources(canvas string) func(context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		var out api.ListEventSourcesResponse
		if _, err := c.do(ctx, request{op: "list event sources", method: http.MethodGet, path: eventSourcesPath(canvas)}, &out); err != nil {
			return nil, err
		}
		items := make(map[string]any, len(out.EventSources))
		for i := range out.EventSources {
			if es, err := checkEventSource(&out.EventSources[i], "list event sources"); err == nil {
				items[es.Metadata.ID] = es
			}
		}
		return items, nil
	}
}

// ReadStage is GetStage for a resource's refresh, answered from the list
// of the canvas's stages (status included) when it holds the stage; see
// listreads.go.
func (c *Client) ReadStage(ctx context.Context, canvas, id string) (*api.Stage, error) {
	if canvas == "" || id == "" || c.lists.off {
		return c.GetStage(ctx, canvas, id)
	}
	key := listKey{kind: listStages, scope: canvas}
	obj, ok := c.lists.take(ctx, key, id, c.fetchStages(canvas))
	if st, isStage := obj.(*api.Stage); ok && isStage {
		return st, nil
	}
	return c.GetStage(ctx, canvas, id)
}

// fetchStages lists the stages of a canvas (status included) by id.
func (c *Client) fetchStages(canvas string) func(context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		var out api.ListStagesResponse
		if _, err := c.do(ctx, request{op: "list stages", method: http.MethodGet, path: stagesPath(canvas)}, &out); err != nil {
			return nil, err
		}
		items := make(map[string]any, len(out.Stages))
		for i := range out.Stages {
			if st, err := checkStage(&out.Stages[i], "list stages"); err == nil {
				items[st.Metadata.ID] = st
			}
		}
		return items, nil
	}
}
