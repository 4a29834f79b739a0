package aws

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// SignRequest is not built yet: stages cannot sign with an aws
// integration.
func (Type) SignRequest(context.Context, *integration.Verifier, integration.CloudCredentials, *http.Request, []byte) error {
	return &stsError{reason: "signing requests with an aws integration is not supported yet"}
}
