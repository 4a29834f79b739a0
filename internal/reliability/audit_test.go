package reliability

import (
	"net/url"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// verifyAudit checks the audit trail against the workload after a fault:
// every secret write a client saw acknowledged has its record (the server
// answers only after the record's commit), so a crash never leaves an
// acknowledged change out of the trail. A write of unknown outcome may or
// may not have one.
func (w *workload) verifyAudit(t *testing.T, tg *target) {
	t.Helper()
	records := map[string]int{}
	q := url.Values{"objectType": {"secret"}, "outcome": {"succeeded"}, "limit": {"200"}}
	for page := 0; ; page++ {
		if page == 1000 {
			t.Fatal("the audit trail did not end after 1,000 pages")
		}
		var out api.ListAuditEventsResponse
		mustJSON(t, tg.hc, "GET", tg.base()+api.AuditEventsPath+"?"+q.Encode(), tg.token, nil, &out)
		for _, ev := range out.AuditEvents {
			records[ev.ObjectName]++
		}
		if !out.HasNextPage || len(out.AuditEvents) == 0 || out.LastTimestamp == nil {
			break
		}
		q.Set("before", out.LastTimestamp.Format(time.RFC3339Nano))
		q.Set("beforeId", out.AuditEvents[len(out.AuditEvents)-1].ID)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	acked, recorded := 0, 0
	for name, s := range w.secrets {
		acked, recorded = acked+s.acked, recorded+records[name]
		if records[name] < s.acked {
			t.Errorf("secret %s: %d acknowledged writes, %d audit records", name, s.acked, records[name])
		}
	}
	t.Logf("audit: %d acknowledged secret writes, %d records of successful secret writes", acked, recorded)
}
