package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// storeURL is the database the command uses: --database-url, or the SQLite
// file in the data dir.
func (c *config) storeURL() string {
	if c.databaseURL != "" {
		return c.databaseURL
	}
	return filepath.Join(c.dataDir, "superplane.db")
}

// keysOrigin says where the keyring comes from, for messages.
func (c *config) keysOrigin(getenv func(string) string) string {
	if getenv("SUPERPLANE_ENCRYPTION_KEYS") != "" {
		return "SUPERPLANE_ENCRYPTION_KEYS"
	}
	return "the key file " + c.keysFile
}

// openForServe opens the database and the keyring for serve, refusing to
// start when the keys cannot read what the database holds:
//
//   - the default key file in the data dir is generated only for a database
//     with no sealed data; with sealed data a missing key file is an error,
//     since a new key would leave every secret unreadable;
//   - a key file that cannot be read or parsed is an error (as before);
//   - sealed records under a key id the keyring lacks are an error, whatever
//     the keys' origin (a wrong file, a stale SUPERPLANE_ENCRYPTION_KEYS).
func (c *config) openForServe(ctx context.Context, getenv func(string) string, log *slog.Logger) (store.Store, *keyring.KeySource, error) {
	// Key settings that are wrong whatever the database holds are refused
	// before connecting to it.
	generated := getenv("SUPERPLANE_ENCRYPTION_KEYS") == "" && c.keysFile == ""
	if generated && c.isPostgres() {
		return nil, nil, errors.New("refusing to start: with PostgreSQL, set SUPERPLANE_ENCRYPTION_KEYS or SUPERPLANE_ENCRYPTION_KEYS_FILE (every replica needs the same keys)")
	}
	if spec := getenv("SUPERPLANE_ENCRYPTION_KEYS"); spec != "" {
		if _, err := keyring.Parse(spec); err != nil {
			return nil, nil, fmt.Errorf("SUPERPLANE_ENCRYPTION_KEYS: %w", err)
		}
	}
	// Only serve holds the database (SQLite): a second serve on it is
	// refused, and routing then needs no claim (store.SoleServer). The
	// token and keys commands open it beside a running serve.
	st, err := c.openStore(ctx, store.SoleServer())
	if err != nil {
		return nil, nil, err
	}
	ks, err := c.serveKeys(ctx, st, getenv, log, generated)
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	missing, err := sealer.MissingKeys(ctx, st, ks.Keyring())
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	if len(missing) > 0 {
		_ = st.Close()
		return nil, nil, fmt.Errorf("refusing to start: the database (%s) holds %s, which %s does not hold (its keys: %s); "+
			"every such secret would be unreadable. Put the missing keys back (the key file or SUPERPLANE_ENCRYPTION_KEYS this database "+
			"was sealed with; restore it from your backup); to retire a key, keep it until `superplane-server keys rotate` has rewrapped "+
			"everything under the active key, then `keys remove ID`. `superplane-server keys check` lists every record the keys at hand cannot open",
			store.Describe(c.storeURL()), describeCounts(missing), c.keysOrigin(getenv), strings.Join(ks.Keyring().IDs(), ", "))
	}
	warnOpenPermissions(log, c)
	return st, ks, nil
}

// serveKeys loads the keyring; generated means the default key file in the
// data dir, which is created only while the database holds no sealed data.
func (c *config) serveKeys(ctx context.Context, st store.Store, getenv func(string) string, log *slog.Logger, generated bool) (*keyring.KeySource, error) {
	if !generated {
		ks, err := c.keys(getenv, log, false)
		if err != nil {
			return nil, fmt.Errorf("refusing to start: %w", err)
		}
		return ks, nil
	}
	path := filepath.Join(c.dataDir, "encryption.keys")
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		sealed, err := st.SealedKeyIDs(ctx)
		if err != nil {
			return nil, err
		}
		if len(sealed) > 0 {
			return nil, fmt.Errorf("refusing to start: the encryption key file %s is missing, but the database (%s) holds %s. "+
				"A new key would leave every one of them unreadable, so none is generated: restore the key file from your backup "+
				"(or point SUPERPLANE_ENCRYPTION_KEYS_FILE or SUPERPLANE_ENCRYPTION_KEYS at the keys)",
				path, store.Describe(c.storeURL()), describeCounts(sealed))
		}
	}
	ks, err := c.keys(getenv, log, true)
	if err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	return ks, nil
}

// describeCounts says how many sealed records are under which key ids.
func describeCounts(counts map[string]int) string {
	ids := make([]string, 0, len(counts))
	total := 0
	for id, n := range counts {
		ids = append(ids, fmt.Sprintf("%s (%d)", id, n))
		total += n
	}
	sort.Strings(ids)
	return fmt.Sprintf("%d sealed records (secrets and event source signing keys) under key ids %s", total, strings.Join(ids, ", "))
}

// warnOpenPermissions warns about a data dir or database file that others
// may read: the database holds token hashes and sealed secrets, the data
// dir the key file. What this process creates is 0700 and 0600 already; an
// existing one keeps the mode the operator gave it.
func warnOpenPermissions(log *slog.Logger, c *config) {
	var paths []string
	if c.databaseURL == "" {
		db := c.storeURL()
		paths = append(paths, c.dataDir, db, db+"-wal", db+"-shm")
	}
	if c.keysFile != "" {
		paths = append(paths, c.keysFile)
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		want := "600"
		if fi.IsDir() {
			want = "700"
		}
		log.Warn("other users may read this file of the server: chmod "+want+" it",
			slog.String("path", p), slog.String("mode", fmt.Sprintf("%o", fi.Mode().Perm())))
	}
}

// keysCheck opens every sealed record of the database with the configured
// keys and reports per key id, and every record that does not open. It
// prints no value, and fails when any record does not open.
func keysCheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	fs := newFlagSet("keys check", stderr)
	c.bind(fs, getenv, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr)
	ks, err := c.keys(getenv, log, false)
	if err != nil {
		return err
	}
	st, err := c.openExisting(ctx, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	ring := ks.Keyring()
	rep, err := sealer.CheckKeys(ctx, st, ring)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "keyring from %s: %s (active %s)\n", c.keysOrigin(getenv), strings.Join(ring.IDs(), ", "), ring.ActiveID())
	ids := make([]string, 0, len(rep.Opened))
	opened := 0
	for id, n := range rep.Opened {
		ids = append(ids, id)
		opened += n
	}
	sort.Strings(ids)
	for _, id := range ids {
		_, _ = fmt.Fprintf(stdout, "key %s: %d records open\n", id, rep.Opened[id])
	}
	for _, f := range rep.Failed {
		_, _ = fmt.Fprintf(stdout, "cannot open %s %q (id %s, organization %s) under key %q: %s\n", f.Kind, f.Name, f.ID, f.OrgID, f.KeyID, f.Reason)
	}
	_, _ = fmt.Fprintf(stdout, "%d sealed records checked, %d open, %d cannot be opened\n", opened+len(rep.Failed), opened, len(rep.Failed))
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d sealed records cannot be opened with these keys", len(rep.Failed))
	}
	return nil
}

// keysRemove removes a key from the key file once nothing in the database
// is sealed under it: removed earlier, every such secret would fail to
// open on each read (and serve would refuse to start). It counts the
// records by their key id columns, as serve's start does, so what it
// allows serve accepts. A previous event source signing key in its grace
// period is not counted: it only shortens that grace if it no longer opens.
func keysRemove(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	fs := newFlagSet("keys remove", stderr)
	c.bind(fs, getenv, false)
	id, err := parseOneArgument(fs, args, "keys remove needs exactly one key id (`keys check` lists them)")
	if err != nil {
		return err
	}
	if getenv("SUPERPLANE_ENCRYPTION_KEYS") != "" {
		return errors.New("the keys come from SUPERPLANE_ENCRYPTION_KEYS: remove the key there, on every replica; " +
			"serve refuses to start while the database holds records sealed under a key it lacks")
	}
	ks, err := c.keys(getenv, newLogger(stderr), false)
	if err != nil {
		return err
	}
	ring := ks.Keyring()
	switch {
	case !ring.Has(id):
		return fmt.Errorf("%s holds no key %q (its keys: %s)", c.keysOrigin(getenv), id, strings.Join(ring.IDs(), ", "))
	case ring.ActiveID() == id:
		return fmt.Errorf("%q is the active key, which seals every new value: run `superplane-server keys rotate` to make a new key active and rewrap everything under it, then remove %q", id, id)
	}
	st, err := c.openExisting(ctx, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	sealed, err := st.SealedKeyIDs(ctx)
	if err != nil {
		return err
	}
	if n := sealed[id]; n > 0 {
		return fmt.Errorf("refusing to remove key %q: the database (%s) holds %s; without the key they could not be opened. "+
			"Run `superplane-server keys rotate` (or `keys rotate --rewrap-only`) to rewrap them under the active key %s first",
			id, store.Describe(c.storeURL()), describeCounts(map[string]int{id: n}), ring.ActiveID())
	}
	if err := keyring.RemoveKey(c.keysFile, id); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "key %s removed from %s (no sealed record is under it)\n", id, c.keysFile)
	return nil
}

// openExisting opens the database a maintenance command works on, saying
// which one on stderr, and refuses to create one: these commands are for a
// database a server already uses.
func (c *config) openExisting(ctx context.Context, stderr io.Writer) (store.Store, error) {
	return c.openNamed(ctx, stderr, false)
}

// openNamed opens the database, naming it (without a password) on stderr.
// Unless create, a database that does not exist yet is refused with a
// message saying where the command looked.
func (c *config) openNamed(ctx context.Context, stderr io.Writer, create bool) (store.Store, error) {
	_, _ = fmt.Fprintf(stderr, "superplane-server: database %s\n", store.Describe(c.storeURL()))
	if create {
		return c.openStore(ctx)
	}
	st, err := store.Open(ctx, c.storeURL(), store.ExistingOnly())
	if errors.Is(err, store.ErrFreshDatabase) {
		return nil, fmt.Errorf("no SuperPlane database at %s (%w). Is this the database the server uses? "+
			"Set --data-dir / SUPERPLANE_DATA_DIR or --database-url / SUPERPLANE_DATABASE_URL as the server has them, "+
			"or pass --init to create a new database here", store.Describe(c.storeURL()), err)
	}
	return st, err
}
