package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/server/auth"
	"playground/server/sqlite"
	"playground/server/store"
	"playground/server/team"
)

// env runs commands on one SQLite file in a temporary directory.
type env struct {
	t    *testing.T
	path string
	now  time.Time
}

func newEnv(t *testing.T) *env {
	return &env{t: t, path: filepath.Join(t.TempDir(), "data", "playground.db"), now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
}

// run runs a command line and returns its exit status and outputs.
func (e *env) run(args ...string) (int, string, string) {
	return e.runIn("", args...)
}

// runIn is run with stdin.
func (e *env) runIn(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{Stdin: strings.NewReader(stdin),
		Open:   func(p string) (Store, error) { return store.Open(context.Background(), p) },
		Getenv: func(k string) string { return map[string]string{"PLAYGROUND_DATABASE": e.path, "USER": "ops"}[k] },
		Stdout: &out, Stderr: &errb, Now: func() time.Time { return e.now },
	})
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its output.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	code, out, errs := e.run(args...)
	if code != 0 {
		e.t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	return out
}

func (e *env) store() *sqlite.DB {
	db, err := sqlite.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func TestCommands(t *testing.T) {
	e := newEnv(t)
	e.ok("teams", "add", "ML")
	if out := e.ok("users", "add", "Ada@Example.org", "-admin", "-team", "ML", "-role", "admin"); !strings.Contains(out, "added user 1 ada@example.org (admin)") || !strings.Contains(out, "to team ML as admin") {
		t.Errorf("users add: %s", out)
	}
	e.ok("users", "add", "bob@example.org")
	e.ok("teams", "add-member", "-team", "ML", "-user", "bob@example.org")
	out := e.ok("users", "list")
	for _, want := range []string{"ada@example.org", "true", "ML (admin)", "bob@example.org", "ML (member)"} {
		if !strings.Contains(out, want) {
			t.Errorf("users list lacks %q:\n%s", want, out)
		}
	}
	if out := e.ok("teams", "list"); !strings.Contains(out, "ML") || !strings.Contains(out, "2") {
		t.Errorf("teams list:\n%s", out)
	}
	if out := e.ok("budgets", "set", "-team", "ML", "-usd", "25", "-period", "month"); out != "team ML may spend $25.00 a month\n" {
		t.Errorf("budgets set: %q", out)
	}
	e.ok("budgets", "set", "-user", "bob@example.org", "-usd", "0.50", "-period", "day")
	if out := e.ok("budgets", "list"); !strings.Contains(out, "$25.00") || !strings.Contains(out, "$0.50") || !strings.Contains(out, "2027-01-01") {
		t.Errorf("budgets list:\n%s", out)
	}

	// A token: printed once on stdout, stored as a hash only.
	code, secret, errs := e.run("tokens", "create", "-user", "bob@example.org", "-team", "ML", "-name", "laptop", "-expires", "720h")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "pg_") || !strings.Contains(errs, "shown once") {
		t.Fatalf("tokens create: %d %q %s", code, secret, errs)
	}
	raw, _ := os.ReadFile(e.path)
	wal, _ := os.ReadFile(e.path + "-wal")
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(wal, []byte(secret)) {
		t.Error("the token's secret is in the database")
	}
	db := e.store()
	tok, err := db.FindTokenByHash(context.Background(), team.HashSecret(secret), e.now)
	if err != nil || tok.Name != "laptop" || !tok.ExpiresAt.Equal(e.now.Add(720*time.Hour)) {
		t.Errorf("the stored token: %+v %v", tok, err)
	}
	if out := e.ok("tokens", "list", "-user", "bob@example.org"); !strings.Contains(out, "laptop") || !strings.Contains(out, "open") || strings.Contains(out, secret) {
		t.Errorf("tokens list:\n%s", out)
	}
	e.ok("tokens", "revoke", "1")
	if out := e.ok("tokens", "list", "-user", "bob@example.org"); !strings.Contains(out, "closed") {
		t.Errorf("tokens list after revoke:\n%s", out)
	}

	// Usage: a settled call, exported as CSV and JSON lines.
	ctx := context.Background()
	bob, _ := db.FindUserByEmail(ctx, "bob@example.org")
	if err := db.Reserve(ctx, "req-1", team.CallScopes(bob.ID, 1, 0), 10*team.Cent, e.now); err != nil {
		t.Fatal(err)
	}
	if err := db.Settle(ctx, "req-1", 123*team.NanoUSD*1000, team.Usage{Provider: "aimlapi", Model: "gpt-4o", Kind: "chat", InputTokens: 12, OutputTokens: 34, Status: 200, Time: e.now}); err != nil {
		t.Fatal(err)
	}
	csvOut := e.ok("usage", "export", "-since", "24h", "-user", "bob@example.org")
	lines := strings.Split(strings.TrimSpace(csvOut), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "time,request_id,user_id") || !strings.Contains(lines[1], ",req-1,") || !strings.Contains(lines[1], ",0.000123000,123000,") {
		t.Errorf("usage export csv:\n%s", csvOut)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(e.ok("usage", "export", "-format", "jsonl", "-team", "ML", "-model", "gpt-4o")), &row); err != nil || row["request_id"] != "req-1" || row["input_tokens"] != 12.0 {
		t.Errorf("usage export jsonl: %v %v", row, err)
	}
	if out := e.ok("usage", "export", "-until", "2026-12-01"); strings.Count(out, "\n") != 1 {
		t.Errorf("usage before its time: %q", out)
	}

	// Every change is in the audit log, newest first, by the command line's user.
	audit := e.ok("audit", "list")
	for _, want := range []string{"team.add", "user.add", "team.add_member", "budget.set", "token.create", "token.revoke", "by the command line (ops)"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, secret) {
		t.Error("the audit log holds the token's secret")
	}
}

// TestRefusals: bad input says why, exits 1 (2 for a command line that cannot be run), and
// writes nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.ok("teams", "add", "ML")
	e.ok("users", "add", "ada@example.org")
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"users", "add", "ADA@example.org"}, 1, "a user with the email ada@example.org exists already"},
		{[]string{"users", "add", "eve@example.org", "-team", "Nope"}, 1, `no team is called "Nope"`},
		{[]string{"users", "add", "eve@example.org", "-team", "ML", "-role", "boss"}, 1, `"boss" is not a role`},
		{[]string{"users", "add", "not-an-email"}, 1, "not-an-email"},
		{[]string{"users", "add"}, 2, "wants one EMAIL"},
		{[]string{"teams", "add", "ML"}, 1, `a team named "ML" exists already`},
		{[]string{"teams", "add-member", "-team", "ML", "-user", "zed@example.org"}, 1, "no user has the email zed@example.org"},
		{[]string{"budgets", "set", "-user", "ada@example.org", "-usd", "-3", "-period", "day"}, 1, `"-3" is not an amount of US dollars: it is negative`},
		{[]string{"budgets", "set", "-user", "ada@example.org", "-usd", "abc", "-period", "day"}, 1, `"abc" is not an amount of US dollars`},
		{[]string{"budgets", "set", "-user", "ada@example.org", "-usd", "5", "-period", "year"}, 1, "year"},
		{[]string{"budgets", "set", "-team", "Nope", "-usd", "5", "-period", "day"}, 1, `no team is called "Nope"`},
		{[]string{"budgets", "set", "-usd", "5", "-period", "day"}, 2, "give one of -user EMAIL, -team NAME or -token ID"},
		{[]string{"budgets", "set", "-user", "ada@example.org", "-team", "ML", "-usd", "5", "-period", "day"}, 2, "give one of -user EMAIL, -team NAME or -token ID"},
		{[]string{"budgets", "set", "-token", "x", "-usd", "5", "-period", "day"}, 1, `"x" is not a token id`},
		{[]string{"budgets", "delete", "-user", "ada@example.org", "-period", "day"}, 1, "ada@example.org has no budget per day"},
		{[]string{"budgets", "delete", "-user", "ada@example.org"}, 2, "-period is required"},
		{[]string{"teams", "remove-member", "-team", "ML", "-user", "ada@example.org"}, 1, "ada@example.org is not in the team ML"},
		{[]string{"teams", "remove-member", "-team", "ML"}, 2, "-team and -user are required"},
		{[]string{"teams", "set-role", "-team", "ML", "-user", "ada@example.org", "-role", "admin"}, 1, "ada@example.org is not in the team ML"},
		{[]string{"teams", "set-role", "-team", "ML", "-user", "ada@example.org"}, 2, "-role is required"},
		{[]string{"teams", "set-role", "-team", "Nope", "-user", "ada@example.org", "-role", "boss"}, 1, `"boss" is not a role`},
		{[]string{"users", "set-admin", "zed@example.org"}, 1, "no user has the email zed@example.org"},
		{[]string{"usage", "prune"}, 2, "-before is required"},
		{[]string{"usage", "prune", "-before", "1h"}, 1, "is inside the budget periods running"},
		{[]string{"usage", "prune", "-before", "soon"}, 1, `before: "soon" is neither a time`},
		{[]string{"tokens", "create", "-user", "zed@example.org"}, 1, "no user has the email zed@example.org"},
		{[]string{"tokens", "create", "-user", "ada@example.org", "-team", "ML"}, 1, "not in"},
		{[]string{"tokens", "create", "-user", "ada@example.org", "-expires", "-5h"}, 1, "expires: -5h0m0s is negative"},
		{[]string{"tokens", "revoke", "abc"}, 1, `"abc" is not a token id`},
		{[]string{"tokens", "revoke", "99"}, 1, "99"},
		{[]string{"usage", "export", "-since", "yesterday"}, 1, `since: "yesterday" is neither a time`},
		{[]string{"usage", "export", "-format", "xml"}, 2, `-format: "xml" is not csv or jsonl`},
		{[]string{"users", "frob"}, 2, `"users frob" is not a command`},
	}
	for _, tt := range tests {
		code, _, errs := e.run(tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.says) {
			t.Errorf("%v: exit %d %q, want %d saying %q", tt.args, code, errs, tt.code, tt.says)
		}
	}
	db := e.store()
	ctx := context.Background()
	if users, _ := db.ListUsers(ctx); len(users) != 1 {
		t.Errorf("the refusals left %d users", len(users))
	}
	if bs, _ := db.ListBudgets(ctx, e.now); len(bs) != 0 {
		t.Errorf("the refusals left budgets: %+v", bs)
	}
	if es, _ := db.ListAudit(ctx, team.AuditFilter{}); len(es) != 2 {
		t.Errorf("the audit log has %d entries, want the 2 changes made", len(es))
	}
	if code, _, errs := (&env{t: t, path: "postgres://ada:s3cret@127.0.0.1:1/x?connect_timeout=2"}).run("users", "list"); code != 1 || !strings.Contains(errs, "database: ") || strings.Contains(errs, "s3cret") {
		t.Errorf("an unreachable Postgres: %d %s", code, errs)
	}
}

// TestPasswd: a password from standard input, stored as its argon2id hash; a short one refused.
func TestPasswd(t *testing.T) {
	e := newEnv(t)
	e.ok("users", "add", "ada@example.org")
	if code, _, errs := e.runIn("short\n", "users", "passwd", "ada@example.org"); code != 1 || !strings.Contains(errs, "it needs at least 12") {
		t.Errorf("a short password: %d %s", code, errs)
	}
	if code, out, errs := e.runIn("correct horse battery\n", "users", "passwd", "ada@example.org"); code != 0 || !strings.Contains(out, "set the password of ada@example.org") {
		t.Fatalf("passwd: %d %s", code, errs)
	}
	_, hash, err := e.store().PasswordHash(context.Background(), "ada@example.org")
	if err != nil || auth.CheckPassword(hash, "correct horse battery") != nil || strings.Contains(hash, "horse") {
		t.Errorf("the stored hash %q: %v", hash, err)
	}
	if code, _, errs := e.runIn("correct horse battery\n", "users", "passwd", "zed@example.org"); code != 1 || !strings.Contains(errs, "no user has the email") {
		t.Errorf("an unknown user: %d %s", code, errs)
	}
}

// TestMemberAndBudgetCommands: set-admin, remove-member, set-role, a token's budget, budgets
// delete and usage prune, each audited.
func TestMemberAndBudgetCommands(t *testing.T) {
	e := newEnv(t)
	e.ok("teams", "add", "ML")
	e.ok("users", "add", "bob@example.org", "-team", "ML")
	if out := e.ok("users", "set-admin", "bob@example.org"); out != "bob@example.org is an admin\n" {
		t.Errorf("set-admin: %q", out)
	}
	if out := e.ok("users", "set-admin", "bob@example.org", "-admin=false"); out != "bob@example.org is no longer an admin\n" {
		t.Errorf("set-admin -admin=false: %q", out)
	}
	if out := e.ok("teams", "set-role", "-team", "ML", "-user", "bob@example.org", "-role", "admin"); out != "bob@example.org is an admin of team ML\n" {
		t.Errorf("set-role: %q", out)
	}
	if out := e.ok("users", "list"); !strings.Contains(out, "ML (admin)") {
		t.Errorf("users list after set-role:\n%s", out)
	}
	code, secret, _ := e.run("tokens", "create", "-user", "bob@example.org", "-team", "ML")
	if code != 0 {
		t.Fatal("tokens create")
	}
	if out := e.ok("budgets", "set", "-token", "1", "-usd", "2", "-period", "week"); !strings.HasPrefix(out, "token 1 (pg_") || !strings.HasSuffix(out, "may spend $2.00 a week\n") {
		t.Errorf("budgets set -token: %q", out)
	}
	if out := e.ok("budgets", "delete", "-token", "1", "-period", "week"); !strings.HasSuffix(out, "has no budget per week any more\n") {
		t.Errorf("budgets delete: %q", out)
	}
	if out := e.ok("budgets", "list"); strings.Contains(out, "token 1") {
		t.Errorf("budgets list after delete:\n%s", out)
	}
	if out := e.ok("teams", "remove-member", "-team", "ML", "-user", "bob@example.org"); !strings.Contains(out, "removed bob@example.org from team ML") {
		t.Errorf("remove-member: %q", out)
	}
	db := e.store()
	ctx := context.Background()
	if _, err := db.FindTokenByHash(ctx, team.HashSecret(strings.TrimSpace(secret)), e.now); team.ErrorCode(err) != team.EUnauthorized {
		t.Errorf("the token billing ML after remove-member: %v", err)
	}

	// Pruning: the raw records before the time go, the daily sums stay.
	bob, _ := db.FindUserByEmail(ctx, "bob@example.org")
	old := e.now.AddDate(0, -3, 0)
	must(t, db.Reserve(ctx, "old", team.CallScopes(bob.ID, 0, 0), team.Cent, old))
	must(t, db.Settle(ctx, "old", team.Cent, team.Usage{Model: "m"}))
	must(t, db.Reserve(ctx, "new", team.CallScopes(bob.ID, 0, 0), team.Cent, e.now))
	must(t, db.Settle(ctx, "new", team.Cent, team.Usage{Model: "m"}))
	if out := e.ok("usage", "prune", "-before", "1440h"); !strings.HasPrefix(out, "deleted 1 usage records before 2026-10-05T10:00:00Z") {
		t.Errorf("usage prune: %q", out)
	}
	if rows, _ := db.ListUsage(ctx, team.UsageFilter{}); len(rows) != 1 || rows[0].RequestID != "new" {
		t.Errorf("after the prune: %+v", rows)
	}
	if days, _ := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay); len(days) != 2 {
		t.Errorf("the rollup after the prune: %+v", days)
	}

	audit := e.ok("audit", "list")
	for _, want := range []string{"user.admin", "team.set_role", "budget.delete", "team.remove_member", "usage.prune"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, audit)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
