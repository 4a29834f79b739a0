package server_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestKeptSourceFollowsChangesOnEveryReplica: a replica's receivers keep
// the source they read (one read for many deliveries), yet a key reset, a
// filter change and a deletion made through another server over the same
// database apply to the replica's very next delivery.
func TestKeptSourceFollowsChangesOnEveryReplica(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			e := newEnv(t, onDatabase(t, db)...)
			reads := &sourceReads{Store: e.store}
			log := slog.New(slog.DiscardHandler)
			replica := httptest.NewServer(server.New(reads, service.New(reads, sealer.New(e.keys), log), log))
			t.Cleanup(replica.Close)
			createCanvas(t, e, "prod")
			var created api.EventSourceResponse
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
			path := replica.URL + "/api/v1/sources/" + created.EventSource.Metadata.ID
			n := 0
			send := func(key string) int {
				t.Helper()
				n++
				body := fmt.Appendf(nil, `{"n":%d}`, n)
				req, _ := http.NewRequestWithContext(t.Context(), "POST", path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Signature-256", webhook.Sign([]byte(key), body))
				req.Header.Set("X-Delivery-Id", fmt.Sprint("d-", n))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = res.Body.Close()
				return res.StatusCode
			}
			newest := func() api.Event {
				t.Helper()
				events := listEvents(t, e, "?limit=1")
				if len(events.Events) != 1 {
					t.Fatalf("events: %+v", events.Events)
				}
				return events.Events[0]
			}

			for i := range 3 {
				if status := send(created.Key); status != 200 {
					t.Fatalf("delivery %d to the replica: %d", i, status)
				}
			}
			if got := reads.n.Load(); got != 1 {
				t.Errorf("3 deliveries to the replica read their source %d times, want 1", got)
			}

			// A key reset on the other server: the replica verifies the
			// next delivery with the new key.
			var reset api.EventSourceResponse
			e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{"key":"a-new-signing-key-set-elsewhere-5c1f9d"}`).decode(t, &reset)
			if status := send("a-new-signing-key-set-elsewhere-5c1f9d"); status != 200 {
				t.Errorf("delivery signed with the key reset elsewhere: %d, want 200", status)
			}

			// A filter change on the other server: the replica's next
			// delivery is judged by it.
			e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/hook", sourceBody("hook", api.EventSourceSpec{Type: "webhook",
				Events: []api.EventSourceEventType{{Type: "webhook", Filters: []api.Filter{{Type: api.FilterTypeData,
					Data: &api.DataFilter{Expression: "$.n == 1000"}}}}}})).decode(t, &api.EventSourceResponse{})
			if status := send("a-new-signing-key-set-elsewhere-5c1f9d"); status != 200 {
				t.Fatalf("delivery after the filter change elsewhere: %d", status)
			}
			if ev := newest(); ev.State != api.EventStateRejected {
				t.Errorf("the delivery after the filter change elsewhere: %s, want rejected by the new filter", ev.State)
			}

			// Deleted on the other server: the replica refuses the next
			// delivery as it does an unknown source's.
			e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/hook", nil).decode(t, &api.Empty{})
			if status := send("a-new-signing-key-set-elsewhere-5c1f9d"); status != 401 {
				t.Errorf("delivery after the source's deletion elsewhere: %d, want 401", status)
			}
		})
	}
}
