package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// gRPC codes of the contract's error bodies. grpc-gateway has no code for 405,
// 413 or 415, so those are InvalidArgument, as a bad request of any kind is.
const (
	codeInvalidArgument = 3
	codeInternal        = 13
	codeUnavailable     = 14
	codeUnauthenticated = 16
)

// Messages of the answers a sender can act on. An unknown source and a bad
// signature get the same 401 and the same message, whatever the cause, so
// that a prober learns neither whether a source id exists nor how close a
// forged signature came.
const (
	msgRefused     = "unknown event source or invalid signature"
	msgStale       = "webhook-timestamp is more than 5 minutes away from the server's clock"
	msgNotJSON     = "body is not valid JSON"
	msgNotObject   = "body must be a JSON object"
	msgUnavailable = "the event could not be stored; try again later"
	msgInternal    = "internal error"
)

// receiver describes how one kind of sender signs and labels its deliveries.
type receiver struct {
	sourceType      string
	signatureHeader string
	prefixRequired  bool
	// plainToken says the header carries the source's key itself, not a
	// signature of the body (GitLab's X-Gitlab-Token); see token.go.
	plainToken bool
	// eventType returns the event type of a delivery, "" when a header it
	// needs is missing; missingType names that header for the 400 answer.
	eventType   func(http.Header) string
	missingType string
	deliveryID  func(http.Header) string
	// fromBody, when set, reads the event type and the delivery id from the
	// body instead (Azure DevOps); it is called only once the delivery has
	// verified and its body is a JSON object.
	fromBody func(body []byte) (eventType, deliveryID string)
}

var (
	customReceiver = &receiver{
		sourceType:      TypeWebhook,
		signatureHeader: "X-Signature-256",
		eventType:       func(http.Header) string { return "webhook" },
		deliveryID: func(h http.Header) string {
			if id := h.Get("Idempotency-Key"); id != "" {
				return id
			}
			return h.Get("X-Delivery-Id")
		},
	}
	// integrationReceivers are the sources reached through
	// /api/v1/sources/{id}/{integrationType}, by integration type.
	integrationReceivers = map[string]*receiver{
		TypeGitHub: {
			sourceType:      TypeGitHub,
			signatureHeader: "X-Hub-Signature-256",
			// GitHub always writes the prefix; a value without it is not
			// from GitHub.
			prefixRequired: true,
			eventType:      func(h http.Header) string { return h.Get("X-GitHub-Event") },
			missingType:    "missing X-GitHub-Event header",
			deliveryID:     func(h http.Header) string { return h.Get("X-GitHub-Delivery") },
		},
		TypeSemaphore: {
			sourceType:      TypeSemaphore,
			signatureHeader: "X-Semaphore-Signature-256",
			// Semaphore notifications are about pipelines and carry
			// neither an event type header nor a delivery id.
			eventType:  func(http.Header) string { return "pipeline" },
			deliveryID: func(http.Header) string { return "" },
		},
		TypeGitLab: gitlabReceiver, // token.go
		// azuredevops.go
		TypeAzureDevOps: azureDevOpsReceiver,
		TypeDatadog:     datadogReceiver, // datadog.go
		TypeBitbucket: {
			sourceType: TypeBitbucket,
			// Bitbucket signs with the source's key as the hook's secret,
			// always writing the prefix, in the header GitHub uses for
			// SHA-1 (here it is SHA-256).
			signatureHeader: "X-Hub-Signature",
			prefixRequired:  true,
			eventType:       func(h http.Header) string { return h.Get("X-Event-Key") },
			missingType:     "missing X-Event-Key header",
			deliveryID:      func(h http.Header) string { return h.Get("X-Request-UUID") },
		},
	}
)

// missingSignature names the headers a delivery to this receiver is signed
// in: the receiver's own, or Standard Webhooks' for a source that uses them.
func (rcv *receiver) missingSignature() string {
	if rcv.plainToken {
		return "missing " + rcv.signatureHeader + " header: the webhook's secret token must be the event source's key"
	}
	return "missing signature: sign the body with the event source's key in the " + rcv.signatureHeader +
		" header (or webhook-id, webhook-timestamp and webhook-signature for a standard-webhooks source)"
}

// maxLoggedLength bounds each sender-chosen value written to the log.
const maxLoggedLength = 128

// Handler serves the receivers. It is safe for concurrent use.
type Handler struct {
	sources Sources
	sink    Sink
	maxBody int64
	budget  *Budget // admission.go
	logger  *slog.Logger
	now     func() time.Time
	// observer is Config.Observe (nil: none).
	observer func(string, Outcome)
}

// NewHandler returns a Handler that looks sources up in sources and stores
// deliveries in sink. It panics when either is nil, a wiring mistake that must
// show at start-up rather than on the first delivery.
func NewHandler(sources Sources, sink Sink, cfg Config) *Handler {
	if sources == nil || sink == nil {
		panic("webhook: NewHandler needs a Sources and a Sink")
	}
	h := &Handler{sources: sources, sink: sink, maxBody: cfg.MaxBodyBytes, logger: cfg.Logger}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	h.budget = cfg.Budget
	if h.budget == nil {
		inflight := cfg.MaxInflightBytes
		if inflight <= 0 {
			inflight = DefaultMaxInflightBytes
		}
		h.budget = NewBudget(inflight, h.maxBody)
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	h.now, h.observer = cfg.Now, cfg.Observe
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// ServeCustom serves POST /api/v1/sources/{id} for custom webhook sources,
// reading the id with r.PathValue("id"). It checks the method itself, so it
// may be mounted with or without a method in the pattern.
func (h *Handler) ServeCustom(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, TypeWebhook, customReceiver)
}

// ServeIntegration serves POST /api/v1/sources/{id}/{integrationType} for
// github and semaphore sources, reading r.PathValue("id") and
// r.PathValue("integrationType"). Any other integration type, or one that is
// not the source's type, is refused as an unknown source is (401).
func (h *Handler) ServeIntegration(w http.ResponseWriter, r *http.Request) {
	route := r.PathValue("integrationType")
	h.serve(w, r, route, integrationReceivers[route])
}

// reply is the outcome of one delivery, written and logged by serve.
type reply struct {
	status int
	body   any
	// reason is the error message shown to the sender, repeated in the log.
	reason string
	// err is an internal failure, logged but never shown.
	err error
	// Logged details, filled in as they become known.
	deliveryID string
	eventType  string
	receipt    Receipt
	// organization is the organization of the source the delivery names,
	// when it exists (Source.Tenant), for the log alone: never answered.
	organization string
	// overloaded tells a 503 given for want of in-flight budget.
	overloaded bool
}

// errorBody is the contract's error shape.
type errorBody struct {
	Code    int        `json:"code"`
	Message string     `json:"message"`
	Details []struct{} `json:"details"`
}

func failure(status, code int, message string) reply {
	return reply{status: status, reason: message, body: errorBody{Code: code, Message: message, Details: []struct{}{}}}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, route string, rcv *receiver) {
	start := time.Now()
	var rep reply
	wrote := false
	defer func() {
		// A bug here, or in a Sources or Sink implementation, must cost one
		// delivery and never the server: no input may take the process
		// down. The sender gets a 500 and retries.
		if p := recover(); p != nil {
			h.logger.Error("webhook receiver panicked",
				"source_id", clip(r.PathValue("id")), "source_type", clip(route),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !wrote {
				writeReply(w, failure(http.StatusInternalServerError, codeInternal, msgInternal))
			}
			h.observe(rcv, reply{status: http.StatusInternalServerError})
		}
	}()
	rep = h.receive(w, r, rcv)
	wrote = true
	writeReply(w, rep)
	h.logReply(w, r, route, rep, time.Since(start))
	h.observe(rcv, rep)
}

// observe tells Config.Observe how a delivery was answered. The source
// type is the receiver's, never the URL's text: a route for an integration
// type that does not exist is "unknown".
func (h *Handler) observe(rcv *receiver, rep reply) {
	if h.observer == nil {
		return
	}
	sourceType := "unknown"
	if rcv != nil {
		sourceType = rcv.sourceType
	}
	h.observer(sourceType, outcomeOf(rep))
}

// outcomeOf classifies an answer.
func outcomeOf(rep reply) Outcome {
	switch {
	case rep.status == http.StatusOK && rep.receipt.Duplicate:
		return OutcomeDuplicate
	case rep.status == http.StatusOK && rep.receipt.EventID == "":
		return OutcomePing
	case rep.status == http.StatusOK:
		return OutcomeAccepted
	case rep.overloaded:
		return OutcomeOverloaded
	case rep.status == http.StatusUnauthorized:
		return OutcomeRefused
	case rep.status == http.StatusServiceUnavailable:
		return OutcomeUnavailable
	case rep.status >= 500:
		return OutcomeError
	}
	return OutcomeInvalid
}

// receive runs the checks in the order that tells a sender no more than it
// may know: the body's size before the source (an unknown source and a bad
// signature answer alike), the signature before anything about the body's
// content.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, rcv *receiver) (rep reply) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return failure(http.StatusMethodNotAllowed, codeInvalidArgument, "method not allowed; use POST")
	}

	if r.ContentLength > h.maxBody {
		return h.tooLarge()
	}
	// The source is looked up before the body is read only to know whose
	// share of the in-flight budget the body draws on (admission.go); the
	// answers still come in the order below, so an unknown source and a
	// known one answer a large body alike (413).
	id := r.PathValue("id")
	signed := rcv != nil && (len(r.Header.Values(rcv.signatureHeader)) != 0 || len(r.Header.Values("Webhook-Signature")) != 0)
	src, err := Source{}, error(ErrUnknownSource)
	if signed && id != "" {
		src, err = h.sources.Lookup(r.Context(), id)
	}
	// Whatever the answer, the log names the organization of a source that
	// exists (the one decided on last), so that an operator sees whose
	// deliveries are refused or overloaded.
	defer func() {
		if err == nil {
			rep.organization = src.Tenant
		}
	}()
	res, admitted := h.admit(r, tenantOf(src, err))
	if !admitted {
		return overloaded(w)
	}
	// Every way out of here, a panic's too, gives the reservation back.
	defer res.done()
	body, rep, ok := h.readBody(w, r, &res)
	if !ok {
		return rep
	}
	res.trim(int64(cap(body)))
	refused := failure(http.StatusUnauthorized, codeUnauthenticated, msgRefused)
	if rcv == nil || id == "" {
		return decoy(refused, body)
	}
	// A delivery with no signature at all is a sender's set-up mistake, not
	// a forgery: name the header it lacks. The answer is the same for every
	// id, known or not, so it tells a prober nothing a refusal would not.
	if !signed {
		return failure(http.StatusUnauthorized, codeUnauthenticated, rcv.missingSignature())
	}
	rep, stale := h.deliver(r, rcv, body, src, err)
	if !stale {
		return rep
	}
	// The source came from the Sources' memory and either refused the
	// delivery or was no longer the stored one when the Sink checked it (a
	// key reset, a filter change or a deletion, maybe on another replica):
	// decide again on the stored source, once.
	stored, ok := h.sources.(StoredSources)
	if !ok {
		return rep
	}
	src, err = stored.LookupStored(r.Context(), id)
	src.Cached = false
	rep, _ = h.deliver(r, rcv, body, src, err)
	return rep
}

// deliver verifies and stores a delivery to src (the lookup's answer, err
// its error). stale tells that src came from memory (Source.Cached) and
// the answer may be due to that: a refusal, or the Sink's ErrSourceChanged.
func (h *Handler) deliver(r *http.Request, rcv *receiver, body []byte, src Source, err error) (rep reply, stale bool) {
	defer func() {
		stale = stale || (src.Cached && rep.status == http.StatusUnauthorized)
	}()
	refused := failure(http.StatusUnauthorized, codeUnauthenticated, msgRefused)
	if errors.Is(err, ErrUnknownSource) {
		return decoy(refused, body), false
	}
	if err != nil {
		rep = failure(http.StatusServiceUnavailable, codeUnavailable, msgUnavailable)
		rep.err = err
		return rep, false
	}
	// A source of another type is refused exactly as a missing one, so the
	// route cannot be used to learn which ids exist.
	if src.Type != rcv.sourceType {
		return decoy(refused, body), false
	}
	var deliveryID string
	if src.Scheme == SchemeStandardWebhooks {
		var tooOld, ok bool
		deliveryID, tooOld, ok = verifyStandard(r.Header, src.Keys, body, h.now())
		if !ok {
			return withDelivery(refused, deliveryID), false
		}
		if tooOld {
			// Signed by the sender, but too old or too far ahead: a replay
			// of a captured delivery, or a badly set clock.
			return withDelivery(failure(http.StatusUnauthorized, codeUnauthenticated, msgStale), deliveryID), false
		}
	} else {
		deliveryID = rcv.deliveryID(r.Header)
		// Exactly one signature header: with several, which one was meant
		// is ambiguous, and accepting any would weaken the check.
		values := r.Header.Values(rcv.signatureHeader)
		if len(values) != 1 {
			return withDelivery(refused, deliveryID), false
		}
		if rcv.plainToken {
			// The body's HMAC that a signature check would compute, so that
			// a known source costs what the decoy of an unknown one does.
			_ = mac(decoyKey, body)
			if !verifyToken(src.Keys, values[0]) {
				return withDelivery(refused, deliveryID), false
			}
		} else if sig, ok := parseSignature(values[0], rcv.prefixRequired); !ok || !verifySignature(src.Keys, body, sig) {
			return withDelivery(refused, deliveryID), false
		}
	}

	// Parameters such as charset=utf-8 are fine: senders add them, and
	// refusing them would drop real deliveries.
	// The usual value is not parsed: ParseMediaType allocates its
	// parameters' map and answers it unchanged.
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		mediaType, _, err := mime.ParseMediaType(ct)
		if err != nil || mediaType != "application/json" {
			return withDelivery(failure(http.StatusUnsupportedMediaType, codeInvalidArgument, "content type must be application/json"), deliveryID), false
		}
	}
	// JSON is UTF-8 (RFC 8259), and a store may refuse anything else; a
	// body that is valid JSON but not an object would break every reader of
	// the canvas's events, and one that is not JSON is the sender's mistake
	// (400), not ours (500).
	if !validJSON(body) { // utf8.Valid && json.Valid, one pass (jsonvalid.go)
		return withDelivery(failure(http.StatusBadRequest, codeInvalidArgument, msgNotJSON), deliveryID), false
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); trimmed[0] != '{' {
		return withDelivery(failure(http.StatusBadRequest, codeInvalidArgument, msgNotObject), deliveryID), false
	}

	eventType := rcv.eventType(r.Header)
	if rcv.fromBody != nil {
		eventType, deliveryID = rcv.fromBody(body)
	}
	switch {
	case eventType == "":
		return withDelivery(failure(http.StatusBadRequest, codeInvalidArgument, rcv.missingType), deliveryID), false
	case len(eventType) > MaxDeliveryIDLength:
		return withDelivery(failure(http.StatusBadRequest, codeInvalidArgument,
			fmt.Sprintf("event type is longer than %d bytes", MaxDeliveryIDLength)), deliveryID), false
	case len(deliveryID) > MaxDeliveryIDLength:
		return withDelivery(failure(http.StatusBadRequest, codeInvalidArgument,
			fmt.Sprintf("delivery id is longer than %d bytes", MaxDeliveryIDLength)), deliveryID), false
	}

	// GitHub pings a hook when it is created; there is no event to store,
	// but answering 200 marks the hook healthy on GitHub.
	if rcv.sourceType == TypeGitHub && eventType == "ping" {
		return reply{status: http.StatusOK, body: map[string]string{"message": "pong"}, deliveryID: deliveryID, eventType: eventType}, false
	}

	eventID, duplicate, err := h.sink.Store(r.Context(), Delivery{
		SourceID:   src.ID,
		Type:       eventType,
		DeliveryID: deliveryID,
		Body:       body,
		Headers:    deliveryHeaders(r.Header),
		Found:      src.Found,
	})
	if err != nil {
		// Never 2xx before the event is durable: the sender retries, and
		// the delivery id makes the retry harmless.
		rep = failure(http.StatusServiceUnavailable, codeUnavailable, msgUnavailable)
		rep.err, rep.deliveryID, rep.eventType = err, deliveryID, eventType
		return rep, src.Cached && errors.Is(err, ErrSourceChanged)
	}
	receipt := Receipt{EventID: eventID, Duplicate: duplicate}
	return reply{status: http.StatusOK, body: receipt, receipt: receipt, deliveryID: deliveryID, eventType: eventType}, false
}

// readBody reads the whole body within what res reserved for it
// (Budget.ReadBody), refusing more than the limit without buffering it. It
// returns the failure to answer when ok is false.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, res *reservation) (body []byte, rep reply, ok bool) {
	body, err := h.budget.ReadBody(r.Body, r.ContentLength, h.maxBody, res.tenant)
	if err != nil {
		if _, isTooLarge := errors.AsType[*http.MaxBytesError](err); isTooLarge {
			return nil, h.tooLarge(), false
		}
		if errors.Is(err, ErrNoRoom) {
			return nil, overloaded(w), false
		}
		return nil, failure(http.StatusBadRequest, codeInvalidArgument, "could not read the body"), false
	}
	return body, reply{}, true
}

// tooLarge is the answer to a body over the limit.
func (h *Handler) tooLarge() reply {
	return failure(http.StatusRequestEntityTooLarge, codeInvalidArgument,
		fmt.Sprintf("body is larger than %d bytes", h.maxBody))
}

// decoyKey signs nothing: decoy computes an HMAC under it.
var decoyKey = []byte("superplane-webhook-decoy-key")

// decoy returns rep after the work of checking a signature over body, so
// that a refusal for an unknown source takes about as long as one for a bad
// signature.
func decoy(rep reply, body []byte) reply {
	_ = mac(decoyKey, body)
	return rep
}

func withDelivery(rep reply, deliveryID string) reply {
	rep.deliveryID = deliveryID
	return rep
}

func writeReply(w http.ResponseWriter, rep reply) {
	var payload []byte
	if receipt, ok := rep.body.(Receipt); ok && plainID(receipt.EventID) {
		// Every accepted delivery's answer: written as json.Marshal
		// would, without its reflection (round eleven).
		payload = appendReceipt(make([]byte, 0, len(receipt.EventID)+len(receiptFrame)), receipt)
	} else {
		var err error
		payload, err = json.Marshal(rep.body)
		if err != nil {
			// The bodies are fixed structs of strings; this cannot happen,
			// but if it did the sender must not see a 2xx without a receipt.
			rep.status = http.StatusInternalServerError
			payload = []byte(`{"code":13,"message":"internal error","details":[]}`)
		}
		payload = append(payload, '\n')
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(rep.status)
	_, _ = w.Write(payload) // the sender is gone if this fails
}

// appendReceipt appends r as json.Marshal writes it, and a newline; r's
// EventID must be plainID.
func appendReceipt(b []byte, r Receipt) []byte {
	b = append(b, `{"eventId":"`...)
	b = append(b, r.EventID...)
	b = append(b, `","duplicate":`...)
	b = strconv.AppendBool(b, r.Duplicate)
	return append(b, "}\n"...)
}

// receiptFrame is a receipt's bytes besides its id, at their longest.
const receiptFrame = `{"eventId":"","duplicate":false}` + "\n"

// plainID tells an id that JSON writes as it is, with no escape: the
// store's ids are UUIDs.
func plainID(id string) bool {
	for i := range len(id) {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// RequestLine is what the http.ResponseWriter of a server that writes a
// line for every request may offer the receiver, so that a delivery is
// logged once: the receiver's line takes the request's id and carries
// what the server's would (method, path, status, duration), and the
// server writes none of its own. A second line cost about 7 µs of a
// delivery's 450 (BENCHMARKS.md, one log line a delivery).
type RequestLine interface {
	// RequestID is the id the server gave the request.
	RequestID() string
	// Logged tells the server that the request's line is written.
	Logged()
}

// logReply writes one line per delivery. It never logs the body, a signature,
// a key, or header values other than the delivery id. The attributes are
// slog.Attr values on the stack, not ...any: boxing each one cost about
// ten allocations a delivery (issue 17, goal 3).
func (h *Handler) logReply(w http.ResponseWriter, r *http.Request, route string, rep reply, took time.Duration) {
	line, _ := w.(RequestLine)
	var buf [14]slog.Attr
	attrs := buf[:0]
	if line != nil {
		attrs = append(attrs, slog.String("request_id", line.RequestID()))
	}
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", clip(r.URL.Path)),
		slog.String("source_id", clip(r.PathValue("id"))),
		slog.String("source_type", clip(route)),
		slog.String("organization", rep.organization),
		slog.Int("status", rep.status),
		slog.String("outcome", string(outcomeOf(rep))),
		slog.String("delivery_id", clip(rep.deliveryID)),
		slog.Duration("duration", took),
	)
	if rep.eventType != "" {
		attrs = append(attrs, slog.String("event_type", clip(rep.eventType)))
	}
	level := slog.LevelInfo
	switch {
	case rep.status >= 500 && !rep.overloaded:
		level = slog.LevelError
		attrs = append(attrs, slog.String("reason", rep.reason))
		if rep.err != nil {
			attrs = append(attrs, slog.String("error", rep.err.Error()))
		}
	case rep.status >= 400:
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("reason", rep.reason))
	default:
		attrs = append(attrs, slog.String("event_id", rep.receipt.EventID), slog.Bool("duplicate", rep.receipt.Duplicate))
	}
	h.logger.LogAttrs(r.Context(), level, "webhook delivery", attrs...)
	if line != nil {
		line.Logged()
	}
}

// clip bounds a sender-chosen value before it is logged.
func clip(s string) string {
	if len(s) > maxLoggedLength {
		s = s[:maxLoggedLength] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
