package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Settings decodes an integration's settings (api.AWSIntegration as JSON)
// and checks them with the API's rules.
func Settings(raw []byte) (api.AWSIntegration, error) {
	var s api.AWSIntegration
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, errors.New("the aws settings cannot be read")
	}
	// Stored settings name the secret's keys only (the secret is the
	// integration's, by id); give the rule a name to check.
	check := s
	if k := s.AccessKey; k != nil {
		check.AccessKey = &api.AWSAccessKey{AccessKeyID: named(k.AccessKeyID), SecretAccessKey: named(k.SecretAccessKey)}
	}
	if err := api.ValidateAWSIntegration("spec.aws", &check); err != nil {
		return s, err
	}
	return s, nil
}

// named is ref with a placeholder secret name.
func named(ref *api.AuthToken) *api.AuthToken {
	if ref == nil || ref.ValueFrom == nil || ref.ValueFrom.Secret == nil {
		return ref
	}
	cp := *ref.ValueFrom.Secret
	cp.Name, cp.DomainType = "secret", ""
	return &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &cp}}
}

// stsError is a failed STS call, in words a user can act on: the action,
// AWS's own error code and message, or why AWS could not be reached.
type stsError struct{ reason string }

func (e *stsError) Error() string { return e.reason }

// describe makes err of STS action fit for a Reason.
func describe(action string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return &stsError{reason: fmt.Sprintf("AWS STS %s: %s: %s", action, apiErr.ErrorCode(),
			integration.MessageOr(apiErr.ErrorMessage(), "no message"))}
	}
	return &stsError{reason: integration.Unreachable("AWS STS ("+action+")", err)}
}

// config is the SDK configuration of one call: region, the guarded client,
// no retries beyond one (a verification is bounded by its caller), and
// credentials only as given.
func config(v *integration.Verifier, region string, creds sdkaws.CredentialsProvider) sdkaws.Config {
	return sdkaws.Config{
		Region:           region,
		HTTPClient:       v.HTTPClient(),
		Credentials:      creds,
		RetryMaxAttempts: 2,
	}
}

// stsClient is an STS client for region, at v's endpoint override when set.
func stsClient(v *integration.Verifier, region string, creds sdkaws.CredentialsProvider) *sts.Client {
	return sts.NewFromConfig(config(v, region, creds), func(o *sts.Options) {
		if v.AWSEndpointURL != "" {
			o.BaseEndpoint = sdkaws.String(v.AWSEndpointURL)
		}
	})
}

// static is a credentials provider of fixed credentials.
func static(c sdkaws.Credentials) sdkaws.CredentialsProvider {
	return sdkaws.CredentialsProviderFunc(func(context.Context) (sdkaws.Credentials, error) { return c, nil })
}

// Identity is who a set of credentials is: GetCallerIdentity's answer.
type Identity struct{ Account, ARN string }

// resolved is the outcome of the credential chain.
type resolved struct {
	creds sdkaws.Credentials
}

// sessionNameChars are the characters AWS allows in a role session name.
var sessionNameChars = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName is the role session name for subject, which shows in the
// caller's ARN and CloudTrail: the subject with ':' as '.', at most 64
// characters.
func sessionName(subject string) string {
	n := sessionNameChars.ReplaceAllString(strings.ReplaceAll(subject, ":", "."), "-")
	if n == "" {
		n = "superplane"
	}
	if len(n) > 64 {
		n = n[:64]
	}
	if len(n) < 2 {
		n = "superplane-" + n
	}
	return n
}

// credentials runs the chain s describes: the access key pair from c's
// secret, or AssumeRoleWithWebIdentity with an ID token for
// sts.amazonaws.com; then AssumeRole when s chains to a role.
func credentials(ctx context.Context, v *integration.Verifier, s api.AWSIntegration, c integration.CloudCredentials) (resolved, error) {
	var out resolved
	name := sessionName(c.Subject)
	switch {
	case s.AccessKey != nil:
		idKey, skKey := keyOf(s.AccessKey.AccessKeyID), keyOf(s.AccessKey.SecretAccessKey)
		id, ok1 := c.Secret[idKey]
		secret, ok2 := c.Secret[skKey]
		switch {
		case !ok1:
			return out, &stsError{reason: "key " + idKey + " (the access key id) is missing from the secret"}
		case !ok2:
			return out, &stsError{reason: "key " + skKey + " (the secret access key) is missing from the secret"}
		case strings.TrimSpace(id) == "" || strings.TrimSpace(secret) == "":
			return out, &stsError{reason: "the access key id or the secret access key in the secret is empty"}
		}
		out.creds = sdkaws.Credentials{AccessKeyID: strings.TrimSpace(id), SecretAccessKey: strings.TrimSpace(secret), Source: "superplane"}
	case s.WebIdentity != nil:
		if c.IDToken == nil {
			return out, &stsError{reason: "this server cannot issue ID tokens for web identity"}
		}
		token, err := c.IDToken(ctx, api.AWSAudience)
		if err != nil {
			return out, &stsError{reason: "cannot issue an ID token: " + integration.RemoteText(err.Error())}
		}
		resp, err := stsClient(v, s.Region, sdkaws.AnonymousCredentials{}).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: sdkaws.String(s.WebIdentity.RoleARN), RoleSessionName: sdkaws.String(name), WebIdentityToken: sdkaws.String(token),
		})
		if err != nil {
			return out, describe("AssumeRoleWithWebIdentity", err)
		}
		out.creds = fromSTS(resp.Credentials)
	default:
		return out, &stsError{reason: "spec.aws has neither accessKey nor webIdentity"}
	}
	if r := s.AssumeRole; r != nil {
		in := &sts.AssumeRoleInput{RoleArn: sdkaws.String(r.RoleARN), RoleSessionName: sdkaws.String(name)}
		if r.ExternalID != "" {
			in.ExternalId = sdkaws.String(r.ExternalID)
		}
		if r.SessionDurationSeconds != 0 { // at most 43200: api.ValidateAWSIntegration
			in.DurationSeconds = sdkaws.Int32(int32(r.SessionDurationSeconds))
		}
		resp, err := stsClient(v, s.Region, static(out.creds)).AssumeRole(ctx, in)
		if err != nil {
			return out, describe("AssumeRole", err)
		}
		out.creds = fromSTS(resp.Credentials)
	}
	return out, nil
}

func keyOf(ref *api.AuthToken) string {
	if ref == nil || ref.ValueFrom == nil || ref.ValueFrom.Secret == nil {
		return ""
	}
	return ref.ValueFrom.Secret.Key
}

// fromSTS converts STS's temporary credentials.
func fromSTS(c *ststypes.Credentials) sdkaws.Credentials {
	if c == nil {
		return sdkaws.Credentials{}
	}
	out := sdkaws.Credentials{
		AccessKeyID: sdkaws.ToString(c.AccessKeyId), SecretAccessKey: sdkaws.ToString(c.SecretAccessKey),
		SessionToken: sdkaws.ToString(c.SessionToken), Source: "superplane",
	}
	if c.Expiration != nil {
		out.CanExpire, out.Expires = true, *c.Expiration
	}
	return out
}
