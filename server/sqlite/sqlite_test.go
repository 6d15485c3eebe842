package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"playground/server/team"
	"playground/server/team/storetest"
)

// t0 is the tests' clock (the suite's).
var t0 = storetest.T0

// openTest opens a new database in the test's temporary directory (in a folder Open must make).
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "data", "nested", "team.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "team.db")
	db, err := Open(path)
	must(t, err)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("the file: %v %v", fi, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the directory: %v %v", fi, err)
	}
	var mode string
	var fk, busy int
	must(t, db.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode))
	must(t, db.r.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
	must(t, db.r.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy))
	if mode != "wal" || fk != 1 || busy != int(BusyTimeout.Milliseconds()) {
		t.Fatalf("journal %q, foreign keys %d, busy timeout %d", mode, fk, busy)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != latest(t) {
		t.Fatalf("schema version %d, %v, want %d", v, err, latest(t))
	}
	// The read pool is read-only.
	if _, err := db.r.ExecContext(ctx, `INSERT INTO teams (name, created_at) VALUES ('x', 0)`); err == nil {
		t.Fatal("a reader wrote")
	}
	must(t, db.AddUser(ctx, &team.User{Email: "ada@example.com"}))
	must(t, db.Close())

	// Reopening keeps the data and applies no migration twice.
	db, err = Open(path)
	must(t, err)
	defer db.Close()
	var n int
	must(t, db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
	if users, err := db.ListUsers(ctx); err != nil || len(users) != 1 || n != migrationCount(t) {
		t.Fatalf("after reopening: %v %v, %d migrations", users, err, n)
	}
	must(t, db.Migrate(ctx))

	for _, bad := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if _, err := Open(bad); err == nil {
			t.Errorf("Open(%q) opened", bad)
		}
	}
}

func TestMigrations(t *testing.T) {
	ms, err := Migrations()
	must(t, err)
	if len(ms) == 0 || ms[0].Version != 1 || !strings.HasPrefix(ms[0].Name, "0001_") {
		t.Fatalf("%+v", ms)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			t.Fatalf("out of order: %s after %s", ms[i].Name, ms[i-1].Name)
		}
	}
}

// TestMigrationIsAtomic: a migration that fails leaves nothing of itself and is not recorded;
// the next good one applies once.
func TestMigrationIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	next := latest(t) + 1
	broken := []Migration{{Version: next, Name: fmt.Sprintf("%04d_broken.sql", next), SQL: "CREATE TABLE half (x INTEGER);\nCREATE TABLE broken ("}}
	if err := db.migrate(ctx, broken); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%04d_broken.sql", next)) {
		t.Fatalf("the broken migration: %v", err)
	}
	if found, err := exists(ctx, db.r, `SELECT 1 FROM sqlite_master WHERE name = 'half'`); err != nil || found {
		t.Fatalf("half of a failed migration stayed: %v %v", found, err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != next-1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	good := []Migration{{Version: next, Name: fmt.Sprintf("%04d_good.sql", next), SQL: "CREATE TABLE extra (x INTEGER);\nCREATE INDEX extra_x ON extra (x);"}}
	must(t, db.migrate(ctx, good))
	must(t, db.migrate(ctx, good)) // applied already: skipped
	if v, err := db.SchemaVersion(ctx); err != nil || v != next {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

// openSuite opens a new database for the shared suite, with a second handle on the same file as
// its replica (two servers, as far as SQLite can tell).
func openSuite(tb testing.TB) (team.Store, func(testing.TB) team.Store) {
	db := openTest(tb)
	return db, func(tb testing.TB) team.Store {
		tb.Helper()
		other, err := Open(db.Path())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { other.Close() })
		return other
	}
}

// TestStore holds the SQLite store to team.Store's contract (server/team/storetest).
func TestStore(t *testing.T) { storetest.Run(t, openSuite) }

func BenchmarkReserveSettle(b *testing.B) { storetest.Benchmark(b, openSuite) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSecretNotStored: no column of the tokens table holds a token's secret.
func TestSecretNotStored(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, openTest(t))
	db := f.DB.(*DB)
	var stored int
	must(t, db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE hash = ? OR display = ? OR name = ? OR instr(hash, ?) > 0`,
		f.TokenSecret, f.TokenSecret, f.TokenSecret, f.TokenSecret[3:]).Scan(&stored))
	if stored != 0 {
		t.Fatal("the secret is stored")
	}
}

// TestAuditAppendOnly: the audit log refuses changes even to SQL.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(t, db.AppendAudit(ctx, &team.AuditEntry{Action: "user.add", Target: "user 1"}))
	for _, q := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`} {
		if _, err := db.w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if es, err := db.ListAudit(ctx, team.AuditFilter{}); err != nil || len(es) != 1 || es[0].Action != "user.add" {
		t.Fatalf("%+v %v", es, err)
	}
}

// latest is the number of the last embedded migration.
func latest(t *testing.T) int {
	t.Helper()
	ms, err := Migrations()
	must(t, err)
	return ms[len(ms)-1].Version
}

// migrationCount is how many migrations are embedded.
func migrationCount(t *testing.T) int {
	t.Helper()
	ms, err := Migrations()
	must(t, err)
	return len(ms)
}
