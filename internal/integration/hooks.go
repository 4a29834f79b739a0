package integration

// Hook is the webhook an event source wants on a tool.
type Hook struct {
	// CallbackURL is where the tool delivers: it identifies our hook among
	// the repository's others.
	CallbackURL string
	// Secret signs the deliveries (the event source's key).
	Secret string
	// Events are the tool's event names (GitHub: push, pull_request, ...).
	Events []string
}

// HookResult says what EnsureHook did.
type HookResult struct {
	ID       string // the hook's id on the tool
	Created  bool   // there was no hook for the callback URL
	Repaired bool   // a hook we had made was missing or altered, and was fixed
	Removed  int    // duplicate hooks for the callback URL that were deleted
}

// HookError is a provisioning failure with the tool's own reason.
type HookError struct{ Reason string }

func (e *HookError) Error() string { return e.Reason }

// What a read-only check of a hook observed.
const (
	HookOK      = "ok"      // the hook is there as SuperPlane made it
	HookMissing = "missing" // no hook delivers to the source
	HookDrifted = "drifted" // a hook delivers to the source but was altered or duplicated
)

// HookCheck is what a read-only look at a tool's hook found: State is
// HookOK, HookMissing or HookDrifted, Reason says what differs.
type HookCheck struct {
	State  string
	Reason string
}

// HookCredentials is the optional part of a Hooks type whose integrations
// have typed settings and several secret values (datadog: a site, an API
// key and an application key) rather than a URL and one token: it gives the
// Hooks methods their integrationURL and token from the settings and the
// secret's values, for one call.
type HookCredentials interface {
	// HookCredentials returns the integrationURL and the token the type's
	// EnsureHook, CheckHook and DeleteHook take. Its error is fit for a
	// source's status and holds no secret value.
	HookCredentials(v *Verifier, settings []byte, secret map[string]string) (integrationURL, token string, err error)
}
