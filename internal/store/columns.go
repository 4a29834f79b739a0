package store

import (
	"context"
	"fmt"
	"time"
)

type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs query (with ? placeholders) and scans every row with scan.
// No rows is an empty slice, never nil, so an empty list encodes as [].
func queryAll[T any](ctx context.Context, s *db, op, query string, scan func(rowScanner) (T, error), args ...any) ([]T, error) {
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// timeColumn scans a stored time: time.Time from PostgreSQL, text from
// SQLite.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return err
	}
	*c.t = t.UTC()
	return nil
}

// nullTimeColumn scans a nullable time; NULL is the zero time.
type nullTimeColumn struct{ t *time.Time }

func (c nullTimeColumn) Scan(src any) error {
	if src == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeColumn(c).Scan(src)
}

func (s *db) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.time(t)
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// blobColumn scans bytes stored as BLOB, bytea or text. NULL and empty both
// read back as nil, so a value written as nil or empty compares equal to
// what is read.
type blobColumn struct{ b *[]byte }

func (c blobColumn) Scan(src any) error { return scanBlob(src, c.b, nil) }

// scanBlob scans src into *dst as blobColumn describes, copying a value
// (the driver may reuse its buffer after Scan returns) from a's blocks, or
// alone when a is nil.
func scanBlob(src any, dst *[]byte, a *byteArena) error {
	*dst = nil
	switch v := src.(type) {
	case nil:
	case []byte:
		if len(v) > 0 {
			*dst = arenaCopy(a, v)
		}
	case string:
		if v != "" {
			*dst = arenaCopy(a, v)
		}
	default:
		return fmt.Errorf("cannot scan %T into bytes", src)
	}
	return nil
}

// blob is the argument for a NOT NULL bytes column: both drivers bind a nil
// slice as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullBlob is the argument for a nullable bytes column: NULL when empty.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// keepIfNil is the argument of "column = COALESCE(?, column)" for a NOT
// NULL bytes column: nil keeps the stored bytes (the caller has nothing
// new), anything else, empty included, replaces them.
func keepIfNil(b []byte) any {
	if b == nil {
		return nil
	}
	return blob(b)
}
