package engine

import (
	"context"
	"log/slog"
	"time"
)

// DefaultAuditRetention is how long serve keeps the audit trail unless told
// otherwise (--audit-retention): a year, longer than events, since a trail
// is read when something is found out, often months later.
const DefaultAuditRetention = 365 * 24 * time.Hour

// WithAuditRetention sets how long audit records are kept
// (DefaultAuditRetention in serve); 0, the engine's default, keeps them
// forever.
func WithAuditRetention(d time.Duration) Option {
	return func(e *Engine) { e.auditRetention = max(d, 0) }
}

// pruneAudit removes up to pruneBatches batches of audit records older
// than the audit retention, like the other history: a backlog goes over
// several passes rather than in one long delete.
func (e *Engine) pruneAudit(ctx context.Context, now time.Time) {
	if e.auditRetention <= 0 {
		return
	}
	for range pruneBatches {
		n, err := e.store.PruneAuditEvents(ctx, now.Add(-e.auditRetention), pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "engine: pruning old audit records", slog.String("error", err.Error()))
			}
			return
		}
		if n < pruneBatch {
			return
		}
	}
}
