package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// ConnectionGroupParams is what a caller sets on a connection group: its
// metadata and its whole spec (create and update both send all of it).
type ConnectionGroupParams struct {
	// Name is the group's name, unique in its canvas; on update the new
	// name, or the current one.
	Name        string
	Description string
	// Spec is the group's connections, groupBy fields, timeout (seconds; 0
	// for the server's default) and timeout behaviour.
	Spec api.ConnectionGroupSpec
}

func (p ConnectionGroupParams) request() api.ConnectionGroupRequest {
	spec := p.Spec
	return api.ConnectionGroupRequest{ConnectionGroup: &api.ConnectionGroup{
		Metadata: &api.ConnectionGroupMetadata{Name: p.Name, Description: p.Description},
		Spec:     &spec,
	}}
}

// groupsPath is the collection of a canvas's connection groups.
func groupsPath(canvas string) string {
	return "/api/v1/canvases/" + url.PathEscape(canvas) + "/connection-groups"
}

func groupPath(canvas, idOrName string) string {
	return groupsPath(canvas) + "/" + url.PathEscape(idOrName)
}

// ListConnectionGroups returns the connection groups of a canvas (id or
// name). A missing canvas satisfies IsNotFound.
func (c *Client) ListConnectionGroups(ctx context.Context, canvas string) ([]api.ConnectionGroup, error) {
	if canvas == "" {
		return nil, errors.New("list connection groups: a canvas id or name is required")
	}
	var out api.ListConnectionGroupsResponse
	if _, err := c.do(ctx, request{op: "list connection groups", method: http.MethodGet, path: groupsPath(canvas)}, &out); err != nil {
		return nil, err
	}
	if out.ConnectionGroups == nil {
		out.ConnectionGroups = []api.ConnectionGroup{}
	}
	return out.ConnectionGroups, nil
}

// CreateConnectionGroup creates a connection group in a canvas (id or
// name). The server checks the whole spec and answers 400 naming the
// field. A taken name satisfies IsConflict, except when a retry meets the
// group an earlier attempt of this call created (same description, created
// after the call began): then that group is returned.
func (c *Client) CreateConnectionGroup(ctx context.Context, canvas string, p ConnectionGroupParams) (*api.ConnectionGroup, error) {
	if canvas == "" || p.Name == "" {
		return nil, errors.New("create connection group: a canvas id or name and a group name are required")
	}
	started := time.Now()
	var out api.ConnectionGroupResponse
	attempts, err := c.do(ctx, request{op: "create connection group", method: http.MethodPost, path: groupsPath(canvas), body: p.request()}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if g, gerr := c.GetConnectionGroup(ctx, canvas, p.Name); gerr == nil && g.Metadata.Description == p.Description &&
				g.Metadata.CreatedAt != nil && !g.Metadata.CreatedAt.Before(started.Add(-clockSkew)) {
				return g, nil
			}
		}
		return nil, err
	}
	return checkGroup(out.ConnectionGroup, "create connection group")
}

// GetConnectionGroup returns a connection group by id or name. A missing
// canvas or group satisfies IsNotFound.
func (c *Client) GetConnectionGroup(ctx context.Context, canvas, idOrName string) (*api.ConnectionGroup, error) {
	if canvas == "" || idOrName == "" {
		return nil, errors.New("get connection group: a canvas id or name and a group id or name are required")
	}
	var out api.ConnectionGroupResponse
	if _, err := c.do(ctx, request{op: "get connection group", method: http.MethodGet, path: groupPath(canvas, idOrName)}, &out); err != nil {
		return nil, err
	}
	return checkGroup(out.ConnectionGroup, "get connection group")
}

// UpdateConnectionGroup replaces a group's name, description and spec with
// p. A rename while stages connect to the group satisfies IsConflict.
func (c *Client) UpdateConnectionGroup(ctx context.Context, canvas, idOrName string, p ConnectionGroupParams) (*api.ConnectionGroup, error) {
	if canvas == "" || idOrName == "" || p.Name == "" {
		return nil, errors.New("update connection group: a canvas id or name, the group's id or name and its name are required")
	}
	var out api.ConnectionGroupResponse
	r := request{op: "update connection group", method: http.MethodPatch, path: groupPath(canvas, idOrName), body: p.request()}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkGroup(out.ConnectionGroup, r.op)
}

// DeleteConnectionGroup deletes a group with its field sets. A group a
// stage connects to is refused with 409 naming the stages (IsConflict); a
// missing one satisfies IsNotFound.
func (c *Client) DeleteConnectionGroup(ctx context.Context, canvas, idOrName string) error {
	if canvas == "" || idOrName == "" {
		return errors.New("delete connection group: a canvas id or name and a group id or name are required")
	}
	_, err := c.do(ctx, request{op: "delete connection group", method: http.MethodDelete, path: groupPath(canvas, idOrName)}, nil)
	return err
}

// ListFieldSets returns a group's newest field sets with their events, in
// the given states (all when empty).
func (c *Client) ListFieldSets(ctx context.Context, canvas, idOrName string, states []string) ([]api.ConnectionGroupFieldSet, error) {
	if canvas == "" || idOrName == "" {
		return nil, errors.New("list field sets: a canvas id or name and a group id or name are required")
	}
	q := url.Values{}
	for _, s := range states {
		q.Add("states", s)
	}
	var out api.ListConnectionGroupFieldSetsResponse
	r := request{op: "list field sets", method: http.MethodGet, path: groupPath(canvas, idOrName) + "/field-sets", query: q}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.FieldSets == nil {
		out.FieldSets = []api.ConnectionGroupFieldSet{}
	}
	return out.FieldSets, nil
}

// checkGroup rejects a response without the group's metadata in it.
func checkGroup(g *api.ConnectionGroup, op string) (*api.ConnectionGroup, error) {
	if g == nil || g.Metadata == nil || g.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no connection group metadata", op)
	}
	if g.Spec == nil {
		g.Spec = &api.ConnectionGroupSpec{}
	}
	return g, nil
}
