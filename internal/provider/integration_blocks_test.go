package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestTypedBlocksEachRow runs every typed block's checks without
// Terraform: a typed integration without its block, and a github
// integration that sets the block, are each refused with the block named,
// so a row of typedBlocks that names the wrong model field or type fails.
func TestTypedBlocksEachRow(t *testing.T) {
	blocks := map[string]map[string]attr.Type{
		api.IntegrationTypeAWS:          integrationAWSAttrTypes,
		api.IntegrationTypeAzure:        integrationAzureAttrTypes,
		api.IntegrationTypeGCP:          integrationGCPAttrTypes,
		api.IntegrationTypeDatadog:      integrationDatadogAttrTypes,
		api.IntegrationTypeMongoDBAtlas: integrationAtlasAttrTypes,
	}
	if len(typedBlocks) != len(blocks) {
		t.Fatalf("%d typed blocks, %d in this test", len(typedBlocks), len(blocks))
	}
	model := func(typ string) IntegrationResourceModel {
		m := IntegrationResourceModel{Type: types.StringValue(typ), Canvas: types.StringNull(),
			Auth: types.ObjectNull(integrationAuthAttrTypes)}
		m.AWS = types.ObjectNull(integrationAWSAttrTypes)
		m.Azure = types.ObjectNull(integrationAzureAttrTypes)
		m.GCP = types.ObjectNull(integrationGCPAttrTypes)
		m.Datadog = types.ObjectNull(integrationDatadogAttrTypes)
		m.MongoDBAtlas = types.ObjectNull(integrationAtlasAttrTypes)
		return m
	}
	for typ, attrTypes := range blocks {
		t.Run(typ, func(t *testing.T) {
			var diags diag.Diagnostics
			m := model(typ)
			validateTypedBlocks(context.Background(), &m, &diags)
			if got := blockErrors(diags); len(got) != 1 || got[0] != "Missing "+typ+" block" {
				t.Errorf("type %s without its block: %v", typ, got)
			}

			diags = nil
			m = model(api.IntegrationTypeGitHub)
			set := types.ObjectUnknown(attrTypes)
			switch typ {
			case api.IntegrationTypeAWS:
				m.AWS = set
			case api.IntegrationTypeAzure:
				m.Azure = set
			case api.IntegrationTypeGCP:
				m.GCP = set
			case api.IntegrationTypeDatadog:
				m.Datadog = set
			case api.IntegrationTypeMongoDBAtlas:
				m.MongoDBAtlas = set
			}
			validateTypedBlocks(context.Background(), &m, &diags)
			if got := blockErrors(diags); len(got) != 1 || got[0] != typ+" block on a non-"+typ+" integration" {
				t.Errorf("github integration with a %s block: %v", typ, got)
			}
		})
	}
}

func blockErrors(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, strings.TrimSpace(d.Summary()))
	}
	return out
}
