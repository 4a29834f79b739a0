package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// BenchmarkSecretPair is make bench's secret pair inside one process: an
// organization secret of 5 keys created, then read by name, through the
// whole handler, 16 pairs at a time. For profiles (-cpuprofile) of where a
// pair's CPU goes; the statements it sends are pinned by
// TestStatementsPerRequest.
func BenchmarkSecretPair(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			databaseURL := filepath.Join(b.TempDir(), "superplane.db")
			if db == "postgres" {
				databaseURL = postgresSchemaURL(b)
			}
			h, tok := benchSecretServer(b, databaseURL)
			data := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
			var seq atomic.Int64
			b.SetParallelism(8) // 16 on the two cores the figures come from
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := fmt.Sprintf("s%d", seq.Add(1))
					body, _ := json.Marshal(secretBody(api.DomainTypeOrganization, "", name, data))
					req := httptest.NewRequest("POST", "/api/v1/secrets", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("create: %d %s", rec.Code, rec.Body)
						return
					}
					req = httptest.NewRequest("GET", "/api/v1/secrets/"+name+"?domainType="+api.DomainTypeOrganization, nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					rec = httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("get: %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
		})
	}
}

// benchSecretServer is a server over databaseURL, wired as serve wires it
// (no engine), and an owner's token.
func benchSecretServer(b *testing.B, databaseURL string) (http.Handler, string) {
	e := newListsBench(b, databaseURL)
	return e.h, e.tok
}
