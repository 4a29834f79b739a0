package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leakNeedles are what must never be found in the clear: every secret value
// the workload wrote (they share a prefix), the API token and the webhook
// signing key.
func leakNeedles(w *workload, tg *target) map[string][]byte {
	return map[string][]byte{
		"a secret value":          []byte(w.prefix),
		"the API token":           []byte(tg.token),
		"the webhook signing key": []byte(tg.key),
	}
}

// checkNoLeaks looks for the needles in the server's log and in the
// database, and checks the token is stored as its SHA-256 hash. On SQLite
// the database files are read as bytes; on PostgreSQL every row of every
// table of the test's schema is read as text.
func checkNoLeaks(t *testing.T, b *backend, w *workload, tg *target) {
	t.Helper()
	needles := leakNeedles(w, tg)
	hash := sha256.Sum256([]byte(tg.token))
	logData, err := os.ReadFile(b.log)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(logData, []byte(`"msg":"request"`)) {
		t.Fatalf("the server log %s has no request lines: wrong file?", b.log)
	}
	for what, n := range needles {
		if bytes.Contains(logData, n) {
			t.Errorf("the server log holds %s in the clear", what)
		}
	}
	if b.dbURL != "" {
		n := checkPostgresRows(t, b.dbURL, needles, hash[:])
		t.Logf("no secret value, token or signing key in the server log and %d tables; the token is stored as its SHA-256 hash", n)
		return
	}
	files, hashFound := scanFiles(t, needles, hash[:], b.dataDir)
	if !hashFound {
		t.Error("the token's SHA-256 hash is not in the database files: how is the token stored?")
	}
	t.Logf("no secret value, token or signing key in the server log and %d database files; the token is stored as its SHA-256 hash", files)
}

// checkFilesNoLeaks looks for the needles in every file under dirs.
func checkFilesNoLeaks(t *testing.T, needles map[string][]byte, dirs ...string) {
	t.Helper()
	files, _ := scanFiles(t, needles, nil, dirs...)
	t.Logf("no secret value, token or signing key in %d files of %v", files, dirs)
}

// scanFiles reads every regular file under dirs, reports the needles it
// finds, and tells whether hash (when given) occurs in any file.
func scanFiles(t *testing.T, needles map[string][]byte, hash []byte, dirs ...string) (files int, hashFound bool) {
	t.Helper()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			files++
			for what, n := range needles {
				if bytes.Contains(data, n) {
					t.Errorf("%s holds %s in the clear", path, what)
				}
			}
			if hash != nil && bytes.Contains(data, hash) {
				hashFound = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files, hashFound
}

// checkPostgresRows reads every row of every table in the schema of url as
// text and returns how many tables it read.
func checkPostgresRows(t *testing.T, url string, needles map[string][]byte, hash []byte) int {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	hexHash := `\x` + hex.EncodeToString(hash)
	hashFound := false
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT t::text FROM "`+table+`" t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			for what, n := range needles {
				// bytea columns read back as hex.
				if strings.Contains(row, string(n)) || strings.Contains(row, hex.EncodeToString(n)) {
					t.Errorf("table %s holds %s in the clear", table, what)
				}
			}
			if table == "tokens" && strings.Contains(row, hexHash) {
				hashFound = true
			}
		}
		rows.Close()
	}
	if !hashFound {
		t.Error("the tokens table does not hold the token's SHA-256 hash")
	}
	return len(tables)
}
