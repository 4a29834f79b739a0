package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestDeliveryLogsOneLine: a webhook delivery writes one log line, the
// receiver's "webhook delivery" line, carrying the request's id, method,
// path, status and duration (what the request line carries) with the
// delivery's source, organization, outcome and event id, whatever the
// answer: accepted, refused for its signature, to an unknown source, or
// refused for want of in-flight budget. No key or signature is in the log.
func TestDeliveryLogsOneLine(t *testing.T) {
	const limit = 1 << 20
	e := newEnv(t, envOption{srv: []server.Option{server.WithWebhookBodyLimit(limit), server.WithWebhookInflightLimit(4 * limit)}})
	createCanvas(t, e, "prod")
	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	path, key := customSource(t, e, "owner", "hook")
	slowPath, slowKey := customSource(t, e, "owner", "slow")
	body := []byte(`{"n":1}`)
	signature := webhook.Sign([]byte(key), body)
	forged := webhook.Sign([]byte("not-the-key"), body)
	post := func(id, path, signature string) int {
		status, _ := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json",
			"X-Signature-256": signature, "X-Request-Id": id, "Idempotency-Key": "delivery-" + id})
		return status
	}
	check := func(t *testing.T, id, path, organization string, status int, outcome string) map[string]any {
		t.Helper()
		// The line is written as the handler returns, which may be just
		// after the client has the answer: poll, bounded.
		var lines []map[string]any
		for deadline := time.Now().Add(30 * time.Second); len(lines) == 0 && time.Now().Before(deadline); {
			if lines = logLinesOf(t, e.logs.String(), id); len(lines) == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if len(lines) != 1 {
			t.Fatalf("%d log lines with request_id %q, want one: %v", len(lines), id, lines)
		}
		line := lines[0]
		want := map[string]any{"msg": "webhook delivery", "method": "POST", "path": path,
			"source_id": strings.TrimPrefix(path, "/api/v1/sources/"), "source_type": "webhook",
			"organization": organization, "status": float64(status), "outcome": outcome}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s: %v, want %v (line %v)", k, line[k], v, line)
			}
		}
		if d, ok := line["duration"].(float64); !ok || d <= 0 {
			t.Errorf("duration: %v, want a positive number of nanoseconds", line["duration"])
		}
		return line
	}

	t.Run("accepted", func(t *testing.T) {
		if status := post("dl-accepted", path, signature); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		line := check(t, "dl-accepted", path, me.OrganizationID, http.StatusOK, "accepted")
		if id, _ := line["event_id"].(string); id == "" || line["delivery_id"] != "delivery-dl-accepted" {
			t.Errorf("event_id %v, delivery_id %v: want the stored event's id and the delivery's", line["event_id"], line["delivery_id"])
		}
	})
	t.Run("refused signature", func(t *testing.T) {
		post("dl-forged", path, forged)
		check(t, "dl-forged", path, me.OrganizationID, http.StatusUnauthorized, "refused")
	})
	t.Run("unknown source", func(t *testing.T) {
		unknown := "/api/v1/sources/0b5ee1a2-4b8f-4f0c-9a51-3c2f1f6f1e01"
		post("dl-unknown", unknown, signature)
		check(t, "dl-unknown", unknown, "", http.StatusUnauthorized, "refused")
	})
	t.Run("budget refused", func(t *testing.T) {
		// Half of a body at the limit, sent slowly, holds acme's quarter
		// of the budget until the connection closes.
		conn := slowDelivery(t, e, slowPath, slowKey, limit)
		defer func() { _ = conn.Close() }()
		// The slow body reaches the receiver on its own goroutine: poll,
		// bounded in count and time (a loaded machine can take seconds to
		// schedule it), until acme's share is taken. Its source is read
		// before it is admitted, so one of these small deliveries may hold
		// a few bytes of acme's share just then and the slow body be
		// refused (answered): start it again.
		id, refused := "", false
		for i, deadline := 0, time.Now().Add(30*time.Second); i < 3000 && !refused && time.Now().Before(deadline); i++ {
			id = fmt.Sprintf("dl-overloaded-%d", i)
			if refused = post(id, path, signature) == http.StatusServiceUnavailable; !refused {
				if answered(conn) {
					_ = conn.Close()
					conn = slowDelivery(t, e, slowPath, slowKey, limit)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		if !refused {
			t.Fatalf("no delivery was refused for want of budget while the slow body held acme's share")
		}
		check(t, id, path, me.OrganizationID, http.StatusServiceUnavailable, "overloaded")
	})

	logs := e.logs.String()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"path":"/api/v1/sources/`) {
			t.Errorf("a delivery has a request line too: %s", line)
		}
	}
	for _, secret := range []string{key, slowKey, strings.TrimPrefix(signature, "sha256="), strings.TrimPrefix(forged, "sha256=")} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a key or a signature (%.8s…)", secret)
		}
	}
}

// logLinesOf returns every log line with this request id.
func logLinesOf(t *testing.T, logs, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err == nil && m["request_id"] == id {
			out = append(out, m)
		}
	}
	return out
}
