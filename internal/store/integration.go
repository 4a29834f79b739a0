package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Integration is an authenticated connection to an external tool (GitHub,
// Semaphore) in a domain. Its token stays in a secret, referenced by id, and
// is decrypted only when used.
type Integration struct {
	ID          string
	OrgID       string
	DomainType  string // DomainOrganization or DomainCanvas
	DomainID    string // the organization id or the canvas id
	Name        string
	Description string
	Type        string // github, semaphore
	URL         string
	AuthType    string // AUTH_TYPE_TOKEN
	SecretID    string // the secret holding the token
	SecretKey   string // the key of the token in that secret
	// Settings are a cloud integration's typed settings (JSON the service
	// wrote; nil for github and semaphore). They hold no credential.
	Settings []byte
	// OrgName and CanvasName (the canvas of a canvas integration, else "")
	// are read from their rows, for the subject of the ID tokens the
	// integration presents.
	OrgName    string
	CanvasName string
	// SecretName and SecretDomainType are read from the secret (not stored
	// here), so a renamed secret shows its new name.
	SecretName       string
	SecretDomainType string
	// Status of the last verification: "ok", "failed" or "" (never
	// verified), the tool's reason and when it was checked.
	StatusState     string
	StatusReason    string
	StatusCheckedAt time.Time
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// IntegrationStore is the part of Store that keeps integrations.
type IntegrationStore interface {
	// CreateIntegration inserts in. ErrConflict when the name is taken in the
	// domain; ErrNotFound when its canvas or secret does not exist.
	CreateIntegration(ctx context.Context, in Integration) error
	// FindIntegration returns the integration by id or name in the domain,
	// or ErrNotFound.
	FindIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string) (Integration, error)
	// FindIntegrationByID returns the integration with this id in the
	// organization, whatever its domain, or ErrNotFound.
	FindIntegrationByID(ctx context.Context, orgID, id string) (Integration, error)
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
}

const integrationColumns = `i.id, i.org_id, i.domain_type, i.domain_id, i.name, i.description, i.type, i.url,
	i.auth_type, COALESCE(CAST(i.secret_id AS TEXT), ''), i.secret_key, COALESCE(s.name, ''), COALESCE(s.domain_type, ''),
	i.status_state, i.status_reason, i.status_checked_at, i.created_by, i.created_at, i.updated_at,
	i.settings, o.name, COALESCE(c.name, '')`

const integrationFrom = ` FROM integrations i LEFT JOIN secrets s ON s.id = i.secret_id
	JOIN organizations o ON o.id = i.org_id LEFT JOIN canvases c ON c.org_id = i.org_id AND c.id = i.canvas_id `

func scanIntegration(row rowScanner) (Integration, error) {
	var in Integration
	err := row.Scan(&in.ID, &in.OrgID, &in.DomainType, &in.DomainID, &in.Name, &in.Description, &in.Type, &in.URL,
		&in.AuthType, &in.SecretID, &in.SecretKey, &in.SecretName, &in.SecretDomainType,
		&in.StatusState, &in.StatusReason, nullTimeColumn{&in.StatusCheckedAt}, &in.CreatedBy,
		timeColumn{&in.CreatedAt}, timeColumn{&in.UpdatedAt},
		blobColumn{&in.Settings}, &in.OrgName, &in.CanvasName)
	return in, err
}

// integrations are found by id or name in their scope.
var integrations = named[Integration]{what: "integration", table: "integrations", alias: "i", sel: `SELECT ` + integrationColumns + integrationFrom, joined: true, scan: scanIntegration}

// CreateIntegration inserts in. ErrConflict when the name is taken in the
// domain; ErrNotFound when its canvas or secret does not exist.
func (s *db) CreateIntegration(ctx context.Context, in Integration) error {
	id, ok := canonicalID(in.ID)
	if !ok {
		return fmt.Errorf("store: integration id %q is not a UUID", in.ID)
	}
	dom, ok := parseDomain(in.OrgID, in.DomainType, in.DomainID)
	if !ok {
		return fmt.Errorf("store: invalid integration domain %s %q", in.DomainType, in.DomainID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO integrations (id, org_id, domain_type, domain_id, canvas_id, name,
		description, type, url, auth_type, secret_id, secret_key, status_state, status_reason, status_checked_at,
		created_by, created_at, updated_at, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, dom.org, dom.typ, dom.id, dom.canvasID(), in.Name, in.Description, in.Type, in.URL, in.AuthType,
		nullID(in.SecretID), in.SecretKey, in.StatusState, in.StatusReason, s.nullTime(in.StatusCheckedAt),
		in.CreatedBy, s.time(in.CreatedAt), s.time(in.UpdatedAt), blob(in.Settings))
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("integration name %q is already taken", in.Name)
	case primaryKeyViolation:
		return Conflict("integration id %q already exists", in.ID)
	case foreignKeyViolation:
		return NotFound("the canvas or secret of integration %q was not found", in.Name)
	}
	return wrap("create integration", err)
}

func (s *db) findIntegration(ctx context.Context, q querier, orgID, domainType, domainID, idOrName string, forUpdate bool) (Integration, error) {
	return integrations.find(ctx, s, q, domainScope(orgID, domainType, domainID), idOrName, forUpdate)
}

// FindIntegration returns the integration by id or name in the domain.
func (s *db) FindIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string) (Integration, error) {
	in, err := s.findIntegration(ctx, s.sql, orgID, domainType, domainID, idOrName, false)
	return in, wrap("find integration", err)
}

func (s *db) queryIntegrations(ctx context.Context, op, where string, args ...any) ([]Integration, error) {
	return queryAll(ctx, s, op, `SELECT `+integrationColumns+integrationFrom+where, scanIntegration, args...)
}

// ListIntegrations returns the domain's integrations ordered by name.
func (s *db) ListIntegrations(ctx context.Context, orgID, domainType, domainID string) ([]Integration, error) {
	dom, ok := parseDomain(orgID, domainType, domainID)
	if !ok {
		return []Integration{}, nil
	}
	return s.queryIntegrations(ctx, "list integrations",
		`WHERE i.org_id = ? AND i.domain_type = ? AND i.domain_id = ? ORDER BY i.name`, dom.org, dom.typ, dom.id)
}

// IntegrationsUsingSecret returns the integrations whose token is in the
// secret, ordered by name.
func (s *db) IntegrationsUsingSecret(ctx context.Context, secretID string) ([]Integration, error) {
	id, ok := canonicalID(secretID)
	if !ok {
		return []Integration{}, nil
	}
	return s.queryIntegrations(ctx, "list integrations using a secret", `WHERE i.secret_id = ? ORDER BY i.name`, id)
}

// UpdateIntegration loads, changes with fn and writes back the integration in
// one transaction. fn cannot move it to another domain.
func (s *db) UpdateIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string, fn func(*Integration) error) (Integration, error) {
	var out Integration
	var fnErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findIntegration(ctx, tx, orgID, domainType, domainID, idOrName, true)
		if err != nil {
			return err
		}
		in := stored
		if fnErr = fn(&in); fnErr != nil {
			return fnErr
		}
		in.ID, in.OrgID, in.DomainType, in.DomainID = stored.ID, stored.OrgID, stored.DomainType, stored.DomainID
		in.CreatedBy, in.CreatedAt = stored.CreatedBy, stored.CreatedAt
		_, err = tx.ExecContext(ctx, s.q(`UPDATE integrations SET name = ?, description = ?, type = ?, url = ?,
			auth_type = ?, secret_id = ?, secret_key = ?, status_state = ?, status_reason = ?, status_checked_at = ?,
			updated_at = ?, settings = ? WHERE id = ?`),
			in.Name, in.Description, in.Type, in.URL, in.AuthType, nullID(in.SecretID), in.SecretKey,
			in.StatusState, in.StatusReason, s.nullTime(in.StatusCheckedAt), s.time(in.UpdatedAt), blob(in.Settings), in.ID)
		switch s.d.classify(err) {
		case uniqueViolation:
			return Conflict("integration name %q is already taken", in.Name)
		case foreignKeyViolation:
			return NotFound("the secret of integration %q was not found", in.Name)
		}
		if err != nil {
			return err
		}
		// Read back so the secret's name comes from the secret row.
		out, err = s.findIntegration(ctx, tx, orgID, domainType, domainID, in.ID, false)
		return err
	})
	if fnErr != nil {
		return Integration{}, fnErr
	}
	if err != nil {
		return Integration{}, wrap("update integration", err)
	}
	return out, nil
}

// DeleteIntegration deletes the integration. ErrNotFound when missing;
// ErrConflict naming every event source and stage that still uses it
// (found in the same transaction, with the integration's row locked; the
// event sources' foreign key is a backstop).
func (s *db) DeleteIntegration(ctx context.Context, orgID, domainType, domainID, idOrName string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		in, err := s.findIntegration(ctx, tx, orgID, domainType, domainID, idOrName, true)
		if err != nil {
			return err
		}
		sources, err := s.eventSourcesUsing(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		var users []string
		for _, es := range sources {
			users = append(users, "event source "+es)
		}
		if dom, ok := parseDomain(in.OrgID, in.DomainType, in.DomainID); ok {
			stages, err := s.stagesUsing(ctx, tx, refIntegration, dom, in.Name)
			if err != nil {
				return err
			}
			for _, u := range stages {
				users = append(users, u.String())
			}
		}
		if len(users) > 0 {
			return inUseError("integration", in.Name, users)
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM integrations WHERE id = ?`), in.ID)
		if s.d.classify(err) == foreignKeyViolation {
			return Conflict("integration %q is in use", in.Name)
		}
		return err
	})
	return wrap("delete integration", err)
}

// FindIntegrationByID returns the integration with this id in the
// organization, whatever its domain, or ErrNotFound.
func (s *db) FindIntegrationByID(ctx context.Context, orgID, id string) (Integration, error) {
	org, ok1 := canonicalID(orgID)
	iid, ok2 := canonicalID(id)
	if !ok1 || !ok2 {
		return Integration{}, NotFound("integration %q not found", id)
	}
	in, err := scanIntegration(s.sql.QueryRowContext(ctx, s.q(`SELECT `+integrationColumns+integrationFrom+
		`WHERE i.org_id = ? AND i.id = ?`), org, iid))
	if errors.Is(err, sql.ErrNoRows) {
		return Integration{}, NotFound("integration %q not found", id)
	}
	return in, wrap("find integration", err)
}
