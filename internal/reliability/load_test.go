package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// target is what the clients talk to: a server, a token, and a custom
// webhook source in canvas "prod" with its signing key.
type target struct {
	mu       sync.Mutex
	url      string
	token    string
	orgID    string
	canvasID string
	sourceID string
	key      string
	hc       *http.Client
}

func (tg *target) base() string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.url
}

func (tg *target) setURL(u string) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.url = u
}

// newTarget creates canvas "prod" and webhook source "hook" as the owner.
func newTarget(t *testing.T, url, token string) *target {
	t.Helper()
	tg := &target{url: url, token: token, hc: newHTTPClient()}
	var me api.Me
	mustJSON(t, tg.hc, "GET", url+"/api/v1/me", token, nil, &me)
	tg.orgID = me.OrganizationID
	var c api.CanvasResponse
	mustJSON(t, tg.hc, "POST", url+"/api/v1/canvases", token, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}, &c)
	tg.canvasID = c.Canvas.Metadata.ID
	var src api.EventSourceResponse
	mustJSON(t, tg.hc, "POST", url+"/api/v1/canvases/prod/event-sources", token,
		api.EventSourceRequest{EventSource: &api.EventSource{Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: "webhook"}}}, &src)
	tg.sourceID, tg.key = src.EventSource.Metadata.ID, src.Key
	if tg.key == "" {
		t.Fatal("the webhook source came without its key")
	}
	return tg
}

// secretModel is what the clients know about one secret: its last
// acknowledged state, and the writes sent since whose outcome is unknown
// (the server died, or answered 503, before saying).
type secretModel struct {
	client  int
	created bool // a create was acknowledged, or the secret was found
	data    map[string]string
	version int64
	// pending are the data of writes (the create, then updates) sent after
	// the last acknowledged state, oldest first.
	pending []map[string]string
	// busy is set while a client has a write to it in flight.
	busy bool
	// acked counts the acknowledged writes, each of which must have its
	// audit record (verifyAudit).
	acked int
}

// deliveryModel is one webhook delivery, by its idempotency key.
type deliveryModel struct {
	client  int
	body    []byte
	eventID string // "" until a 200 named it
}

// workload is the record of everything the clients were told, against
// which the server's state is verified after each fault.
type workload struct {
	mu         sync.Mutex
	prefix     string // starts every secret value: what the leak check looks for
	secrets    map[string]*secretModel
	deliveries map[string]*deliveryModel
	seq        int
	problems   []string
	failures   map[int]int // calls without a 200, by client

	// Totals over the test, for the figures in RELIABILITY.md.
	ackedWrites, ackedDeliveries, unknown, unknownApplied, redelivered, duplicateAnswers int
}

func newWorkload() *workload {
	return &workload{
		prefix:     "rel-value-" + randomHex(6) + "-",
		secrets:    map[string]*secretModel{},
		deliveries: map[string]*deliveryModel{},
		failures:   map[int]int{},
	}
}

// report fails the test with the problems the clients met.
func (w *workload) report(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Error(p)
	}
	w.problems = nil
}

// policy judges a failed call (no answer, or not a 200): whether it is an
// expected consequence of the fault under test, after which the outcome of
// the write is unknown, and whether the client should stop.
type policy func(c call) (expected, stop bool)

// crashPolicy: a dead server gives no answer; any answer that is not a 200
// is a bug.
func crashPolicy(c call) (bool, bool) { return c.err != nil, c.err != nil }

// newValue returns fresh secret data; the values are unique and start with
// the workload's prefix.
func (w *workload) newValue() map[string]string {
	w.mu.Lock()
	w.seq++
	n := w.seq
	w.mu.Unlock()
	return map[string]string{"value": w.prefix + randomHex(8), "seq": strconv.Itoa(n)}
}

// runClients runs n clients until ctx ends, each at most maxOps operations.
func (w *workload) runClients(ctx context.Context, tg *target, n, maxOps int, judge policy) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.client(ctx, tg, i, maxOps, judge)
		}()
	}
	wg.Wait()
}

// client creates secrets, updates its own, and posts signed deliveries.
func (w *workload) client(ctx context.Context, tg *target, id, maxOps int, judge policy) {
	rng := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	failures := w.clientFailures(id)
	for op := 0; op < maxOps && ctx.Err() == nil; op++ {
		var stop bool
		switch r := rng.IntN(10); {
		case r < 3:
			stop = w.createSecret(ctx, tg, id, judge)
		case r < 6:
			name := w.pickSecret(id, rng)
			if name == "" {
				stop = w.createSecret(ctx, tg, id, judge)
			} else {
				stop = w.updateSecret(ctx, tg, name, judge)
			}
		default:
			stop = w.deliver(ctx, tg, id, fmt.Sprintf("c%d-%s", id, randomHex(6)), nil, judge)
		}
		if stop {
			return
		}
		if n := w.clientFailures(id); n > failures {
			// Back off after a failure, as a real client would.
			failures = n
			time.Sleep(time.Duration(20+rng.IntN(30)) * time.Millisecond)
		}
	}
}

// clientFailures is how many calls of client id got no 200.
func (w *workload) clientFailures(id int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failures[id]
}

// pickSecret returns one of the client's secrets that exists and has no
// write in flight, or "".
func (w *workload) pickSecret(id int, rng *rand.Rand) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var names []string
	for name, s := range w.secrets {
		if s.client == id && s.created && !s.busy {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	name := names[rng.IntN(len(names))]
	w.secrets[name].busy = true
	return name
}

func (w *workload) createSecret(ctx context.Context, tg *target, id int, judge policy) bool {
	name := fmt.Sprintf("c%d-%s", id, randomHex(5))
	data := w.newValue()
	w.mu.Lock()
	w.secrets[name] = &secretModel{client: id, busy: true}
	w.mu.Unlock()
	body, _ := json.Marshal(api.CreateSecretRequest{
		DomainType: api.DomainTypeOrganization,
		Secret:     &api.Secret{Metadata: &api.SecretMetadata{Name: name}, Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: data}}},
	})
	c := do(ctx, tg.hc, "POST", tg.base()+"/api/v1/secrets", tg.token, body, nil)
	return w.secretAnswer(name, data, c, judge)
}

func (w *workload) updateSecret(ctx context.Context, tg *target, name string, judge policy) bool {
	data := w.newValue()
	body, _ := json.Marshal(api.UpdateSecretRequest{Secret: &api.Secret{Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: data}}}})
	c := do(ctx, tg.hc, "PATCH", tg.base()+"/api/v1/secrets/"+name+"?domainType=DOMAIN_TYPE_ORGANIZATION", tg.token, body, nil)
	return w.secretAnswer(name, data, c, judge)
}

// secretAnswer records the outcome of a write of data to secret name.
func (w *workload) secretAnswer(name string, data map[string]string, c call, judge policy) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.secrets[name]
	s.busy = false
	if c.ok() {
		var out api.SecretResponse
		if err := json.Unmarshal(c.body, &out); err != nil || out.Secret == nil || out.Secret.Metadata == nil {
			w.problems = append(w.problems, fmt.Sprintf("secret %s: a 200 without the secret: %s", name, c))
			return false
		}
		s.created, s.data, s.version, s.pending = true, data, out.Secret.Metadata.Version, nil
		s.acked++
		w.ackedWrites++
		return false
	}
	s.pending = append(s.pending, data)
	w.unknown++
	w.failures[s.client]++
	return w.judge(c, judge, "write to secret "+name)
}

// judge records a call that did not get a 200: the load ending (ctx
// cancelled) and the fault under test are expected, anything else is a
// problem. It returns whether the client stops. Call with w.mu held.
func (w *workload) judge(c call, judge policy, what string) bool {
	if errors.Is(c.err, context.Canceled) {
		return true
	}
	expected, stop := judge(c)
	if !expected {
		w.problems = append(w.problems, fmt.Sprintf("%s: unexpected answer %s (after %s)", what, c, c.elapsed.Round(time.Millisecond)))
	}
	return stop
}

// deliver posts a signed delivery with idempotency key key (body nil: a new
// one) and records the answer.
func (w *workload) deliver(ctx context.Context, tg *target, client int, key string, body []byte, judge policy) bool {
	if body == nil {
		body = []byte(fmt.Sprintf(`{"delivery":%q,"n":%d,"ref":"refs/heads/main"}`, key, rand.IntN(1000)))
		w.mu.Lock()
		w.deliveries[key] = &deliveryModel{client: client, body: body}
		w.mu.Unlock()
	}
	c := do(ctx, tg.hc, "POST", tg.base()+"/api/v1/sources/"+tg.sourceID, "", body, map[string]string{
		"X-Signature-256": webhook.Sign([]byte(tg.key), body), "Idempotency-Key": key,
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.deliveries[key]
	if c.ok() {
		var receipt webhook.Receipt
		if err := json.Unmarshal(c.body, &receipt); err != nil || receipt.EventID == "" {
			w.problems = append(w.problems, fmt.Sprintf("delivery %s: a 200 without a receipt: %s", key, c))
			return false
		}
		if d.eventID != "" && d.eventID != receipt.EventID {
			w.problems = append(w.problems, fmt.Sprintf("delivery %s: acknowledged as event %s, then as %s", key, d.eventID, receipt.EventID))
		}
		if receipt.Duplicate {
			w.duplicateAnswers++
		}
		if d.eventID == "" {
			w.ackedDeliveries++
		}
		d.eventID = receipt.EventID
		return false
	}
	w.unknown++
	w.failures[d.client]++
	return w.judge(c, judge, "delivery "+key)
}

// verifyStats are the figures of one verification.
type verifyStats struct {
	secrets, events, resolved, applied, redelivered int
}

func (v verifyStats) String() string {
	return fmt.Sprintf("%d secrets and %d events verified; %d writes of unknown outcome resolved (%d had been applied); %d deliveries redelivered",
		v.secrets, v.events, v.resolved, v.applied, v.redelivered)
}

// verify checks the server against the workload: every acknowledged secret
// write is there with its data (read back through the API for names and
// versions, and decrypted from the database with the server's keyring for
// the values), a write of unknown outcome left either the old or the new
// state and nothing in between, no secret exists that no client wrote, every
// delivery with a 200 is an event with its body, deliveries of unknown
// outcome are redelivered and stored exactly once, and there is no other
// event. Unknown outcomes are then settled in the model.
func (w *workload) verify(t *testing.T, tg *target, b *backend) verifyStats {
	t.Helper()
	var st verifyStats
	ctx := context.Background()

	// Secrets through the API: names and versions.
	var list api.ListSecretsResponse
	mustJSON(t, tg.hc, "GET", tg.base()+"/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", tg.token, nil, &list)
	apiVersions := map[string]int64{}
	apiKeys := map[string][]string{}
	for _, s := range list.Secrets {
		apiVersions[s.Metadata.Name] = s.Metadata.Version
		apiKeys[s.Metadata.Name] = slices.Sorted(maps.Keys(s.Spec.Local.Data))
		for k, v := range s.Spec.Local.Data {
			if v != api.RedactedValue {
				t.Errorf("secret %s: key %s reads back a value instead of %q", s.Metadata.Name, k, api.RedactedValue)
			}
		}
	}
	// Values from the database, opened with the server's own keyring.
	stored := w.storedSecrets(t, ctx, tg, b)
	if len(stored) != len(apiVersions) {
		t.Errorf("the API lists %d secrets, the database holds %d", len(apiVersions), len(stored))
	}

	w.mu.Lock()
	for name, s := range w.secrets {
		got, exists := stored[name]
		unknown := len(s.pending) > 0
		if unknown {
			st.resolved++
		}
		switch {
		case !exists && s.created:
			t.Errorf("secret %s (acknowledged at version %d) is gone", name, s.version)
			continue
		case !exists:
			// A create that was never acknowledged and did not happen.
			delete(w.secrets, name)
			continue
		}
		if v := apiVersions[name]; v != got.version {
			t.Errorf("secret %s: the API says version %d, the database %d", name, v, got.version)
		}
		if want := slices.Sorted(maps.Keys(got.data)); !reflect.DeepEqual(apiKeys[name], want) {
			t.Errorf("secret %s: the API lists keys %v, the stored data has %v", name, apiKeys[name], want)
		}
		switch {
		case s.created && got.version == s.version && reflect.DeepEqual(got.data, s.data):
			// Exactly as acknowledged (and no pending write was applied).
		case unknown && containsData(s.pending, got.data) && got.version > s.version && got.version <= s.version+int64(len(s.pending)):
			st.applied++
			w.unknownApplied++
		default:
			t.Errorf("secret %s: stored version %d with data seq %s; acknowledged version %d seq %s, %d writes of unknown outcome",
				name, got.version, got.data["seq"], s.version, s.data["seq"], len(s.pending))
		}
		s.created, s.data, s.version, s.pending = true, got.data, got.version, nil
		st.secrets++
	}
	for name := range stored {
		if _, ok := w.secrets[name]; !ok {
			t.Errorf("secret %s exists but no client wrote it", name)
		}
	}
	var redeliver []string
	for key, d := range w.deliveries {
		if d.eventID == "" {
			redeliver = append(redeliver, key)
		}
	}
	w.mu.Unlock()

	// Deliveries of unknown outcome: the sender retries, as a real one
	// would; the retry must be stored exactly once either way.
	sort.Strings(redeliver)
	for _, key := range redeliver {
		w.mu.Lock()
		body := w.deliveries[key].body
		w.mu.Unlock()
		w.deliver(ctx, tg, -1, key, body, func(call) (bool, bool) { return false, false })
		st.redelivered++
		w.redelivered++
	}

	events := w.listEvents(t, tg)
	st.events = len(events)
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := map[string]bool{}
	for key, d := range w.deliveries {
		if d.eventID == "" {
			t.Errorf("delivery %s: no event id even after redelivery", key)
			continue
		}
		ev, ok := events[d.eventID]
		if !ok {
			t.Errorf("delivery %s: acknowledged as event %s, which is gone", key, d.eventID)
			continue
		}
		var want map[string]any
		_ = json.Unmarshal(d.body, &want)
		if got, err := ev.RawObject(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("delivery %s: event %s holds %s, sent %s", key, ev.ID, ev.Raw, d.body)
		}
		h, _ := ev.HeaderMap()
		if got := h["idempotency-key"]; got != key {
			t.Errorf("event %s: idempotency-key %q, want %q", ev.ID, got, key)
		}
		seen[d.eventID] = true
	}
	for id, ev := range events {
		if !seen[id] {
			t.Errorf("event %s (headers %s) matches no delivery: stored twice, or out of nowhere", id, ev.Headers)
		}
	}
	// Problems the redeliveries met.
	for _, p := range w.problems {
		t.Error(p)
	}
	w.problems = nil
	return st
}

func containsData(list []map[string]string, data map[string]string) bool {
	return slices.ContainsFunc(list, func(d map[string]string) bool { return reflect.DeepEqual(d, data) })
}

// storedSecret is a secret as the database holds it, decrypted.
type storedSecret struct {
	version int64
	data    map[string]string
}

// storedSecrets opens the backend's database and decrypts every
// organization secret with the keyring the server uses. A secret that does
// not open, or whose key list does not match its data, fails the test.
func (w *workload) storedSecrets(t *testing.T, ctx context.Context, tg *target, b *backend) map[string]storedSecret {
	t.Helper()
	st, err := store.Open(ctx, b.storeURL())
	if err != nil {
		t.Fatalf("open the database to verify: %v", err)
	}
	defer st.Close()
	ring, err := keyring.Parse(b.keysSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	secs, err := st.ListSecrets(ctx, tg.orgID, store.DomainOrganization, tg.orgID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedSecret{}
	for _, listed := range secs {
		// A list carries no sealed data: read each secret.
		s, err := st.FindSecret(ctx, tg.orgID, store.DomainOrganization, tg.orgID, listed.ID)
		if err != nil {
			t.Errorf("secret %s: %v", listed.Name, err)
			continue
		}
		plain, err := ring.Open(s.Ciphertext, []byte("superplane/secret/"+s.ID))
		if err != nil {
			t.Errorf("secret %s (key %s) does not open: %v", s.Name, s.KeyID, err)
			continue
		}
		data := map[string]string{}
		if err := json.Unmarshal(plain, &data); err != nil {
			t.Errorf("secret %s decrypts to something that is not its data", s.Name)
			continue
		}
		if !reflect.DeepEqual(s.Keys, slices.Sorted(maps.Keys(data))) {
			t.Errorf("secret %s: stored key list %v does not match its data %v (half-written)", s.Name, s.Keys, slices.Sorted(maps.Keys(data)))
		}
		out[s.Name] = storedSecret{version: s.Version, data: data}
	}
	return out
}

// listEvents reads every event of the source through the events API, page
// by page (newest first, keyset cursor), and fails on an id seen twice.
func (w *workload) listEvents(t *testing.T, tg *target) map[string]api.Event {
	t.Helper()
	out := map[string]api.Event{}
	q := url.Values{"sourceId": {tg.sourceID}, "limit": {"500"}}
	for page := 0; page < 10000; page++ {
		var res api.ListEventsResponse
		mustJSON(t, tg.hc, "GET", tg.base()+"/api/v1/canvases/prod/events?"+q.Encode(), tg.token, nil, &res)
		for _, ev := range res.Events {
			if _, dup := out[ev.ID]; dup {
				t.Errorf("event %s listed twice", ev.ID)
			}
			out[ev.ID] = ev
		}
		if !res.HasNextPage || len(res.Events) == 0 {
			return out
		}
		last := res.Events[len(res.Events)-1]
		q.Set("before", last.ReceivedAt.Format(time.RFC3339Nano))
		q.Set("beforeId", last.ID)
	}
	t.Fatal("more than 10000 pages of events")
	return nil
}
