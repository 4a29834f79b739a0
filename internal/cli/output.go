package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printJSON writes v indented, as the API answered it.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns: a header, then one line per row.
type table struct {
	tw *tabwriter.Writer
}

// newTable starts a table with the given column names.
func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)}
	t.row(header...)
	return t
}

// row adds one line; tabs and line breaks inside a cell become spaces so a
// cell cannot break the columns.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	_, _ = fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

// flush writes the table out.
func (t *table) flush() error { return t.tw.Flush() }

// cell makes s fit in one table cell: one line, at most 60 characters,
// "-" when empty.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

// fields writes "Key:   value" lines, aligned, for describe.
type fields struct {
	tw *tabwriter.Writer
}

func newFields(w io.Writer) *fields {
	return &fields{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// add writes one line; an empty value is shown as "-".
func (f *fields) add(key, value string) {
	if value == "" {
		value = "-"
	}
	_, _ = fmt.Fprintf(f.tw, "%s:\t%s\n", key, value)
}

// flush writes the lines out.
func (f *fields) flush() error { return f.tw.Flush() }

// when formats a time for people: UTC, to the second; "-" when unknown.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// took is the duration from a to b (or to now when b is unknown), rounded
// for reading; "" when a is unknown.
func took(a, b *time.Time) string {
	if a == nil || a.IsZero() {
		return ""
	}
	end := time.Now()
	if b != nil && !b.IsZero() {
		end = *b
	}
	d := end.Sub(*a)
	switch {
	case d < 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// short drops a contract enum's prefix for a table: STATE_WAITING ->
// waiting, RESULT_PASSED -> passed.
func short(v string) string {
	for _, p := range []string{"STATE_REASON_", "STATE_", "RESULT_REASON_", "RESULT_", "REJECTION_REASON_", "ALERT_TYPE_", "EVENT_SOURCE_TYPE_", "TYPE_", "DOMAIN_TYPE_"} {
		if strings.HasPrefix(v, p) {
			return strings.ToLower(strings.TrimPrefix(v, p))
		}
	}
	return v
}
