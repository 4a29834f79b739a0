// Package integration is what every integration type shares: the Type
// interface (URL shape, credential check, outbound auth) and its optional
// parts, Hooks (webhooks on the tool for event sources) and Runner (the
// executor of the type's name: check its spec, start a run, follow it to
// its outcome); the Registry that finds them; the Verifier's plumbing (tool
// API URLs, the guarded client); the execution's request, outcome and
// frame (RunRequest, Outcome, Execution, SpecCheck), which
// internal/executor shares with the types; and the reason helpers.
//
// Each type is a package under internal/integration/<type>, listed in
// internal/integration/all: adding a type is one package plus one line
// there, and its wire name in internal/api's lists (IntegrationTypes,
// ExecutorTypes, EventSourceTypes), which a test of all keeps in step with
// the registry.
package integration

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	redactpkg "github.com/superplane/terraform-provider-superplane/internal/redact"
)

// Verifier verifies integration credentials against the tools' APIs. The
// zero value talks to the real GitHub and Semaphore. It holds no credentials:
// each Verify call uses its token for that call only. It is safe for
// concurrent use.
type Verifier struct {
	// GitHubAPIURL is the base URL of the GitHub REST API. "" means
	// https://api.github.com/, or https://<host>/api/v3/ for a GitHub
	// Enterprise integration URL. Tests set it to a fake's URL (the server
	// reads it from SUPERPLANE_GITHUB_API_URL).
	GitHubAPIURL string
	// SemaphoreAPIURL is the base URL of the Semaphore API. "" means the
	// integration URL itself. Tests set it to a fake's URL (the server reads
	// it from SUPERPLANE_SEMAPHORE_API_URL).
	SemaphoreAPIURL string
	// GitLabAPIURL is the base URL of the GitLab REST API (…/api/v4). ""
	// means the integration URL followed by /api/v4. Tests set it to a
	// fake's URL (the server reads it from SUPERPLANE_GITLAB_API_URL).
	GitLabAPIURL string
	// BitbucketAPIURL is the base URL of the Bitbucket Cloud REST API,
	// without the /2.0 version. "" means https://api.bitbucket.org. Tests
	// set it to a fake's URL (the server reads it from
	// SUPERPLANE_BITBUCKET_API_URL).
	BitbucketAPIURL string
	// AzureDevOpsAPIURL replaces the scheme and host (and port) of an
	// azure_devops integration URL, keeping its path: with
	// http://127.0.0.1:8080, https://dev.azure.com/acme is reached at
	// http://127.0.0.1:8080/acme. "" means the integration URL itself (the
	// organization or collection is the API's base). Tests set it to a
	// fake's URL (the server reads it from SUPERPLANE_AZURE_DEVOPS_API_URL).
	AzureDevOpsAPIURL string
	// GitHubOIDCIssuer is the issuer of GitHub Actions' ID tokens; ""
	// means https://token.actions.githubusercontent.com. Tests point it at
	// a fake (SUPERPLANE_GITHUB_OIDC_ISSUER); the token's iss must then
	// name the fake, so no check is skipped.
	GitHubOIDCIssuer string
	// SemaphoreOIDCIssuer is the issuer of Semaphore's ID tokens; "" means
	// the integration URL (https://<organization>.semaphoreci.com), as
	// Semaphore issues them (SUPERPLANE_SEMAPHORE_OIDC_ISSUER).
	SemaphoreOIDCIssuer string
	// AWSEndpointURL is where aws integrations send every AWS call (STS,
	// and the requests their stages sign). "" means AWS itself (STS at
	// https://sts.<region>.amazonaws.com). Tests set it to a fake's URL
	// (the server reads it from SUPERPLANE_AWS_ENDPOINT_URL); the guard
	// still applies.
	AWSEndpointURL string
	// AzureAuthorityHost is where azure integrations ask Microsoft Entra
	// ID for tokens (POST <host>/<tenant>/oauth2/v2.0/token). "" means
	// https://login.microsoftonline.com. Tests set it to a fake's URL (the
	// server reads it from SUPERPLANE_AZURE_AUTHORITY_HOST); the guard
	// still applies.
	AzureAuthorityHost string
	// AzureEndpointURL is where azure integrations read their subscription
	// (Azure Resource Manager). "" means https://management.azure.com.
	// Tests set it to a fake's URL (SUPERPLANE_AZURE_ENDPOINT_URL).
	AzureEndpointURL string
	// GCPEndpointURL is where gcp integrations send every Google call (the
	// OAuth token endpoint, STS, IAM Credentials, Cloud Resource Manager),
	// each at its path on this base, and the one host besides
	// *.googleapis.com a stage's access token may be sent to. "" means
	// Google itself. Tests set it to a fake's URL (the server reads it from
	// SUPERPLANE_GCP_ENDPOINT_URL); the guard still applies.
	GCPEndpointURL string
	// DatadogAPIURL is where datadog integrations send every Datadog call,
	// whatever their site, and the one origin besides the site's own hosts
	// a stage's Datadog keys may be sent to. "" means https://api.<site>.
	// Tests set it to a fake's URL (the server reads it from
	// SUPERPLANE_DATADOG_API_URL); the guard still applies.
	DatadogAPIURL string
	// MongoDBAtlasEndpointURL is where mongodb_atlas integrations send
	// every Atlas call (the OAuth token endpoint and the Admin API), and the
	// one origin a stage's Atlas credentials may be sent to instead of
	// https://cloud.mongodb.com. "" means Atlas itself. Tests set it to a
	// fake's URL (SUPERPLANE_MONGODB_ATLAS_ENDPOINT_URL); the guard still
	// applies.
	MongoDBAtlasEndpointURL string
	// Client makes the requests, through the outbound guard whatever the
	// URL (the configured API URLs included): a fake on loopback needs a
	// client that allows 127.0.0.0/8. nil means the guarded client with
	// nothing allowed and a 15 second timeout.
	Client *outbound.Client
}

// Result is the outcome of a verification.
type Result struct {
	// OK is true when the credentials work for everything SuperPlane does
	// with the integration.
	OK bool
	// Reason is "ok", or why verification failed in words a user can act on,
	// quoting the tool's own message where it gave one (GitHub's "Bad
	// credentials"). It never contains the token.
	Reason string
}

// reasonOK is the Reason of a successful verification.
const reasonOK = "ok"

// defaultClient is the client of a Verifier without one.
var defaultClient = outbound.New(outbound.Config{Timeout: 15 * time.Second})

// verifyGuarded is what every verification shares, whichever path calls
// it (Registry.Verify): malformed input fails without a
// request, a panic costs one verification and not the server, and the token
// is masked in the Reason. check makes the type's own requests.
func verifyGuarded(typ, rawURL, token string, check func() Result) (res Result) {
	defer func() {
		// A bug in response handling must cost one verification, not the
		// server: no input may take the process down.
		if p := recover(); p != nil {
			res = Fail("internal error while verifying the integration")
		}
		res.Reason = Redact(res.Reason, token)
	}()
	if err := api.ValidateIntegrationType("integration type", typ); err != nil {
		return Fail(err.Error())
	}
	if err := api.ValidateIntegrationURL("integration URL", typ, rawURL); err != nil {
		return Fail(err.Error())
	}
	if strings.TrimSpace(token) == "" {
		return Fail("token is empty")
	}
	return check()
}

// OutboundClient returns v.Client, or the default guarded client: the
// guard every request of a type goes through.
func (v *Verifier) OutboundClient() *outbound.Client {
	if v.Client != nil {
		return v.Client
	}
	return defaultClient
}

// HTTPClient returns a guarded *http.Client of its own, so that a caller (a
// type's package) may change its CheckRedirect.
func (v *Verifier) HTTPClient() *http.Client { return v.OutboundClient().HTTPClient() }

// Unreachable is the Reason of a request to tool that got no answer: the
// guard's refusal as it is (it names the setting that allows the address),
// else err's text made fit for a Reason.
func Unreachable(tool string, err error) string {
	if d, ok := outbound.Denied(err); ok {
		return "cannot reach " + tool + ": " + d.Error()
	}
	return "cannot reach " + tool + ": " + RemoteText(err.Error())
}

// OK is the Result of a successful verification.
func OK() Result { return Result{OK: true, Reason: reasonOK} }

// Fail is the Result of a failed verification, for reason.
func Fail(reason string) Result { return Result{Reason: reason} }

// maxReason bounds a Reason, in runes.
const maxReason = 280

// Redact masks the token and any of also (a hook's signing key), in every
// form a tool may echo them back in (see redact.New), and only then clips s
// to maxReason: a clip before the masking would show a secret's start.
func Redact(s, token string, also ...string) string {
	return redactpkg.New(append([]string{token}, also...)...).Clip(s, maxReason)
}

// RemoteText makes text from a tool's response fit for a Reason: one line,
// printable. It is not clipped here but, after the token is masked, with
// the whole Reason (Redact); the response size limits bound it meanwhile.
func RemoteText(s string) string { return redactpkg.OneLine(s) }

// Failf is Fail with formatting.
func Failf(format string, args ...any) Result { return Fail(fmt.Sprintf(format, args...)) }

// MessageOr returns the cleaned message, or fallback when it is empty.
func MessageOr(message, fallback string) string {
	if m := RemoteText(message); m != "" {
		return m
	}
	return fallback
}
