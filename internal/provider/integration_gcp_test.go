package provider

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestGCPMessagesNameTheBlocksFields: a rule's message names the gcp
// block's attributes, and the example audience in it keeps Google's own
// path segment (workloadIdentityPools), which a user copies.
func TestGCPMessagesNameTheBlocksFields(t *testing.T) {
	err := api.ValidateGCPIntegration("gcp", &api.GCPIntegration{
		ProjectID:        "my-project-123",
		WorkloadIdentity: &api.GCPWorkloadIdentity{},
	})
	if err == nil {
		t.Fatal("a workload identity without an audience was accepted")
	}
	msg := gcpTFNames(err.Error())
	if !strings.Contains(msg, "workload_identity.audience") {
		t.Errorf("message %q does not name workload_identity.audience", msg)
	}
	if !strings.Contains(msg, "/workloadIdentityPools/<pool>/") || strings.Contains(msg, "workload_identityPools") {
		t.Errorf("message %q mangles the example audience", msg)
	}
}
