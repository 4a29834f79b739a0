package webhook

import "net/http"

// datadogReceiver serves webhooks of Datadog's Webhooks integration.
// Datadog signs nothing: the webhook SuperPlane provisions sends the
// source's key as it is in a custom header, X-Superplane-Token, compared
// in constant time with the source's keys before the body is looked at
// (the header's name holds "token", so it is never stored). Every delivery
// is a monitor notification, event type "alert"; Datadog names no delivery,
// so the id is "" and a retry is recognised by its body, which carries the
// Datadog event's $ID.
var datadogReceiver = &receiver{
	sourceType:      TypeDatadog,
	signatureHeader: "X-Superplane-Token",
	plainToken:      true,
	eventType:       func(http.Header) string { return "alert" },
	deliveryID:      func(http.Header) string { return "" },
}
