package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// BenchmarkSecretRead compares a secret read's lookups one at a time (the
// token, then the secret) with FindPrincipalScope's one statement and with
// the secret's lookup alone, among 1,000 secrets.
func BenchmarkSecretRead(b *testing.B) {
	s, org := benchSecretStore(b)
	ctx := b.Context()
	u, err := s.EnsureUser(ctx, org.ID, "ada@example.com")
	if err != nil {
		b.Fatal(err)
	}
	hash := bytes.Repeat([]byte{0xab}, 32)
	if err := s.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: "viewer"}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if err := s.CreateSecret(ctx, benchSecret(org, fmt.Sprintf("secret-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("one at a time", func(b *testing.B) {
		for b.Loop() {
			p, err := s.FindPrincipal(ctx, hash)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.FindSecret(ctx, p.Organization.ID, store.DomainOrganization, p.Organization.ID, "secret-500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The floor of the read: the secret alone, no token, as floor-secrets
	// reads it; one statement minus this is what authentication costs.
	b.Run("secret alone", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.FindSecret(ctx, org.ID, store.DomainOrganization, org.ID, "secret-500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one statement", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.FindPrincipalScope(ctx, hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: "secret-500"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
