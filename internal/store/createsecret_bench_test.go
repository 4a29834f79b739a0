package store_test

import (
	"fmt"
	"testing"
)

// BenchmarkCreateSecretWithRecord is BenchmarkCreateSecret with the audit
// record every create through the API writes in the same transaction: the
// two side by side say what the record costs a create (issue 17's write
// transaction against the floor's one INSERT).
func BenchmarkCreateSecretWithRecord(b *testing.B) {
	s, org := benchSecretStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		actx, p := armed(ctx, org, "create")
		if err := s.CreateSecret(actx, benchSecret(org, fmt.Sprintf("secret-%d", i))); err != nil {
			b.Fatal(err)
		}
		if !p.Written() {
			b.Fatal("no record written")
		}
	}
}
