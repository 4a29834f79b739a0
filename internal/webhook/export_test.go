package webhook

// InFlight returns the body bytes h's deliveries hold reserved and the
// number of tenants holding some, so that tests can tell the budget is
// whole again.
func InFlight(h *Handler) (bytes int64, tenants int) { return h.budget.inUse() }
