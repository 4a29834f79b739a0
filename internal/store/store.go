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
	// ErrSourceChanged: InsertEvent was given the source a delivery was
	// verified with (Event.Verified), and the stored source differs now (a
	// key reset, a filter change, a deletion): nothing was stored, and the
	// receiver reads the source again.
	ErrSourceChanged = errors.New("event source changed since the delivery was verified")
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
// a UUID is a name, and since no name is a UUID it finds nothing. Every
// lookup is scoped to an organization: an object of another
// organization is ErrNotFound, never a different error, so existence does not
// leak.
//
// Every bytes field the store returns is nil when empty.
type Store interface {
	OrganizationStore
	UserStore
	TokenStore
	CanvasStore
	SecretStore
	IntegrationStore
	EventSourceStore
	EventStore
	StageStore
	StageEventStore
	ExecutionStore
	ExecutionPageStore
	StageEventPageStore
	ExecutionOutputStore
	StageStatusStore
	BatchStore
	CountStore
	DepthStore
	SealedStore
	AlertStore
	RetentionStore
	ConnectionGroupStore
	OIDCKeyStore
	ServiceAccountStore
	SessionStore
	AuditStore
	AuthProviderStore
	RoleStore

	// Close releases the database.
	Close() error
	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// TryLock takes the lock called name unless another replica (or, on
	// SQLite, goroutine) holds it: for work one replica at a time should
	// do. ok is false when it is taken; call unlock when done.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}
