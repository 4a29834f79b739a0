// Package webhook receives the deliveries that external tools post to event
// sources: custom webhooks at POST /api/v1/sources/{id} and integration-backed
// sources (GitHub, Semaphore, GitLab, Bitbucket, Azure DevOps, Datadog) at POST
// /api/v1/sources/{id}/{integrationType}.
//
// A delivery is accepted only when its HMAC-SHA256 signature (over the raw
// body, or under the Standard Webhooks scheme over its id, timestamp and
// body) verifies under one of the source's keys, or, for GitLab, which signs
// nothing, when its X-Gitlab-Token is one of those keys (token.go), or for
// Azure DevOps, which signs nothing either, when its X-Superplane-Token is
// (azuredevops.go), and its
// body is a JSON object; it is
// answered 2xx only after the Sink has stored it durably, so a sender that
// gets an error retries and nothing is lost. The package imports nothing of
// ours: the server wires it to the store and the keyring through Sources and
// Sink.
package webhook

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Source types the receiver serves. "manual" and "scheduled" sources exist
// too, but nothing outside SuperPlane may post to them, so they are never
// found by a receiver.
const (
	TypeWebhook   = "webhook"
	TypeGitHub    = "github"
	TypeSemaphore = "semaphore"
	TypeGitLab    = "gitlab"
	TypeBitbucket = "bitbucket"
	TypeDatadog   = "datadog"
)

// Source is what the receiver needs to know about an event source.
type Source struct {
	ID   string
	Type string // "webhook" (custom), "github", "semaphore", "gitlab", "bitbucket", "manual", "scheduled"
	// Keys are the signing keys that verify a delivery: the current one
	// first, then a previous one still in its grace period after a key
	// reset. An empty key is ignored (anyone could sign with it), so a
	// source without a usable key accepts nothing.
	Keys [][]byte
	// Scheme is how a custom webhook source's deliveries are signed:
	// SchemeHMAC (the default) or SchemeStandardWebhooks.
	Scheme string
	// Found is whatever the Sources implementation read to answer the
	// lookup; the receiver hands it back to the Sink in Delivery.Found, so
	// that storing the delivery need not read the source a second time.
	Found any
	// Tenant is the organization the source belongs to: deliveries to one
	// tenant's sources share a quarter of the in-flight budget
	// (Config.MaxInflightBytes). "" means the source's own id.
	Tenant string
	// Cached tells that Lookup answered from memory rather than from where
	// sources are stored (see StoredSources): the receiver then decides
	// again on the stored source before refusing the delivery, and when
	// the Sink answers ErrSourceChanged.
	Cached bool
}

// ErrUnknownSource is returned by Sources.Lookup when no event source has the id.
var ErrUnknownSource = errors.New("unknown event source")

// ErrSourceChanged is returned (possibly wrapped) by Sink.Store when the
// source that verified the delivery (Delivery.Found) is no longer the
// stored one, or no longer exists: nothing was stored.
var ErrSourceChanged = errors.New("event source changed since the delivery was verified")

// Sources finds event sources for the receiver, which has no API token and
// so looks sources up across organizations.
type Sources interface {
	// Lookup returns the source with this id, ErrUnknownSource (possibly
	// wrapped) when there is none, or another error when the lookup itself
	// failed (the sender is then answered 503 and retries).
	Lookup(ctx context.Context, id string) (Source, error)
}

// StoredSources is a Sources whose Lookup may answer from memory (setting
// Source.Cached): a source changed or deleted elsewhere, on another
// replica say, may then be out of date there. LookupStored answers as
// Lookup does, but from where the sources are stored, never from memory.
type StoredSources interface {
	Sources
	LookupStored(ctx context.Context, id string) (Source, error)
}

// Delivery is a verified, parsed delivery to store.
type Delivery struct {
	SourceID string
	// Type is the event type: the X-GitHub-Event header for github,
	// "pipeline" for semaphore, the X-Event-Key header for bitbucket,
	// "webhook" for custom sources.
	Type string
	// DeliveryID is the sender's id for this delivery, by which a redelivery
	// is recognized: X-GitHub-Delivery for github, X-Request-UUID for
	// bitbucket; for custom sources
	// webhook-id under SchemeStandardWebhooks, else the Idempotency-Key
	// header, or X-Delivery-Id when that is absent; "" when there is none
	// (Semaphore sends none: the Sink may then recognise a redelivery by
	// its body). At most MaxDeliveryIDLength bytes.
	DeliveryID string
	// Body is the raw body, exactly as signed: a UTF-8 JSON object.
	Body []byte
	// Headers maps lower-cased header names to their values (several values
	// joined with ", "): only the headers StoredHeader allows, so never a
	// signature, Authorization, Cookie, X-Api-Key or any other credential.
	Headers map[string]string
	// Found is Source.Found of the lookup that verified the delivery (nil
	// when the Sources implementation set none).
	Found any
}

// Sink stores deliveries.
type Sink interface {
	// Store stores d durably before returning. When d.DeliveryID is set and
	// the source already has an event with that delivery id, nothing is
	// stored and Store returns the earlier event's id with duplicate true.
	// Any error makes the receiver answer 503 so that the sender retries;
	// the error is logged, so it must not quote the body. ErrSourceChanged
	// for a delivery verified with a Source.Cached makes the receiver look
	// the source up again (StoredSources) and decide again, once.
	Store(ctx context.Context, d Delivery) (eventID string, duplicate bool, err error)
}

// Config tunes a Handler. The zero value is usable.
type Config struct {
	// MaxBodyBytes is the largest body accepted; larger ones get 413.
	// Zero or less means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxInflightBytes bounds the body bytes all deliveries in progress
	// hold together; one tenant (Source.Tenant) may hold a quarter of it.
	// A delivery that does not fit is answered 503 with Retry-After at
	// once. Zero or less means DefaultMaxInflightBytes; less than
	// MaxBodyBytes counts as MaxBodyBytes (the server refuses to start so).
	MaxInflightBytes int64
	// Budget, when set, is the in-flight budget to draw on instead of one
	// of MaxInflightBytes: the server shares one with the API's routes.
	// Its maxBody must be at least MaxBodyBytes.
	Budget *Budget
	// Logger receives one line per delivery (source id, type, status,
	// delivery id; never the body, a signature or a key). Nil means
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock Standard Webhooks timestamps are checked against;
	// nil means time.Now.
	Now func() time.Time
	// Observe, when set, is told each delivery's source type (webhook,
	// github, semaphore, or "unknown" for another integration type in the
	// URL, so a prober cannot mint new values) and its Outcome, after the
	// answer is written. It runs on the request's goroutine: keep it cheap.
	Observe func(sourceType string, outcome Outcome)
}

// Outcome sums up how a delivery was answered, for metrics.
type Outcome string

// The outcomes of a delivery.
const (
	// OutcomeAccepted: stored, answered 200.
	OutcomeAccepted Outcome = "accepted"
	// OutcomeDuplicate: a redelivery of a stored delivery, answered 200.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomePing: GitHub's ping of a new hook, answered 200, nothing stored.
	OutcomePing Outcome = "ping"
	// OutcomeRefused: unknown source, bad or missing signature, stale
	// timestamp (401).
	OutcomeRefused Outcome = "refused"
	// OutcomeInvalid: any other 4xx (body, content type, headers, size).
	OutcomeInvalid Outcome = "invalid"
	// OutcomeUnavailable: not stored, answered 503 so the sender retries.
	OutcomeUnavailable Outcome = "unavailable"
	// OutcomeOverloaded: refused before its body was read because the
	// bodies in flight filled the budget or the tenant's share of it
	// (Config.MaxInflightBytes), answered 503 with Retry-After.
	OutcomeOverloaded Outcome = "overloaded"
	// OutcomeError: a 500 (a bug or a panic).
	OutcomeError Outcome = "error"
)

// DefaultMaxBodyBytes is the body limit when Config.MaxBodyBytes is unset.
// GitHub caps its payloads at 25 MB but pushes with thousands of commits are
// rare; 5 MiB keeps a flood of large bodies from exhausting memory.
const DefaultMaxBodyBytes int64 = 5 << 20

// MaxDeliveryIDLength bounds the delivery id and event type taken from
// headers, which the store indexes; longer ones are refused with 400.
const MaxDeliveryIDLength = 255

// Receipt is the body of a 200 answer to a stored (or already stored)
// delivery. Both fields are always present, as in the rest of the contract.
type Receipt struct {
	// EventID is the id of the stored event; for a duplicate, the id of the
	// event stored by the first delivery.
	EventID string `json:"eventId"`
	// Duplicate is true when the delivery id had been seen before and
	// nothing new was stored.
	Duplicate bool `json:"duplicate"`
}
