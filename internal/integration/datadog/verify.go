package datadog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// VerifyCloud checks both keys with the integration's site: the API key
// with GET /api/v1/validate (DD-API-KEY alone, as Datadog documents: 403
// for a key that is not valid), then the application key with GET
// /api/v1/org, which needs both keys and answers the organization.
// Datadog's own "errors" words are kept in the Reason; the keys never are.
func (Type) VerifyCloud(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) integration.Result {
	d, k, err := credentials(c)
	if err != nil {
		return integration.Fail(err.Error())
	}
	cl := newClient(v, apiBase(v, d.Site), k)
	var valid struct {
		Valid bool `json:"valid"`
	}
	if err := cl.do(ctx, http.MethodGet, "/api/v1/validate", nil, &valid, true); err != nil {
		return integration.Fail(redact(reason("the API key", d.Site, err), k))
	}
	if !valid.Valid {
		return integration.Failf("Datadog (%s): the API key is not valid", d.Site)
	}
	var orgs struct {
		Orgs []json.RawMessage `json:"orgs"`
	}
	if err := cl.do(ctx, http.MethodGet, "/api/v1/org", nil, &orgs, false); err != nil {
		return integration.Fail(redact(reason("the application key", d.Site, err), k))
	}
	if len(orgs.Orgs) == 0 {
		return integration.Failf("Datadog (%s): the application key reads no organization", d.Site)
	}
	return integration.OK()
}

// reason is the Reason of a failed verification call about which key.
func reason(which, site string, err error) string {
	ae, ok := errors.AsType[*apiError](err)
	if !ok {
		return "unexpected answer from Datadog: " + integration.RemoteText(err.Error())
	}
	switch ae.status {
	case 0:
		return ae.Error()
	case http.StatusUnauthorized, http.StatusForbidden:
		return "Datadog (" + site + ") refused " + which + ": " + integration.MessageOr(ae.message, http.StatusText(ae.status))
	}
	return "Datadog (" + site + "): " + ae.Error()
}
