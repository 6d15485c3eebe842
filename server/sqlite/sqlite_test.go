package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/server/team"
)

// t0 is the tests' clock: a Wednesday, mid-month.
var t0 = time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)

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

// fixture is a user in a team with a token billing the team, and a second user.
type fixture struct {
	db          *DB
	ada, bob    *team.User
	lab         *team.Team
	tok         *team.Token
	tokenSecret string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: openTest(t), ada: &team.User{Email: "ada@example.com", Name: "Ada"}, bob: &team.User{Email: "bob@example.com"}, lab: &team.Team{Name: "Lab"}}
	must(t, f.db.AddUser(ctx, f.ada))
	must(t, f.db.AddUser(ctx, f.bob))
	must(t, f.db.AddTeam(ctx, f.lab))
	must(t, f.db.AddMember(ctx, &team.Membership{TeamID: f.lab.ID, UserID: f.ada.ID, Role: team.Admin}))
	secret, tok, err := team.NewToken(f.ada.ID, f.lab.ID, "laptop", t0, time.Time{})
	must(t, err)
	must(t, f.db.CreateToken(ctx, &tok))
	f.tok, f.tokenSecret = &tok, secret
	return f
}

// scopes are the scopes of a call by ada, billed to the lab, with her token.
func (f *fixture) scopes() []team.Scope { return team.CallScopes(f.ada.ID, f.lab.ID, f.tok.ID) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err's domain code is code ("" for no error).
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := team.ErrorCode(err); got != code || (code == "" && err != nil) {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
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
	if v, err := db.SchemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v", v, err)
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
	if users, err := db.ListUsers(ctx); err != nil || len(users) != 1 || n != 1 {
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
	broken := []Migration{{Version: 2, Name: "0002_broken.sql", SQL: "CREATE TABLE half (x INTEGER);\nCREATE TABLE broken ("}}
	if err := db.migrate(ctx, broken); err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("the broken migration: %v", err)
	}
	if found, err := exists(ctx, db.r, `SELECT 1 FROM sqlite_master WHERE name = 'half'`); err != nil || found {
		t.Fatalf("half of a failed migration stayed: %v %v", found, err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	good := []Migration{{Version: 2, Name: "0002_good.sql", SQL: "CREATE TABLE extra (x INTEGER);\nCREATE INDEX extra_x ON extra (x);"}}
	must(t, db.migrate(ctx, good))
	must(t, db.migrate(ctx, good)) // applied already: skipped
	if v, err := db.SchemaVersion(ctx); err != nil || v != 2 {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ada := &team.User{Email: " Ada@Example.com ", Name: "Ada"}
	must(t, db.AddUser(ctx, ada))
	if ada.ID == 0 || ada.Email != "ada@example.com" || ada.CreatedAt.IsZero() {
		t.Fatalf("%+v", ada)
	}
	tests := []struct {
		name string
		u    team.User
		code string
	}{
		{"another", team.User{Email: "bob@example.com"}, ""},
		{"added twice", team.User{Email: "ada@example.com"}, team.EConflict},
		{"added twice in other case", team.User{Email: "ADA@example.com"}, team.EConflict},
		{"not an email", team.User{Email: "ada"}, team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			wantCode(t, db.AddUser(ctx, &u), tt.code)
		})
	}
	got, err := db.FindUser(ctx, ada.ID)
	must(t, err)
	if *got != *ada {
		t.Fatalf("FindUser: %+v, want %+v", got, ada)
	}
	got, err = db.FindUserByEmail(ctx, "ADA@example.com")
	must(t, err)
	if got.ID != ada.ID {
		t.Fatalf("FindUserByEmail: %+v", got)
	}
	_, err = db.FindUser(ctx, 999)
	wantCode(t, err, team.ENotFound)
	_, err = db.FindUserByEmail(ctx, "eve@example.com")
	wantCode(t, err, team.ENotFound)
	users, err := db.ListUsers(ctx)
	must(t, err)
	if len(users) != 2 || users[0].ID != ada.ID || users[1].Email != "bob@example.com" {
		t.Fatalf("ListUsers: %+v", users)
	}
}

func TestTeams(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ada, bob := &team.User{Email: "ada@example.com"}, &team.User{Email: "bob@example.com"}
	must(t, db.AddUser(ctx, ada))
	must(t, db.AddUser(ctx, bob))
	lab, ops := &team.Team{Name: "Lab"}, &team.Team{Name: " Ops "}
	must(t, db.AddTeam(ctx, lab))
	must(t, db.AddTeam(ctx, ops))
	if ops.Name != "Ops" || ops.ID == lab.ID {
		t.Fatalf("%+v", ops)
	}
	wantCode(t, db.AddTeam(ctx, &team.Team{Name: "Lab"}), team.EConflict)
	wantCode(t, db.AddTeam(ctx, &team.Team{Name: ""}), team.EInvalid)
	got, err := db.FindTeam(ctx, lab.ID)
	must(t, err)
	if *got != *lab {
		t.Fatalf("FindTeam: %+v", got)
	}
	_, err = db.FindTeam(ctx, 999)
	wantCode(t, err, team.ENotFound)
	teams, err := db.ListTeams(ctx)
	must(t, err)
	if len(teams) != 2 || teams[1].Name != "Ops" {
		t.Fatalf("ListTeams: %+v", teams)
	}

	members := []struct {
		name string
		m    team.Membership
		code string
	}{
		{"admin", team.Membership{TeamID: lab.ID, UserID: ada.ID, Role: team.Admin}, ""},
		{"member", team.Membership{TeamID: lab.ID, UserID: bob.ID, Role: team.Member}, ""},
		{"in a second team", team.Membership{TeamID: ops.ID, UserID: ada.ID, Role: team.Member}, ""},
		{"added twice", team.Membership{TeamID: lab.ID, UserID: ada.ID, Role: team.Member}, team.EConflict},
		{"no such team", team.Membership{TeamID: 999, UserID: ada.ID, Role: team.Member}, team.ENotFound},
		{"no such user", team.Membership{TeamID: lab.ID, UserID: 999, Role: team.Member}, team.ENotFound},
		{"no such role", team.Membership{TeamID: ops.ID, UserID: bob.ID, Role: "owner"}, team.EInvalid},
	}
	for _, tt := range members {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			wantCode(t, db.AddMember(ctx, &m), tt.code)
		})
	}
	ms, err := db.ListMembers(ctx, lab.ID)
	must(t, err)
	if len(ms) != 2 || ms[0].UserID != ada.ID || ms[0].Role != team.Admin || ms[1].Role != team.Member {
		t.Fatalf("ListMembers: %+v", ms)
	}
	ms, err = db.ListMemberships(ctx, ada.ID)
	must(t, err)
	if len(ms) != 2 || ms[0].TeamID != lab.ID || ms[1].TeamID != ops.ID {
		t.Fatalf("ListMemberships: %+v", ms)
	}
	_, err = db.ListMembers(ctx, 999)
	wantCode(t, err, team.ENotFound)
	_, err = db.ListMemberships(ctx, 999)
	wantCode(t, err, team.ENotFound)
	m, err := db.FindMembership(ctx, ops.ID, ada.ID)
	must(t, err)
	if m.Role != team.Member {
		t.Fatalf("FindMembership: %+v", m)
	}
	_, err = db.FindMembership(ctx, ops.ID, bob.ID)
	wantCode(t, err, team.ENotFound)
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	got, err := db.FindTokenByHash(ctx, team.HashSecret(f.tokenSecret), t0)
	must(t, err)
	if *got != *f.tok {
		t.Fatalf("FindTokenByHash: %+v, want %+v", got, f.tok)
	}
	if got.Hash == f.tokenSecret || strings.Contains(got.Hash, f.tokenSecret[3:]) {
		t.Fatal("the secret is stored")
	}
	var stored int
	must(t, db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE hash = ? OR display = ? OR name = ?`,
		f.tokenSecret, f.tokenSecret, f.tokenSecret).Scan(&stored))
	if stored != 0 {
		t.Fatal("the secret is stored")
	}

	make := func(userID, teamID int64, expires time.Time) team.Token {
		_, tok, err := team.NewToken(userID, teamID, "x", t0, expires)
		must(t, err)
		return tok
	}
	dup := make(f.ada.ID, 0, time.Time{})
	dup.Hash = f.tok.Hash
	tests := []struct {
		name string
		tok  team.Token
		code string
	}{
		{"no team", make(f.bob.ID, 0, time.Time{}), ""},
		{"expiring", make(f.ada.ID, f.lab.ID, t0.Add(time.Hour)), ""},
		{"unknown user", make(999, 0, time.Time{}), team.ENotFound},
		{"unknown team", make(f.ada.ID, 999, time.Time{}), team.ENotFound},
		{"a team the user is not in", make(f.bob.ID, f.lab.ID, time.Time{}), team.EInvalid},
		{"the same hash", dup, team.EConflict},
		{"a bad hash", func() team.Token { x := make(f.ada.ID, 0, time.Time{}); x.Hash = "nope"; return x }(), team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok
			wantCode(t, db.CreateToken(ctx, &tok), tt.code)
			if tt.code == "" && tok.ID == 0 {
				t.Fatal("no id")
			}
		})
	}
	list, err := db.ListTokens(ctx, f.ada.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != f.tok.ID || list[1].ExpiresAt.IsZero() {
		t.Fatalf("ListTokens: %+v", list)
	}
	_, err = db.ListTokens(ctx, 999)
	wantCode(t, err, team.ENotFound)

	// The expiring token opens calls until its expiry.
	_, err = db.FindTokenByHash(ctx, list[1].Hash, t0.Add(59*time.Minute))
	must(t, err)
	_, err = db.FindTokenByHash(ctx, list[1].Hash, t0.Add(time.Hour))
	wantCode(t, err, team.EUnauthorized)
	_, err = db.FindTokenByHash(ctx, team.HashSecret("pg_unknown"), t0)
	wantCode(t, err, team.ENotFound)

	// Revoking: once, then idempotent, keeping the first time.
	must(t, db.RevokeToken(ctx, f.tok.ID, t0.Add(time.Minute)))
	must(t, db.RevokeToken(ctx, f.tok.ID, t0.Add(time.Hour)))
	wantCode(t, db.RevokeToken(ctx, 999, t0), team.ENotFound)
	_, err = db.FindTokenByHash(ctx, f.tok.Hash, t0.Add(2*time.Minute))
	wantCode(t, err, team.EUnauthorized)
	got, err = db.FindToken(ctx, f.tok.ID)
	must(t, err)
	if !got.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("revoked at %v", got.RevokedAt)
	}
	_, err = db.FindToken(ctx, 999)
	wantCode(t, err, team.ENotFound)
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	p := team.SessionPolicy{Idle: time.Hour, Absolute: 3 * time.Hour}
	secret, s, err := team.NewSession(f.ada.ID, t0, p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s))
	hash := team.HashSecret(secret)
	got, err := db.FindSession(ctx, hash, t0.Add(time.Minute))
	must(t, err)
	if *got != s {
		t.Fatalf("FindSession: %+v, want %+v", got, s)
	}
	_, other, err := team.NewSession(999, t0, p)
	must(t, err)
	wantCode(t, db.CreateSession(ctx, &other), team.ENotFound)
	dup := s
	wantCode(t, db.CreateSession(ctx, &dup), team.EConflict)

	// Idle: used every 50 minutes, it lives to its absolute end and no further.
	for at := t0.Add(50 * time.Minute); at.Before(t0.Add(3 * time.Hour)); at = at.Add(50 * time.Minute) {
		must(t, db.TouchSession(ctx, hash, at))
		_, err := db.FindSession(ctx, hash, at.Add(49*time.Minute))
		if at.Add(49 * time.Minute).Before(t0.Add(3 * time.Hour)) {
			must(t, err)
		} else {
			wantCode(t, err, team.EUnauthorized)
		}
	}
	_, err = db.FindSession(ctx, hash, t0.Add(3*time.Hour))
	wantCode(t, err, team.EUnauthorized)
	wantCode(t, db.TouchSession(ctx, hash, t0.Add(3*time.Hour)), team.EUnauthorized)
	wantCode(t, db.TouchSession(ctx, team.HashSecret("pgs_x"), t0), team.ENotFound)
	_, err = db.FindSession(ctx, team.HashSecret("pgs_x"), t0)
	wantCode(t, err, team.ENotFound)

	// Unused for an hour, a second session ends.
	secret2, s2, err := team.NewSession(f.ada.ID, t0, p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s2))
	_, err = db.FindSession(ctx, team.HashSecret(secret2), t0.Add(time.Hour))
	wantCode(t, err, team.EUnauthorized)

	// Cleaning up: both have ended 3 hours on; a fresh one stays.
	secret3, s3, err := team.NewSession(f.bob.ID, t0.Add(150*time.Minute), p)
	must(t, err)
	must(t, db.CreateSession(ctx, &s3))
	n, err := db.DeleteExpiredSessions(ctx, t0.Add(3*time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("%d sessions removed, want 2", n)
	}
	_, err = db.FindSession(ctx, team.HashSecret(secret3), t0.Add(150*time.Minute))
	must(t, err)

	// Signing out.
	must(t, db.DeleteSession(ctx, team.HashSecret(secret3)))
	must(t, db.DeleteSession(ctx, team.HashSecret(secret3)))
	_, err = db.FindSession(ctx, team.HashSecret(secret3), t0.Add(150*time.Minute))
	wantCode(t, err, team.ENotFound)
	for range 2 {
		_, s, err := team.NewSession(f.bob.ID, t0, p)
		must(t, err)
		must(t, db.CreateSession(ctx, &s))
	}
	if n, err := db.DeleteUserSessions(ctx, f.bob.ID); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions: %d %v", n, err)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	entries := []team.AuditEntry{
		{Time: t0, ActorID: 1, Action: "user.add", Target: "user 2"},
		{Time: t0.Add(time.Minute), ActorID: 1, Action: "budget.set", Target: "team 1", Detail: "$25.00 per month"},
		{Time: t0.Add(2 * time.Minute), Action: "reservation.expire", Target: "req-1"},
	}
	for i := range entries {
		must(t, db.AppendAudit(ctx, &entries[i]))
	}
	wantCode(t, db.AppendAudit(ctx, &team.AuditEntry{}), team.EInvalid)
	stamped := team.AuditEntry{Action: "x"}
	must(t, db.AppendAudit(ctx, &stamped))
	if stamped.Time.IsZero() || stamped.ID <= entries[2].ID {
		t.Fatalf("%+v", stamped)
	}
	tests := []struct {
		name string
		f    team.AuditFilter
		want []int64
	}{
		{"all", team.AuditFilter{}, []int64{stamped.ID, entries[2].ID, entries[1].ID, entries[0].ID}},
		{"actor", team.AuditFilter{ActorID: 1}, []int64{entries[1].ID, entries[0].ID}},
		{"action", team.AuditFilter{Action: "budget.set"}, []int64{entries[1].ID}},
		{"time", team.AuditFilter{Since: t0.Add(time.Minute), Until: t0.Add(2 * time.Minute)}, []int64{entries[1].ID}},
		{"page", team.AuditFilter{Limit: 2, BeforeID: entries[2].ID}, []int64{entries[1].ID, entries[0].ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListAudit(ctx, tt.f)
			must(t, err)
			var ids []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !equalIDs(ids, tt.want) {
				t.Fatalf("ids %v, want %v", ids, tt.want)
			}
		})
	}
	got, err := db.ListAudit(ctx, team.AuditFilter{Action: "budget.set"})
	must(t, err)
	if got[0] != entries[1] {
		t.Fatalf("%+v, want %+v", got[0], entries[1])
	}
	// Append-only, even to SQL.
	for _, q := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`} {
		if _, err := db.w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
