package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestParsePage: every list's paging answers as the API documents it, from
// one parser: defaults, bounds, cursors, and a refusal naming the parameter.
func TestParsePage(t *testing.T) {
	newest := store.PageRules{DefaultLimit: store.DefaultPageLimit, MaxLimit: store.MaxPageLimit, Item: "event"}
	byName := store.PageRules{MaxLimit: 1000, ByName: true}
	id := "0b6b1a4e-3c1f-4a59-9d3e-6a0f1f2b7c11"
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, c := range []struct {
		name  string
		q     store.PageQuery
		r     store.PageRules
		want  store.Page
		field string // the refused parameter; "" when accepted
		msg   string
	}{
		{"default", store.PageQuery{}, newest, store.Page{Limit: 50}, "", ""},
		{"limit", store.PageQuery{Limit: "7"}, newest, store.Page{Limit: 7}, "", ""},
		{"limit too big", store.PageQuery{Limit: "501"}, newest, store.Page{}, "limit", "limit must be 1-500"},
		{"limit zero", store.PageQuery{Limit: "0"}, newest, store.Page{}, "limit", "limit must be 1-500"},
		{"limit not a number", store.PageQuery{Limit: "x"}, newest, store.Page{}, "limit", "limit must be 1-500"},
		{"before", store.PageQuery{Before: at.Format(time.RFC3339Nano), BeforeID: id}, newest, store.Page{Limit: 50, BeforeTime: at, BeforeID: id}, "", ""},
		{"before without id", store.PageQuery{Before: at.Format(time.RFC3339Nano)}, newest, store.Page{Limit: 50, BeforeTime: at}, "", ""},
		{"beforeId alone is ignored", store.PageQuery{BeforeID: "x"}, newest, store.Page{Limit: 50}, "", ""},
		{"before not a time", store.PageQuery{Before: "yesterday"}, newest, store.Page{}, "before", "before must be an RFC 3339 time"},
		{"beforeId not an id", store.PageQuery{Before: at.Format(time.RFC3339Nano), BeforeID: "E1"}, newest, store.Page{}, "beforeId", "beforeId must be an event id"},
		{"beforeId not an id, no item", store.PageQuery{Before: at.Format(time.RFC3339Nano), BeforeID: "E1"}, store.PageRules{MaxLimit: 500}, store.Page{}, "beforeId", "beforeId must be an id"},
		{"after ignored newest first", store.PageQuery{After: "a"}, newest, store.Page{Limit: 50}, "", ""},
		{"whole list by name", store.PageQuery{}, byName, store.Page{}, "", ""},
		{"by name", store.PageQuery{Limit: "5", After: "a", Before: "ignored"}, byName, store.Page{Limit: 5, After: "a"}, "", ""},
		{"after needs limit", store.PageQuery{After: "a"}, byName, store.Page{}, "after", "after needs limit"},
		{"by name limit too big", store.PageQuery{Limit: "1001"}, byName, store.Page{}, "limit", "limit must be 1-1000"},
	} {
		got, err := store.ParsePage(c.q, c.r)
		if c.field == "" {
			if err != nil || got != c.want {
				t.Errorf("%s: ParsePage = %+v, %v; want %+v", c.name, got, err, c.want)
			}
			continue
		}
		var pe *store.PageError
		if !errors.As(err, &pe) || pe.Field != c.field || err.Error() != c.msg {
			t.Errorf("%s: ParsePage error = %v (%#v); want %q on %s", c.name, err, pe, c.msg, c.field)
		}
	}
}
