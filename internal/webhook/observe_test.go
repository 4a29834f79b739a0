package webhook_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// observed records what Config.Observe was told.
type observed struct {
	mu  sync.Mutex
	got []string
}

func (o *observed) observe(sourceType string, outcome webhook.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, sourceType+" "+string(outcome))
}

func (o *observed) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	got := o.got
	o.got = nil
	return got
}

// TestObserveOutcomes: every answer is reported once, with the receiver's
// source type (never a type a sender made up in the URL) and the outcome a
// dashboard tells apart: stored, redelivered, pinged, refused, bad, or to
// be retried.
func TestObserveOutcomes(t *testing.T) {
	good := webhook.Sign(currentKey, []byte(objectBody))
	bad := webhook.Sign(strangerKey, []byte(objectBody))
	ping := `{"zen":"Design for failure."}`
	for _, tc := range []struct {
		name string
		sink func(*memSink)
		p    []post
		want []string
	}{
		{"accepted then duplicate", nil,
			[]post{custom(objectBody, good).with("Idempotency-Key", "k-1"), custom(objectBody, good).with("Idempotency-Key", "k-1")},
			[]string{"webhook accepted", "webhook duplicate"}},
		{"github ping", nil, []post{github(ping, webhook.Sign(currentKey, []byte(ping)), "ping")}, []string{"github ping"}},
		{"bad signature", nil, []post{semaphore(objectBody, bad)}, []string{"semaphore refused"}},
		{"not JSON", nil, []post{custom("not json", webhook.Sign(currentKey, []byte("not json")))}, []string{"webhook invalid"}},
		{"made-up integration type", nil, []post{custom(objectBody, good).at("/api/v1/sources/custom-1/gitlab-" + "x9")}, []string{"unknown refused"}},
		{"sink down", func(s *memSink) { s.err = errors.New("database is locked") }, []post{github(objectBody, good, "push")}, []string{"github unavailable"}},
		{"sink panics", func(s *memSink) { s.panics = true }, []post{custom(objectBody, good)}, []string{"webhook error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &observed{}
			sink := newMemSink()
			if tc.sink != nil {
				tc.sink(sink)
			}
			mux := newMux(testSources(), sink, webhook.Config{Observe: o.observe})
			for _, p := range tc.p {
				do(mux, p)
			}
			if got := o.take(); !slices.Equal(got, tc.want) {
				t.Errorf("observed %q, want %q", got, tc.want)
			}
		})
	}
}
