package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// The API names most objects by id or by name within a scope (a canvas in
// its organization, a stage in its canvas, a secret in its domain), so the
// store finds and deletes them all the same way: named describes the table,
// scope the rows it is looked up among.

// scope is what a named row is found within: the columns and their values.
// ok is false when a value is not a canonical id: such a request can name
// no row, so it finds nothing rather than failing in the database.
type scope struct {
	cols []string
	vals []any
	ok   bool
}

// orgScope is an organization's objects.
func orgScope(orgID string) scope {
	org, ok := canonicalID(orgID)
	return scope{cols: []string{"org_id"}, vals: []any{org}, ok: ok}
}

// canvasScope is a canvas's objects.
func canvasScope(orgID, canvasID string) scope {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	return scope{cols: []string{"org_id", "canvas_id"}, vals: []any{org, canvas}, ok: okOrg && okCanvas}
}

// domainScope is a secret domain's objects (an organization's or a
// canvas's secrets and integrations).
func domainScope(orgID, domainType, domainID string) scope {
	d, ok := parseDomain(orgID, domainType, domainID)
	return scope{cols: []string{"org_id", "domain_type", "domain_id"}, vals: []any{d.org, d.typ, d.id}, ok: ok}
}

// named is a table whose rows are found by id or name within a scope.
type named[T any] struct {
	what  string // a row in messages, as in "stage %q not found"
	table string // the table, as DELETE names it
	alias string // the table's alias in sel; "" when it has none
	sel   string // SELECT columns FROM table [alias] [JOIN ...], without WHERE
	// joined reports that sel joins other tables: a lock then names the
	// alias (PostgreSQL cannot lock the nullable side of an outer join).
	joined bool
	scan   func(rowScanner) (T, error)
}

// where is " WHERE <scope columns> AND <column> = ?", columns qualified by
// alias when it is set.
func where(alias string, sc scope, column string) string {
	prefix := ""
	if alias != "" {
		prefix = alias + "."
	}
	var b strings.Builder
	b.WriteString(" WHERE ")
	for _, c := range sc.cols {
		b.WriteString(prefix + c + " = ? AND ")
	}
	b.WriteString(prefix + column + " = ?")
	return b.String()
}

// find looks the row up in q by id or name; forUpdate locks it until q's
// transaction ends. ErrNotFound when there is none.
func (n named[T]) find(ctx context.Context, s *db, q querier, sc scope, idOrName string, forUpdate bool) (T, error) {
	var zero T
	if !sc.ok {
		return zero, NotFound("%s %q not found", n.what, idOrName)
	}
	column, value := lookup(idOrName)
	query := n.sel + where(n.alias, sc, column)
	switch {
	case forUpdate && n.joined:
		query += s.lockOf(n.alias)
	case forUpdate:
		query += s.d.forUpdate
	}
	row, err := n.scan(q.QueryRowContext(ctx, s.q(query), append(sc.vals[:len(sc.vals):len(sc.vals)], value)...))
	if errors.Is(err, sql.ErrNoRows) {
		return zero, NotFound("%s %q not found", n.what, idOrName)
	}
	return row, err
}

// delete deletes in q the row named by id or name; the schema's foreign keys
// delete what belongs to it in the same statement. ErrNotFound when there
// is none.
func (n named[T]) delete(ctx context.Context, s *db, q querier, sc scope, idOrName string) error {
	if !sc.ok {
		return NotFound("%s %q not found", n.what, idOrName)
	}
	column, value := lookup(idOrName)
	res, err := q.ExecContext(ctx, s.q(`DELETE FROM `+n.table+where("", sc, column)), append(sc.vals[:len(sc.vals):len(sc.vals)], value)...)
	if err != nil {
		return wrap("delete "+n.what, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return wrap("delete "+n.what, err)
	} else if k == 0 {
		return NotFound("%s %q not found", n.what, idOrName)
	}
	return nil
}
