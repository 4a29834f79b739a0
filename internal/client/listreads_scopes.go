package client

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Shared list reads of integrations, connection groups and canvases, with
// the rules of listreads.go: a refresh of many of them costs a list per
// scope (an organization's or a canvas's integrations, a canvas's groups,
// the token's canvases), not a GET each. This project's server builds a
// list's entries and each GET with the same function (integrationToAPI,
// groupToAPI, canvasToAPI; TestListEntriesAreTheirGet in internal/server).

const (
	listIntegrations     listKind = "integrations"
	listConnectionGroups listKind = "connection groups"
	listCanvases         listKind = "canvases"
)

// ReadIntegration is GetIntegration for a resource's refresh, answered from
// the list of the integration's domain when it holds the integration.
func (c *Client) ReadIntegration(ctx context.Context, domainType, domainID, id string) (*api.Integration, error) {
	if id == "" || c.lists.off {
		return c.GetIntegration(ctx, domainType, domainID, id)
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	key := listKey{kind: listIntegrations, scope: dt + "/" + did}
	obj, ok := c.lists.take(ctx, key, id, c.fetchIntegrations(dt, did))
	if in, isIntegration := obj.(*api.Integration); ok && isIntegration {
		return in, nil
	}
	return c.GetIntegration(ctx, dt, did, id)
}

// fetchIntegrations lists the integrations of a resolved domain by id.
func (c *Client) fetchIntegrations(dt, did string) func(context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		var out api.ListIntegrationsResponse
		r := request{op: "list integrations", method: http.MethodGet, path: "/api/v1/integrations", query: domainQuery(dt, did)}
		if _, err := c.do(ctx, r, &out); err != nil {
			return nil, err
		}
		items := make(map[string]any, len(out.Integrations))
		for i := range out.Integrations {
			if in, err := checkIntegration(&api.IntegrationResponse{Integration: &out.Integrations[i]}, r.op); err == nil {
				items[in.Metadata.ID] = in
			}
		}
		return items, nil
	}
}

// ReadConnectionGroup is GetConnectionGroup for a resource's refresh,
// answered from the list of the canvas's groups when it holds the group.
func (c *Client) ReadConnectionGroup(ctx context.Context, canvas, id string) (*api.ConnectionGroup, error) {
	if canvas == "" || id == "" || c.lists.off {
		return c.GetConnectionGroup(ctx, canvas, id)
	}
	key := listKey{kind: listConnectionGroups, scope: canvas}
	obj, ok := c.lists.take(ctx, key, id, c.fetchConnectionGroups(canvas))
	if g, isGroup := obj.(*api.ConnectionGroup); ok && isGroup {
		return g, nil
	}
	return c.GetConnectionGroup(ctx, canvas, id)
}

// fetchConnectionGroups lists the groups of a canvas by id.
func (c *Client) fetchConnectionGroups(canvas string) func(context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		var out api.ListConnectionGroupsResponse
		if _, err := c.do(ctx, request{op: "list connection groups", method: http.MethodGet, path: groupsPath(canvas)}, &out); err != nil {
			return nil, err
		}
		items := make(map[string]any, len(out.ConnectionGroups))
		for i := range out.ConnectionGroups {
			if g, err := checkGroup(&out.ConnectionGroups[i], "list connection groups"); err == nil {
				items[g.Metadata.ID] = g
			}
		}
		return items, nil
	}
}

// ReadCanvas is GetCanvas by id for a resource's refresh, answered from the
// list of the canvases the token sees when it holds the canvas. A name (an
// import's) is read with GetCanvas, which checks the answer is that name's.
func (c *Client) ReadCanvas(ctx context.Context, id string) (*api.Canvas, error) {
	if !api.IsCanonicalID(id) || c.lists.off {
		return c.GetCanvas(ctx, id)
	}
	key := listKey{kind: listCanvases}
	obj, ok := c.lists.take(ctx, key, id, c.fetchCanvases)
	if cv, isCanvas := obj.(*api.Canvas); ok && isCanvas {
		c.canvasIDs.Store(cv.Metadata.Name, cv.Metadata.ID)
		return cv, nil
	}
	return c.GetCanvas(ctx, id)
}

// fetchCanvases lists the canvases the token sees by id.
func (c *Client) fetchCanvases(ctx context.Context) (map[string]any, error) {
	var out api.ListCanvasesResponse
	if _, err := c.do(ctx, request{op: "list canvases", method: http.MethodGet, path: "/api/v1/canvases"}, &out); err != nil {
		return nil, err
	}
	items := make(map[string]any, len(out.Canvases))
	for i := range out.Canvases {
		if cv, err := checkCanvas(&api.CanvasResponse{Canvas: &out.Canvases[i]}, "list canvases"); err == nil {
			items[cv.Metadata.ID] = cv
		}
	}
	return items, nil
}
