package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
)

// GetJSONWithToken GETs apiBase+path with "Authorization: Bearer token"
// through the guarded client (the token goes to apiBase's origin only,
// never to a host a redirect leads to) and decodes a 200 answer (at most 1
// MiB) into out. It returns the status; a non-200 decodes nothing. Sign-in
// through GitHub asks its user API this way.
func (v *Verifier) GetJSONWithToken(ctx context.Context, apiBase, path, token string, out any) (int, error) {
	base, err := url.Parse(apiBase)
	if err != nil {
		return 0, err
	}
	hc := v.OutboundClient().HTTPClientFor(base, "Authorization", "Bearer "+token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiBase+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	return res.StatusCode, json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(out)
}
