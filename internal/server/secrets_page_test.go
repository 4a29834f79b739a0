package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestSecretsListPages: without ?limit= the list is whole, as the contract
// has it; with ?limit= it comes a page at a time, in name order, each page
// naming where the next starts, until every secret was listed once. Bad
// paging parameters are 400s that name them.
func TestSecretsListPages(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("page-%d", i)
		want = append(want, name)
		if r := e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", name, map[string]string{"k": "v"})); r.status != http.StatusOK {
			t.Fatalf("create %s: %d %s", name, r.status, r.body)
		}
	}
	const base = "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION"

	var whole api.ListSecretsResponse
	e.do("viewer", "GET", base, nil).decode(t, &whole)
	if len(whole.Secrets) != 7 || whole.Next != "" {
		t.Fatalf("whole list: %d secrets, next %q", len(whole.Secrets), whole.Next)
	}

	var got []string
	after, pages := "", 0
	for pages < 10 {
		var page api.ListSecretsResponse
		e.do("viewer", "GET", base+"&limit=3&after="+url.QueryEscape(after), nil).decode(t, &page)
		pages++
		for _, s := range page.Secrets {
			got = append(got, s.Metadata.Name)
			if s.Spec.Local.Data["k"] != api.RedactedValue {
				t.Errorf("%s: value not redacted in a page", s.Metadata.Name)
			}
		}
		if page.Next == "" {
			break
		}
		if len(page.Secrets) != 3 || page.Next != page.Secrets[2].Metadata.Name {
			t.Fatalf("page %d: %d secrets, next %q", pages, len(page.Secrets), page.Next)
		}
		after = page.Next
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged through %v in %d pages, want %v in 3", got, pages, want)
	}

	for _, q := range []string{"&limit=0", "&limit=1001", "&limit=x", "&after=page-1"} {
		r := e.do("viewer", "GET", base+q, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.status)
		}
	}
}
