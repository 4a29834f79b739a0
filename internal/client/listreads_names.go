package client

import (
	"context"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Data sources' lookups by name, from the shared lists.
//
// A data source names its object (superplane_stage's canvas and name), so
// the lookups below find it in the list of its type and scope that the
// refreshes of the walk share (listreads.go), by name, and fall back to the
// GET by name exactly where a refresh falls back to its GET: the object is
// not in the list (created since, or already handed out), the list failed,
// or it is one of the first reads of its scope. What else keeps them
// correct:
//   - They use a list only once a resource has been refreshed in the walk
//     (listReads.refreshed): a plan's or an import's walk, in which
//     Terraform writes nothing. In an apply's walk no resource is refreshed,
//     so every data source read there (one deferred until what it depends
//     on was created or changed) sends its own GET and sees what the apply
//     wrote, through this provider, another provider configuration, or a
//     provisioner alike. Every write through this client forgets the lists
//     besides (listreads.go).
//   - A name that is an id (a canonical UUID, which the GET path would take
//     as an id) is always its own GET.
//   - A name two entries of a list share (a server that lists a stale copy)
//     is its own GET.

// takeName is take for a lookup by name: the object of the list of key
// whose name is name, when a resource has been refreshed in this walk.
func (l *listReads) takeName(ctx context.Context, key listKey, name string, fetch func(context.Context) (map[string]any, error)) (any, bool) {
	if l.off || name == "" || api.IsCanonicalID(name) {
		return nil, false
	}
	l.mu.Lock()
	refreshed := l.refreshed
	l.mu.Unlock()
	if !refreshed {
		return nil, false
	}
	e, ok := l.entry(ctx, key, fetch)
	if !ok {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.names == nil {
		e.names = make(map[string]string, len(e.items))
		for id, obj := range e.items {
			n := objectName(obj)
			if _, dup := e.names[n]; dup {
				e.names[n] = "" // ambiguous: its own GET
				continue
			}
			e.names[n] = id
		}
	}
	id := e.names[name]
	if id == "" {
		return nil, false
	}
	return e.hand(id)
}

// objectName is the name of a listed object.
func objectName(obj any) string {
	switch o := obj.(type) {
	case *api.Secret:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	case *api.EventSource:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	case *api.Stage:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	case *api.Integration:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	case *api.ConnectionGroup:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	case *api.Canvas:
		if o.Metadata != nil {
			return o.Metadata.Name
		}
	}
	return ""
}

// LookupSecret is GetSecret for a data source, by name: answered from the
// list of the secret's domain when a refresh of this walk shares it (see
// listreads_names.go).
func (c *Client) LookupSecret(ctx context.Context, domainType, domainID, name string) (*api.Secret, error) {
	if c.lists.off {
		return c.GetSecret(ctx, domainType, domainID, name)
	}
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	obj, ok := c.lists.takeName(ctx, listKey{kind: listSecrets, scope: dt + "/" + did}, name, func(ctx context.Context) (map[string]any, error) {
		return c.listAllSecrets(ctx, dt, did)
	})
	if s, isSecret := obj.(*api.Secret); ok && isSecret {
		return s, nil
	}
	return c.GetSecret(ctx, dt, did, name)
}

// LookupEventSource is GetEventSource for a data source, by name.
func (c *Client) LookupEventSource(ctx context.Context, canvas, name string) (*api.EventSource, error) {
	if canvas != "" && !c.lists.off {
		obj, ok := c.lists.takeName(ctx, listKey{kind: listEventSources, scope: canvas}, name, c.fetchEventSources(canvas))
		if es, isSource := obj.(*api.EventSource); ok && isSource {
			return es, nil
		}
	}
	return c.GetEventSource(ctx, canvas, name)
}

// LookupStage is GetStage for a data source, by name.
func (c *Client) LookupStage(ctx context.Context, canvas, name string) (*api.Stage, error) {
	if canvas != "" && !c.lists.off {
		obj, ok := c.lists.takeName(ctx, listKey{kind: listStages, scope: canvas}, name, c.fetchStages(canvas))
		if st, isStage := obj.(*api.Stage); ok && isStage {
			return st, nil
		}
	}
	return c.GetStage(ctx, canvas, name)
}

// LookupIntegration is GetIntegration for a data source, by name.
func (c *Client) LookupIntegration(ctx context.Context, domainType, domainID, name string) (*api.Integration, error) {
	if c.lists.off {
		return c.GetIntegration(ctx, domainType, domainID, name)
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	obj, ok := c.lists.takeName(ctx, listKey{kind: listIntegrations, scope: dt + "/" + did}, name, c.fetchIntegrations(dt, did))
	if in, isIntegration := obj.(*api.Integration); ok && isIntegration {
		return in, nil
	}
	return c.GetIntegration(ctx, dt, did, name)
}

// LookupConnectionGroup is GetConnectionGroup for a data source, by name.
func (c *Client) LookupConnectionGroup(ctx context.Context, canvas, name string) (*api.ConnectionGroup, error) {
	if canvas != "" && !c.lists.off {
		obj, ok := c.lists.takeName(ctx, listKey{kind: listConnectionGroups, scope: canvas}, name, c.fetchConnectionGroups(canvas))
		if g, isGroup := obj.(*api.ConnectionGroup); ok && isGroup {
			return g, nil
		}
	}
	return c.GetConnectionGroup(ctx, canvas, name)
}

// LookupCanvas is GetCanvas for a data source, by name (an id is its own
// GET).
func (c *Client) LookupCanvas(ctx context.Context, name string) (*api.Canvas, error) {
	if !c.lists.off {
		obj, ok := c.lists.takeName(ctx, listKey{kind: listCanvases}, name, c.fetchCanvases)
		if cv, isCanvas := obj.(*api.Canvas); ok && isCanvas {
			c.canvasIDs.Store(cv.Metadata.Name, cv.Metadata.ID)
			return cv, nil
		}
	}
	return c.GetCanvas(ctx, name)
}
