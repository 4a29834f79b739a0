package api

import (
	"fmt"
	"strings"
)

// IntegrationTypeAWS is the spec.type of an AWS integration. An AWS
// integration has no URL: spec.aws holds its region and credentials.
const IntegrationTypeAWS = "aws"

// Auth types of cloud integrations (spec.auth.use in answers; a request
// may leave spec.auth out, since spec.aws says which applies).
const (
	// AuthTypeAccessKey: a long-lived key pair kept in a secret.
	AuthTypeAccessKey = "AUTH_TYPE_ACCESS_KEY"
	// AuthTypeWebIdentity: a short-lived ID token that this server issues
	// (it is the OIDC identity provider), exchanged with the cloud; no
	// cloud secret is stored at all.
	AuthTypeWebIdentity = "AUTH_TYPE_WEB_IDENTITY"
)

// AWSAudience is the audience (aud) of the ID tokens this server mints for
// AWS STS, the value a user registers as the identity provider's client id.
const AWSAudience = "sts.amazonaws.com"

// Session durations AWS STS accepts, in seconds. A role assumed with
// credentials that themselves came from a role (role chaining: after web
// identity) is capped at one hour by AWS.
const (
	AWSMinSessionSeconds     = 900
	AWSMaxSessionSeconds     = 43200
	AWSMaxChainedSessionSecs = 3600
	awsSessionRange          = "900 to 43200 seconds (3600 at most after webIdentity: AWS caps role chaining at one hour)"
)

// AWSIntegration is spec.aws (extension): where and as whom an AWS
// integration calls AWS. Exactly one of AccessKey and WebIdentity is set;
// AssumeRole optionally chains to a further role.
type AWSIntegration struct {
	// Region is the AWS region of the STS endpoint and the default region
	// of signed requests (eu-west-1).
	Region string `json:"region"`
	// AccessKey names the key pair's halves, both in one secret.
	AccessKey *AWSAccessKey `json:"accessKey,omitempty"`
	// WebIdentity assumes a role with an ID token of this server.
	WebIdentity *AWSWebIdentity `json:"webIdentity,omitempty"`
	// AssumeRole is a role assumed with the credentials above.
	AssumeRole *AWSAssumeRole `json:"assumeRole,omitempty"`
}

// AWSAccessKey is an IAM user's access key pair, taken from a secret: the
// access key id and the secret access key are two keys of the same secret.
type AWSAccessKey struct {
	AccessKeyID     *AuthToken `json:"accessKeyId"`
	SecretAccessKey *AuthToken `json:"secretAccessKey"`
}

// AWSWebIdentity is a role assumed with AssumeRoleWithWebIdentity and an
// ID token this server signs (aud sts.amazonaws.com).
type AWSWebIdentity struct {
	RoleARN string `json:"roleArn"`
}

// AWSAssumeRole is a role assumed (AssumeRole) with the integration's
// first credentials: role chaining.
type AWSAssumeRole struct {
	RoleARN    string `json:"roleArn"`
	ExternalID string `json:"externalId,omitempty"`
	// SessionDurationSeconds is the session's length; 0 means 3600.
	SessionDurationSeconds int `json:"sessionDurationSeconds,omitempty"`
}

var (
	awsRegionPattern = lazy(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	// The role's path and name are 1 to 512 characters (awsRoleNameMax),
	// counted after the match: written as {1,512}, the expression compiled
	// into 512 copies of the class, 16 ms and 1.3 MB at the start of every
	// process linking this package (the server and each provider plugin).
	awsRoleARNPattern    = lazy(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_/-]+)$`)
	awsExternalIDPattern = lazy(`^[A-Za-z0-9+=,.@:/_-]+$`)
)

// ValidateAWSRegion returns an error naming field unless region looks like
// an AWS region (us-east-1, eu-central-2, us-gov-west-1).
func ValidateAWSRegion(field, region string) error {
	if region == "" {
		return fmt.Errorf("%s is required: an AWS region such as eu-west-1", field)
	}
	if !awsRegionPattern.MatchString(region) {
		return fmt.Errorf("%s %q is not an AWS region: expected lowercase like eu-west-1 or us-gov-west-1", field, clipInput(region))
	}
	return nil
}

// awsRoleNameMax is the most characters of a role's path and name in an
// ARN.
const awsRoleNameMax = 512

// ValidateAWSRoleARN returns an error naming field unless arn is an IAM
// role ARN (arn:aws:iam::123456789012:role/name).
func ValidateAWSRoleARN(field, arn string) error {
	if arn == "" {
		return fmt.Errorf("%s is required: a role ARN such as arn:aws:iam::123456789012:role/superplane", field)
	}
	if m := awsRoleARNPattern.FindStringSubmatch(arn); m == nil || len(m[2]) > awsRoleNameMax {
		return fmt.Errorf("%s %q is not an IAM role ARN: expected arn:aws:iam::<12-digit account>:role/<name>", field, clipInput(arn))
	}
	return nil
}

// ValidateAWSIntegration returns an error naming the field (below field,
// "integration.spec.aws") of the first rule a breaks. It checks shapes
// only: whether the secret exists is the server's to say.
func ValidateAWSIntegration(field string, a *AWSIntegration) error {
	if a == nil {
		return fmt.Errorf("%s is required for an aws integration: region and accessKey or webIdentity", field)
	}
	if err := ValidateAWSRegion(field+".region", a.Region); err != nil {
		return err
	}
	switch {
	case a.AccessKey == nil && a.WebIdentity == nil:
		return fmt.Errorf("%s: set accessKey (a key pair from a secret) or webIdentity (a role assumed with this server's ID token)", field)
	case a.AccessKey != nil && a.WebIdentity != nil:
		return fmt.Errorf("%s: set accessKey or webIdentity, not both", field)
	case a.AccessKey != nil:
		if err := validateAWSAccessKey(field+".accessKey", a.AccessKey); err != nil {
			return err
		}
	default:
		if err := ValidateAWSRoleARN(field+".webIdentity.roleArn", a.WebIdentity.RoleARN); err != nil {
			return err
		}
	}
	if r := a.AssumeRole; r != nil {
		if err := ValidateAWSRoleARN(field+".assumeRole.roleArn", r.RoleARN); err != nil {
			return err
		}
		if r.ExternalID != "" && (len(r.ExternalID) < 2 || len(r.ExternalID) > 1224 || !awsExternalIDPattern.MatchString(r.ExternalID)) {
			return fmt.Errorf("%s.assumeRole.externalId must be 2 to 1224 letters, digits or +=,.@:/_-", field)
		}
		if d := r.SessionDurationSeconds; d != 0 {
			maxSecs := AWSMaxSessionSeconds
			if a.WebIdentity != nil {
				maxSecs = AWSMaxChainedSessionSecs
			}
			if d < AWSMinSessionSeconds || d > maxSecs {
				return fmt.Errorf("%s.assumeRole.sessionDurationSeconds %d is out of range: %s", field, d, awsSessionRange)
			}
		}
	}
	return nil
}

// validateAWSAccessKey checks that both halves name a key of one secret.
func validateAWSAccessKey(field string, k *AWSAccessKey) error {
	id, err := secretRef(field+".accessKeyId", k.AccessKeyID)
	if err != nil {
		return err
	}
	sk, err := secretRef(field+".secretAccessKey", k.SecretAccessKey)
	if err != nil {
		return err
	}
	if sk.Name != id.Name || normalDomain(sk.DomainType) != normalDomain(id.DomainType) {
		return fmt.Errorf("%s.secretAccessKey.valueFrom.secret must name the same secret as accessKeyId (%q): keep both halves of the key pair in one secret", field, clipInput(id.Name))
	}
	if sk.Key == id.Key {
		return fmt.Errorf("%s.secretAccessKey.valueFrom.secret.key must differ from accessKeyId's key %q", field, clipInput(id.Key))
	}
	return nil
}

// normalDomain treats an unset domain type as unspecified.
func normalDomain(dt string) string {
	if dt == "" {
		return DomainTypeUnspecified
	}
	return dt
}

// secretRef returns the secret reference of v or an error naming field.
func secretRef(field string, v *AuthToken) (*ValueFromSecret, error) {
	if v == nil || v.ValueFrom == nil || v.ValueFrom.Secret == nil {
		return nil, fmt.Errorf("%s.valueFrom.secret is required", field)
	}
	s := v.ValueFrom.Secret
	if strings.TrimSpace(s.Name) == "" {
		return nil, fmt.Errorf("%s.valueFrom.secret.name is required", field)
	}
	if s.Key == "" {
		return nil, fmt.Errorf("%s.valueFrom.secret.key is required", field)
	}
	return s, nil
}
