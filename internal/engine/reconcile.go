package engine

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Reconciler defaults; see WithReconcileLimits.
const (
	defaultReconcileOrgs   = 8
	defaultReconcileBudget = time.Minute
)

// WithReconcileLimits sets how many organizations the reconciler repairs at
// once (default 8) and the time one organization may take in a pass
// (default 1 minute): after it, no new source of that organization is
// started in the pass, and the one in flight still has its own 20 s
// timeout. The sources left over go first at the next pass.
func WithReconcileLimits(orgs int, perOrg time.Duration) Option {
	return func(e *Engine) { e.reconcileOrgs, e.reconcileBudget = orgs, perOrg }
}

// Reconcile checks every provisioned hook once: missing or altered hooks are
// repaired, failed provisioning is retried when its backoff has passed.
//
// Organizations are reconciled concurrently, a few at a time, and each
// within a time budget, so one organization's slow or hung tool host holds
// up its own repairs only: everyone else's go on beside it.
//
// One replica at a time reconciles (a lock in the database): N replicas
// would otherwise make N times the calls to the tools, and two repairing
// the same missing hook at once could both create it.
func (e *Engine) Reconcile(ctx context.Context) {
	unlock, ok, err := e.store.TryLock(ctx, "webhook-reconciler")
	if err != nil {
		e.log.ErrorContext(ctx, "reconcile: cannot take the reconciler lock", slog.String("error", err.Error()))
		return
	}
	if !ok {
		e.log.DebugContext(ctx, "reconcile: another replica is reconciling")
		return
	}
	defer unlock()
	byOrg, orgs := e.dueSources(ctx)
	workers := e.reconcileOrgs
	if workers <= 0 {
		workers = defaultReconcileOrgs
	}
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, org := range orgs {
		select {
		case <-ctx.Done():
			return
		case slots <- struct{}{}:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			e.reconcileOrg(ctx, org, byOrg[org])
		}()
	}
}

// dueSources lists the sources with hooks that are due (not waiting out a
// backoff), by organization, the least recently checked first; orgs is the
// organizations in the order they were first met.
func (e *Engine) dueSources(ctx context.Context) (byOrg map[string][]store.EventSource, orgs []string) {
	byOrg = map[string][]store.EventSource{}
	after := ""
	for page := 0; page < 10000; page++ { // bounded: 1,000,000 sources
		list, err := e.store.EventSourcesWithHooks(ctx, after, 100)
		if err != nil {
			e.log.ErrorContext(ctx, "reconcile: cannot list event sources", slog.String("error", err.Error()))
			break
		}
		if len(list) == 0 {
			break
		}
		for _, es := range list {
			after = es.ID
			if es.HookState == hooks.StateFailed && e.now().Before(es.HookNextAttempt) {
				continue
			}
			if _, seen := byOrg[es.OrgID]; !seen {
				orgs = append(orgs, es.OrgID)
			}
			byOrg[es.OrgID] = append(byOrg[es.OrgID], es)
		}
	}
	// A source a spent budget left unchecked is checked before the others
	// at the next pass: an organization's tail is never starved by its head.
	for _, list := range byOrg {
		slices.SortStableFunc(list, func(a, b store.EventSource) int { return a.HookCheckedAt.Compare(b.HookCheckedAt) })
	}
	return byOrg, orgs
}

// reconcileOrg checks one organization's due sources in order until its
// budget for the pass is spent; the first source is always checked.
func (e *Engine) reconcileOrg(ctx context.Context, org string, sources []store.EventSource) {
	budget := e.reconcileBudget
	if budget <= 0 {
		budget = defaultReconcileBudget
	}
	start := time.Now()
	for i, es := range sources {
		if ctx.Err() != nil {
			return
		}
		if i > 0 && time.Since(start) >= budget {
			e.log.WarnContext(ctx, "reconcile: the organization's time budget for this pass is spent; its other sources are checked first at the next pass",
				slog.String("organization", org), slog.Int("left", len(sources)-i), slog.Duration("budget", budget))
			return
		}
		updated, err := e.hooks.Provision(ctx, es, false)
		if err != nil {
			e.log.ErrorContext(ctx, "reconcile: cannot record hook state", slog.String("source", es.ID), slog.String("error", err.Error()))
			e.metrics.Reconcile(es.Type, metrics.ReconcileError)
			continue
		}
		e.metrics.Reconcile(es.Type, reconcileOutcome(es, updated))
		if updated.HookState != es.HookState || updated.HookReason != es.HookReason {
			e.log.InfoContext(ctx, "reconcile: webhook state changed", slog.String("source", es.ID),
				slog.String("state", updated.HookState), slog.String("reason", updated.HookReason))
		}
	}
}

// RunReconciler calls Reconcile every interval until ctx ends.
func (e *Engine) RunReconciler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.Reconcile(ctx)
		}
	}
}

// reconcileOutcome sums up one check for the metrics. A source stays
// "repaired" until its hook is recreated, so only a new repair (its reason
// names the time of the repair) counts as one.
func reconcileOutcome(before, after store.EventSource) string {
	switch {
	case after.HookState == hooks.StateFailed:
		return metrics.ReconcileFailed
	case after.HookState == hooks.StateRepaired && after.HookReason != before.HookReason:
		return metrics.ReconcileRepaired
	}
	return metrics.ReconcileOK
}
