package webhook_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

const (
	adoPath    = "/api/v1/sources/ado-1/azure_devops"
	adoEventID = "03c164c2-8912-4d5e-8009-3707d5f83734"
	adoBody    = `{"subscriptionId":"00ca946b-2fe9-4f2a-ae2f-40d5c48001bc","notificationId":3,"id":"` + adoEventID +
		`","eventType":"git.push","publisherId":"tfs","message":{"text":"pushed"},"resource":{"refUpdates":[{"name":"refs/heads/main"}]}}`
)

// azureDevOps is a delivery as an Azure DevOps webHooks subscription sends
// it, with the source's key in the header its httpHeaders input names.
func azureDevOps(body, token string) post {
	h := map[string]string{"Content-Type": "application/json; charset=utf-8"}
	if token != "" {
		h[webhook.AzureDevOpsTokenHeader] = token
	}
	return post{path: adoPath, body: body, header: h}
}

// TestReceiveAzureDevOps: a delivery carrying the source's key (current or
// previous) in X-Superplane-Token is stored with the body's eventType as
// type and its event id as delivery id, so a retry is a duplicate; a
// wrong, missing or doubled key is refused before the body is parsed, and
// nothing is stored; the key is never stored as a header.
func TestReceiveAzureDevOps(t *testing.T) {
	for _, c := range []struct {
		name    string
		p       post
		status  int
		message string
	}{
		{"current key", azureDevOps(adoBody, string(currentKey)), 200, ""},
		{"previous key", azureDevOps(adoBody, string(previousKey)), 200, ""},
		{"wrong key", azureDevOps(adoBody, string(strangerKey)), 401, refusedMessage},
		{"key with a suffix", azureDevOps(adoBody, string(currentKey)+"x"), 401, refusedMessage},
		{"missing key", azureDevOps(adoBody, ""), 401, "missing X-Superplane-Token header"},
		{"basic auth instead", azureDevOps(adoBody, "").with("Authorization", "Basic OmN1cnJlbnQ="), 401, "missing X-Superplane-Token header"},
		{"two keys", func() post {
			p := azureDevOps(adoBody, string(currentKey))
			p.extra = map[string][]string{webhook.AzureDevOpsTokenHeader: {string(currentKey)}}
			return p
		}(), 401, refusedMessage},
		{"wrong key, garbage body", azureDevOps("not json", string(strangerKey)), 401, refusedMessage},
		{"good key, garbage body", azureDevOps("not json", string(currentKey)), 400, "body is not valid JSON"},
		{"no eventType", azureDevOps(`{"id":"x"}`, string(currentKey)), 400, "body has no eventType"},
		{"to a bitbucket source", azureDevOps(adoBody, string(currentKey)).at("/api/v1/sources/bb-1/azure_devops"), 401, refusedMessage},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink := newMemSink()
			rec := do(newMux(testSources(), sink, webhook.Config{}), c.p)
			if rec.Code != c.status {
				t.Fatalf("status = %d (%s), want %d", rec.Code, rec.Body, c.status)
			}
			if c.status != 200 {
				if e := decodeError(t, rec); !strings.Contains(e.Message, c.message) {
					t.Errorf("message = %q, want %q", e.Message, c.message)
				}
				if sink.count() != 0 {
					t.Error("a refused delivery was stored")
				}
				return
			}
			d := sink.last()
			if d.SourceID != "ado-1" || d.Type != "git.push" || d.DeliveryID != adoEventID {
				t.Errorf("delivery = %s %s %s, want ado-1 git.push %s", d.SourceID, d.Type, d.DeliveryID, adoEventID)
			}
			for k, v := range d.Headers {
				if strings.Contains(v, string(currentKey)) || strings.Contains(v, string(previousKey)) || strings.EqualFold(k, webhook.AzureDevOpsTokenHeader) {
					t.Errorf("stored header %s: %s carries the key", k, v)
				}
			}
			// A retry of the notification names the same event: the first
			// event answers it.
			again := do(newMux(testSources(), sink, webhook.Config{}), c.p)
			if r := decodeReceipt(t, again); !r.Duplicate || sink.count() != 1 {
				t.Errorf("retry = %+v (stored %d), want a duplicate", r, sink.count())
			}
		})
	}
}
