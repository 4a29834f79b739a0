package store

// Domain types of secrets, as they travel on the wire.
const (
	DomainOrganization = "DOMAIN_TYPE_ORGANIZATION"
	DomainCanvas       = "DOMAIN_TYPE_CANVAS"
)

// domain is a secret's scope in canonical form.
type domain struct {
	org, typ, id string
}

// parseDomain validates a secret's scope. An organization secret's domain is
// the organization itself; a canvas secret's is the canvas id.
func parseDomain(orgID, domainType, domainID string) (domain, bool) {
	org, okOrg := canonicalID(orgID)
	id, okID := canonicalID(domainID)
	if !okOrg || !okID {
		return domain{}, false
	}
	switch domainType {
	case DomainOrganization:
		return domain{org, domainType, id}, id == org
	case DomainCanvas:
		return domain{org, domainType, id}, true
	}
	return domain{}, false
}

// canvasID is the value of the secrets.canvas_id column.
func (d domain) canvasID() any {
	if d.typ == DomainCanvas {
		return d.id
	}
	return nil
}
