package aws

import (
	"context"
	"errors"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// VerifyCloud runs the credential chain and STS GetCallerIdentity. On
// success the Reason names the account and the caller's ARN (and the roles
// assumed on the way); on failure it quotes AWS's error code and message.
// No credential is ever in it.
func (Type) VerifyCloud(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) integration.Result {
	id, err := CallerIdentity(ctx, v, c)
	if err != nil {
		return integration.Fail(reason(err))
	}
	return integration.Result{OK: true, Reason: "ok: account " + id.Account + ", " + id.ARN}
}

// CallerIdentity returns who the integration's credentials are.
func CallerIdentity(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) (Identity, error) {
	s, err := Settings(c.Settings)
	if err != nil {
		return Identity{}, err
	}
	res, err := credentials(ctx, v, s, c)
	if err != nil {
		return Identity{}, err
	}
	out, err := stsClient(v, s.Region, static(res.creds)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, describe("GetCallerIdentity", err)
	}
	return Identity{Account: sdkaws.ToString(out.Account), ARN: sdkaws.ToString(out.Arn)}, nil
}

// reason is err as a Reason.
func reason(err error) string {
	var se *stsError
	if errors.As(err, &se) {
		return se.reason
	}
	return strings.TrimSpace(integration.RemoteText(err.Error()))
}
