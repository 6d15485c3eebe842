package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"playground/server/postgres/pgtest"
	"playground/server/sqlite"
	"playground/server/team"
	"playground/server/team/storetest"
)

// TestMain fails the package, loudly, when there is no test database: these tests never skip.
func TestMain(m *testing.M) {
	if err := pgtest.Check(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// newSchema is pgtest.NewSchema.
func newSchema(tb testing.TB) string { return pgtest.NewSchema(tb) }

// openURL opens a store on url, closed when the test ends.
func openURL(tb testing.TB, url string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openTest opens a store on a new schema.
func openTest(tb testing.TB) *DB {
	tb.Helper()
	return openURL(tb, newSchema(tb))
}

// openSuite opens a store on a new schema for the shared suite; its replica is another store,
// with its own pool, on the same schema.
func openSuite(tb testing.TB) (team.Store, func(testing.TB) team.Store) {
	u := newSchema(tb)
	return openURL(tb, u), func(tb testing.TB) team.Store { return openURL(tb, u) }
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// TestStore holds the Postgres store to team.Store's contract (server/team/storetest).
func TestStore(t *testing.T) { storetest.Run(t, openSuite) }

func BenchmarkReserveSettle(b *testing.B) { storetest.Benchmark(b, openSuite) }

func TestOpen(t *testing.T) {
	ctx := context.Background()
	u := newSchema(t)
	db := openURL(t, u)
	if v, err := db.SchemaVersion(ctx); err != nil || v != latest(t) {
		t.Fatalf("schema version %d, %v, want %d", v, err, latest(t))
	}
	must(t, db.AddUser(ctx, &team.User{Email: "ada@example.com"}))
	must(t, db.Close())

	// Reopening keeps the data and applies no migration twice.
	db = openURL(t, u)
	var n int
	must(t, db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
	if users, err := db.ListUsers(ctx); err != nil || len(users) != 1 || n != migrationCount(t) {
		t.Fatalf("after reopening: %v %v, %d migrations", users, err, n)
	}
	must(t, db.Migrate(ctx))

	// What cannot be opened says why, without the password.
	parsed, _ := url.Parse(os.Getenv(pgtest.EnvURL))
	password, _ := parsed.User.Password()
	down := *parsed
	down.Host = "127.0.0.1:1" // nothing listens there
	q := down.Query()
	q.Set("connect_timeout", "5")
	down.RawQuery = q.Encode()
	for _, bad := range []string{"", " ", "mysql://x", "postgres://x:secret-pw@[::1", down.String()} {
		db, err := Open(ctx, bad)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) opened", bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), "postgres: ") || strings.Contains(err.Error(), "secret-pw") || (password != "" && strings.Contains(err.Error(), password)) {
			t.Errorf("Open(%q): %v", bad, err)
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
	sq, err := sqlite.Migrations()
	must(t, err)
	if len(sq) != len(ms) || sq[len(sq)-1].Name != ms[len(ms)-1].Name {
		t.Fatalf("the migrations differ from SQLite's: %v and %v", ms, sq)
	}
}

// tableExists reports whether the test's schema has the table.
func tableExists(t *testing.T, db *DB, table string) bool {
	t.Helper()
	found, err := exists(context.Background(), db.pool, `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`, table)
	must(t, err)
	return found
}

// TestMigrationIsAtomic: a migration that fails leaves nothing of itself and is not recorded;
// the next good one applies once.
func TestMigrationIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	next := latest(t) + 1
	broken := []Migration{{Version: next, Name: fmt.Sprintf("%04d_broken.sql", next), SQL: "CREATE TABLE half (x BIGINT);\nCREATE TABLE broken ("}}
	if err := db.migrate(ctx, broken); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%04d_broken.sql", next)) {
		t.Fatalf("the broken migration: %v", err)
	}
	if tableExists(t, db, "half") {
		t.Fatal("half of a failed migration stayed")
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != next-1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	good := []Migration{{Version: next, Name: fmt.Sprintf("%04d_good.sql", next), SQL: "CREATE TABLE extra (x BIGINT);\nCREATE INDEX extra_x ON extra (x);"}}
	must(t, db.migrate(ctx, good))
	must(t, db.migrate(ctx, good)) // applied already: skipped
	if v, err := db.SchemaVersion(ctx); err != nil || v != next || !tableExists(t, db, "extra") {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

// TestMigrateConcurrent: replicas starting together on an empty database each apply nothing twice
// and all open.
func TestMigrateConcurrent(t *testing.T) {
	u := newSchema(t)
	const replicas = 4
	var wg sync.WaitGroup
	dbs := make([]*DB, replicas)
	errs := make([]error, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = Open(context.Background(), u)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var n int
	must(t, dbs[0].pool.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
	if ms, _ := Migrations(); n != len(ms) {
		t.Fatalf("%d rows in schema_migrations, want %d", n, len(ms))
	}
}

// TestAuditAppendOnly: the audit log refuses changes even to SQL.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(t, db.AppendAudit(ctx, &team.AuditEntry{Action: "user.add", Target: "user 1"}))
	for _, q := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := db.pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if es, err := db.ListAudit(ctx, team.AuditFilter{}); err != nil || len(es) != 1 || es[0].Action != "user.add" {
		t.Fatalf("%+v %v", es, err)
	}
}

// TestSecretNotStored: no column of the tokens table holds a token's secret.
func TestSecretNotStored(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, openTest(t))
	db := f.DB.(*DB)
	var stored int
	must(t, db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM tokens WHERE hash = $1 OR display = $1 OR name = $1 OR strpos(hash, $2) > 0`,
		f.TokenSecret, f.TokenSecret[3:]).Scan(&stored))
	if stored != 0 {
		t.Fatal("the secret is stored")
	}
}

// TestInvalidText: a text Postgres cannot store (a NUL byte) is the caller's EInvalid, not an
// internal error, and leaves the reservation to settle.
func TestInvalidText(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, openTest(t))
	must(t, f.DB.Reserve(ctx, "r", f.Scopes(), team.USD, storetest.T0))
	if err := f.DB.Settle(ctx, "r", team.Cent, team.Usage{Model: "a\x00b"}); team.ErrorCode(err) != team.EInvalid {
		t.Fatalf("%v", err)
	}
	must(t, f.DB.Settle(ctx, "r", team.Cent, team.Usage{Model: "ab"}))
}

// TestSchemaLikeSQLite: the tables, their columns and the indexes are server/sqlite's.
func TestSchemaLikeSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "team.db")
	sq, err := sqlite.Open(path)
	must(t, err)
	sq.Close()
	lite, err := sql.Open("sqlite", path)
	must(t, err)
	defer lite.Close()
	want := map[string][]string{} // table → columns; "indexes" → index names
	rows, err := lite.QueryContext(ctx, `SELECT m.type, m.name, p.name FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
WHERE m.type IN ('table', 'index') AND m.name NOT LIKE 'sqlite_%'`)
	must(t, err)
	for rows.Next() {
		var typ, name string
		var col sql.NullString
		must(t, rows.Scan(&typ, &name, &col))
		if typ == "index" {
			want["indexes"] = append(want["indexes"], name)
		} else {
			want[name] = append(want[name], col.String)
		}
	}
	must(t, rows.Err())
	rows.Close()

	db := openTest(t)
	got := map[string][]string{}
	prows, err := db.pool.Query(ctx, `SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()`)
	must(t, err)
	for prows.Next() {
		var table, col string
		must(t, prows.Scan(&table, &col))
		got[table] = append(got[table], col)
	}
	must(t, prows.Err())
	irows, err := db.pool.Query(ctx, `SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%\_pkey' AND indexname NOT LIKE '%\_key'`)
	must(t, err)
	for irows.Next() {
		var name string
		must(t, irows.Scan(&name))
		got["indexes"] = append(got["indexes"], name)
	}
	must(t, irows.Err())
	for _, m := range []map[string][]string{want, got} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Postgres has\n%v\nSQLite has\n%v", got, want)
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

// TestRollupBackfill: the migration that makes the daily rollup fills it from the usage log
// written before it.
func TestRollupBackfill(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(t, db.AddUser(ctx, &team.User{Email: "ada@example.com"}))
	t0 := storetest.T0
	for i, at := range []time.Time{t0, t0.Add(time.Hour), t0.Add(30 * time.Hour)} {
		id := string(rune('a' + i))
		must(t, db.Reserve(ctx, id, team.CallScopes(1, 0, 0), team.USD, at))
		must(t, db.Settle(ctx, id, team.Money(i+1)*team.Cent, team.Usage{Model: "m", InputTokens: 10, OutputTokens: 1}))
	}
	want, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	// As before the migration: no rollup, and the migration not applied.
	_, err = db.pool.Exec(ctx, `DROP TABLE usage_daily`)
	must(t, err)
	_, err = db.pool.Exec(ctx, `DELETE FROM schema_migrations WHERE name = '0002_usage_daily.sql'`)
	must(t, err)
	must(t, db.Migrate(ctx))
	got, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	if len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the backfill %+v, want %+v", got, want)
	}
}
