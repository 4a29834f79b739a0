package reliability

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// crashIterations is how many times the crash test kills the server: 3 in
// `go test`, 20 in `make reliability`.
func crashIterations() int {
	if long() {
		return 20
	}
	return 3
}

// TestCrashRecovery kills the server with SIGKILL at a random moment while
// 16 clients create and update secrets and post signed webhook deliveries,
// restarts it on the same database, and verifies that every write and
// delivery that got a 200 is there and reads back, that writes whose answer
// never came were applied whole or not at all, and that a redelivery of an
// unanswered delivery is stored exactly once. Then again, with the state so
// far, crashIterations times; on SQLite, and on PostgreSQL when configured.
func TestCrashRecovery(t *testing.T) {
	skipIfShort(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) { crashTest(t, postgresBackend(t, "")) })
}

func crashTest(t *testing.T, b *backend) {
	token := b.token(t, "acme", "owner")
	srv := b.start(t)
	tg := newTarget(t, srv.url, token)
	w := newWorkload()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const clients = 16
	var restarts []time.Duration
	for it := 1; it <= crashIterations(); it++ {
		before := w.ackedWrites + w.ackedDeliveries
		// A random moment between 150ms and 1.5s into the load.
		load := time.Duration(150+rng.IntN(1350)) * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.runClients(ctx, tg, clients, 5000, crashPolicy)
		}()
		time.Sleep(load)
		srv.kill()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("clients still running 30s after the server died")
		}
		cancel()
		w.report(t)

		start := time.Now()
		srv = b.start(t)
		restarts = append(restarts, time.Since(start))
		tg.setURL(srv.url)
		st := w.verify(t, tg, b)
		w.verifyAudit(t, tg)
		t.Logf("%s iteration %d: killed %s into the load, %d acknowledged operations since the last crash; restart %s; %s",
			b.name, it, load, w.ackedWrites+w.ackedDeliveries-before, restarts[len(restarts)-1].Round(time.Millisecond), st)
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("%s: %d crashes; %d acknowledged secret writes and %d acknowledged deliveries all verified; %d operations of unknown outcome (%d secret writes applied); %d redeliveries, %d answered as duplicates",
		b.name, crashIterations(), w.ackedWrites, w.ackedDeliveries, w.unknown, w.unknownApplied, w.redelivered, w.duplicateAnswers)
	srv.kill()
	checkNoLeaks(t, b, w, tg)
}
