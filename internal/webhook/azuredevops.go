package webhook

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// TypeAzureDevOps is the source type of Azure DevOps service hooks.
const TypeAzureDevOps = "azure_devops"

// AzureDevOpsTokenHeader is the header an azure_devops source's service
// hook subscriptions send the source's key in (api.AzureDevOpsTokenHeader;
// this package imports nothing of ours).
const AzureDevOpsTokenHeader = "X-Superplane-Token"

// azureDevOpsReceiver serves Azure DevOps service hooks (the webHooks
// consumer's httpRequest action). Azure DevOps signs nothing: each
// subscription sends the source's key as it is in a header of its own
// (its httpHeaders input), compared in constant time before the body is
// looked at, as GitLab's token is. Azure DevOps names the event and the
// delivery only in the body (eventType, and id: the event's id, the same
// on every retry of its notification), so those two fields are read after
// the key has verified and the body has been found to be a JSON object:
// the one exception to "headers only before storing", and still after the
// check.
var azureDevOpsReceiver = &receiver{
	sourceType:      TypeAzureDevOps,
	signatureHeader: AzureDevOpsTokenHeader,
	plainToken:      true,
	eventType:       func(http.Header) string { return "" },
	missingType:     "body has no eventType: not an Azure DevOps service hook notification",
	deliveryID:      func(http.Header) string { return "" },
	fromBody:        azureDevOpsEvent,
}

// azureDevOpsEvent reads the event type and the delivery id of a verified
// Azure DevOps notification: eventType ("git.push"), and id (the event's
// id), or, without it, the notification's id within its subscription.
func azureDevOpsEvent(body []byte) (eventType, deliveryID string) {
	var n struct {
		EventType      string          `json:"eventType"`
		ID             string          `json:"id"`
		SubscriptionID string          `json:"subscriptionId"`
		NotificationID json.RawMessage `json:"notificationId"`
	}
	if json.Unmarshal(body, &n) != nil {
		return "", ""
	}
	deliveryID = n.ID
	if deliveryID == "" && len(n.NotificationID) > 0 {
		var num int64
		if json.Unmarshal(n.NotificationID, &num) == nil && n.SubscriptionID != "" {
			deliveryID = n.SubscriptionID + "/" + strconv.FormatInt(num, 10)
		}
	}
	return n.EventType, deliveryID
}
