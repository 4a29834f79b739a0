package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strconv"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// readSamples is how many times each read is timed at each level.
const readSamples = 200

// growth fills a fresh server to each level of stored events and secrets
// and times reads and deliveries there: with indexes and keyset pages the
// figures stay flat as history grows.
func growth(ctx context.Context, cfg controlConfig, rep *report, w io.Writer) error {
	srv, err := startServer(ctx, serverOptions{bin: cfg.serverBin, databaseURL: cfg.databaseURL})
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &apiClient{base: srv.url, token: srv.token}
	hist, err := createCanvasWithSource(ctx, c, "history", "history-hook", "hist-")
	if err != nil {
		return err
	}
	// The load measured at each level goes to another canvas, so that the
	// history read back stays at the level.
	depth, err := createCanvasWithSource(ctx, c, "depth", "depth-hook", "depth-")
	if err != nil {
		return err
	}
	// A canvas with a few secrets of its own: its list must not grow with
	// the organization's.
	for i := range 10 {
		if err := c.call(ctx, "POST", "/api/v1/secrets", api.CreateSecretRequest{
			DomainType: api.DomainTypeCanvas, DomainID: "history",
			Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: fmt.Sprintf("canvas-secret-%d", i)},
				Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: map[string]string{"k": "v"}}}},
		}, nil); err != nil {
			return err
		}
	}

	events, secrets, seq := 0, 0, 0
	depthSeq, depthSecrets := 0, 0
	for _, level := range cfg.levels {
		// Fill: deliveries and secret creates at concurrency 16, bounded
		// by count and by 15 minutes each. The middle of the fill is the
		// cursor of a deep page.
		logf(w, "filling to %d events and %d secrets", level, level)
		var middle time.Time
		half := events + (level-events)/2
		cpu0 := srv.cpuSeconds()
		start := seq
		fill := runLoad(ctx, 16, level-events, 15*time.Minute, func(ctx context.Context, i int) error {
			if start+i == half {
				middle = time.Now()
			}
			_, err := hist.deliver(ctx, start+i)
			return err
		})
		seq += fill.Count
		events += fill.Count - fill.Errors
		if fill.Count > 0 {
			rep.add(w, fromPhase(fmt.Sprintf("fill deliveries c16 to %d", level), 16, fill, srv.cpuSeconds()-cpu0))
		}
		cpu0 = srv.cpuSeconds()
		sstart := secrets
		sfill := runLoad(ctx, 16, level-secrets, 15*time.Minute, func(ctx context.Context, i int) error {
			return createSecret(ctx, c, "hist-"+strconv.Itoa(sstart+i))
		})
		secrets += sfill.Count - sfill.Errors
		if sfill.Count > 0 {
			rep.add(w, fromPhase(fmt.Sprintf("fill secret creates c16 to %d", level), 16, sfill, srv.cpuSeconds()-cpu0))
		}
		if _, err := waitDrained(ctx, srv, 5*time.Minute); err != nil {
			return err
		}
		if middle.IsZero() {
			middle = time.Now()
		}

		at := fmt.Sprintf(" @%d", level)
		extra := map[string]any{"events": events, "secrets": secrets}
		timeRead := func(name string, samples int, path func(i int) string) {
			p := runLoad(ctx, 1, samples, time.Minute, func(ctx context.Context, i int) error {
				return c.call(ctx, "GET", path(i), nil, nil)
			})
			r := fromPhase(name+at, 1, p, 0)
			r.Extra = extra
			rep.add(w, r)
		}
		timeRead("events first page (50)", readSamples, func(int) string {
			return "/api/v1/canvases/history/events?limit=50"
		})
		deep := "/api/v1/canvases/history/events?limit=50&before=" + url.QueryEscape(middle.UTC().Format(time.RFC3339Nano))
		timeRead("events page from the middle (50)", readSamples, func(int) string { return deep })
		timeRead("events page of one source (50)", readSamples, func(int) string {
			return "/api/v1/canvases/history/events?limit=50&sourceId=history-hook"
		})
		timeRead("event source get (with lastEvent)", readSamples, func(int) string {
			return "/api/v1/canvases/history/event-sources/history-hook"
		})
		timeRead("secret get", readSamples, func(int) string {
			return "/api/v1/secrets/hist-" + strconv.Itoa(rand.IntN(max(secrets, 1))) + "?domainType=DOMAIN_TYPE_ORGANIZATION"
		})
		timeRead("secret list of a canvas (10)", readSamples, func(int) string {
			return "/api/v1/secrets?domainType=DOMAIN_TYPE_CANVAS&domainId=history"
		})
		timeRead("secret list of the organization, a page (50) from the middle", readSamples, func(int) string {
			return "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION&limit=50&after=hist-5"
		})
		// Without ?limit= (this server's extension) the v1 secrets list
		// has no pages: the whole organization comes back; the peak before
		// and after tells its cost.
		_, peakBefore := srv.memory()
		timeRead("secret list of the organization (all)", 5, func(int) string {
			return "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION"
		})
		_, peakAfter := srv.memory()
		rep.Results[len(rep.Results)-1].Extra = map[string]any{"events": events, "secrets": secrets,
			"peakRSSBefore": round(peakBefore, 1), "peakRSSAfter": round(peakAfter, 1)}

		// Writes with this much history in the tables (into the "depth"
		// canvas, bounded by count too).
		cpu0 = srv.cpuSeconds()
		start = depthSeq
		p := runLoad(ctx, 16, 20_000, min(cfg.duration, 5*time.Second), func(ctx context.Context, i int) error {
			_, err := depth.deliver(ctx, start+i)
			return err
		})
		depthSeq += p.Count
		r := fromPhase("deliveries c16"+at, 16, p, srv.cpuSeconds()-cpu0)
		r.Extra = extra
		rep.add(w, r)
		cpu0 = srv.cpuSeconds()
		pstart := depthSecrets
		p = runLoad(ctx, 16, 20_000, min(cfg.duration, 5*time.Second), func(ctx context.Context, i int) error {
			return depthPair(ctx, c, "depth-"+strconv.Itoa(pstart+i))
		})
		depthSecrets += p.Count
		r = fromPhase("secret create+get pairs c16"+at, 16, p, srv.cpuSeconds()-cpu0)
		r.Extra = extra
		rep.add(w, r)
		if _, err := waitDrained(ctx, srv, 5*time.Minute); err != nil {
			return err
		}
	}
	rss, peak := srv.memory()
	rep.add(w, result{Name: "server memory after growth (MiB)", Load: loadAvg(), Extra: map[string]any{
		"afterRSS": round(rss, 1), "peakRSS": round(peak, 1), "events": events, "secrets": secrets}})
	return nil
}

// depthPair is secretPair in the "depth" canvas.
func depthPair(ctx context.Context, c *apiClient, name string) error {
	if err := c.call(ctx, "POST", "/api/v1/secrets", api.CreateSecretRequest{
		DomainType: api.DomainTypeCanvas, DomainID: "depth",
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: name}, Spec: &api.SecretSpec{
			Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: fiveKeys}}},
	}, nil); err != nil {
		return err
	}
	return c.call(ctx, "GET", "/api/v1/secrets/"+name+"?domainType=DOMAIN_TYPE_CANVAS&domainId=depth", nil, nil)
}

// fiveKeys is the data of the secrets written at depth, as secretBody's.
var fiveKeys = map[string]string{
	"DB_URL": "postgres://app:pw@db.internal:5432/app", "API_TOKEN": "tok_3f9a1c2b7d8e4f60a1b2c3d4e5f60718",
	"SIGNING_KEY": "c2lnbmluZy1rZXktb2YtMzItYnl0ZXMtbG9uZw==", "REGION": "eu-west-1", "LOG_LEVEL": "info",
}
