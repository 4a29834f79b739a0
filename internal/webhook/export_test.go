package webhook

// InFlight returns the body bytes h's deliveries hold reserved and the
// number of tenants holding some, so that tests can tell the budget is
// whole again.
func InFlight(h *Handler) (bytes int64, tenants int) { return h.budget.inUse() }

// Peak returns the most body bytes h's deliveries have held reserved at
// once.
func Peak(h *Handler) int64 { return h.budget.Peak() }

// ReadStep is the first buffer of a body of unknown length.
const ReadStep = readStep
