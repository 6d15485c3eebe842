package access_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"playground/server/access"
	"playground/server/auth"
	"playground/server/internal/syncbuf"
	"playground/server/oidc"
	"playground/server/oidc/oidctest"
	"playground/server/sqlite"
	"playground/server/team"
)

// openDB is a new SQLite store in the test's directory.
func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "playground.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// addUser adds a user to db.
func addUser(t *testing.T, db *sqlite.DB, email string) *team.User {
	t.Helper()
	u := &team.User{Email: email}
	if err := db.AddUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// addTeam adds a team to db.
func addTeam(t *testing.T, db *sqlite.DB, name string) *team.Team {
	t.Helper()
	tm := &team.Team{Name: name}
	if err := db.AddTeam(context.Background(), tm); err != nil {
		t.Fatal(err)
	}
	return tm
}

// routes is what a server makes of a: its sign-in routes, a page and an API that say who
// calls, all behind Require.
func routes(a *access.Access) http.Handler {
	mux := http.NewServeMux()
	a.Register(mux, func(h http.Handler) http.Handler { return http.NewCrossOriginProtection().Handler(h) })
	mux.HandleFunc("/api/whoami", func(w http.ResponseWriter, r *http.Request) {
		id := access.From(r.Context())
		fmt.Fprintf(w, `{"email":%q,"team":%d,"via":%q}`, id.User.Email, id.TeamID, id.Via)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "the app for %s", access.From(r.Context()).User.Email)
	})
	open := func(r *http.Request) bool {
		return slices.Contains([]string{"/login", "/logout", access.CallbackPath}, r.URL.Path)
	}
	return a.Require(mux, open, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") })
}

// oidcEnv is a server signing in with -auth oidc against an in-process provider, over SQLite.
type oidcEnv struct {
	db   *sqlite.DB
	op   *oidctest.Provider
	srv  *httptest.Server
	logs *syncbuf.Buffer
}

func runOIDC(t *testing.T, newUsers auth.NewUsers) *oidcEnv {
	t.Helper()
	e := &oidcEnv{db: openDB(t), op: oidctest.Start(t), logs: &syncbuf.Buffer{}}
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	p, err := oidc.Discover(context.Background(), e.op.Config(e.srv.URL+access.CallbackPath))
	if err != nil {
		t.Fatal(err)
	}
	h = routes(access.New(access.Config{Mode: auth.OIDC, Store: e.db, OIDC: p, NewUsers: newUsers,
		Log: slog.New(slog.NewTextHandler(e.logs, nil))}))
	return e
}

// browser is a client with a cookie jar, following redirects (to the provider and back).
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// get GETs u with c and returns the response and its body.
func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// cookie is the value of the jar's cookie called name for the server, "" when none.
func (e *oidcEnv) cookie(c *http.Client, name string) string {
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// TestOIDCSignIn: a page request without a session goes to /login, the provider and back to
// the page it asked for, with a session whose cookie then opens the app and the API; the API
// without one is 401; a next off this site is dropped; signing out ends the session and does
// not go straight back to the provider.
func TestOIDCSignIn(t *testing.T) {
	e := runOIDC(t, auth.Refuse)
	ctx := context.Background()
	addUser(t, e.db, "ada@example.org")

	stop := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, stop, e.srv.URL+"/models?tab=2"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fmodels%3Ftab%3D2" {
		t.Errorf("a page without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := get(t, stop, e.srv.URL+"/api/whoami"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Sign in at /login") {
		t.Errorf("the API without a session: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, stop, e.srv.URL+"/login?next=/models"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), e.op.Mock.AuthorizationEndpoint()+"?") {
		t.Errorf("/login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	c := browser(t)
	e.op.Next(&oidctest.User{Email: "Ada@Example.org", EmailVerified: true})
	resp, body := get(t, c, e.srv.URL+"/models?tab=2")
	if resp.StatusCode != 200 || body != "the app for ada@example.org" || resp.Request.URL.RequestURI() != "/models?tab=2" {
		t.Fatalf("after signing in: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	secret := e.cookie(c, auth.CookieName(false))
	if secret == "" {
		t.Fatal("no session cookie")
	}
	if s, err := e.db.FindSession(ctx, team.HashSecret(secret), time.Now()); err != nil || s.UserID != 1 {
		t.Fatalf("the session in the store: %+v, %v", s, err)
	}
	if e.cookie(c, oidc.CookieName(false)) != "" {
		t.Error("the state cookie outlived the sign-in")
	}
	if resp, body := get(t, c, e.srv.URL+"/api/whoami"); resp.StatusCode != 200 || body != `{"email":"ada@example.org","team":0,"via":"session"}` {
		t.Errorf("the API with the session: %d %s", resp.StatusCode, body)
	}

	e.op.Next(&oidctest.User{Email: "ada@example.org"})
	if resp, body := get(t, browser(t), e.srv.URL+"/login?next=//evil.example/x"); resp.StatusCode != 200 || resp.Request.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") || resp.Request.URL.Path != "/" {
		t.Errorf("a next off this site: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}

	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RequestURI() != "/login?signed_out" || !strings.Contains(string(page), "You have signed out") {
		t.Errorf("signing out: %d at %s: %.300s", resp.StatusCode, resp.Request.URL, page)
	}
	if _, err := e.db.FindSession(ctx, team.HashSecret(secret), time.Now()); team.ErrorCode(err) != team.ENotFound {
		t.Errorf("the session after signing out: %v", err)
	}
	if strings.Contains(e.logs.String(), e.op.ClientSecret()) {
		t.Error("the client secret is in the log")
	}
}

// TestOIDCRefusals: every sign-in that fails shows the sign-in page with why, keeps next for
// the next try, makes no session, and logs without a code, a token or the secret.
func TestOIDCRefusals(t *testing.T) {
	e := runOIDC(t, auth.Refuse)
	addUser(t, e.db, "ada@example.org")
	other := "not this sign-in's nonce"
	tests := []struct {
		name   string
		user   *oidctest.User
		edit   func(q url.Values) // changes the callback's query; nil follows it as it is
		status int
		says   string
	}{
		{"an unknown user", &oidctest.User{Email: "eve@example.org"}, nil, http.StatusForbidden,
			"eve@example.org is not a user of this Playground: ask its admin to add you"},
		{"the wrong nonce", &oidctest.User{Email: "ada@example.org", Nonce: &other}, nil, http.StatusUnauthorized, "could not be verified"},
		{"the wrong audience", &oidctest.User{Email: "ada@example.org", Audience: []string{"someone-else"}}, nil, http.StatusUnauthorized, "could not be verified"},
		{"an expired token", &oidctest.User{Email: "ada@example.org", Expiry: time.Now().Add(-time.Hour)}, nil, http.StatusUnauthorized, "could not be verified"},
		{"an unverified email", &oidctest.User{Email: "ada@example.org", EmailVerified: false}, nil, http.StatusUnauthorized, "is not verified"},
		{"another state", &oidctest.User{Email: "ada@example.org"}, func(q url.Values) { q.Set("state", "forged") }, http.StatusUnauthorized,
			"This sign-in expired or was begun in another browser or tab; sign in again."},
		{"the provider's error", &oidctest.User{Email: "ada@example.org"}, func(q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
		}, http.StatusUnauthorized, "The sign-in provider refused the sign-in (access_denied)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := browser(t)
			var code string
			c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
				if r.URL.Path == access.CallbackPath {
					code = r.URL.Query().Get("code")
					if tt.edit != nil {
						q := r.URL.Query()
						tt.edit(q)
						r.URL.RawQuery = q.Encode()
					}
				}
				return nil
			}
			e.op.Next(tt.user)
			resp, page := get(t, c, e.srv.URL+"/login?next=/models")
			if resp.StatusCode != tt.status || !strings.Contains(page, tt.says) || resp.Request.URL.Path != access.CallbackPath {
				t.Fatalf("%d at %s, want %d saying %q: %.600s", resp.StatusCode, resp.Request.URL, tt.status, tt.says, page)
			}
			if !strings.Contains(page, `action="/login"`) || !strings.Contains(page, `name="next" value="/models"`) || !strings.Contains(page, "Sign in again") {
				t.Errorf("the page does not offer to sign in again to /models: %.600s", page)
			}
			if e.cookie(c, auth.CookieName(false)) != "" {
				t.Error("a refused sign-in made a session cookie")
			}
			if logs := e.logs.String(); !strings.Contains(logs, "oidc sign-in refused") || (code != "" && strings.Contains(logs, code)) || strings.Contains(logs, e.op.ClientSecret()) {
				t.Errorf("the log: %s", logs)
			}
		})
	}
	if _, err := e.db.FindUserByEmail(context.Background(), "eve@example.org"); team.ErrorCode(err) != team.ENotFound {
		t.Errorf("the unknown user was added under refuse: %v", err)
	}
}

// TestOIDCNewUsers: under create, an unknown address becomes a user on the first sign-in (named
// by the name claim), once, in the audit log.
func TestOIDCNewUsers(t *testing.T) {
	e := runOIDC(t, auth.Create)
	ctx := context.Background()
	for range 2 {
		e.op.Next(&oidctest.User{Email: "eve@example.org", Name: "Eve Example", EmailVerified: true})
		if resp, body := get(t, browser(t), e.srv.URL+"/"); resp.StatusCode != 200 || body != "the app for eve@example.org" {
			t.Fatalf("the first sign-in: %d %s", resp.StatusCode, body)
		}
	}
	u, err := e.db.FindUserByEmail(ctx, "eve@example.org")
	if err != nil || u.Name != "Eve Example" || u.Admin {
		t.Fatalf("the new user: %+v, %v", u, err)
	}
	entries, err := e.db.ListAudit(ctx, team.AuditFilter{Action: "user.add"})
	if err != nil || len(entries) != 1 || entries[0].Target != fmt.Sprintf("user %d", u.ID) || !strings.HasSuffix(entries[0].Detail, "by oidc") {
		t.Fatalf("the audit log: %+v, %v", entries, err)
	}
	e.op.Next(&oidctest.User{Email: "bo@example.org", Name: "Bo\x00Bad"}) // a name the store refuses: dropped
	if resp, _ := get(t, browser(t), e.srv.URL+"/"); resp.StatusCode != 200 {
		t.Fatalf("a user with a bad name: %d", resp.StatusCode)
	}
	if u, err := e.db.FindUserByEmail(ctx, "bo@example.org"); err != nil || u.Name != "" {
		t.Fatalf("the user with a bad name: %+v, %v", u, err)
	}
}

// TestOIDCGroups: each sign-in makes the user a member of the teams its groups name, adds only
// (a membership made otherwise stays, role and all, without its group), ignores the groups that
// name no team, and writes each addition to the audit log.
func TestOIDCGroups(t *testing.T) {
	e := runOIDC(t, auth.Refuse)
	ctx := context.Background()
	ada := addUser(t, e.db, "ada@example.org")
	ml, ops := addTeam(t, e.db, "ML"), addTeam(t, e.db, "Ops")
	addTeam(t, e.db, "Research")
	if err := e.db.AddMember(ctx, &team.Membership{TeamID: ops.ID, UserID: ada.ID, Role: team.Admin}); err != nil {
		t.Fatal(err)
	}
	signIn := func(groups any) string {
		t.Helper()
		e.op.Next(&oidctest.User{Email: "ada@example.org", Groups: groups})
		resp, _ := get(t, browser(t), e.srv.URL+"/")
		if resp.StatusCode != 200 {
			t.Fatalf("signing in with %v: %d", groups, resp.StatusCode)
		}
		ms, err := e.db.ListMemberships(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%d:%s", m.TeamID, m.Role))
		}
		return strings.Join(out, " ")
	}
	want := fmt.Sprintf("%d:member %d:admin", ml.ID, ops.ID)
	if got := signIn([]string{"ML", "Ops", "Nobody's team", "ml"}); got != want {
		t.Errorf("after signing in with ML, Ops and unknown groups: %s, want %s", got, want)
	}
	if got := signIn([]string{}); got != want {
		t.Errorf("after signing in with no groups: %s, want %s (add-only)", got, want)
	}
	if got := signIn("Research"); !strings.HasSuffix(got, ":member") || strings.Count(got, ":") != 3 {
		t.Errorf("after signing in with one group as a string: %s", got)
	}
	entries, err := e.db.ListAudit(ctx, team.AuditFilter{Action: "team.add_member"})
	if err != nil || len(entries) != 2 {
		t.Fatalf("the audit log: %+v, %v", entries, err)
	}
	if e := entries[1]; e.Target != fmt.Sprintf("team %d", ml.ID) || e.Detail != "ada@example.org as member, from the group ML; by oidc" {
		t.Errorf("the audit entry: %+v", e)
	}
}
