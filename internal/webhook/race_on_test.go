//go:build race

package webhook

// raceEnabled: the race detector drops sync.Pool items at random, so
// allocation counts that rely on a pool vary.
const raceEnabled = true
