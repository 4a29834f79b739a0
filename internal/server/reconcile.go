package server

import (
	"context"
	"log/slog"
	"time"
)

// Reconcile checks every provisioned hook once: missing or altered hooks are
// repaired, failed provisioning is retried when its backoff has passed.
//
// One replica at a time reconciles (a lock in the database): N replicas
// would otherwise make N times the calls to the tools, and two repairing
// the same missing hook at once could both create it.
func (s *Server) Reconcile(ctx context.Context) {
	unlock, ok, err := s.store.TryLock(ctx, "webhook-reconciler")
	if err != nil {
		s.log.ErrorContext(ctx, "reconcile: cannot take the reconciler lock", slog.String("error", err.Error()))
		return
	}
	if !ok {
		s.log.DebugContext(ctx, "reconcile: another replica is reconciling")
		return
	}
	defer unlock()
	after := ""
	for page := 0; page < 10000; page++ {
		list, err := s.store.EventSourcesWithHooks(ctx, after, 100)
		if err != nil {
			s.log.ErrorContext(ctx, "reconcile: cannot list event sources", slog.String("error", err.Error()))
			return
		}
		if len(list) == 0 {
			return
		}
		for _, es := range list {
			after = es.ID
			if es.HookState == hookFailed && s.now().Before(es.HookNextAttempt) {
				continue
			}
			updated, err := s.provision(ctx, es, false)
			if err != nil {
				s.log.ErrorContext(ctx, "reconcile: cannot record hook state", slog.String("source", es.ID), slog.String("error", err.Error()))
				continue
			}
			if updated.HookState != es.HookState || updated.HookReason != es.HookReason {
				s.log.InfoContext(ctx, "reconcile: webhook state changed", slog.String("source", es.ID),
					slog.String("state", updated.HookState), slog.String("reason", updated.HookReason))
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// RunReconciler calls Reconcile every interval until ctx ends.
func (s *Server) RunReconciler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Reconcile(ctx)
		}
	}
}
