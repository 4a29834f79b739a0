package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// SignRequest signs req with SigV4 and the integration's credentials (the
// key pair, or the role web identity and chaining lead to, with its
// session token). The service and region come from opts, else from the
// host (lambda.eu-west-1.amazonaws.com: lambda in eu-west-1), else the
// region is the integration's; a host that names no service needs
// opts.Service.
func (Type) SignRequest(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials, req *http.Request, body []byte, opts integration.SignOptions) error {
	s, err := Settings(c.Settings)
	if err != nil {
		return err
	}
	service, region := serviceRegion(req.URL.Host)
	if opts.Service != "" {
		service = opts.Service
	}
	if opts.Region != "" {
		region = opts.Region
	}
	if region == "" {
		region = s.Region
	}
	if service == "" {
		return &stsError{reason: "cannot tell the AWS service from host " + integration.Printable(req.URL.Hostname()) + ": set spec.aws.service"}
	}
	now := time.Now()
	key := sessionKey(v.AWSEndpointURL, c)
	creds, ok := sessions.get(key, now)
	if !ok {
		res, err := credentials(ctx, v, s, c)
		if err != nil {
			return err
		}
		creds = res.creds
		sessions.put(key, creds, now)
	}
	return signV4(ctx, creds, req, body, service, region, now)
}

// signV4 signs req as of t with the AWS SDK's signer.
func signV4(ctx context.Context, creds sdkaws.Credentials, req *http.Request, body []byte, service, region string, t time.Time) error {
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, t)
}

// serviceRegion reads an AWS endpoint's host: <service>.<region>.amazonaws.com
// (with anything before, such as a bucket), or <service>.amazonaws.com for
// a global endpoint. Other hosts name neither.
func serviceRegion(host string) (service, region string) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	rest, ok := strings.CutSuffix(host, ".amazonaws.com")
	if !ok {
		if rest, ok = strings.CutSuffix(host, ".amazonaws.com.cn"); !ok {
			return "", ""
		}
	}
	labels := strings.Split(rest, ".")
	last := labels[len(labels)-1]
	if api.ValidateAWSRegion("region", last) == nil && len(labels) >= 2 {
		return labels[len(labels)-2], last
	}
	return last, ""
}
