package datadog

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// SignRequest gives req the integration's DD-API-KEY and
// DD-APPLICATION-KEY headers, but only when it goes to the integration's
// Datadog site: https on the site's domain or one of its hosts
// (api.datadoghq.eu for datadoghq.eu), or the server's override origin.
// Any other host is refused, so a stage cannot hand the keys to a third
// party by mistake or by a templated URL: unlike a signature, a key works
// for whoever receives it.
func (Type) SignRequest(_ context.Context, v *integration.Verifier, c integration.CloudCredentials, req *http.Request, _ []byte, _ integration.SignOptions) error {
	d, k, err := credentials(c)
	if err != nil {
		return err
	}
	if !siteHost(v, d.Site, req.URL) {
		return errors.New("a datadog integration's keys are only sent to its Datadog site (https://*." + d.Site + "), not to " + integration.Printable(req.URL.Host))
	}
	req.Header.Set(HeaderAPIKey, k.api)
	req.Header.Set(HeaderAppKey, k.app)
	return nil
}

// siteHost reports whether u may receive the keys of an integration on
// site: https on the site's domain or a host under it (port 443), or the
// override's origin.
func siteHost(v *integration.Verifier, site string, u *url.URL) bool {
	if v.DatadogAPIURL != "" {
		if o, err := url.Parse(v.DatadogAPIURL); err == nil && strings.EqualFold(o.Scheme, u.Scheme) && strings.EqualFold(o.Host, u.Host) {
			return true
		}
	}
	if u.Scheme != "https" || site == "" {
		return false
	}
	host := u.Host
	if h, p, err := net.SplitHostPort(host); err == nil {
		if p != "443" {
			return false
		}
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == site || strings.HasSuffix(host, "."+site)
}
