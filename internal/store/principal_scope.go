package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
)

// Scope names the records a request is about, for FindPrincipalScope: a
// canvas of the token's organization, a secret, or both.
type Scope struct {
	// Canvas is a canvas's id or name; "" for none.
	Canvas string
	// SecretDomain is DomainOrganization (the token's organization) or
	// DomainCanvas (the canvas of Canvas); "" for no secret.
	SecretDomain string
	// Secret is the secret's id or name in that domain.
	Secret string
}

// Scoped is what FindPrincipalScope found: the principal, and the canvas
// and the secret when the scope named them.
type Scoped struct {
	Principal Principal
	Canvas    Canvas
	Secret    Secret
}

// principalColumns and principalFrom are the one way a token's hash becomes
// its principal (FindPrincipal, FindPrincipalScope); scanPrincipal's
// destinations follow principalColumns.
const (
	principalColumns = `u.id, u.org_id, u.email, u.created_at, o.id, o.name, o.created_at, t.role,
			t.id, t.created_at, t.expires_at, t.last_used_at, t.session_kind`
	principalFrom = ` FROM tokens t
		JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id
		JOIN organizations o ON o.id = t.org_id`
)

func principalDest(p *Principal) []any {
	return []any{&p.User.ID, &p.User.OrgID, &p.User.Email, timeColumn{&p.User.CreatedAt},
		&p.Organization.ID, &p.Organization.Name, timeColumn{&p.Organization.CreatedAt}, &p.Role,
		&p.Token.ID, timeColumn{&p.Token.CreatedAt}, nullTimeColumn{&p.Token.ExpiresAt}, nullTimeColumn{&p.Token.LastUsedAt}, &p.Token.SessionKind}
}

// scopedCanvasColumns and scopedSecretColumns are canvasColumns and
// secretColumns of the joined rows c and s.
var (
	scopedCanvasColumns = qualify("c.", canvasColumns)
	scopedSecretColumns = qualify("s.", secretColumns)
)

func qualify(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

// FindPrincipalScope returns, in one statement, the principal of the token
// with this hash and the records scope names in the token's organization.
// ErrNotFound when the token or any record is missing, without saying
// which: the caller then asks again one lookup at a time (FindPrincipal,
// FindCanvas, FindSecret), so an unknown token stays a 401 and a missing
// record a 404 naming it, at the cost of a statement or two on that path
// only. Like FindPrincipal it reads the database on every call, so a
// revoked token fails at once on every replica; an expired token is
// returned.
func (s *db) FindPrincipalScope(ctx context.Context, tokenHash []byte, scope Scope) (Scoped, error) {
	var (
		out   Scoped
		shape scopeShape
		args  []any
	)
	dest := principalDest(&out.Principal)
	if scope.Canvas != "" || scope.SecretDomain == DomainCanvas {
		if scope.Canvas == "" {
			return Scoped{}, NotFound("canvas %q not found", scope.Canvas)
		}
		column, value := lookup(scope.Canvas)
		shape.canvas = column
		args = append(args, value)
		c := &out.Canvas
		dest = append(dest, &c.ID, &c.OrgID, &c.Name, &c.Description, &c.CreatedBy,
			timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
	}
	switch scope.SecretDomain {
	case "":
	case DomainOrganization, DomainCanvas:
		column, value := lookup(scope.Secret)
		shape.domain, shape.secret = scope.SecretDomain, column
		args = append(args, scope.SecretDomain, value)
		sec := &out.Secret
		dest = append(dest, &sec.ID, &sec.OrgID, &sec.DomainType, &sec.DomainID, &sec.Name, &sec.Provider,
			keysColumn{&sec.Keys}, &sec.KeyID, &sec.Ciphertext, &sec.Version, &sec.CreatedBy,
			timeColumn{&sec.CreatedAt}, timeColumn{&sec.UpdatedAt})
	default:
		return Scoped{}, NotFound("secret %q not found", scope.Secret)
	}
	args = append(args, tokenHash)
	err := s.sql.QueryRowContext(ctx, s.scopeQuery(shape), args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Scoped{}, NotFound("token or scope not found")
	}
	if err != nil {
		return Scoped{}, wrap("find principal", err)
	}
	p := &out.Principal
	p.Token.UserID, p.Token.OrgID, p.Token.Role = p.User.ID, p.Organization.ID, p.Role
	return out, nil
}

// scopeShape is what FindPrincipalScope's statement depends on besides its
// arguments: the canvas's lookup column ("" for no canvas), the secret's
// domain and lookup column ("" for no secret). There are at most 3×3×3.
type scopeShape struct{ canvas, domain, secret string }

// scopeQueries holds each shape's statement, rebound for the dialect (the
// key holds the dialect too): built once, not concatenated (about 1.5 KB)
// on every authenticated read (issue 17).
var scopeQueries sync.Map

type scopeQueryKey struct {
	numbered bool
	shape    scopeShape
}

func (s *db) scopeQuery(shape scopeShape) string {
	key := scopeQueryKey{s.d.numbered, shape}
	if q, ok := scopeQueries.Load(key); ok {
		if q, ok := q.(string); ok {
			return q
		}
	}
	columns, joins := principalColumns, ""
	if shape.canvas != "" {
		columns += ", " + scopedCanvasColumns
		joins += ` JOIN canvases c ON c.org_id = t.org_id AND c.` + shape.canvas + ` = ?`
	}
	if shape.domain != "" {
		domainID := "t.org_id"
		if shape.domain == DomainCanvas {
			domainID = "c.id"
		}
		columns += ", " + scopedSecretColumns
		joins += ` JOIN secrets s ON s.org_id = t.org_id AND s.domain_type = ? AND s.domain_id = ` + domainID +
			` AND s.` + shape.secret + ` = ?`
	}
	q := s.q(`SELECT ` + columns + principalFrom + joins + ` WHERE t.hash = ?`)
	scopeQueries.Store(key, q)
	return q
}
