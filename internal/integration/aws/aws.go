// Package aws is the AWS integration type: a region and either an IAM
// access key pair kept in a secret, or a role assumed with web identity
// (AssumeRoleWithWebIdentity and an ID token of this server's OIDC issuer:
// no AWS secret stored at all), optionally chained to a further role
// (AssumeRole with an external id and a session duration). Verification is
// STS GetCallerIdentity with the resulting credentials; its account and
// ARN are what status shows.
//
// It uses the AWS SDK for Go v2 without its config loader: an aws.Config
// built here with explicit credentials, the STS client and the SigV4
// signer, every call through the guarded outbound client (the SDK's
// HTTPClient). The SDK never reads the environment, shared config files or
// the instance metadata service, so the server's own AWS identity (if it
// runs on AWS) can never stand in for a user's integration.
package aws

import (
	"context"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Type is the AWS integration type.
type Type struct{}

var (
	_ integration.Type        = Type{}
	_ integration.Cloud       = Type{}
	_ integration.CloudSigner = Type{}
)

// Name is "aws".
func (Type) Name() string { return api.IntegrationTypeAWS }

// ValidateURL accepts only an empty URL: spec.aws says where AWS is.
func (Type) ValidateURL(field, rawURL string) error {
	return api.ValidateIntegrationURL(field, api.IntegrationTypeAWS, rawURL)
}

// Verify fails: an aws integration has settings, not one token, and is
// verified through VerifyCloud.
func (Type) Verify(context.Context, *integration.Verifier, string, string) integration.Result {
	return integration.Fail("an aws integration is verified with its spec.aws settings, not a token")
}

// Authenticate does nothing: AWS requests are signed (SignRequest), not
// given a bearer token.
func (Type) Authenticate(*http.Request, string) {}
