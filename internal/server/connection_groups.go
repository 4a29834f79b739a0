package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// groupToAPI is g in v1's shape.
func (s *Server) groupToAPI(g store.ConnectionGroup) api.ConnectionGroup {
	created, updated := g.CreatedAt, g.UpdatedAt
	spec, err := service.GroupSpec(g)
	if err != nil {
		s.corrupt(err)
	}
	if spec.Connections == nil {
		spec.Connections = []api.Connection{}
	}
	for i := range spec.Connections {
		if spec.Connections[i].Filters == nil {
			spec.Connections[i].Filters = []api.Filter{}
		}
	}
	if spec.GroupBy == nil {
		spec.GroupBy = &api.GroupBy{Fields: []api.GroupByField{}}
	}
	return api.ConnectionGroup{
		Metadata: &api.ConnectionGroupMetadata{ID: g.ID, Name: g.Name, Description: g.Description, CanvasID: g.CanvasID,
			CreatedAt: &created, CreatedBy: g.CreatedBy, UpdatedAt: &updated, UpdatedBy: g.UpdatedBy},
		Spec: &spec,
	}
}

// fieldSetToAPI is fs in v1's shape; a pending field set's reason is
// STATE_REASON_NONE.
func (s *Server) fieldSetToAPI(fs store.FieldSet) api.ConnectionGroupFieldSet {
	created := fs.CreatedAt
	out := api.ConnectionGroupFieldSet{ID: fs.ID, Hash: fs.Hash, State: fs.State, StateReason: fs.StateReason,
		CreatedAt: &created, Events: make([]api.ConnectionGroupEvent, 0, len(fs.Events))}
	if out.StateReason == "" {
		out.StateReason = api.FieldSetReasonNone
	}
	out.Fields = listToAPI(s, fs.Fields, fs.DecodeFields, keyValueToAPI)
	for _, ev := range fs.Events {
		received := ev.ReceivedAt
		out.Events = append(out.Events, api.ConnectionGroupEvent{ID: ev.EventID, SourceID: ev.SourceID,
			SourceType: ev.ConnectionType, SourceName: ev.ConnectionName, ReceivedAt: &received})
	}
	return out
}

func (s *Server) listConnectionGroups(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.groups.List(r.Context(), p, r.PathValue("canvasIdOrName"))
	if err != nil {
		return err
	}
	out := api.ListConnectionGroupsResponse{ConnectionGroups: make([]api.ConnectionGroup, 0, len(list))}
	for _, g := range list {
		out.ConnectionGroups = append(out.ConnectionGroups, s.groupToAPI(g))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeConnectionGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	g, err := s.groups.Find(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ConnectionGroupResponse{ConnectionGroup: ptr(s.groupToAPI(g))})
	return nil
}

func (s *Server) createConnectionGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.ConnectionGroupRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	g, err := s.groups.Create(r.Context(), p, r.PathValue("canvasIdOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ConnectionGroupResponse{ConnectionGroup: ptr(s.groupToAPI(g))})
	return nil
}

func (s *Server) updateConnectionGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.ConnectionGroupRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	g, err := s.groups.Update(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ConnectionGroupResponse{ConnectionGroup: ptr(s.groupToAPI(g))})
	return nil
}

func (s *Server) deleteConnectionGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.groups.Delete(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// listFieldSets answers the group's newest field sets; ?states= narrows
// them (an extension; the contract's listing takes no filter).
func (s *Server) listFieldSets(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.groups.FieldSets(r.Context(), p, r.PathValue("canvasIdOrName"), r.PathValue("idOrName"), r.URL.Query()["states"])
	if err != nil {
		return err
	}
	out := api.ListConnectionGroupFieldSetsResponse{FieldSets: make([]api.ConnectionGroupFieldSet, 0, len(list))}
	for _, fs := range list {
		out.FieldSets = append(out.FieldSets, s.fieldSetToAPI(fs))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
