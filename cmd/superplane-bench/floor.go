package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The floor of a secret create+get pair (issue 17, goal 2): a server doing
// only what a pair cannot avoid on our stack, driven by control's load
// generator (runLoad, secretPair) at c1 and c16, its CPU measured from
// /proc like superplane-server's. It decodes the create's JSON, seals the
// data once with AES-256-GCM, writes one row in a durable transaction
// (SQLite: modernc, WAL, synchronous=FULL, one writer with group commit;
// PostgreSQL: pgx, one autocommit INSERT), answers in JSON; the read is one
// SELECT on the (org, domain, name) unique index, answered in JSON. No
// token lookup (a constant compared), no audit record, no roles, no log
// line, no metrics, no router beyond net/http's mux: what is left when all
// of that costs nothing.

const floorToken = "floor"

// floorUsage is the floor command's line in usage.
const floorUsage = `  superplane-bench floor-secrets [--database-url postgres://...] [--duration 5s] [--out FILE.json]
                             (the secret pair's floor: net/http, JSON, one seal, one durable INSERT, one SELECT)
`

// floorDatabase is a floor server's database: a fresh PostgreSQL database
// on the server databaseURL names, or else a SQLite file in a temp dir. The
// cleanup drops or removes it.
func floorDatabase(ctx context.Context, databaseURL, prefix string) (dsn, database string, cleanup func(), err error) {
	if databaseURL != "" {
		u, drop, err := createDatabase(ctx, databaseURL)
		if err != nil {
			return "", "", nil, err
		}
		return u, "postgres", func() { _ = drop() }, nil
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", "", nil, err
	}
	return filepath.Join(dir, "floor.db"), "sqlite", func() { _ = os.RemoveAll(dir) }, nil
}

// runFloorSecrets starts this binary as the floor server (a child process,
// so its CPU is its own) and measures secret pairs against it.
func runFloorSecrets(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("floor-secrets", stderr)
	databaseURL := fs.String("database-url", "", "PostgreSQL server to create a fresh database on (default: SQLite in a temp dir)")
	duration := fs.Duration("duration", 5*time.Second, "length of each phase")
	out := fs.String("out", "", "JSON results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep := newReport("floor-secrets", command)
	dsn, database, cleanup, err := floorDatabase(ctx, *databaseURL, "floor-secrets-")
	if err != nil {
		return err
	}
	defer cleanup()
	rep.Database = database
	logf(stdout, "secret pair floor on %s, %d CPUs (%s), load %s", rep.Database, rep.Machine.NProc, rep.Machine.CPUModel, rep.LoadBefore)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "floor-secrets-server", addr, rep.Database, dsn)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitHealthy(ctx, base, 30*time.Second); err != nil {
		return err
	}
	c := &apiClient{base: base, token: floorToken}
	cpu := func() float64 { return processCPUSeconds(cmd.Process.Pid) }
	for _, conc := range []int{1, 16} {
		cpu0 := cpu()
		prefix := fmt.Sprintf("pair-c%d-", conc)
		p := runLoad(ctx, conc, 1_000_000, *duration, func(ctx context.Context, i int) error {
			return secretPair(ctx, c, prefix+strconv.Itoa(i))
		})
		rep.add(stdout, fromPhase(fmt.Sprintf("floor secret create+get pairs c%d", conc), conc, p, cpu()-cpu0))
	}
	return rep.write(*out)
}

// floorServer is the floor's server process: floor-secrets-server ADDR
// sqlite|postgres DSN.
type floorServer struct {
	db     *sql.DB
	pg     bool
	gcm    cipher.AEAD
	writes chan floorWrite
	// insert (PostgreSQL) and read are prepared once per connection, as
	// our store's statements are: parsing is not part of the floor.
	insert, read *sql.Stmt
}

type floorWrite struct {
	args []any
	done chan error
}

const floorInsert = `INSERT INTO secrets (id, org_id, domain_type, domain_id, name, provider, keys, key_id,
	ciphertext, version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`

const floorSchema = `CREATE TABLE secrets (
	id TEXT NOT NULL PRIMARY KEY, org_id TEXT NOT NULL, domain_type TEXT NOT NULL, domain_id TEXT NOT NULL,
	name TEXT NOT NULL, provider TEXT NOT NULL, keys TEXT NOT NULL, key_id TEXT NOT NULL, ciphertext %s NOT NULL,
	version INTEGER NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
	UNIQUE (org_id, domain_type, domain_id, name))`

func runFloorServer(ctx context.Context, args []string) error {
	if len(args) != 3 {
		return errors.New("floor-secrets-server needs ADDR sqlite|postgres DSN")
	}
	s := &floorServer{pg: args[1] == "postgres"}
	var err error
	if s.pg {
		s.db, err = sql.Open("pgx", args[2])
	} else {
		// Our store's pragmas (internal/store/sqlite.go).
		s.db, err = sql.Open("sqlite", "file:"+args[2]+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
			"&_pragma=synchronous(FULL)&_pragma=temp_store(2)&_txlock=immediate")
	}
	if err != nil {
		return err
	}
	s.db.SetMaxOpenConns(16)
	s.db.SetMaxIdleConns(16)
	blob := "BLOB"
	if s.pg {
		blob = "BYTEA"
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf(floorSchema, blob)); err != nil {
		return err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	if s.gcm, err = cipher.NewGCM(block); err != nil {
		return err
	}
	query := `SELECT id, name, domain_type, domain_id, keys, created_by, created_at FROM secrets
		WHERE org_id = ? AND domain_type = ? AND domain_id = ? AND name = ?`
	if s.pg {
		query = rebindDollar(query)
		if s.insert, err = s.db.PrepareContext(ctx, rebindDollar(floorInsert)); err != nil {
			return err
		}
	}
	if s.read, err = s.db.PrepareContext(ctx, query); err != nil {
		return err
	}
	if !s.pg {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		insert, err := conn.PrepareContext(ctx, floorInsert)
		if err != nil {
			return err
		}
		s.writes = make(chan floorWrite, 256)
		go s.groupCommit(ctx, conn, insert)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /api/v1/secrets", s.create)
	mux.HandleFunc("GET /api/v1/secrets/{name}", s.get)
	srv := &http.Server{Addr: args[0], Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// groupCommit is SQLite's one writer: the writes waiting when it is free
// share a transaction and its commit (as internal/store's writeBatcher).
func (s *floorServer) groupCommit(ctx context.Context, conn *sql.Conn, insert *sql.Stmt) {
	for first := range s.writes {
		batch := []floorWrite{first}
	more:
		for len(batch) < 64 {
			select {
			case w := <-s.writes:
				batch = append(batch, w)
			default:
				break more
			}
		}
		err := func() error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			for _, w := range batch {
				if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, w.args...); err != nil {
					_ = tx.Rollback()
					return err
				}
			}
			return tx.Commit()
		}()
		for _, w := range batch {
			w.done <- err
		}
	}
}

func floorAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+floorToken {
		http.Error(w, `{"message":"unauthenticated"}`, http.StatusUnauthorized)
		return false
	}
	return true
}

func (s *floorServer) create(w http.ResponseWriter, r *http.Request) {
	if !floorAuthorized(w, r) {
		return
	}
	var req api.CreateSecretRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Secret == nil ||
		req.Secret.Metadata == nil || req.Secret.Spec == nil || req.Secret.Spec.Local == nil {
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	data := req.Secret.Spec.Local.Data
	plain, _ := json.Marshal(data)
	nonce := make([]byte, s.gcm.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := s.gcm.Seal(nonce, nonce, plain, nil)
	keys := make([]string, 0, len(data))
	masked := make(map[string]string, len(data))
	for k := range data {
		keys = append(keys, k)
		masked[k] = "***"
	}
	keysJSON, _ := json.Marshal(keys)
	id := uuid.Must(uuid.NewV7()).String()
	now := time.Now().UTC()
	at := now.Format(time.RFC3339Nano)
	args := []any{id, "org", req.DomainType, "org", req.Secret.Metadata.Name, "PROVIDER_LOCAL", string(keysJSON), "k1",
		sealed, "user", at, at}
	var err error
	if s.pg {
		_, err = s.insert.ExecContext(r.Context(), args...)
	} else {
		done := make(chan error, 1)
		s.writes <- floorWrite{args: args, done: done}
		err = <-done
	}
	if err != nil {
		http.Error(w, `{"message":"conflict"}`, http.StatusConflict)
		return
	}
	writeFloorJSON(w, api.SecretResponse{Secret: &api.Secret{
		Metadata: &api.SecretMetadata{ID: id, Name: req.Secret.Metadata.Name, DomainType: req.DomainType, DomainID: "org", CreatedAt: &now, CreatedBy: "user"},
		Spec:     &api.SecretSpec{Provider: "PROVIDER_LOCAL", Local: &api.SecretLocal{Data: masked}},
	}})
}

func (s *floorServer) get(w http.ResponseWriter, r *http.Request) {
	if !floorAuthorized(w, r) {
		return
	}
	var id, name, domainType, domainID, keysJSON, createdBy, at string
	err := s.read.QueryRowContext(r.Context(), "org", r.URL.Query().Get("domainType"), "org", r.PathValue("name")).
		Scan(&id, &name, &domainType, &domainID, &keysJSON, &createdBy, &at)
	if err != nil {
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		return
	}
	var keys []string
	_ = json.Unmarshal([]byte(keysJSON), &keys)
	masked := make(map[string]string, len(keys))
	for _, k := range keys {
		masked[k] = "***"
	}
	created, _ := time.Parse(time.RFC3339Nano, at)
	writeFloorJSON(w, api.SecretResponse{Secret: &api.Secret{
		Metadata: &api.SecretMetadata{ID: id, Name: name, DomainType: domainType, DomainID: domainID, CreatedAt: &created, CreatedBy: createdBy},
		Spec:     &api.SecretSpec{Provider: "PROVIDER_LOCAL", Local: &api.SecretLocal{Data: masked}},
	}})
}

func writeFloorJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// rebindDollar turns "?" placeholders into PostgreSQL's $1, $2, ...
func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
