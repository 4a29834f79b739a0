package server_test

import "github.com/superplane/terraform-provider-superplane/internal/api"

// The connection groups' wire types, added to wireSchemas here so that the
// shared table is not realigned by every new group of schemas.
func init() {
	for name, v := range map[string]any{
		"ConnectionGroup":                      api.ConnectionGroup{},
		"ConnectionGroupEvent":                 api.ConnectionGroupEvent{},
		"ConnectionGroupFieldSet":              api.ConnectionGroupFieldSet{},
		"ConnectionGroupMetadata":              api.ConnectionGroupMetadata{},
		"ConnectionGroupRequest":               api.ConnectionGroupRequest{},
		"ConnectionGroupResponse":              api.ConnectionGroupResponse{},
		"ConnectionGroupSpec":                  api.ConnectionGroupSpec{},
		"GroupBy":                              api.GroupBy{},
		"GroupByField":                         api.GroupByField{},
		"ListConnectionGroupFieldSetsResponse": api.ListConnectionGroupFieldSetsResponse{},
		"ListConnectionGroupsResponse":         api.ListConnectionGroupsResponse{},
	} {
		wireSchemas[name] = v
	}
}
