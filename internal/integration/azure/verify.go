package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// DefaultEndpointURL is Azure Resource Manager in the public cloud.
const DefaultEndpointURL = "https://management.azure.com"

// subscriptionAPIVersion is the ARM API version of the subscription read.
const subscriptionAPIVersion = "2022-12-01"

// Subscription is what ARM says of the integration's subscription.
type Subscription struct {
	ID          string `json:"subscriptionId"`
	TenantID    string `json:"tenantId"`
	DisplayName string `json:"displayName"`
	State       string `json:"state"`
}

// armError is ARM's error answer.
type armError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// VerifyCloud gets a token for Azure Resource Manager and reads the
// subscription with it. On success the Reason names the subscription and
// the tenant; on failure it quotes Entra's or ARM's error code and
// message. No credential is ever in it.
func (Type) VerifyCloud(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) integration.Result {
	sub, err := ReadSubscription(ctx, v, c)
	if err != nil {
		return integration.Fail(reason(err))
	}
	name := sub.DisplayName
	if name == "" {
		name = "(no name)"
	}
	out := fmt.Sprintf("ok: subscription %s (%s), tenant %s", integration.Printable(name), integration.Printable(sub.ID), integration.Printable(sub.TenantID))
	if sub.State != "" && sub.State != "Enabled" {
		out += ", state " + integration.Printable(sub.State)
	}
	return integration.Result{OK: true, Reason: out}
}

// ReadSubscription returns ARM's view of the integration's subscription,
// read with a fresh token.
func ReadSubscription(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) (Subscription, error) {
	s, err := Settings(c.Settings)
	if err != nil {
		return Subscription{}, err
	}
	tok, err := fetchToken(ctx, v, s, c, api.AzureManagementScope)
	if err != nil {
		return Subscription{}, err
	}
	base := strings.TrimRight(v.AzureEndpointURL, "/")
	if base == "" {
		base = DefaultEndpointURL
	}
	u := base + "/subscriptions/" + url.PathEscape(s.SubscriptionID) + "?api-version=" + subscriptionAPIVersion
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Subscription{}, &azureError{reason: "cannot build the subscription request"}
	}
	req.Header.Set("Authorization", "Bearer "+tok.value)
	req.Header.Set("Accept", "application/json")
	resp, err := noRedirects(v).Do(req)
	if err != nil {
		return Subscription{}, &azureError{reason: integration.Unreachable("Azure Resource Manager", err)}
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode != http.StatusOK {
		var e armError
		if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return Subscription{}, &azureError{reason: "Azure Resource Manager, reading subscription " + s.SubscriptionID + ": " +
				integration.RemoteText(e.Error.Code) + ": " + integration.MessageOr(e.Error.Message, "no message")}
		}
		return Subscription{}, &azureError{reason: fmt.Sprintf("Azure Resource Manager, reading subscription %s: HTTP %d", s.SubscriptionID, resp.StatusCode)}
	}
	var sub Subscription
	if err := json.Unmarshal(body, &sub); err != nil {
		return Subscription{}, &azureError{reason: "Azure Resource Manager answered the subscription read with something other than a subscription"}
	}
	return sub, nil
}

// SignRequest sets req's Authorization to a bearer token of the
// integration's application for opts.Scope (default Azure Resource
// Manager's), reused until shortly before it expires.
func (Type) SignRequest(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials, req *http.Request, _ []byte, opts integration.SignOptions) error {
	s, err := Settings(c.Settings)
	if err != nil {
		return err
	}
	scope := opts.Scope
	if scope == "" {
		scope = api.AzureManagementScope
	}
	now := time.Now()
	key := tokenKey(v.AzureAuthorityHost, c, scope)
	tok, ok := tokens.get(key, now)
	if !ok {
		tok, err = fetchToken(ctx, v, s, c, scope)
		if err != nil {
			return err
		}
		tokens.put(key, tok, now)
	}
	req.Header.Set("Authorization", "Bearer "+tok.value)
	return nil
}

// reason is err as a Reason.
func reason(err error) string {
	var ae *azureError
	if errors.As(err, &ae) {
		return ae.reason
	}
	return strings.TrimSpace(integration.RemoteText(err.Error()))
}
