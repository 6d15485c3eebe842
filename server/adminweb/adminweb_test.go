package adminweb

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"playground/server/access"
	"playground/server/sqlite"
	"playground/server/team"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// now is the tests' clock: a Wednesday, mid-month.
var now = time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)

// env is the pages on a new SQLite store holding ada (an admin, in ML), bob (a member of ML) and
// eve (a member of Ops), with a token each.
type env struct {
	t             *testing.T
	db            *sqlite.DB
	h             http.Handler
	ada, bob, eve *team.User
	ml, ops       *team.Team
	// tokens are each user's token, by email.
	tokens map[string]*team.Token
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	e := &env{t: t, db: db, tokens: map[string]*team.Token{}}
	e.ada = &team.User{Email: "ada@example.org", Name: "Ada", Admin: true, CreatedAt: now.AddDate(0, -1, 0)}
	e.bob = &team.User{Email: "bob@example.org", CreatedAt: now.AddDate(0, -1, 0)}
	e.eve = &team.User{Email: "eve@example.org", CreatedAt: now.AddDate(0, -1, 0)}
	for _, u := range []*team.User{e.ada, e.bob, e.eve} {
		must(t, db.AddUser(ctx, u))
	}
	e.ml, e.ops = &team.Team{Name: "ML", CreatedAt: now.AddDate(0, -1, 0)}, &team.Team{Name: "Ops", CreatedAt: now.AddDate(0, -1, 0)}
	must(t, db.AddTeam(ctx, e.ml))
	must(t, db.AddTeam(ctx, e.ops))
	for _, m := range []team.Membership{{TeamID: e.ml.ID, UserID: e.ada.ID, Role: team.Admin}, {TeamID: e.ml.ID, UserID: e.bob.ID, Role: team.Member}, {TeamID: e.ops.ID, UserID: e.eve.ID, Role: team.Member}} {
		m.CreatedAt = now.AddDate(0, -1, 0)
		must(t, db.AddMember(ctx, &m))
	}
	for _, u := range []*team.User{e.ada, e.bob, e.eve} {
		_, tok, err := team.NewToken(u.ID, 0, "laptop", now.AddDate(0, 0, -7), time.Time{})
		must(t, err)
		must(t, db.CreateToken(ctx, &tok))
		e.tokens[u.Email] = &tok
	}
	e.h = New(Config{Store: db, Now: func() time.Time { return now }})
	return e
}

// id is the identity of u signed in with a session.
func id(u *team.User) *access.Identity { return &access.Identity{User: *u, Via: "session"} }

// do serves method path as who (nil: no identity), with form as the body of a POST.
func (e *env) do(who *access.Identity, method, path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	var req *http.Request
	if method == http.MethodPost {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if who != nil {
		req = req.WithContext(access.WithIdentity(req.Context(), who))
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// call reserves and settles a call of u billed to teamID, of model, at at.
func (e *env) call(reqID string, u *team.User, teamID int64, model string, at time.Time, cost team.Money, in, out int64) {
	e.t.Helper()
	ctx := context.Background()
	must(e.t, e.db.Reserve(ctx, reqID, team.CallScopes(u.ID, teamID, 0), team.USD, at))
	must(e.t, e.db.Settle(ctx, reqID, cost, team.Usage{Provider: "aimlapi", Model: model, Kind: "chat", InputTokens: in, OutputTokens: out, Status: 200}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAccess: who may see and post what.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	token := &access.Identity{User: *e.ada, Via: "token", TokenID: e.tokens[e.ada.Email].ID}
	tests := []struct {
		name         string
		who          *access.Identity
		method, path string
		header       map[string]string
		status       int
		says         string
	}{
		{"no identity", nil, "GET", "/admin", nil, 401, "Sign in first"},
		{"no identity, usage", nil, "GET", "/usage", nil, 401, "Sign in first"},
		{"a member on the admin page", id(e.bob), "GET", "/admin", nil, 403, "The admin page is for this Playground&#39;s admins, and bob@example.org is not one"},
		{"a member posting an admin form", id(e.bob), "POST", "/admin/users", nil, 403, "Admins only"},
		{"a member revoking through the admin page", id(e.bob), "POST", "/admin/tokens/revoke", nil, 403, "Admins only"},
		{"an admin", id(e.ada), "GET", "/admin", nil, 200, "Audit log"},
		{"a member's usage", id(e.bob), "GET", "/usage", nil, 200, "Your own calls"},
		{"a member's account", id(e.bob), "GET", "/account", nil, 200, "Your personal API tokens"},
		{"an API token may read", token, "GET", "/usage", nil, 200, "Everyone"},
		{"an API token may not post", token, "POST", "/account/tokens", nil, 403, "not with a personal API token"},
		{"a cross-origin post", id(e.ada), "POST", "/admin/teams", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-origin"},
		{"an unknown page", id(e.bob), "GET", "/admin/nope", nil, 404, "There is no page GET /admin/nope here."},
		{"a GET of a form's path", id(e.ada), "GET", "/account/tokens", nil, 404, "No such page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader("name=x"))
			if tt.method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.who != nil {
				req = req.WithContext(access.WithIdentity(req.Context(), tt.who))
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(strings.ToLower(rec.Body.String()), strings.ToLower(tt.says)) {
				t.Fatalf("%d, want %d saying %q:\n%s", rec.Code, tt.status, tt.says, rec.Body)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	if es, _ := e.db.ListAudit(context.Background(), team.AuditFilter{}); len(es) != 0 {
		t.Errorf("the refused requests changed something: %+v", es)
	}
}

// TestPagesHaveNoOutsideResources: no script, and nothing loaded from another origin.
func TestPagesHaveNoOutsideResources(t *testing.T) {
	e := newEnv(t)
	e.call("r1", e.bob, e.ml.ID, "gpt-4o", now, team.Cent, 10, 5)
	outside := regexp.MustCompile(`(?i)<script|(src|href)="(https?:)?//|@import|url\(`)
	for _, path := range []string{"/admin", "/usage", "/account"} {
		rec := e.do(id(e.ada), "GET", path, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if m := outside.FindString(rec.Body.String()); m != "" {
			t.Errorf("%s loads %q", path, m)
		}
	}
}

// flashOf follows a redirect's flash: the page it leads to, and its message.
func (e *env) flashOf(who *access.Identity, rec *httptest.ResponseRecorder) (string, string) {
	e.t.Helper()
	if rec.Code != http.StatusSeeOther {
		e.t.Fatalf("status %d, want a redirect:\n%s", rec.Code, rec.Body)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	must(e.t, err)
	page := e.do(who, "GET", loc.RequestURI(), nil)
	if page.Code != 200 {
		e.t.Fatalf("GET %s after the redirect: %d", loc, page.Code)
	}
	return page.Body.String(), loc.Query().Get("done")
}

// TestAdminActions: each form of the admin page does its action, redirects with what it did,
// and is audited with the acting admin.
func TestAdminActions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada := id(e.ada)
	tests := []struct {
		name  string
		path  string
		form  url.Values
		flash string
		check func(t *testing.T)
	}{
		{"add a user to a team", "/admin/users", url.Values{"email": {" Zed@Example.org "}, "name": {"Zed"}, "team": {"ML"}, "role": {"member"}},
			"Added the user zed@example.org to the team ML as member.", func(t *testing.T) {
				u, err := e.db.FindUserByEmail(ctx, "zed@example.org")
				must(t, err)
				if _, err := e.db.FindMembership(ctx, e.ml.ID, u.ID); err != nil || u.Admin || u.Name != "Zed" {
					t.Fatalf("%+v %v", u, err)
				}
			}},
		{"add an admin", "/admin/users", url.Values{"email": {"root@example.org"}, "admin": {"on"}}, "Added the user root@example.org.", func(t *testing.T) {
			if u, err := e.db.FindUserByEmail(ctx, "root@example.org"); err != nil || !u.Admin {
				t.Fatalf("%+v %v", u, err)
			}
		}},
		{"make an admin", "/admin/users/admin", url.Values{"user": {"bob@example.org"}, "admin": {"true"}}, "bob@example.org is an admin now.", func(t *testing.T) {
			if u, _ := e.db.FindUser(ctx, e.bob.ID); !u.Admin {
				t.Fatal("not an admin")
			}
		}},
		{"remove an admin", "/admin/users/admin", url.Values{"user": {"bob@example.org"}, "admin": {"false"}}, "bob@example.org is no longer an admin.", nil},
		{"set a password", "/admin/users/password", url.Values{"user": {"bob@example.org"}, "password": {"correct horse battery"}}, "Set the password of bob@example.org.", func(t *testing.T) {
			if _, hash, err := e.db.PasswordHash(ctx, "bob@example.org"); err != nil || !strings.HasPrefix(hash, "$argon2id$") {
				t.Fatalf("%q %v", hash, err)
			}
		}},
		{"add a team", "/admin/teams", url.Values{"name": {"Research"}}, "Added the team Research.", nil},
		{"add a member", "/admin/members", url.Values{"team": {"Ops"}, "user": {"bob@example.org"}, "role": {"admin"}}, "Added bob@example.org to the team Ops as admin.", nil},
		{"change a role", "/admin/members/role", url.Values{"team": {"Ops"}, "user": {"bob@example.org"}, "role": {"member"}}, "bob@example.org is now member of the team Ops.", func(t *testing.T) {
			if m, _ := e.db.FindMembership(ctx, e.ops.ID, e.bob.ID); m.Role != team.Member {
				t.Fatalf("%+v", m)
			}
		}},
		{"remove a member", "/admin/members/remove", url.Values{"team": {"Ops"}, "user": {"bob@example.org"}}, "Removed bob@example.org from the team Ops; their tokens billing it are revoked.", func(t *testing.T) {
			if _, err := e.db.FindMembership(ctx, e.ops.ID, e.bob.ID); team.ErrorCode(err) != team.ENotFound {
				t.Fatal(err)
			}
		}},
		{"revoke a token", "/admin/tokens/revoke", url.Values{"token": {strconv.FormatInt(e.tokens["eve@example.org"].ID, 10)}},
			fmt.Sprintf("Revoked the token %d (%s…).", e.tokens["eve@example.org"].ID, e.tokens["eve@example.org"].Display), nil},
		{"set a team's budget", "/admin/budgets", url.Values{"kind": {"team"}, "who": {"ML"}, "usd": {"25"}, "period": {"month"}}, "team ML may spend $25.00 a month.", nil},
		{"set a token's budget", "/admin/budgets", url.Values{"kind": {"token"}, "who": {"1"}, "usd": {"0.5"}, "period": {"day"}}, "token 1 (" + e.tokens["ada@example.org"].Display + "…) may spend $0.50 a day.", nil},
		{"delete a budget", "/admin/budgets/delete", url.Values{"kind": {"token"}, "who": {"1"}, "period": {"day"}}, "token 1 (" + e.tokens["ada@example.org"].Display + "…) has no budget per day any more.", func(t *testing.T) {
			if bs, _ := e.db.ListBudgets(ctx, now); len(bs) != 1 {
				t.Fatalf("%+v", bs)
			}
		}},
		{"set a team's policy", "/admin/policies", url.Values{"kind": {"team"}, "who": {"ML"}, "models": {"openai/*, claude-*"}, "rpm": {"60"}, "tpm": {""}, "concurrent": {"4"}},
			"team ML: models openai/*,claude-*, rpm 60, concurrent 4.", func(t *testing.T) {
				if ps, _ := e.db.ListPolicies(ctx, team.TeamScope(e.ml.ID)); len(ps) != 1 || ps[0].RPM != 60 || ps[0].Concurrent != 4 || len(ps[0].Models) != 2 {
					t.Fatalf("%+v", ps)
				}
			}},
		{"set a user's policy", "/admin/policies", url.Values{"kind": {"user"}, "who": {"bob@example.org"}, "tpm": {"100000"}}, "bob@example.org: tpm 100000.", nil},
		{"delete a policy", "/admin/policies/delete", url.Values{"kind": {"user"}, "who": {"bob@example.org"}}, "bob@example.org may run any model, without limits, again.", func(t *testing.T) {
			if ps, _ := e.db.ListPolicies(ctx); len(ps) != 1 {
				t.Fatalf("%+v", ps)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.db.ListAudit(ctx, team.AuditFilter{})
			page, flash := e.flashOf(ada, e.do(ada, "POST", tt.path, tt.form))
			if flash != tt.flash {
				t.Fatalf("flash %q, want %q", flash, tt.flash)
			}
			if !strings.Contains(page, `<p class="flash" role="status">`+templateEscape(tt.flash)+`</p>`) {
				t.Errorf("the page does not show the flash %q", tt.flash)
			}
			after, _ := e.db.ListAudit(ctx, team.AuditFilter{})
			if len(after) <= len(before) {
				t.Fatal("not audited")
			}
			for _, a := range after[:len(after)-len(before)] {
				if a.ActorID != e.ada.ID || !strings.HasSuffix(a.Detail, "by ada@example.org on the admin page") {
					t.Errorf("audit entry %+v", a)
				}
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
	// The page lists what was done.
	page := e.do(ada, "GET", "/admin", nil).Body.String()
	for _, want := range []string{"zed@example.org", "ML (member)", "Research", "$25.00", "team.add_member", "budget.delete", "revoked 2026-12-16", "<code>claude-*</code>", "policy.delete"} {
		if !strings.Contains(page, want) {
			t.Errorf("the admin page lacks %q", want)
		}
	}
	// A flash another site links to is not shown.
	req := httptest.NewRequest("GET", "/admin?done=Your+session+expired", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req.WithContext(access.WithIdentity(req.Context(), ada)))
	if strings.Contains(rec.Body.String(), "Your session expired") {
		t.Error("a cross-site link's flash is shown")
	}
}

// templateEscape is s as html/template writes it in text.
func templateEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// TestTokenShownOnce: a token made on the admin page is shown on the answer to the post, not in
// a URL; the store keeps its hash only; the admin page afterwards does not show it.
func TestTokenShownOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name, path string
		who        *access.Identity
		form       url.Values
		user       *team.User
	}{
		{"the admin page", "/admin/tokens", id(e.ada), url.Values{"user": {"bob@example.org"}, "team": {"ML"}, "name": {"ci"}, "expires": {"720h"}}, e.bob},
		{"the account page", "/account/tokens", id(e.eve), url.Values{"team": {"Ops"}, "name": {"laptop 2"}, "expires": {"0"}}, e.eve},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(tt.who, "POST", tt.path, tt.form)
			body := rec.Body.String()
			secret := regexp.MustCompile(`value="(pg_[a-z2-7]+)"`).FindStringSubmatch(body)
			if rec.Code != 200 || secret == nil || !strings.Contains(body, "shown only this once") || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("%d %v:\n%s", rec.Code, secret, body)
			}
			tok, err := e.db.FindTokenByHash(ctx, team.HashSecret(secret[1]), now)
			if err != nil || tok.UserID != tt.user.ID || tok.Name != tt.form.Get("name") {
				t.Fatalf("the stored token %+v %v", tok, err)
			}
			for _, path := range []string{"/admin", "/account"} {
				if strings.Contains(e.do(tt.who, "GET", path, nil).Body.String(), secret[1]) {
					t.Errorf("%s shows the secret again", path)
				}
			}
			if es, _ := e.db.ListAudit(ctx, team.AuditFilter{Action: "token.create", Limit: 1}); len(es) != 1 || es[0].ActorID != tt.who.User.ID || strings.Contains(es[0].Detail, secret[1]) {
				t.Errorf("the audit entry %+v", es)
			}
		})
	}
}

// TestAdminRefusals: a refusal re-renders the page with the form as typed, the field marked, and
// the field and the reason said; nothing is written.
func TestAdminRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		field  string // the input marked
		says   string
		kept   string // a value typed, shown again
	}{
		{"a bad email", "/admin/users", url.Values{"email": {"not-an-email"}, "name": {"Zed"}}, 400, "email", `Email: &#34;not-an-email&#34; is not an email address`, `value="Zed"`},
		{"an email taken", "/admin/users", url.Values{"email": {"BOB@example.org"}}, 409, "email", "Email: a user with the email bob@example.org exists already", `value="BOB@example.org"`},
		{"a bad role", "/admin/users", url.Values{"email": {"zed@example.org"}, "team": {"ML"}, "role": {"boss"}}, 400, "role", `Role: &#34;boss&#34; is not a role`, `value="zed@example.org"`},
		{"an unknown team", "/admin/users", url.Values{"email": {"zed@example.org"}, "team": {"Nope"}}, 404, "team", `Team: no team is called &#34;Nope&#34;`, `value="zed@example.org"`},
		{"a short password", "/admin/users/password", url.Values{"user": {"bob@example.org"}, "password": {"short"}}, 400, "password", "Password: the password is 5 characters; it needs at least 12", `<option selected>bob@example.org</option>`},
		{"one's own admin rights", "/admin/users/admin", url.Values{"user": {"ada@example.org"}, "admin": {"false"}}, 400, "", "Admin: you cannot take away your own admin rights", ""},
		{"neither true nor false", "/admin/users/admin", url.Values{"user": {"bob@example.org"}, "admin": {"yes please"}}, 400, "", `Admin: &#34;yes please&#34; is neither true nor false`, ""},
		{"a team name taken", "/admin/teams", url.Values{"name": {"ML"}}, 409, "name", `Name: a team named &#34;ML&#34; exists already`, `value="ML"`},
		{"a member twice", "/admin/members", url.Values{"team": {"ML"}, "user": {"bob@example.org"}}, 409, "user", "User: bob@example.org is in the team ML already", ""},
		{"removing a non-member", "/admin/members/remove", url.Values{"team": {"Ops"}, "user": {"bob@example.org"}}, 404, "", "User: bob@example.org is not in the team Ops", ""},
		{"a token billing a team not theirs", "/admin/tokens", url.Values{"user": {"eve@example.org"}, "team": {"ML"}, "name": {"ci"}}, 400, "team", "Team: eve@example.org is not in the team ML", `value="ci"`},
		{"a bad lifetime", "/admin/tokens", url.Values{"user": {"eve@example.org"}, "expires": {"forever"}}, 400, "expires", `Expires: &#34;forever&#34; is not a lifetime`, ""},
		{"revoking no token", "/admin/tokens/revoke", url.Values{"token": {"99"}}, 404, "", "Token: no token has the id 99", ""},
		{"a bad amount", "/admin/budgets", url.Values{"kind": {"user"}, "who": {"bob@example.org"}, "usd": {"-3"}, "period": {"day"}}, 400, "usd", `Limit (USD): &#34;-3&#34; is not an amount of US dollars: it is negative`, `value="bob@example.org"`},
		{"a budget of nobody", "/admin/budgets", url.Values{"kind": {"user"}, "who": {"zed@example.org"}, "usd": {"3"}, "period": {"day"}}, 404, "who", "Who: no user has the email zed@example.org", `value="3"`},
		{"a budget of no team", "/admin/budgets", url.Values{"kind": {"team"}, "who": {"Nope"}, "usd": {"3"}, "period": {"week"}}, 404, "who", `Who: no team is called &#34;Nope&#34;`, `<option selected>week</option>`},
		{"a bad period", "/admin/budgets", url.Values{"kind": {"user"}, "who": {"bob@example.org"}, "usd": {"3"}, "period": {"year"}}, 400, "period", `Period: &#34;year&#34; is not a budget period`, `value="3"`},
		{"a bad pattern", "/admin/policies", url.Values{"kind": {"team"}, "who": {"ML"}, "models": {"openai/["}, "rpm": {"5"}}, 400, "models", `Models: &#34;openai/[&#34; is not a valid model pattern`, `value="5"`},
		{"a rate that is not a number", "/admin/policies", url.Values{"kind": {"team"}, "who": {"ML"}, "rpm": {"lots"}}, 400, "rpm", `Calls a minute: &#34;lots&#34; is not a whole number`, `value="lots"`},
		{"a negative limit", "/admin/policies", url.Values{"kind": {"team"}, "who": {"ML"}, "concurrent": {"-2"}}, 400, "concurrent", "At once: &#34;-2&#34; is negative (0 is no limit)", `value="-2"`},
		{"a policy of nobody", "/admin/policies", url.Values{"kind": {"user"}, "who": {"zed@example.org"}, "rpm": {"5"}}, 404, "who", "Who: no user has the email zed@example.org", `value="5"`},
		{"deleting no policy", "/admin/policies/delete", url.Values{"kind": {"user"}, "who": {"bob@example.org"}}, 404, "", "bob@example.org has no policy", ""},
		{"deleting no budget", "/admin/budgets/delete", url.Values{"kind": {"user"}, "who": {"bob@example.org"}, "period": {"day"}}, 404, "", "Period: bob@example.org has no budget per day", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(id(e.ada), "POST", tt.path, tt.form)
			body := rec.Body.String()
			if rec.Code != tt.status || !strings.Contains(body, tt.says) || !strings.Contains(body, `role="alert"`) {
				t.Fatalf("%d, want %d saying %q:\n%s", rec.Code, tt.status, tt.says, body)
			}
			if tt.kept != "" && !strings.Contains(body, tt.kept) {
				t.Errorf("what was typed is lost: no %s", tt.kept)
			}
			if tt.field != "" && !regexp.MustCompile(`name="`+tt.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
				t.Errorf("the input %q is not marked", tt.field)
			}
			if strings.Contains(body, "short\"") {
				t.Error("a password is shown again")
			}
		})
	}
	if es, _ := e.db.ListAudit(ctx, team.AuditFilter{}); len(es) != 0 {
		t.Errorf("the refusals were audited or changed something: %+v", es)
	}
	if users, _ := e.db.ListUsers(ctx); len(users) != 3 {
		t.Errorf("%d users", len(users))
	}
}

// TestAccountOwnership: a user's account page shows and revokes their own tokens only; another's
// token id is not found, and stays open.
func TestAccountOwnership(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob, eves := id(e.bob), e.tokens["eve@example.org"]
	page := e.do(bob, "GET", "/account", nil).Body.String()
	if !strings.Contains(page, e.tokens["bob@example.org"].Display) || strings.Contains(page, eves.Display) {
		t.Fatalf("bob's account page:\n%s", page)
	}
	tests := []struct {
		name   string
		token  string
		status int
		says   string
	}{
		{"another's token", strconv.FormatInt(eves.ID, 10), 404, fmt.Sprintf("Token: no token has the id %d", eves.ID)},
		{"a token that does not exist", "999", 404, "Token: no token has the id 999"},
		{"not an id", "x", 400, `Token: &#34;x&#34; is not a token id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(bob, "POST", "/account/tokens/revoke", url.Values{"token": {tt.token}})
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.says) {
				t.Fatalf("%d, want %d saying %q:\n%s", rec.Code, tt.status, tt.says, rec.Body)
			}
		})
	}
	if tok, _ := e.db.FindToken(ctx, eves.ID); !tok.RevokedAt.IsZero() {
		t.Fatal("bob revoked eve's token")
	}
	// His own: revoked, and audited as by him.
	_, flash := e.flashOf(bob, e.do(bob, "POST", "/account/tokens/revoke", url.Values{"token": {strconv.FormatInt(e.tokens["bob@example.org"].ID, 10)}}))
	if !strings.HasPrefix(flash, "Revoked the token") {
		t.Fatalf("flash %q", flash)
	}
	if es, _ := e.db.ListAudit(ctx, team.AuditFilter{}); len(es) != 1 || es[0].ActorID != e.bob.ID || es[0].Action != "token.revoke" {
		t.Fatalf("audit %+v", es)
	}
	// A token billing a team not his is refused, naming the field.
	rec := e.do(bob, "POST", "/account/tokens", url.Values{"team": {"Ops"}, "name": {"sneaky"}})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Team: bob@example.org is not in the team Ops") || !strings.Contains(rec.Body.String(), `value="sneaky"`) {
		t.Fatalf("%d:\n%s", rec.Code, rec.Body)
	}
}
