package service

import (
	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// signingKey is the signing key a create or reset-key gives a source of
// type typ with the stored signature scheme scheme: the one the request
// supplies in field, checked, or a new one. shown is the key the answer
// may show: the generated one, never a supplied one (its owner has it, and
// an answer is one more place for it to leak from).
func signingKey(field, supplied, typ, scheme string) (key []byte, shown string, err error) {
	if supplied == "" {
		k, err := newSourceKey()
		if err != nil {
			return nil, "", err
		}
		return []byte(k), k, nil
	}
	if typ != api.EventSourceTypeWebhook {
		// The key of a github or semaphore source goes to the tool's hook
		// only; nobody else needs to know it.
		return nil, "", Invalid("%s: only a %s source takes a supplied key; the key of a %s source is generated and given to its hook", field, api.EventSourceTypeWebhook, typ)
	}
	wire := api.SignatureSchemeHMAC
	if scheme == SchemeStandardWebhooks {
		wire = api.SignatureSchemeStandardWebhooks
	}
	raw, err := api.SourceKeyBytes(wire, supplied)
	if err != nil {
		return nil, "", Invalid("%s %s", field, err.Error())
	}
	return raw, "", nil
}
