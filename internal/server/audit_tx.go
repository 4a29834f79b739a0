package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// armAudit lets the request's write record it in the change's own
// transaction (store.PendingAudit): the record as auditPrincipal started
// it, with the status and outcome of the API's success, 200. A write that
// supports it fills in the object it changed; the wrapper then writes no
// record of its own, as long as the answer is that 200. Any other answer
// (the write failed, or something after it did) is recorded by the wrapper
// as before, so a refusal is never lost and a record never claims an
// answer the client did not get.
//
// Only the API's routes arm it: a console form answers with a redirect, so
// its record says 303, which the write cannot know.
func armAudit(r *http.Request) {
	e, ok := r.Context().Value(auditKey{}).(*auditEntry)
	if !ok || !e.authenticated || e.pending == nil {
		return
	}
	e.pending.Event = e.event
	e.pending.Event.Status = http.StatusOK
	e.pending.Event.Outcome = store.AuditSucceeded
	e.pending.Arm()
}
