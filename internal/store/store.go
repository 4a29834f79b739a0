// Package store keeps the control plane's state in SQLite (embedded, the
// default) or PostgreSQL (several replicas). Both implementations satisfy
// Store and pass the same test suite.
//
// Every method is one transaction: an object is written whole or not at all.
// Secret values reach the store only as ciphertext sealed by package keyring;
// the store never sees plaintext.
package store

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Methods wrap them with a message that names the object,
// so callers test with errors.Is and show err.Error() to users.
var (
	// ErrNotFound: the object does not exist in the caller's organization.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique name is already taken, or a concurrent change won.
	ErrConflict = errors.New("already exists")
)

// NotFound returns an error wrapping ErrNotFound with a message.
func NotFound(format string, a ...any) error {
	return &Error{Err: ErrNotFound, Message: fmt.Sprintf(format, a...)}
}

// Conflict returns an error wrapping ErrConflict with a message.
func Conflict(format string, a ...any) error {
	return &Error{Err: ErrConflict, Message: fmt.Sprintf(format, a...)}
}

// Error is a store error with a user-facing message.
type Error struct {
	Err     error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Store is the persistence interface of the control plane.
//
// Lookups by "idOrName" match the id when the argument is a UUID in canonical
// form (lower case, 36 characters), the name otherwise: another spelling of
// a UUID is a name, and since no name is a UUID it finds nothing. Every lookup is scoped to an organization: an object of another
// organization is ErrNotFound, never a different error, so existence does not
// leak.
type Store interface {
	EventSourceStore
	StageStore
	TokenStore
	SealedStore

	// Close releases the database.
	Close() error
	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// TryLock takes the lock called name unless another replica (or, on
	// SQLite, goroutine) holds it: for work one replica at a time should
	// do. ok is false when it is taken; call unlock when done.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)

	// EnsureOrganization returns the organization with this name, creating it
	// when missing.
	EnsureOrganization(ctx context.Context, name string) (Organization, error)
	// EnsureUser returns the user with this email in the organization,
	// creating it when missing.
	EnsureUser(ctx context.Context, orgID, email string) (User, error)
	// CreateToken stores a token hash.
	CreateToken(ctx context.Context, t Token) error
	// FindPrincipal returns who the token with this hash belongs to, or
	// ErrNotFound.
	FindPrincipal(ctx context.Context, tokenHash []byte) (Principal, error)

	// CreateCanvas inserts c (ID, timestamps set by the caller). ErrConflict
	// when the name is taken in the organization.
	CreateCanvas(ctx context.Context, c Canvas) error
	// FindCanvas returns the canvas by id or name, or ErrNotFound.
	FindCanvas(ctx context.Context, orgID, idOrName string) (Canvas, error)
	// ListCanvases returns the organization's canvases ordered by name.
	ListCanvases(ctx context.Context, orgID string) ([]Canvas, error)
	// UpdateCanvas loads the canvas, lets fn change it and writes it back, in
	// one transaction. ErrNotFound when missing; fn's error aborts.
	UpdateCanvas(ctx context.Context, orgID, idOrName string, fn func(*Canvas) error) (Canvas, error)
	// DeleteCanvas deletes the canvas and everything in it (its secrets,
	// integrations, event sources and their events, stages with their
	// stage events and executions).
	// ErrNotFound when missing.
	DeleteCanvas(ctx context.Context, orgID, idOrName string) error

	// CreateSecret inserts s. ErrConflict when the name is taken in the domain.
	CreateSecret(ctx context.Context, s Secret) error
	// FindSecret returns the secret by id or name in the domain, or ErrNotFound.
	FindSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) (Secret, error)
	// ListSecrets returns the domain's secrets ordered by name, without
	// their sealed data (KeyID and Ciphertext empty): a list shows names
	// and keys, and leaving the ciphertext in the database keeps a list of
	// many secrets small in memory.
	ListSecrets(ctx context.Context, orgID, domainType, domainID string) ([]Secret, error)
	// ListSecretsPage is ListSecrets from the first name after after, at
	// most limit of them: a keyset seek on the name index, as cheap deep
	// in a list of 100k as at its start.
	ListSecretsPage(ctx context.Context, orgID, domainType, domainID, after string, limit int) ([]Secret, error)
	// UpdateSecret loads the secret, lets fn change it and writes it back in
	// one transaction (no lost update). ErrNotFound when missing, ErrConflict
	// when fn renames it to a taken name; fn's error aborts.
	UpdateSecret(ctx context.Context, orgID, domainType, domainID, idOrName string, fn func(*Secret) error) (Secret, error)
	// DeleteSecret deletes the secret. ErrNotFound when missing; ErrConflict
	// naming every stage and integration that still uses it.
	DeleteSecret(ctx context.Context, orgID, domainType, domainID, idOrName string) error
	// FindSecretByID returns the secret with this id in the organization,
	// whatever its domain, or ErrNotFound.
	FindSecretByID(ctx context.Context, orgID, id string) (Secret, error)

	// CreateIntegration inserts in. ErrConflict when the name is taken in the
	// domain; ErrNotFound when its canvas or secret does not exist.
	CreateIntegration(ctx context.Context, in Integration) error
	// FindIntegration returns the integration by id or name in the domain,
	// or ErrNotFound.
	FindIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string) (Integration, error)
	// ListIntegrations returns the domain's integrations ordered by name.
	ListIntegrations(ctx context.Context, orgID, domainType, domainID string) ([]Integration, error)
	// UpdateIntegration loads the integration, lets fn change it and writes
	// it back in one transaction. fn must not call the store. ErrNotFound
	// when missing, ErrConflict on a taken name; fn's error aborts.
	UpdateIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string, fn func(*Integration) error) (Integration, error)
	// DeleteIntegration deletes the integration. ErrNotFound when missing;
	// ErrConflict naming every event source and stage that still uses it.
	DeleteIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string) error
	// IntegrationsUsingSecret returns the integrations whose token is in the
	// secret with this id.
	IntegrationsUsingSecret(ctx context.Context, secretID string) ([]Integration, error)
	// StagesUsingSecret returns the stages whose spec reads keys of sec, as
	// the server resolves a stage's secret references (a reference without
	// a domain: the stage's canvas first, then the organization).
	StagesUsingSecret(ctx context.Context, sec Secret) ([]StageUse, error)

	// SecretsNotUnderKey returns up to limit secrets (of any organization)
	// whose KeyID differs from keyID, for key rotation.
	SecretsNotUnderKey(ctx context.Context, keyID string, limit int) ([]Secret, error)
	// RewrapSecret replaces the ciphertext of secret id with newCiphertext
	// under newKeyID, only if the stored ciphertext still equals
	// oldCiphertext (a concurrent write wins; the caller retries). It does
	// not change Version: the data is the same. Returns whether it replaced.
	RewrapSecret(ctx context.Context, id string, oldCiphertext, newCiphertext []byte, newKeyID string) (bool, error)
}
