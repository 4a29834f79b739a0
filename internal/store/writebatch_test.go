package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestCreateSecretConcurrently: secrets created at the same moment (which
// the store groups into shared transactions) get what a transaction of
// their own would give: of the creates racing for one name exactly one
// wins and the others are told the name is taken, a create into a canvas
// that does not exist is refused, and none of that fails the creates
// committed with them.
func TestCreateSecretConcurrently(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			s, org := openAcme(t, url(t))
			ctx := t.Context()
			const names, racers = 30, 3
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				wins = map[string]int{}
				errs []error
			)
			const strays = 10
			for i := range names*racers + strays {
				stray := i >= names*racers
				wg.Add(1)
				go func() {
					defer wg.Done()
					sec := benchSecret(org, fmt.Sprintf("s-%d", i%names))
					if stray {
						// A canvas secret of a canvas that does not exist.
						sec.DomainType, sec.DomainID, sec.Name = store.DomainCanvas, uuid.NewString(), fmt.Sprintf("stray-%d", i)
					}
					err := s.CreateSecret(ctx, sec)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins[sec.Name]++
					case stray && errors.Is(err, store.ErrNotFound):
					case !stray && errors.Is(err, store.ErrConflict):
					default:
						errs = append(errs, fmt.Errorf("create %s: %w", sec.Name, err))
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				t.Error(err)
			}
			for i := range names {
				n := fmt.Sprintf("s-%d", i)
				if wins[n] != 1 {
					t.Errorf("%s created %d times, want once", n, wins[n])
				}
				if _, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, n); err != nil {
					t.Errorf("%s: %v", n, err)
				}
			}
			for n := range wins {
				if len(n) > 5 && n[:6] == "stray-" {
					t.Errorf("%s created in a canvas that does not exist", n)
				}
			}
		})
	}
}
