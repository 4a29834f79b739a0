package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// depthLimit bounds each count of waiting work at a scrape: past it the
// gauge shows the bound and superplane_queue_depth_capped is 1.
const depthLimit = 100_000

// depthTimeout bounds the queries of one scrape.
const depthTimeout = 2 * time.Second

// Depths returns a collector of the work waiting across every organization
// (superplane_queue_depth, by queue and state), read from st at each scrape
// with a few bounded queries: totals only, so the scrape names no
// organization or canvas, and nothing is counted on the hot paths.
func Depths(st store.DepthStore) prometheus.Collector {
	return &depths{st: st}
}

type depths struct{ st store.DepthStore }

var (
	depthDesc = prometheus.NewDesc("superplane_queue_depth",
		"Work waiting across every organization: events not yet routed, stage events queued (pending, waiting for approval or a time window) and executions not finished (pending, started).",
		[]string{"queue", "state"}, nil)
	depthCappedDesc = prometheus.NewDesc("superplane_queue_depth_capped",
		"1 when a superplane_queue_depth count reached its bound (100000) and shows the bound.", nil, nil)
)

// Describe sends the collector's descriptions.
func (d *depths) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- depthCappedDesc
}

// Collect counts the waiting work now. A database that does not answer in
// depthTimeout makes the scrape report an error for these families only.
func (d *depths) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), depthTimeout)
	defer cancel()
	q, err := d.st.QueueDepths(ctx, depthLimit)
	if err != nil {
		// The error's text stays out of the scrape: it could name the
		// database's host.
		ch <- prometheus.NewInvalidMetric(depthDesc, errDepths)
		return
	}
	for _, v := range []struct {
		queue, state string
		n            int64
	}{
		{"events", "unrouted", q.EventsUnrouted},
		{"stage_events", "pending", q.StageEventsPending},
		{"stage_events", "waiting", q.StageEventsWaiting},
		{"executions", "pending", q.ExecutionsPending},
		{"executions", "started", q.ExecutionsStarted},
	} {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(v.n), v.queue, v.state)
	}
	capped := 0.0
	if q.Capped {
		capped = 1
	}
	ch <- prometheus.MustNewConstMetric(depthCappedDesc, prometheus.GaugeValue, capped)
}

var errDepths = errors.New("the queue depths could not be read from the database")
