package reliability

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// tokenReceiver stands for a deployment tool: it records the Authorization
// header of every call the http executor makes.
type tokenReceiver struct {
	mu    sync.Mutex
	auths map[string]int
}

func (r *tokenReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	r.mu.Lock()
	r.auths[req.Header.Get("Authorization")]++
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"outputs":{}}`)
}

// TestKeyRotationUnderLoad runs `superplane-server keys rotate` as a
// separate process while 6 clients write secrets and post deliveries that
// each start an execution whose http executor sends a secret (a stage secret
// by alias) to a local receiver. Afterwards every secret opens with the new
// key alone, no acknowledged write is lost, and every execution passed with
// the right token: the running server picked the new key up without a
// restart, and no write raced the rewrap into an unreadable state.
func TestKeyRotationUnderLoad(t *testing.T) {
	skipIfShort(t)
	t.Run("sqlite", func(t *testing.T) { rotationTest(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) {
		keys := filepath.Join(t.TempDir(), "encryption.keys")
		if _, err := keyring.EnsureFile(keys); err != nil {
			t.Fatal(err)
		}
		rotationTest(t, postgresBackend(t, keys))
	})
}

func rotationTest(t *testing.T, b *backend) {
	token := b.token(t, "acme", "owner")
	srv := b.start(t)
	tg := newTarget(t, srv.url, token)
	w := newWorkload()
	rcv := &tokenReceiver{auths: map[string]int{}}
	rs := httptest.NewServer(rcv)
	defer rs.Close()

	deployToken := w.prefix + "deploy-" + randomHex(8)
	mustJSON(t, tg.hc, "POST", tg.base()+"/api/v1/secrets", token, api.CreateSecretRequest{
		DomainType: api.DomainTypeCanvas, DomainID: "prod",
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: "deploy"}, Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": deployToken}}}},
	}, nil)
	mustJSON(t, tg.hc, "POST", tg.base()+"/api/v1/canvases/prod/stages", token, api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "deploy"},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
			Secrets:     []api.ValueDefinition{{Name: "TOKEN", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "deploy", Key: "token"}}}},
			Executor: &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{
				"url":     rs.URL + "/deploy",
				"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
			}},
		},
	}}, nil)
	oldKey := activeKey(t, b)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	loadDone := make(chan struct{})
	noFault := func(call) (bool, bool) { return false, false }
	go func() {
		defer close(loadDone)
		w.runClients(ctx, tg, 6, 100000, noFault)
	}()
	time.Sleep(time.Second)
	start := time.Now()
	out := b.run(t, "keys", "rotate")
	took := time.Since(start)
	time.Sleep(time.Second)
	cancel()
	<-loadDone
	w.report(t)
	newKey := activeKey(t, b)
	if newKey == oldKey || !strings.Contains(out, "rewrapped") {
		t.Fatalf("keys rotate: active key %s -> %s; output %q", oldKey, newKey, out)
	}
	t.Logf("%s: keys rotate took %s under load: %s", b.name, took.Round(time.Millisecond), strings.ReplaceAll(strings.TrimSpace(out), "\n", "; "))

	// Every secret opens with the new key alone: nothing was left under the
	// old one, and nothing written during the rotation missed the new one.
	ring, err := keyring.Parse(firstKey(b.keysSpec(t)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), b.storeURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if left, err := st.SecretsNotUnderKey(context.Background(), newKey, 1000); err != nil || len(left) != 0 {
		t.Errorf("%d secrets still under an old key after the rotation (%v)", len(left), err)
	}
	opened := 0
	for _, dom := range [][2]string{{store.DomainOrganization, tg.orgID}, {store.DomainCanvas, tg.canvasID}} {
		secs, err := st.ListSecrets(context.Background(), tg.orgID, dom[0], dom[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, listed := range secs {
			s, err := st.FindSecret(context.Background(), tg.orgID, dom[0], dom[1], listed.ID)
			if err != nil {
				t.Errorf("secret %s: %v", listed.Name, err)
				continue
			}
			if _, err := ring.Open(s.Ciphertext, []byte("superplane/secret/"+s.ID)); err != nil {
				t.Errorf("secret %s does not open with the new key alone: %v", s.Name, err)
				continue
			}
			opened++
		}
	}
	// Rotate rewraps event sources' signing keys too.
	if es, err := st.FindEventSourceByID(context.Background(), tg.sourceID); err != nil {
		t.Errorf("event source: %v", err)
	} else if es.KeyID != newKey {
		t.Errorf("the event source's signing key is still under key %s after rotate", es.KeyID)
	} else if _, err := ring.Open(es.KeyCiphertext, []byte("superplane/event-source/"+es.ID)); err != nil {
		t.Errorf("the event source's signing key does not open with the new key alone: %v", err)
	}
	vs := w.verify(t, tg, b)

	// Every delivery ran, and every execution sent the right token.
	executions := waitExecutions(t, tg, w.ackedDeliveries)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.auths) != 1 || rcv.auths["Bearer "+deployToken] != len(executions) {
		keys := 0
		for k := range rcv.auths {
			if k != "Bearer "+deployToken {
				keys++
			}
		}
		t.Errorf("the receiver got %d calls with the right token for %d executions, and %d other Authorization values", rcv.auths["Bearer "+deployToken], len(executions), keys)
	}
	t.Logf("%s: %d secrets open under the new key alone; %s; %d executions passed with the right token", b.name, opened, vs, len(executions))
	srv.kill()
	checkNoLeaks(t, b, w, tg)
}

// activeKey is the id of the first key of the backend's keyring.
func activeKey(t *testing.T, b *backend) string {
	t.Helper()
	id, _, _ := strings.Cut(firstKey(b.keysSpec(t)), ":")
	return id
}

func firstKey(spec string) string {
	return strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' })[0]
}

// waitExecutions waits until stage "deploy" has n finished executions, all
// passed, and returns them.
func waitExecutions(t *testing.T, tg *target, n int) []api.Execution {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var all []api.Execution
		q := url.Values{"limit": {"500"}}
		for page := 0; page < 1000; page++ {
			var res api.ListExecutionsResponse
			mustJSON(t, tg.hc, "GET", tg.base()+"/api/v1/canvases/prod/stages/deploy/executions?"+q.Encode(), tg.token, nil, &res)
			all = append(all, res.Executions...)
			if !res.HasNextPage || len(res.Executions) == 0 {
				break
			}
			last := res.Executions[len(res.Executions)-1]
			q.Set("before", last.CreatedAt.Format(time.RFC3339Nano))
			q.Set("beforeId", last.ID)
		}
		finished := 0
		for _, ex := range all {
			if ex.State == api.ExecutionStateFinished {
				finished++
			}
		}
		if finished >= n && len(all) == finished {
			for _, ex := range all {
				if ex.Result != api.ResultPassed {
					t.Errorf("execution %s: %s %s %s", ex.ID, ex.Result, ex.ResultReason, ex.ResultMessage)
				}
			}
			if len(all) != n {
				t.Errorf("%d executions for %d deliveries", len(all), n)
			}
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d executions finished after 2 minutes", finished, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
