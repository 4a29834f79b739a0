package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	fakedatadog "github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// Datadog's API keys are 32 hexadecimal digits, its application keys 40.
const (
	ddAPIKey  = "00112233445566778899aabbccddeeff"
	ddAppKey  = "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334"
	ddAPIKey2 = "ffeeddccbbaa99887766554433221100"
	ddAppKey2 = "99887766554433221100ffeeddccbbaa99887766"
	ddHook    = "superplane-rollback"
)

func datadogBody(name, secret string) string {
	return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"datadog",
		"datadog":{"site":"datadoghq.eu","apiKey":{"valueFrom":{"secret":{"name":"` + secret + `","key":"api_key"}}},
		"applicationKey":{"valueFrom":{"secret":{"name":"` + secret + `","key":"app_key"}}}}}}}`
}

func ddSecretPatch(api, app string) string {
	b, _ := json.Marshal(map[string]any{"secret": map[string]any{"spec": map[string]any{"local": map[string]any{"data": map[string]string{"api_key": api, "app_key": app}}}}})
	return string(b)
}

// TestDatadogEndToEnd: a datadog integration verifies both keys; a datadog
// source provisions its webhook in Datadog's Webhooks integration with the
// source's key in X-Superplane-Token; a monitor notification through it
// starts an http stage that mutes the monitor with the integration's keys;
// deliveries with a wrong or missing token are refused and not stored; a
// stage sending the keys elsewhere fails without sending anything; rotating
// the keys re-verifies without touching the source or the stage; deleting
// the integration while in use is refused naming them; deleting the source
// deletes the webhook.
func TestDatadogEndToEnd(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dd := fakedatadog.New(t)
	dd.AddKeys(ddAPIKey, ddAppKey)
	monitor := dd.AddMonitor("checkout p99 latency")
	tools := &integration.Verifier{DatadogAPIURL: dd.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, envOption{ln: ln}, withBaseURL(base), withTools(tools),
		withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "dd", map[string]string{"api_key": ddAPIKey, "app_key": ddAppKey})).decode(t, &api.SecretResponse{})

	var in api.IntegrationResponse
	created := e.do("owner", "POST", "/api/v1/integrations", datadogBody("datadog", "dd"))
	created.decode(t, &in)
	st, spec := in.Integration.Status, in.Integration.Spec
	if st.State != api.IntegrationStateOK || st.Reason != "ok" {
		t.Fatalf("status %+v", st)
	}
	if spec.URL != "" || spec.Auth == nil || spec.Auth.Use != api.AuthTypeAPIKey || spec.Datadog == nil || spec.Datadog.Site != "datadoghq.eu" ||
		spec.Datadog.APIKey.ValueFrom.Secret.Name != "dd" || spec.Datadog.ApplicationKey.ValueFrom.Secret.Key != "app_key" {
		t.Fatalf("spec %+v", spec)
	}

	// The source: its webhook is provisioned in Datadog.
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("alerts", api.EventSourceSpec{
		Type: "datadog", Integration: &api.IntegrationRef{Name: "datadog"}, Resource: &api.ResourceRef{Name: ddHook},
	})).decode(t, &src)
	es := src.EventSource
	wantURL := base + "/api/v1/sources/" + es.Metadata.ID + "/datadog"
	hook, ok := dd.Webhook(ddHook)
	if !ok || hook.URL != wantURL || hook.EncodeAs != "json" || hook.CustomHeaders == nil || !strings.Contains(*hook.CustomHeaders, "X-Superplane-Token") {
		t.Fatalf("webhook in Datadog: %+v", hook)
	}
	if es.Status.Webhook.State != "ready" || es.Spec.Resource.Type != "webhook" || src.Key != "" {
		t.Fatalf("source: %+v key %q", es, src.Key)
	}
	var headers map[string]string
	_ = json.Unmarshal([]byte(*hook.CustomHeaders), &headers)
	token := headers["X-Superplane-Token"]

	// A stage run by the alert mutes the monitor; one that sends the keys
	// elsewhere fails and sends nothing.
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for name, url := range map[string]string{
		"mute":  dd.URL() + "/api/v1/monitor/" + strconv.Itoa(monitor) + "/mute",
		"leaky": other.URL + "/collect",
	} {
		e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: name}, Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "alerts"}},
			Executor: &api.Executor{Type: "http", Integration: &api.IntegrationRef{Name: "datadog"}, Spec: map[string]any{
				"url": url, "payload": map[string]any{"scope": "${{ inputs.scope }}"},
			}},
			Inputs:        []api.InputDefinition{{Name: "scope"}},
			InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "scope", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "alerts", Expression: "$.alert_scope"}}}}}},
		}}}).decode(t, &api.StageResponse{})
	}
	se := &stageEnv{env: e}
	se.startEngine(t)
	d, ok := dd.Notify(ddHook, map[string]string{"ID": "7000001", "ALERT_ID": strconv.Itoa(monitor), "ALERT_TRANSITION": "Triggered", "ALERT_SCOPE": "service:checkout", "EVENT_TITLE": "[Triggered] checkout p99 latency"})
	if !ok || d.Status != http.StatusOK {
		t.Fatalf("notification: %+v", d)
	}
	if ex := waitExecution(t, e, "mute", 1)[0]; ex.Result != api.ResultPassed {
		t.Fatalf("mute execution %+v", ex)
	}
	if m, _ := dd.Monitor(monitor); !m.Muted || m.Scope != "service:checkout" {
		t.Fatalf("monitor after the stage: %+v", m)
	}
	if ex := waitExecution(t, e, "leaky", 1)[0]; ex.Result != api.ResultFailed || !strings.Contains(ex.ResultMessage+ex.ResultReason, "only sent to its Datadog site") {
		t.Fatalf("leaky execution %+v", ex)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the stage with a non-Datadog URL made a request")
	}

	// Deliveries: a retry of the same notification is one event; a wrong
	// or missing token is refused before the body is read.
	path := "/api/v1/sources/" + es.Metadata.ID + "/datadog"
	body := []byte(`{"id":"7000002","alert_transition":"Recovered"}`)
	h := map[string]string{"Content-Type": "application/json", "X-Superplane-Token": token}
	for i := 0; i < 2; i++ {
		if status, resp := deliver(t, e, path, body, h); status != 200 {
			t.Fatalf("delivery %d: %d %s", i, status, resp)
		}
	}
	h["X-Superplane-Token"] = strings.Repeat("0", len(token))
	if status, _ := deliver(t, e, path, body, h); status != 401 {
		t.Fatalf("wrong token: %d", status)
	}
	delete(h, "X-Superplane-Token")
	if status, resp := deliver(t, e, path, body, h); status != 401 || !strings.Contains(resp, "X-Superplane-Token") {
		t.Fatalf("missing token: %d %s", status, resp)
	}
	events := listEvents(t, e, "?sourceId="+es.Metadata.ID)
	if len(events.Events) != 2 || events.Events[0].Type != "alert" {
		t.Fatalf("events: %+v", events.Events)
	}
	for _, ev := range events.Events {
		if _, kept := headersOf(ev)["x-superplane-token"]; kept {
			t.Fatal("an event kept X-Superplane-Token")
		}
	}

	// Rotation: new keys in the secret re-verify; the webhook is untouched.
	writes := func() int {
		n := 0
		for _, r := range dd.Requests() {
			if strings.Contains(r.Path, "/webhooks") && r.Method != "GET" {
				n++
			}
		}
		return n
	}
	before := writes()
	dd.AddKeys(ddAPIKey2, ddAppKey2)
	dd.RevokeAPIKey(ddAPIKey)
	e.do("owner", "PATCH", "/api/v1/secrets/dd?domainType=DOMAIN_TYPE_ORGANIZATION", ddSecretPatch(ddAPIKey2, ddAppKey2)).decode(t, &api.SecretResponse{})
	e.do("viewer", "GET", "/api/v1/integrations/datadog?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &in)
	if in.Integration.Status.State != api.IntegrationStateOK {
		t.Fatalf("after rotation: %+v", in.Integration.Status)
	}
	if writes() != before {
		t.Fatal("rotating the integration's keys rewrote the webhook")
	}
	var checked api.EventSourceResponse
	e.do("admin", "GET", "/api/v1/canvases/prod/event-sources/alerts?check=true", nil).decode(t, &checked)
	if checked.EventSource.Status.Webhook.Observed != api.HookObservedOK {
		t.Fatalf("check with the rotated keys: %+v", checked.EventSource.Status.Webhook)
	}
	// A revoked application key: Datadog's words, no key.
	dd.RevokeAppKey(ddAppKey2)
	e.do("owner", "POST", "/api/v1/integrations/datadog/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &in)
	if st := in.Integration.Status; st.State != api.IntegrationStateFailed || !strings.Contains(st.Reason, "refused the application key: Forbidden") {
		t.Fatalf("revoked application key: %+v", st)
	}
	dd.AddKeys(ddAPIKey2, ddAppKey2)

	// In use: 409 naming the users.
	r := e.do("owner", "DELETE", "/api/v1/integrations/datadog?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.err.Message, "alerts") {
		t.Fatalf("delete in use: %d %s", r.status, r.body)
	}

	// Deleting the source (after its stages) deletes its webhook.
	for _, stage := range []string{"mute", "leaky"} {
		e.do("owner", "DELETE", "/api/v1/canvases/prod/stages/"+stage, nil).decode(t, &api.Empty{})
	}
	e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/alerts", nil).decode(t, &api.Empty{})
	if _, ok := dd.Webhook(ddHook); ok {
		t.Fatal("the webhook is still in Datadog after the source was deleted")
	}

	list := e.do("viewer", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
	for _, where := range []string{string(created.body), string(list.body), e.logs.String()} {
		for _, k := range []string{ddAPIKey, ddAppKey, ddAPIKey2, ddAppKey2, token} {
			if strings.Contains(where, k) {
				t.Fatalf("a key shows in an answer or the log")
			}
		}
	}
}

// TestDatadogBadInput: each mistake is a 400 (404 for a missing secret or
// key) naming the field, and nothing reaches Datadog.
func TestDatadogBadInput(t *testing.T) {
	dd := fakedatadog.New(t)
	e := newEnv(t, withTools(&integration.Verifier{DatadogAPIURL: dd.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "dd", map[string]string{"api_key": ddAPIKey, "app_key": ddAppKey})).decode(t, &api.SecretResponse{})
	body := func(datadog string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"datadog","datadog":` + datadog + `}}}`
	}
	ref := func(secret, key string) string {
		return `{"valueFrom":{"secret":{"name":"` + secret + `","key":"` + key + `"}}}`
	}
	for name, c := range map[string]struct {
		body   string
		status int
		msg    string
	}{
		"no block":       {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"datadog"}}}`, 400, "integration.spec.datadog is required"},
		"bad site":       {body(`{"site":"datadoghq.org","apiKey":` + ref("dd", "api_key") + `,"applicationKey":` + ref("dd", "app_key") + `}`), 400, "integration.spec.datadog.site"},
		"no app key":     {body(`{"site":"datadoghq.com","apiKey":` + ref("dd", "api_key") + `}`), 400, "integration.spec.datadog.applicationKey"},
		"two secrets":    {body(`{"site":"datadoghq.com","apiKey":` + ref("dd", "api_key") + `,"applicationKey":` + ref("other", "app_key") + `}`), 400, "same secret"},
		"missing secret": {body(`{"site":"datadoghq.com","apiKey":` + ref("nope", "api_key") + `,"applicationKey":` + ref("nope", "app_key") + `}`), 404, `secret "nope" not found`},
		"missing key":    {body(`{"site":"datadoghq.com","apiKey":` + ref("dd", "api_key") + `,"applicationKey":` + ref("dd", "application_key") + `}`), 404, `key "application_key" not found in secret "dd"`},
		"url set":        {`{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"bad"},"spec":{"type":"datadog","url":"https://api.datadoghq.com","datadog":{"site":"datadoghq.com","apiKey":` + ref("dd", "api_key") + `,"applicationKey":` + ref("dd", "app_key") + `}}}}`, 400, "integration.spec.url must be empty"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", c.body)
			if r.status != c.status || !strings.Contains(r.err.Message, c.msg) {
				t.Fatalf("got %d %s; want %d with %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if len(dd.Requests()) != 0 {
		t.Fatal("a refused request reached Datadog")
	}
}
